"""The feature files' descriptions say what the checks do: an auditor reads them as claims about the run."""

from __future__ import annotations

from pathlib import Path

from pytest_bdd.parser import FeatureParser

from rolecheck.suite import probing

FEATURES = Path(__file__).resolve().parents[2] / "features"


def _description(name: str) -> str:
    return " ".join(FeatureParser(str(FEATURES), name).parse().description.split())


def _rows(name: str) -> set[str]:
    feature = FeatureParser(str(FEATURES), name).parse()
    return {value for scenario in feature.scenarios.values() for examples in scenario.examples
            for row in examples.examples for value in row}


def test_least_privilege_names_every_action_it_does_not_attempt_for_real() -> None:
    """"Attempted for real" must not cover a row the engine alone decides (iam:PassRole)."""
    decided_by_the_engine = {action for action in _rows("least_privilege.feature")
                             if action in probing.PROBES and not probing.PROBES[action].live}
    description = _description("least_privilege.feature")
    assert decided_by_the_engine, "no engine-decided row: the description's exception can go"
    assert "attempted for real" in description
    for action in decided_by_the_engine:
        assert f"except {action}" in description and "decided by the policy engine alone" in description


def test_temporary_credentials_does_not_claim_expiry_is_confirmed_where_it_is_skipped() -> None:
    description = _description("temporary_credentials.feature")
    assert "Expiry, the one-hour limit" not in description
    assert "skipped on a real account" in description


def test_trust_boundary_says_how_the_other_account_row_runs_on_a_real_account() -> None:
    assert "--foreign-profile" in _description("trust_boundary.feature")
