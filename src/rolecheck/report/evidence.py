"""Evidence on the Allure report: documents, explanations, tables, pictures and API calls, on the current step.

Secrets never reach these functions unmasked: the call records are redacted when they are made
(``rolecheck.aws.call_log``), and the steps attach documents and masked descriptions only.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import allure
import allure_commons

from rolecheck.aws.call_log import CallRecord
from rolecheck.report.access_picture import NO_DOT, Picture


def attach_json(name: str, payload: Any) -> None:
    """Attach a JSON document (policy, computed set, explanation) to the current Allure step."""
    body = payload if isinstance(payload, str) else json.dumps(payload, indent=2, default=str)
    allure.attach(body, name=name, attachment_type=allure.attachment_type.JSON)


def attach_text(name: str, text: str) -> None:
    """Attach plain text (an engine explanation, an error message) to the current Allure step."""
    allure.attach(text, name=name, attachment_type=allure.attachment_type.TEXT)


def attach_table(name: str, rows: list[dict[str, str]]) -> None:
    """Attach rows as a CSV table, which Allure shows as a table, with one column per key of the first row."""
    if not rows:
        return
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    allure.attach(out.getvalue(), name=name, attachment_type=allure.attachment_type.CSV)


def reporting() -> bool:
    """Whether an Allure listener records attachments in this run (``--alluredir``)."""
    return bool(allure_commons.plugin_manager.hook.attach_data.get_hookimpls())


def attach_picture(name: str, render: Callable[[], Picture | None]) -> None:
    """Attach a picture as SVG and PNG, rendered only when a report records it: drawing costs more than the checks
    it shows. Without a picture (no Graphviz ``dot``), one line says why."""
    if not reporting():
        return
    picture = render()
    if picture is None:
        attach_text(name, NO_DOT)
        return
    allure.attach(picture.svg, name=f"{name} (SVG)", attachment_type=allure.attachment_type.SVG)
    allure.attach(picture.png, name=name, attachment_type=allure.attachment_type.PNG)


def allure_batch_sink(name: str, records: list[CallRecord]) -> None:
    """The call recorder's sink for calls made together (a concurrent snapshot read): one JSON-lines attachment
    on the step that asked for them, one line per call in the order the answers came."""
    # JSON lines are not one JSON document: plain text, which Allure shows as it is.
    allure.attach("".join(record.to_json().replace("\n", "") + "\n" for record in records), name=name,
                  attachment_type=allure.attachment_type.TEXT)


def allure_sink(record: CallRecord) -> None:
    """The call recorder's sink for the report: one JSON attachment per call on the step that made it."""
    allure.attach(record.to_json(), name=record.title, attachment_type=allure.attachment_type.JSON)
