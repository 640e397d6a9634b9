"""The report's first page: the verdict, the failed claims with their unexpected grants, and a summary per control.

Allure 3 shows a results folder's global attachments (``<uuid>-globals.json``) as a tab of the page the report opens
on, and its global errors as another, counted in red: the verdict is a global attachment whose name is the
verdict, a run that is not compliant is also a global error, and the control summary is a second attachment.
Markdown, which the report renders as tables. Also here: a failed step's findings are moved before its API calls.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rolecheck.report.controls import control
from rolecheck.report.findings import Finding

_GRANT_COLUMNS = ("principal", "action", "resource", "granted by")
# An outcome in words, for one scenario and for several rows of one outline.
_OUTCOME_WORDS = {"passed": ("holds", "hold"), "failed": ("does not hold", "do not hold"),
                  "broken": ("no verdict", "no verdict"), "skipped": ("not run", "not run")}


def _cell(text: object) -> str:
    """A Markdown table cell: its own pipes escaped, on one line."""
    return " ".join(str(text).split()).replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*") or " "


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def verdict_markdown(findings: Sequence[Finding], verdict: str) -> str:
    """The verdict, then each failed claim with the grants it did not expect, then the claims with no verdict."""
    parts = [f"# {verdict}"]
    failed = [f for f in findings if f.outcome == "failed"]
    if failed:
        rows = [(f.scenario, f.severity, *(g.get(c, "") for c in _GRANT_COLUMNS), "" if f.grants else f.message)
                for f in failed for g in (f.grants or [{}])]
        parts += ["## Failed claims and their unexpected grants",
                  _table(("claim", "severity", *_GRANT_COLUMNS, "finding"), rows)]
    broken = [f for f in findings if f.outcome == "broken"]
    if broken:
        parts += ["## Claims that reached no verdict", _table(("claim", "why"), [(f.scenario, f.message)
                                                                                 for f in broken])]
    if not failed and not broken:
        parts.append(f"Every claim holds ({len(findings)} scenarios).")
    return "\n\n".join(parts) + "\n"


def control_rows(findings: Sequence[Finding]) -> list[tuple[str, str, str, str, str]]:
    """Control -> scenarios -> verdict, one row per scenario (an outline's rows counted together): (control, title,
    control's verdict, scenario, its outcome); the control's cells only on its first row."""
    by_control: dict[str, dict[str, list[str]]] = {}
    for finding in findings:
        for tag in finding.controls:
            by_control.setdefault(tag, {}).setdefault(finding.scenario, []).append(finding.outcome)
    rows = []
    for tag, scenarios in by_control.items():
        named = control(tag)
        outcomes = {o for found in scenarios.values() for o in found}
        verdict = ("not satisfied" if "failed" in outcomes else "not established" if "broken" in outcomes
                   else "satisfied" if "passed" in outcomes else "not run")
        for number, (scenario, found) in enumerate(scenarios.items()):
            said = ", ".join(f"{found.count(o)} {_OUTCOME_WORDS.get(o, (o, o))[1]}" if len(found) > 1
                             else _OUTCOME_WORDS.get(o, (o, o))[0] for o in dict.fromkeys(found))
            head = (named.reference if named else tag, named.title if named else "", verdict) if number == 0 \
                else ("", "", "")
            rows.append((*head, scenario, said))
    return rows


def controls_markdown(findings: Sequence[Finding]) -> str:
    """The control summary: control -> scenarios -> verdict."""
    rows = control_rows(findings)
    if not rows:
        return "# Controls\n\nNo scenario of this run names a control.\n"
    return "# Controls\n\n" + _table(("control", "title", "verdict", "scenario", "outcome"), rows) + "\n"


def write_globals(alluredir: Path, findings: Sequence[Finding], verdict: str, compliant: bool) -> None:
    """Write the verdict and the control summary as the results folder's global attachments (and, for a run that
    is not compliant, a global error saying so)."""
    attachments = []
    for name, text in ((f"Verdict: {verdict}", verdict_markdown(findings, verdict)),
                       ("Controls: control, scenarios, verdict", controls_markdown(findings))):
        source = f"{uuid.uuid4()}-attachment.md"
        (alluredir / source).write_text(text, encoding="utf-8")
        attachments.append({"name": name, "source": source, "type": "text/markdown"})
    errors = [] if compliant else [{"message": verdict[:1].upper() + verdict[1:], "trace": ""}]
    (alluredir / f"{uuid.uuid4()}-globals.json").write_text(
        json.dumps({"attachments": attachments, "errors": errors}, indent=2), encoding="utf-8")


def _failed_step(steps: list[dict[str, Any]]) -> dict[str, Any] | None:
    for step in steps:
        if step.get("status") in ("failed", "broken"):
            return _failed_step(step.get("steps", [])) or step
    return None


def findings_first(alluredir: Path) -> None:
    """In each failed result, put the failed step's findings (the claim's tables: CSV) before the API calls it
    made while deciding (JSON, one per call): a reader opening the step sees first why it failed."""
    for path in alluredir.glob("*-result.json"):
        result = json.loads(path.read_text(encoding="utf-8"))
        if result.get("status") not in ("failed", "broken"):
            continue
        step = _failed_step(result.get("steps", []))
        attachments = step.get("attachments", []) if step else []
        ordered = sorted(attachments, key=lambda a: a.get("type") != "text/csv")
        if ordered != attachments:
            step["attachments"] = ordered
            path.write_text(json.dumps(result), encoding="utf-8")
