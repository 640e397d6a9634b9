"""The rendered report, read in headless Chromium: every scenario, the categories, and evidence on the steps."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from report_support import REPO, SuiteRun, browse, expected_tests

from rolecheck.suite.tags import EPICS

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_every_scenario_of_every_feature_is_listed(baseline_view: dict[str, Any]) -> None:
    expected = expected_tests()
    assert expected, "no feature files found"
    wanted = Counter(name for names in expected.values() for name in names)
    listed = Counter(baseline_view["leaves"])
    assert listed == wanted, f"missing from the report: {wanted - listed}; not in the features: {listed - wanted}"
    for feature in expected:
        assert feature in baseline_view["sections"], f"feature {feature!r} is not a group of the report's tree"


def test_report_opens_from_disk_without_errors_or_network(baseline_view: dict[str, Any],
                                                         mutant_view: dict[str, Any]) -> None:
    assert baseline_view["errors"] == []
    assert mutant_view["errors"] == []


def test_report_is_one_self_contained_file(rendered: dict[str, Path]) -> None:
    for report in rendered.values():
        html = report.read_text(encoding="utf-8")
        assert re.search(r"""(src|href)=["']https?:""", html) is None, f"{report} loads something from the network"
        assert "googletagmanager" not in html


def test_concerns_are_epics_of_the_tree(baseline_view: dict[str, Any], suite_runs: dict[str, SuiteRun]) -> None:
    used = {label["value"] for result in suite_runs["baseline"].result_files() for label in result["labels"]
            if label["name"] == "epic"}
    assert used, "no result carries an epic"
    assert used <= set(EPICS.values())
    assert used <= set(baseline_view["sections"])


def test_overview_shows_the_environment(baseline_view: dict[str, Any]) -> None:
    shown = dict(baseline_view["metadata"])
    assert shown.get("Target") == "moto"
    assert shown.get("Account id") == "123456789012"
    assert shown.get("Region")
    assert shown.get("Suite version")


def test_misconfigured_run_shows_under_compliance_violation(mutant_view: dict[str, Any], probe_name: str,
                                                            suite_runs: dict[str, SuiteRun]) -> None:
    categories = {c["name"]: c for c in mutant_view["categories"]}
    assert "Compliance violation" in categories, f"categories shown: {sorted(categories)}"
    violation = categories["Compliance violation"]
    assert probe_name in violation["leaves"]
    failed = {r["name"]: r for r in suite_runs["mutant"].result_files() if r["status"] == "failed"}
    for name in violation["leaves"]:
        assert "Compliance violation:" in failed[name]["statusDetails"]["message"]
    assert violation["count"] == len(violation["leaves"])


def test_failing_probe_shows_its_evidence(mutant_view: dict[str, Any], probe_name: str) -> None:
    probe = mutant_view["probe"]
    assert probe["title"] == probe_name
    assert "Compliance violation:" in probe["error"]
    assert any(link.startswith(("NIST SP 800-53", "CIS AWS Foundations")) for link in probe["links"])
    refused = [a for a in probe["attachments"] if " -> " in a]
    assert refused, f"the failed step has no evidence of a refused call: {probe['attachments']}"
    assert '"error_code"' in probe["attachmentText"]
    assert '"operation"' in probe["attachmentText"]


def test_screenshots_are_saved(baseline_view: dict[str, Any], mutant_view: dict[str, Any]) -> None:
    shots = [Path(p) for p in baseline_view["screenshots"] + mutant_view["screenshots"]]
    names = {p.name for p in shots}
    assert {"baseline-overview.png", "misconfigured-categories.png", "misconfigured-failing-probe.png"} <= names
    for shot in shots:
        assert shot.read_bytes()[:8] == PNG_MAGIC, f"{shot} is not a PNG"


def test_the_report_opens_on_its_verdict(baseline_view: dict[str, Any], mutant_view: dict[str, Any],
                                         suite_runs: dict[str, SuiteRun]) -> None:
    """The title, the first thing on the page, says the verdict: not a pass rate."""
    assert baseline_view["title"].startswith("compliant — rolecheck"), baseline_view["title"]
    failed = sum(r["status"] == "failed" for r in suite_runs["mutant"].result_files())
    assert mutant_view["title"].startswith(f"not compliant: {failed} critical — rolecheck"), mutant_view["title"]


