"""The example contracts on moto: each compliant run passes every scenario, and each non-compliant variant (a
mutant of ``mutation.catalog.CONTRACT_MUTANTS``) fails exactly the sentences naming its flaw, each with a
compliance violation.

One pytest subprocess per contract and per mutant, run two at a time, so the module costs well under a minute.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from rolecheck.mutation import catalog, runner

CONTRACTS = Path(__file__).resolve().parents[2] / "examples" / "contracts"
NAMES = ("mfa-analyst", "github-deployer", "vendor-support", "role-chain", "order-worker", "workforce-saml")
RUNS = [(name, None) for name in NAMES] + [(m.contract, m.name) for m in catalog.CONTRACT_MUTANTS]


@pytest.fixture(scope="module")
def runs() -> dict[tuple[str, str | None], runner.SuiteRun]:
    """Every contract's baseline and mutant runs, two at a time (the two cores make test has)."""
    def run(contract: str, mutant: str | None) -> runner.SuiteRun:
        return runner.run_suite(CONTRACTS / contract, mutant, ["features"])

    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {key: pool.submit(run, *key) for key in RUNS}
        return {key: future.result() for key, future in futures.items()}


def test_every_contract_has_non_compliant_variants() -> None:
    assert {m.contract for m in catalog.CONTRACT_MUTANTS} == set(NAMES)


@pytest.mark.parametrize("contract", NAMES)
def test_the_compliant_contract_passes(runs, contract: str) -> None:
    verdict = runner.judge_baseline(runs[contract, None])
    assert verdict.killed, verdict.problems


@pytest.mark.parametrize("mutant", catalog.CONTRACT_MUTANTS, ids=lambda m: m.name)
def test_each_flaw_fails_exactly_its_sentences(runs, mutant: catalog.Mutant) -> None:
    scenarios = frozenset(r.scenario for r in runs[mutant.contract, None].results)
    verdict = runner.judge(mutant, runs[mutant.contract, mutant.name], scenarios)
    assert verdict.killed, verdict.problems
