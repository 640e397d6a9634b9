"""The report's first page, in process: the verdict's table, the control summary, the globals file, the order of a
failed step's evidence, and the control table the suite's own feature files stay within."""

from __future__ import annotations

import json
from pathlib import Path

from report_support import REPO

from rolecheck.report import summary
from rolecheck.report.controls import MAPPED, control
from rolecheck.report.findings import Finding, Location
from rolecheck.suite.tags import allure_marks, feature_tags

GRANT = {"principal": "arn:aws:iam::123456789012:role/app", "action": "s3:PutObject",
         "resource": "arn:aws:s3:::data/*", "granted by": "bucket policy of data | statement *:*"}


def _finding(scenario: str, outcome: str, controls: tuple[str, ...] = ("NIST-AC-6",), grants=(), message="") -> Finding:
    return Finding(test_id=f"x::{scenario}", scenario=scenario, feature=Location("features/x.feature", 3),
                   controls=controls, severity="critical", outcome=outcome, message=message, grants=grants)


def test_the_verdict_lists_each_failed_claim_with_its_unexpected_grants() -> None:
    text = summary.verdict_markdown([_finding("The app only reads", "failed", grants=(GRANT,)),
                                     _finding("The role is not assumable", "passed")], "not compliant: 1 critical")
    assert text.startswith("# not compliant: 1 critical\n")
    # A cell's own pipes and asterisks stay text: the row keeps its columns and no emphasis eats the "*:*".
    assert ("| The app only reads | critical | arn:aws:iam::123456789012:role/app | s3:PutObject | "
            "arn:aws:s3:::data/\\* | bucket policy of data \\| statement \\*:\\* |   |") in text
    assert "The role is not assumable" not in text


def test_a_failure_without_grants_says_why_and_a_compliant_run_says_so() -> None:
    text = summary.verdict_markdown([_finding("The role can list", "failed", message="Compliance violation: no")],
                                    "not compliant: 1 critical")
    assert "| The role can list | critical |   |   |   |   | Compliance violation: no |" in text
    compliant = summary.verdict_markdown([_finding("a", "passed")], "compliant")
    assert compliant.endswith("Every claim holds (1 scenarios).\n")


def test_the_control_summary_rolls_scenarios_up_per_control_with_its_framework_version() -> None:
    rows = summary.control_rows([_finding("The role cannot <activity>", "passed"),
                                 _finding("The role cannot <activity>", "failed"),
                                 _finding("Sessions end", "passed", controls=("NIST-AC-12",)),
                                 _finding("Own item", "broken", controls=("NIST-AC-3",))])
    assert rows == [
        ("NIST SP 800-53 rev. 5 AC-6", "Least Privilege", "not satisfied", "The role cannot <activity>",
         "1 hold, 1 do not hold"),
        ("NIST SP 800-53 rev. 5 AC-12", "Session Termination", "satisfied", "Sessions end", "holds"),
        # A project's own item of a known framework: versioned, untitled.
        ("NIST SP 800-53 rev. 5 AC-3", "", "not established", "Own item", "no verdict"),
    ]


def test_globals_name_the_verdict_and_a_failing_run_is_a_global_error(tmp_path: Path) -> None:
    summary.write_globals(tmp_path, [_finding("a", "failed")], "not compliant: 1 critical", compliant=False)
    (globals_file,) = tmp_path.glob("*-globals.json")
    written = json.loads(globals_file.read_text(encoding="utf-8"))
    assert [a["name"] for a in written["attachments"]] == ["Verdict: not compliant: 1 critical",
                                                          "Controls: control, scenarios, verdict"]
    assert all((tmp_path / a["source"]).is_file() and a["type"] == "text/markdown" for a in written["attachments"])
    assert written["errors"] == [{"message": "Not compliant: 1 critical", "trace": ""}]
    summary.write_globals(tmp_path, [], "compliant", compliant=True)
    assert any(json.loads(p.read_text(encoding="utf-8"))["errors"] == [] for p in tmp_path.glob("*-globals.json"))


def test_a_failed_steps_tables_move_before_its_api_calls(tmp_path: Path) -> None:
    calls = [{"name": "iam.GetRole", "type": "application/json", "source": f"{n}.json"} for n in range(3)]
    table = {"name": "unexpected grants (1)", "type": "text/csv", "source": "t.csv"}
    result = {"status": "failed", "steps": [{"status": "passed", "attachments": calls[:1]},
                                            {"status": "failed", "attachments": [*calls[1:], table]}]}
    passed = {"status": "passed", "steps": [{"status": "passed", "attachments": [*calls, table]}]}
    (tmp_path / "a-result.json").write_text(json.dumps(result), encoding="utf-8")
    (tmp_path / "b-result.json").write_text(json.dumps(passed), encoding="utf-8")
    summary.findings_first(tmp_path)
    moved = json.loads((tmp_path / "a-result.json").read_text(encoding="utf-8"))
    assert moved["steps"][1]["attachments"] == [table, *calls[1:]]
    assert moved["steps"][0]["attachments"] == calls[:1]
    assert json.loads((tmp_path / "b-result.json").read_text(encoding="utf-8")) == passed


def test_the_suites_feature_files_name_only_the_mapped_controls() -> None:
    """Each mapping is justified in docs/report.md; a tag outside the table has no justification."""
    used = {tag.partition(":")[2] for _, _, tag in feature_tags([REPO / "features"]) if tag.startswith("control:")}
    assert used == set(MAPPED), f"not mapped: {used - set(MAPPED)}; mapped but unused: {set(MAPPED) - used}"
    doc = (REPO / "docs" / "report.md").read_text(encoding="utf-8")
    for tag, named in MAPPED.items():
        assert f"| `@control:{tag}` | {named.reference} |" in doc, f"docs/report.md does not justify {tag}"


def test_a_control_tag_links_to_its_versioned_reference() -> None:
    marks = allure_marks("control:CIS-1.16")
    assert [(m.kind, m.name, m.value, m.title) for m in marks] == [
        ("label", "control", "CIS-1.16", ""),
        ("link", "cis", "1.16", "CIS AWS Foundations Benchmark v3.0.0 1.16")]
    assert control("ISO-27001") is None and control("NIST-") is None
