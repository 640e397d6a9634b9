"""Evidence: every API call a step makes, attached to the current Allure step with its secrets masked.

The recorder hooks botocore's event system on each client once, so steps never have to remember to attach
anything. It also keeps the calls in memory for the benchmark's recorded call list.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import allure
import allure_commons

from rolecheck.aws.secrets import redact

_MAX_LIST_ITEMS = 25
_DROPPED_RESPONSE_FIELDS = frozenset({"ResponseMetadata", "IsTruncated", "Marker", "NextToken"})


@dataclass
class CallRecord:
    """One API call as evidence: who made it, what was asked, what came back. Secrets are already masked."""

    actor: str
    service: str
    operation: str
    request: dict[str, Any]
    http_status: int | None = None
    response: dict[str, Any] = field(default_factory=dict)
    error_code: str | None = None
    error_message: str | None = None
    elapsed_ms: float = 0.0

    @property
    def title(self) -> str:
        outcome = f" -> {self.error_code}" if self.error_code else ""
        return f"{self.actor}: {self.service}:{self.operation}{outcome}"

    def to_json(self) -> str:
        # Shallow: the request and response are already fresh, redacted copies, so asdict's deep copy is waste.
        return json.dumps({f.name: getattr(self, f.name) for f in fields(self)}, indent=2, default=str)


Sink = Callable[[CallRecord], None]


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


def attach_png(name: str, render: Callable[[], bytes]) -> None:
    """Attach a picture, rendered only when a report records it: drawing costs more than the checks it shows."""
    if reporting():
        allure.attach(render(), name=name, attachment_type=allure.attachment_type.PNG)


def allure_sink(record: CallRecord) -> None:
    """The default sink: one JSON attachment per call on the step that made it."""
    allure.attach(record.to_json(), name=record.title, attachment_type=allure.attachment_type.JSON)


class CallRecorder:
    """Watches boto3 clients and turns each call into a redacted ``CallRecord``."""

    def __init__(self, sinks: tuple[Sink, ...] = (allure_sink,)) -> None:
        self.sinks = list(sinks)
        self.calls: list[CallRecord] = []

    def watch(self, client: Any, actor: str) -> Any:
        """Register the hooks on one client; returns the client for chaining."""
        events = client.meta.events
        events.register("before-parameter-build", self._remember_params)
        events.register("after-call", lambda **kw: self._record(actor, **kw))
        return client

    @staticmethod
    def _remember_params(params: Mapping[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["rolecheck_params"] = redact(dict(params))
        context["rolecheck_started"] = time.perf_counter()

    def _record(self, actor: str, *, http_response: Any, parsed: Mapping[str, Any], model: Any,
                context: dict[str, Any], **_: Any) -> None:
        error = parsed.get("Error") or {}
        started = context.get("rolecheck_started")
        record = CallRecord(
            actor=actor,
            service=model.service_model.service_name,
            operation=model.name,
            request=context.get("rolecheck_params", {}),
            http_status=getattr(http_response, "status_code", None),
            response={} if error else _key_fields(parsed),
            error_code=error.get("Code"),
            error_message=error.get("Message"),
            elapsed_ms=round((time.perf_counter() - started) * 1000, 2) if started else 0.0,
        )
        self.calls.append(record)
        for sink in self.sinks:
            sink(record)


def _key_fields(parsed: Mapping[str, Any]) -> dict[str, Any]:
    trimmed = {k: v for k, v in parsed.items() if k not in _DROPPED_RESPONSE_FIELDS}
    return _shorten(redact(trimmed))


def _shorten(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _shorten(v) for k, v in value.items() if not hasattr(v, "read")}
    if isinstance(value, list):
        head = [_shorten(v) for v in value[:_MAX_LIST_ITEMS]]
        return head + ([f"... {len(value) - _MAX_LIST_ITEMS} more"] if len(value) > _MAX_LIST_ITEMS else [])
    return value
