"""A run's verdicts for machines: SARIF 2.1.0 for code scanning, OCSF detection findings, and the grant rows as
plain JSON or CSV.

Pure: the plugin gathers one ``Finding`` per scenario run and calls ``write``. Nothing here imports a schema
package; the tests validate what is written against the published schemas, so a writer bug cannot hide in them.

- SARIF 2.1.0: https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html; GitHub code scanning reads
  ``security-severity`` and ``partialFingerprints``:
  https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning
- OCSF 1.5.0 Detection Finding (class 2004): https://schema.ocsf.io/1.5.0/classes/detection_finding
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMATS = ("sarif", "ocsf", "json", "csv")
# Allure's severities, lowest first: the feature files' @severity tags and the threshold option use them.
SEVERITY_ORDER = ("trivial", "minor", "normal", "critical", "blocker")
# GitHub ranks security-severity 9.0+ critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
_SECURITY_SEVERITY = {"trivial": "1.0", "minor": "3.0", "normal": "5.5", "critical": "9.0", "blocker": "9.5"}
# OCSF severity_id: 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical.
_OCSF_SEVERITY = {"trivial": 1, "minor": 2, "normal": 3, "critical": 5, "blocker": 5}
OCSF_VERSION = "1.5.0"
CSV_COLUMNS = ("scenario", "feature_file", "line", "controls", "severity", "outcome", "principal", "action",
               "resource", "granted_by", "statement")
SCHEMA = Path(__file__).with_name("findings.schema.json")


@dataclass(frozen=True)
class Location:
    """Where a finding points: a file relative to the checkout (or the audited repository) and a 1-based line."""

    path: str
    line: int


@dataclass(frozen=True)
class Finding:
    """One scenario's outcome: ``failed`` (not compliant), ``broken`` (could not be established), ``passed`` or
    ``skipped``; a failure's unexpected grants as report rows."""

    test_id: str
    scenario: str
    feature: Location
    controls: tuple[str, ...]
    severity: str
    outcome: str
    message: str = ""
    grants: tuple[Mapping[str, str], ...] = ()
    # An audit's template line of what grants it, when it is known (code scanning shows the finding there).
    source: Location | None = None

    @property
    def rule_id(self) -> str:
        """A stable id for the scenario: its feature file's stem and its name."""
        return f"{Path(self.feature.path).stem}/{_slug(self.scenario)}"


@dataclass(frozen=True)
class RunInfo:
    """What the run was: its id, target, version and, for an audit, what was audited."""

    run_id: str
    target: str
    version: str
    started_ms: int
    region: str = ""
    account_id: str | None = None
    audited: str | None = None
    threshold: str = SEVERITY_ORDER[0]
    outcomes: dict[str, int] = field(default_factory=dict)


def at_or_above(severity: str, threshold: str) -> bool:
    """Whether ``severity`` reaches ``threshold`` (an unknown severity always does: it is never hidden)."""
    if severity not in SEVERITY_ORDER:
        return True
    return SEVERITY_ORDER.index(severity) >= SEVERITY_ORDER.index(threshold)


def headline(findings: Sequence[Finding], threshold: str = SEVERITY_ORDER[0]) -> str:
    """The run's verdict in a few words: ``compliant``, ``not compliant: 2 critical, 1 minor``, and how many
    scenarios reached no verdict (a run where nothing could be established is not compliant either)."""
    failed = [f.severity for f in findings if f.outcome == "failed"]
    broken = sum(f.outcome == "broken" for f in findings)
    counts = [f"{failed.count(s)} {s}" for s in reversed(SEVERITY_ORDER) if s in failed]
    counts += [f"{n} {s}" for s in sorted(set(failed) - set(SEVERITY_ORDER)) if (n := failed.count(s))]
    blocking = any(at_or_above(s, threshold) for s in failed)
    if not failed and not broken:
        return "compliant" if findings else "no verdict: no scenario ran"
    parts = [f"{'not compliant' if blocking else 'compliant at ' + threshold + ' and above'}: {', '.join(counts)}"
             ] if failed else []
    if broken:
        parts.append(f"{broken} scenario(s) reached no verdict")
    return "; ".join(parts)


def parse_output(value: str) -> tuple[str, Path]:
    """``FORMAT=PATH`` as given to ``--output``; a ``ValueError`` names what is wrong."""
    kind, sep, path = value.partition("=")
    if not sep or kind not in FORMATS or not path:
        raise ValueError(f"--output expects FORMAT=PATH with FORMAT one of {', '.join(FORMATS)}, not {value!r}")
    return kind, Path(path)


def write(outputs: Iterable[tuple[str, Path]], findings: Sequence[Finding], run: RunInfo) -> None:
    """Write each requested format to its path."""
    writers = {"sarif": lambda: json.dumps(to_sarif(findings, run), indent=2),
               "ocsf": lambda: json.dumps(to_ocsf(findings, run), indent=2),
               "json": lambda: json.dumps(to_json(findings, run), indent=2),
               "csv": lambda: to_csv(findings)}
    for kind, path in outputs:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(writers[kind](), encoding="utf-8")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80]


def _fingerprint(finding: Finding) -> str:
    """The same claim broken by the same grants is the same alert on the next push (code scanning's dedup key)."""
    grants = sorted(json.dumps(dict(g), sort_keys=True) for g in finding.grants)
    return hashlib.sha256(json.dumps([finding.test_id, grants]).encode()).hexdigest()


def _sarif_location(location: Location) -> dict[str, Any]:
    return {"physicalLocation": {"artifactLocation": {"uri": location.path},
                                 "region": {"startLine": max(location.line, 1)}}}