def test_the_first_page_shows_the_verdict_and_the_control_summary(baseline_view: dict[str, Any],
                                                                  mutant_view: dict[str, Any], probe_name: str,
                                                                  suite_runs: dict[str, SuiteRun]) -> None:
    """The Global Attachments tab of the page the report opens on: the verdict (named by it) with the failed claims,
    and control -> scenarios -> verdict, each control with its framework version; a failing run is a global error."""
    compliant = {g["name"]: g["text"] for g in baseline_view["globals"]}
    assert list(compliant) == ["Verdict: compliant", "Controls: control, scenarios, verdict"], compliant
    assert compliant["Verdict: compliant"].split()[:4] == ["compliant", "Every", "claim", "holds"]
    controls = compliant["Controls: control, scenarios, verdict"]
    assert "NIST SP 800-53 rev. 5 AC-6\tLeast Privilege\tsatisfied" in controls, controls
    assert "CIS AWS Foundations Benchmark v3.0.0 1.16" in controls and "not satisfied" not in controls
    assert baseline_view["globalErrors"] == 0

    failed = sum(r["status"] == "failed" for r in suite_runs["mutant"].result_files())
    broken = {g["name"]: g["text"] for g in mutant_view["globals"]}
    verdict = f"Verdict: not compliant: {failed} critical"
    assert list(broken) == [verdict, "Controls: control, scenarios, verdict"], broken
    assert "Failed claims and their unexpected grants" in broken[verdict] and probe_name in broken[verdict]
    assert "NIST SP 800-53 rev. 5 AC-6\tLeast Privilege\tnot satisfied" in broken["Controls: control, scenarios, "
                                                                                    "verdict"]
    assert mutant_view["globalErrors"] == 1


def test_a_failed_steps_findings_come_before_its_api_calls(suite_runs: dict[str, SuiteRun]) -> None:
    """The claim's tables (CSV) of a failed step precede the calls it made to decide (one JSON each)."""
    def failed_step(steps: list[dict[str, Any]]) -> dict[str, Any] | None:
        for step in steps:
            if step["status"] in ("failed", "broken"):
                return failed_step(step.get("steps", [])) or step
        return None

    checked = 0
    for result in suite_runs["mutant"].result_files():
        step = failed_step(result.get("steps", [])) if result["status"] == "failed" else None
        kinds = [a["type"] for a in (step or {}).get("attachments", [])]
        if "text/csv" in kinds and "application/json" in kinds:
            checked += 1
            assert kinds.index("application/json") > len(kinds) - kinds[::-1].index("text/csv") - 1, kinds
    assert checked, "no failed step with both findings and API calls"


def test_an_audit_written_where_a_mutant_run_was_shows_only_its_own_facts(
        tmp_path: Path, suite_runs: dict[str, SuiteRun], browser_ready: None) -> None:
    """The --mutant run's results folder (a copy), then an audit of the compliant template into it (its --results
    given by hand): the report is the audit's, compliant, with no trace of the mutant, its verdict and controls."""
    results, report = tmp_path / "results", tmp_path / "report"
    shutil.copytree(suite_runs["mutant"].results, results)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "ROLECHECK_", "AWS_"))}
    audit = subprocess.run([sys.executable, "-m", "rolecheck.cli", "audit", "--cloudformation",
                            str(REPO / "examples" / "cloudformation" / "compliant.yaml"), "--results", str(results),
                            "--report", str(report), "--", "features/least_privilege.feature"],
                           cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert audit.returncode == 0, audit.stdout[-2000:] + audit.stderr[-2000:]
    seen = browse(report / "index.html", "audit-after-mutant")
    assert seen["title"].startswith("compliant — rolecheck") and "MUTANT" not in seen["title"], seen["title"]
    shown = dict(seen["metadata"])
    assert "compliant.yaml" in shown.get("Audit (read-only)", "") and not any("Mutant" in k for k in shown), shown
    globals_ = {g["name"]: g["text"] for g in seen["globals"]}
    assert list(globals_) == ["Verdict: compliant", "Controls: control, scenarios, verdict"], globals_
    assert "not satisfied" not in globals_["Controls: control, scenarios, verdict"]
    assert "NIST SP 800-53 rev. 5 AC-6" in globals_["Controls: control, scenarios, verdict"]
    assert seen["globalErrors"] == 0
