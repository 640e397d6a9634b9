"""The four example contracts audited from infrastructure-as-code, through ``rolecheck audit`` in audit mode.

Each variant is deployed into a moto server of the audit's own and its contract is run against it read-only, from
the contract's folder. A compliant variant passes every scenario; a non-compliant one fails exactly the scenarios
of the contract mutant with the same flaw (``mutation.catalog.CONTRACT_MUTANTS``, which the moto runs of
tests/project/test_contracts_on_moto.py kill), each with a compliance violation: the sentence that names the flaw,
whether it was deployed from a template or a plan.

One subprocess per variant (about 8 s of CPU each), two at a time, all started by one module fixture.
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from audit_helpers import REPO, clean_env, run

from rolecheck.mutation import catalog

CONTRACTS = REPO / "examples" / "contracts"
# The four contracts (the other examples are audited from IaC elsewhere, or not yet).
FOUR = frozenset({"mfa-analyst", "github-deployer", "vendor-support", "role-chain"})


@dataclass(frozen=True)
class Variant:
    contract: str
    option: str
    path: str
    mutant: str | None = None  # the contract mutant with the same flaw; None: compliant

    @property
    def id(self) -> str:
        return f"{self.contract}:{Path(self.path).parent.name}:{Path(self.path).stem}"

    @property
    def mapping(self) -> Path:
        """The mapping beside the template or plan, else the contract's (which names template logical ids)."""
        folder = CONTRACTS / self.contract
        beside = folder / Path(self.path).parent / "mapping.yaml"
        return beside if beside.exists() or self.option == "--terraform-plan" else folder / "mapping.yaml"

    @property
    def failing(self) -> frozenset[str]:
        return catalog.MUTANTS[self.mutant].kills if self.mutant else frozenset()


def _cfn(contract: str, name: str, mutant: str | None = None) -> Variant:
    return Variant(contract, "--cloudformation", f"cloudformation/{name}.yaml", mutant)


def _tf(contract: str, name: str, mutant: str | None = None) -> Variant:
    return Variant(contract, "--terraform-plan", f"terraform/{name}-plan.json", mutant)


VARIANTS = (
    _cfn("mfa-analyst", "compliant"), _cfn("mfa-analyst", "noncompliant-mfa", "drop-mfa-condition"),
    _cfn("mfa-analyst", "noncompliant-bucket", "whole-bucket-grant"),
    _cfn("github-deployer", "compliant"), _cfn("github-deployer", "noncompliant", "drop-oidc-sub"),
    _cfn("vendor-support", "compliant"), _cfn("vendor-support", "noncompliant", "drop-external-id"),
    _cfn("role-chain", "compliant"), _cfn("role-chain", "noncompliant", "second-role-reachable"),
    # From a plan: the compliant ones, and one flaw (the other plans' flaws are the templates' own, shown above).
    _tf("mfa-analyst", "compliant"), _tf("role-chain", "compliant"),
    _tf("role-chain", "noncompliant", "second-role-reachable"),
)


@dataclass(frozen=True)
class Audited:
    returncode: int
    verdicts: dict[str, tuple[str, str]]  # scenario -> (status, message)
    output: str


def _audit(variant: Variant, results: Path) -> Audited:
    folder = CONTRACTS / variant.contract
    mapping = ["--mapping", str(variant.mapping)] if variant.mapping.exists() else []
    command = ["-m", "rolecheck.cli", "audit", variant.option, str(folder / variant.path), *mapping,
               "--project", str(folder), "--no-report", "--results", str(results),
               "--", "-q", "--tb=line", "-p", "no:cacheprovider"]
    completed = run([sys.executable, *command], clean_env(), timeout=300)
    verdicts = {}
    for path in results.glob("*-result.json"):
        record = json.loads(path.read_text(encoding="utf-8"))
        verdicts[record["name"]] = (record["status"], (record.get("statusDetails") or {}).get("message", ""))
    return Audited(completed.returncode, verdicts, completed.stdout[-3000:] + completed.stderr[-2000:])


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Audited]:
    """Every variant's audit, two at a time (the two cores make test has)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {v.id: pool.submit(_audit, v, tmp_path_factory.mktemp(v.id.replace(":", "-")))
                   for v in VARIANTS}
        return {key: future.result() for key, future in futures.items()}


def test_each_flaw_of_the_four_contracts_has_a_deployed_variant() -> None:
    mutants = {m.name for m in catalog.CONTRACT_MUTANTS if m.contract in FOUR}
    assert mutants - {v.mutant for v in VARIANTS} == {
        # Resource-policy flaws: the templates above grant through identity policies only.
        "function-policy-grants-deployer", "queue-policy-grants-vendor-role"}
    assert {v.contract for v in VARIANTS if v.mutant is None and v.option == "--cloudformation"} == FOUR


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.id)
def test_each_variant_fails_exactly_the_sentences_naming_its_flaw(audited, variant: Variant) -> None:
    result = audited[variant.id]
    assert result.verdicts, result.output
    assert "not deployed" not in result.output, "everything of the template was deployed"
    failed = {name for name, (status, _) in result.verdicts.items() if status != "passed"}
    assert failed == variant.failing, result.output
    for name in failed:
        status, message = result.verdicts[name]
        assert status == "failed" and message.startswith("rolecheck.errors.ComplianceViolation"), (name, message)
    assert result.returncode == (1 if variant.mutant else 0), result.output