def to_sarif(findings: Sequence[Finding], run: RunInfo) -> dict[str, Any]:
    """One SARIF run: a rule per scenario, a result per failed scenario (``warning`` below the threshold), and a
    tool notification per broken one (it is no verdict about the code)."""
    rules, index = [], {}
    for finding in findings:
        if finding.rule_id in index:
            continue
        index[finding.rule_id] = len(rules)
        rules.append({
            "id": finding.rule_id, "name": _slug(finding.scenario),
            "shortDescription": {"text": finding.scenario},
            "defaultConfiguration": {"level": "error"},
            "properties": {"tags": ["security", *finding.controls], "controls": list(finding.controls),
                           "security-severity": _SECURITY_SEVERITY.get(finding.severity, "9.0"),
                           "severity": finding.severity},
        })
    results, notifications = [], []
    for finding in findings:
        if finding.outcome == "failed":
            locations = [_sarif_location(finding.source)] if finding.source else []
            locations.append(_sarif_location(finding.feature))
            results.append({
                "ruleId": finding.rule_id, "ruleIndex": index[finding.rule_id],
                "level": "error" if at_or_above(finding.severity, run.threshold) else "warning",
                "message": {"text": finding.message or f"{finding.scenario}: does not hold"},
                "locations": locations,
                "partialFingerprints": {"rolecheckFinding/v1": _fingerprint(finding)},
                "properties": {"controls": list(finding.controls), "severity": finding.severity,
                               "grants": [dict(g) for g in finding.grants]},
            })
        elif finding.outcome == "broken":
            notifications.append({"level": "error", "message": {"text": f"{finding.scenario}: could not be "
                                                                        f"established: {finding.message}"},
                                  "locations": [_sarif_location(finding.feature)],
                                  "associatedRule": {"id": finding.rule_id, "index": index[finding.rule_id]}})
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "rolecheck", "version": run.version,
                                "informationUri": "https://github.com/rolecheck/rolecheck", "rules": rules}},
            "automationDetails": {"id": f"rolecheck/{run.target}/{run.run_id}"},
            "invocations": [{"executionSuccessful": not notifications,
                             "toolExecutionNotifications": notifications,
                             "properties": {"target": run.target, "audited": run.audited}}],
            "results": results,
        }],
    }


def to_ocsf(findings: Sequence[Finding], run: RunInfo) -> list[dict[str, Any]]:
    """One OCSF Detection Finding per failed scenario (class 2004, activity Create, status New), cloud profile.

    Detection Finding has no ``compliance`` object (that is Compliance Finding, 2003, whose per-check shape the
    suite's claims do not have), so the controls and the grant rows go to ``unmapped``.
    """
    events = []
    for finding in findings:
        if finding.outcome != "failed":
            continue
        resources = [{"uid": g.get("resource", ""), "type": "AWS resource",
                      "data": {"action": g.get("action"), "principal": g.get("principal")}}
                     for g in finding.grants]
        events.append({
            "activity_id": 1, "category_uid": 2, "class_uid": 2004, "type_uid": 200401,
            "severity_id": _OCSF_SEVERITY.get(finding.severity, 5), "severity": finding.severity.capitalize(),
            "status_id": 1, "time": run.started_ms, "message": finding.message,
            "metadata": {"version": OCSF_VERSION, "profiles": ["cloud"],
                         "product": {"name": "rolecheck", "vendor_name": "rolecheck", "version": run.version},
                         "correlation_uid": run.run_id},
            "finding_info": {"uid": f"{run.run_id}/{finding.rule_id}", "title": finding.scenario,
                             "desc": finding.message, "types": list(finding.controls)},
            "cloud": {"provider": "AWS", "region": run.region or "unknown",
                      **({"account": {"uid": run.account_id}} if run.account_id else {})},
            **({"resources": resources} if resources else {}),
            "unmapped": {"controls": list(finding.controls), "grants": [dict(g) for g in finding.grants],
                         "feature_file": finding.feature.path, "line": finding.feature.line,
                         "target": run.target, "audited": run.audited},
        })
    return events


def to_json(findings: Sequence[Finding], run: RunInfo) -> dict[str, Any]:
    """Every scenario's outcome with its grant rows (schema: ``findings.schema.json``)."""
    return {
        "schema": "rolecheck-findings/1",
        "run": {"run_id": run.run_id, "target": run.target, "version": run.version, "audited": run.audited,
                "threshold": run.threshold},
        "findings": [{"test_id": f.test_id, "scenario": f.scenario, "feature_file": f.feature.path,
                      "line": f.feature.line, "controls": list(f.controls), "severity": f.severity,
                      "outcome": f.outcome,
                      "message": f.message, "grants": [dict(g) for g in f.grants],
                      "source": {"path": f.source.path, "line": f.source.line} if f.source else None}
                     for f in findings],
    }


def to_csv(findings: Sequence[Finding]) -> str:
    """One row per unexpected grant of a failed scenario (a failure without grants is one row of its own)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for f in findings:
        if f.outcome != "failed":
            continue
        base = {"scenario": f.scenario, "feature_file": f.feature.path, "line": f.feature.line,
                "controls": " ".join(f.controls), "severity": f.severity, "outcome": f.outcome}
        for grant in f.grants or [{}]:
            writer.writerow({**base, "principal": grant.get("principal", ""), "action": grant.get("action", ""),
                             "resource": grant.get("resource", ""), "granted_by": grant.get("granted by", ""),
                             "statement": grant.get("statement", "")})
    return out.getvalue()
