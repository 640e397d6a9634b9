"""The mutation catalog: its mechanism (fast), and the whole catalog run against the suite (minutes)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from rolecheck.errors import ComplianceViolation
from rolecheck.mutation import catalog
from rolecheck.mutation.runner import (
    ScenarioResult,
    SuiteRun,
    coverage,
    judge,
    run_catalog,
)
from rolecheck.policydoc import lint
from rolecheck.suite import checks

PROJECT = Path(__file__).resolve().parents[2]
SCENARIOS = frozenset({"A", "B", "C"})


def _mutant(kills: set[str], unevaluable: set[str] = frozenset()) -> catalog.Mutant:
    return catalog.Mutant("m", "a test mutant", frozenset(kills), apply=lambda d: None,
                          unevaluable=frozenset(unevaluable))


def _run(*results: ScenarioResult) -> SuiteRun:
    return SuiteRun("m", results, 1, 0.1)


def _failed(name: str, reason: str = "compliance", step_type: str = "then") -> ScenarioResult:
    return ScenarioResult(name, "failed", reason, f"Then {name}", step_type, "Compliance violation: x")


def _passed(name: str) -> ScenarioResult:
    return ScenarioResult(name, "passed")


# --- the catalog ------------------------------------------------------------------------------------------------

def test_the_catalog_has_at_least_25_uniquely_named_mutants() -> None:
    names = [m.name for m in catalog.CATALOG]
    assert len(names) >= 25
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("mutant", catalog.CATALOG, ids=lambda m: m.name)
def test_every_mutant_misconfigures_something_and_names_what_must_fail(mutant: catalog.Mutant) -> None:
    assert mutant.apply is not None or mutant.setup is not None
    assert mutant.kills, "a mutant that kills nothing proves nothing"
    assert mutant.unevaluable <= mutant.kills
    assert mutant.description.endswith(".")


def test_an_unknown_mutant_is_one_clear_line() -> None:
    with pytest.raises(catalog.UnknownMutant) as caught:
        catalog.get("no-such-mutant")
    assert str(caught.value) == "unknown mutant 'no-such-mutant'; run `pytest --list-mutants` to see the catalog"


def test_the_listing_names_every_mutant_once_per_line() -> None:
    lines = catalog.listing().splitlines()
    assert [line.split()[0] for line in lines] == [m.name for m in catalog.CATALOG]


def test_pytest_lists_the_catalog_and_refuses_an_unknown_mutant() -> None:
    base = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]
    listed = subprocess.run([*base, "--list-mutants"], cwd=PROJECT, capture_output=True, text=True, check=False)
    assert listed.returncode == 0
    assert "policy-allows-s3-star" in listed.stdout
    refused = subprocess.run([*base, "--mutant", "no-such-mutant"], cwd=PROJECT, capture_output=True, text=True,
                             check=False)
    assert refused.returncode == pytest.ExitCode.USAGE_ERROR
    assert refused.stderr.strip() == ("ERROR: rolecheck: unknown mutant 'no-such-mutant'; "
                                      "run `pytest --list-mutants` to see the catalog")


# --- judging a run ------------------------------------------------------------------------------------------------

def test_a_mutant_is_killed_when_exactly_its_scenarios_fail_with_a_violation() -> None:
    verdict = judge(_mutant({"A"}), _run(_failed("A"), _passed("B"), _passed("C")), SCENARIOS)
    assert verdict.killed, verdict.problems


def test_a_scenario_that_survives_is_reported() -> None:
    verdict = judge(_mutant({"A", "B"}), _run(_failed("A"), _passed("B"), _passed("C")), SCENARIOS)
    assert verdict.problems == ("survived in: B",)


def test_a_scenario_failing_beyond_the_expected_ones_is_reported() -> None:
    verdict = judge(_mutant({"A"}), _run(_failed("A"), _failed("B"), _passed("C")), SCENARIOS)
    assert verdict.problems == ("also failed: B",)


@pytest.mark.parametrize("reason", ["error", "engine-drift"])
def test_a_kill_by_a_crash_or_engine_drift_is_not_a_kill(reason: str) -> None:
    verdict = judge(_mutant({"A"}), _run(_failed("A", reason), _passed("B"), _passed("C")), SCENARIOS)
    assert not verdict.killed
    assert "wrong reason" in verdict.problems[0]


def test_only_a_declared_unevaluable_scenario_may_fail_with_an_error() -> None:
    verdict = judge(_mutant({"A", "B"}, {"B"}), _run(_failed("A"), _failed("B", "error"), _passed("C")), SCENARIOS)
    assert verdict.killed, verdict.problems


def test_a_mutant_naming_a_scenario_that_does_not_exist_is_reported() -> None:
    verdict = judge(_mutant({"A", "Z"}), _run(_failed("A"), _passed("B"), _passed("C")), SCENARIOS)
    assert any("do not exist: Z" in problem for problem in verdict.problems)


def test_coverage_counts_only_kills_by_a_scenarios_own_when_or_then_step() -> None:
    by_given = judge(_mutant({"A", "B", "C"}), _run(*(_failed(s, step_type="given") for s in "ABC")), SCENARIOS)
    by_then = judge(_mutant({"A"}), _run(_failed("A"), _passed("B"), _passed("C")), SCENARIOS)
    assert coverage([by_given, by_then], SCENARIOS) == {"A": ["m"], "B": [], "C": []}


# --- the checks the catalog added ---------------------------------------------------------------------------------

def test_an_unreviewed_role_policy_or_a_detached_reviewed_one_is_a_violation() -> None:
    checks.check_only_reviewed_policy(["arn:reviewed"], "arn:reviewed", "r")
    with pytest.raises(ComplianceViolation, match="unreviewed inline policy x"):
        checks.check_only_reviewed_policy(["arn:reviewed", "inline policy x"], "arn:reviewed", "r")
    with pytest.raises(ComplianceViolation, match="is not attached"):
        checks.check_only_reviewed_policy([], "arn:reviewed", "r")


def test_a_trust_policy_naming_anyone_but_the_user_is_a_violation() -> None:
    user = "arn:aws:iam::123456789012:user/u"
    only = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": user}, "Action": "sts:AssumeRole"}]}
    lint.check_trusts_only(only, user, "trust")
    extra = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": [user], "Service": "ec2.amazonaws.com"},
                            "Action": "sts:AssumeRole"}]}
    with pytest.raises(ComplianceViolation, match=r"Service:ec2\.amazonaws\.com"):
        lint.check_trusts_only(extra, user, "trust")


def test_an_action_pattern_is_a_violation_and_a_named_action_is_not() -> None:
    lint.check_actions_named_in_full({"Statement": {"Effect": "Allow", "Action": "s3:ListAllMyBuckets"}}, "p")
    with pytest.raises(ComplianceViolation, match=r"s3:List\*"):
        lint.check_actions_named_in_full({"Statement": [{"Effect": "Allow", "Action": ["s3:List*"]}]}, "p")


# --- the whole catalog ---------------------------------------------------------------------------------------------

@pytest.mark.catalog
def test_every_mutant_is_killed_for_the_right_reason_and_every_scenario_is_covered() -> None:
    started = time.monotonic()
    result = run_catalog(PROJECT, jobs=2)
    print(result.report())
    print(f"catalog wall time: {time.monotonic() - started:.0f} s")
    assert result.baseline.killed, result.baseline.problems
    assert [v.mutant for v in result.verdicts if not v.killed] == [], result.report()
    assert result.uncovered == [], result.report()
