"""The example contracts on moto: each compliant run passes every scenario, and each non-compliant variant (a
mutant of ``mutation.catalog.CONTRACT_MUTANTS``) fails exactly the sentences naming its flaw, each with a
compliance violation.

One pytest subprocess per contract and per mutant, run two at a time, so the module costs well under a minute.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from rolecheck.mutation import catalog, runner

CONTRACTS = Path(__file__).resolve().parents[2] / "examples" / "contracts"
NAMES = ("mfa-analyst", "github-deployer", "vendor-support", "role-chain", "order-worker", "workforce-saml")


@functools.cache
def run_of(contract: str, mutant: str | None) -> runner.SuiteRun:
    """A contract's run, baseline (``mutant`` None) or with a mutant, made once: a compliant contract's tests run
    in `make test`, its mutants' in `make mutants` (the catalog marker), each paying only for the runs it reads."""
    return runner.run_suite(CONTRACTS / contract, mutant, ["features"])


def test_every_contract_has_non_compliant_variants() -> None:
    assert {m.contract for m in catalog.CONTRACT_MUTANTS} == set(NAMES)


@pytest.mark.parametrize("contract", NAMES)
def test_the_compliant_contract_passes(contract: str) -> None:
    verdict = runner.judge_baseline(run_of(contract, None))
    assert verdict.killed, verdict.problems


@pytest.mark.catalog
@pytest.mark.parametrize("mutant", catalog.CONTRACT_MUTANTS, ids=lambda m: m.name)
def test_each_flaw_fails_exactly_its_sentences(mutant: catalog.Mutant) -> None:
    scenarios = frozenset(r.scenario for r in run_of(mutant.contract, None).results)
    verdict = runner.judge(mutant, run_of(mutant.contract, mutant.name), scenarios)
    assert verdict.killed, verdict.problems
