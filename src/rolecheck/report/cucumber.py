"""``cucumber.json`` as Cucumber tools read it: what ran, what failed, and why, in a sentence.

pytest-bdd marks every step after a failing one as failed too, although none of them ran, and puts pytest's whole
failure report (source lines included) into the error. Cucumber's own convention is that the steps after a failure
are ``skipped``, and a CI system shows the error message as is; so the file pytest-bdd wrote is tidied at the end
of the session: one failed step per scenario, and its message the exception's own lines.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# pytest's failure report marks the exception's own lines with "E" in the first column.
_EXCEPTION_LINE = "E   "


def tidy(features: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mark the steps after a scenario's failed step as skipped and shorten the failure's message, in place."""
    for feature in features:
        for element in feature.get("elements", []):
            failed = False
            for step in element.get("steps", []):
                result = step.get("result", {})
                if result.get("status") != "failed":
                    continue
                if failed:
                    result["status"] = "skipped"
                    result.pop("error_message", None)
                    continue
                failed = True
                if result.get("error_message"):
                    result["error_message"] = concise(result["error_message"])
    return features


def concise(message: str) -> str:
    """The exception's own lines of a pytest failure report; a message that is not one stays as it is."""
    lines = [line[len(_EXCEPTION_LINE):] for line in message.splitlines() if line.startswith(_EXCEPTION_LINE)]
    return "\n".join(lines) if lines else message


def tidy_file(path: Path) -> None:
    """Tidy a ``cucumber.json`` file in place; a missing or unreadable file is left alone."""
    try:
        features = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    path.write_text(json.dumps(tidy(features), indent=4), encoding="utf-8")
