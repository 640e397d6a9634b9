"""The Allure results of a real run carry what an auditor needs, before any rendering."""

from __future__ import annotations

import json
from typing import Any

from report_support import SuiteRun

from rolecheck.report.controls import MAPPED
from rolecheck.suite.tags import EPICS

_MAX_RUN_SPAN_MS = 10 * 60 * 1000


def _baseline(suite_runs: dict[str, SuiteRun]) -> list[dict[str, Any]]:
    results = suite_runs["baseline"].result_files()
    assert results, "the baseline run wrote no results"
    return results


def test_every_result_has_epic_feature_story_severity_and_its_controls_links(suite_runs: dict[str, SuiteRun]) -> None:
    """A control label per mapped control, each with a link titled by its framework version (the walkthrough maps
    none: it proves no control)."""
    linked = 0
    for result in _baseline(suite_runs):
        labels = {label["name"]: label["value"] for label in result["labels"]}
        assert labels.keys() >= {"epic", "feature", "story", "severity"}, result["name"]
        assert labels["epic"] in EPICS.values()
        controls = sorted(label["value"] for label in result["labels"] if label["name"] == "control")
        titles = sorted(link["name"] for link in result.get("links", []) if link["type"] in ("nist", "cis"))
        assert titles == sorted(MAPPED[c].reference for c in controls), result["name"]
        linked += bool(controls)
        for link in result.get("links", []):
            assert link["url"].startswith("https://") and link["name"], link
    assert linked, "no result names a control"


def test_every_step_carries_evidence(suite_runs: dict[str, SuiteRun]) -> None:
    bare = [f"{result['name']} / {step['name']}" for result in _baseline(suite_runs) for step in result["steps"]
            if step["status"] in ("passed", "failed") and not step.get("attachments") and not step.get("steps")]
    assert not bare, "steps without evidence:\n" + "\n".join(bare)


def test_timestamps_follow_the_real_clock_when_a_scenario_moves_time(suite_runs: dict[str, SuiteRun]) -> None:
    results = _baseline(suite_runs)
    span = max(r["stop"] for r in results) - min(r["start"] for r in results)
    assert 0 < span < _MAX_RUN_SPAN_MS, f"the run seems to have lasted {span / 60000:.0f} minutes"


def test_results_carry_categories_environment_and_executor(suite_runs: dict[str, SuiteRun]) -> None:
    results = suite_runs["baseline"].results
    categories = json.loads((results / "categories.json").read_text(encoding="utf-8"))
    assert [c["name"] for c in categories[:2]] == ["Could not be established", "Compliance violation"]
    properties = (results / "environment.properties").read_text(encoding="utf-8").splitlines()
    keys = {line.split("=", 1)[0] for line in properties}
    assert keys >= {"Target", r"Account\ id", "Region", r"Suite\ version", "Engine", "Python", "boto3", "moto"}
    executor = json.loads((results / "executor.json").read_text(encoding="utf-8"))
    assert executor["buildName"].startswith("rolecheck ")


def test_junit_and_cucumber_json_are_written(suite_runs: dict[str, SuiteRun]) -> None:
    run = suite_runs["baseline"]
    scenarios = json.loads(run.cucumber.read_text(encoding="utf-8"))
    assert sum(len(feature["elements"]) for feature in scenarios) == len(run.result_files())
    assert "<testsuite" in run.junit.read_text(encoding="utf-8")
