"""Every API call a step makes, as a record with its secrets masked, handed to the sinks the caller chose.

The recorder hooks botocore's event system on each client once, so steps never have to remember to record
anything. It also keeps the calls in memory for the benchmark's recorded call list. The report's sink, which
attaches each call to the current Allure step, is ``rolecheck.report.evidence.allure_sink``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from typing import Any

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
    # Attempts botocore's retry mode made after the first (throttling, faults, dropped connections).
    retries: int = 0

    @property
    def title(self) -> str:
        outcome = f" -> {self.error_code}" if self.error_code else ""
        return f"{self.actor}: {self.service}:{self.operation}{outcome}"

    def to_json(self) -> str:
        # Shallow: the request and response are already fresh, redacted copies, so asdict's deep copy is waste.
        return json.dumps({f.name: getattr(self, f.name) for f in fields(self)}, indent=2, default=str)


Sink = Callable[[CallRecord], None]
# A sink for a batch of calls made together (a concurrent snapshot read), handed over by the thread that began it.
BatchSink = Callable[[str, list[CallRecord]], None]


class CallRecorder:
    """Watches boto3 clients and turns each call into a redacted ``CallRecord``.

    ``retried`` counts the calls that needed more than one attempt. Inside ``deferred()`` the records are kept
    back, from every thread, and handed over when it ends, in the thread that entered it: Allure attaches to the
    step of the calling thread only (a pool thread would attach to a stale copy of it).
    """

    def __init__(self, sinks: tuple[Sink, ...], batch_sinks: tuple[BatchSink, ...] = ()) -> None:
        self.sinks = list(sinks)
        self.batch_sinks = list(batch_sinks)
        self.calls: list[CallRecord] = []
        self.retried = 0
        self._lock = threading.Lock()
        self._held: list[CallRecord] | None = None

    @contextmanager
    def deferred(self, what: str) -> Iterator[list[CallRecord]]:
        """Hold back the sinks while the block runs; then give the held calls to each batch sink as one piece of
        evidence named after ``what``, or to each plain sink one by one when there is no batch sink (the batch sinks
        stand in for the plain ones)."""
        with self._lock:
            outer, self._held = self._held, []
        held = self._held
        try:
            yield held
        finally:
            with self._lock:
                self._held = outer
            self._hand_over(what, held, outer)

    def _hand_over(self, what: str, held: list[CallRecord], outer: list[CallRecord] | None) -> None:
        if outer is not None:
            with self._lock:
                outer.extend(held)
            return
        if self.batch_sinks:
            retried = sum(1 for record in held if record.retries)
            for batch_sink in self.batch_sinks:
                batch_sink(f"{what} ({len(held)} calls, {retried} retried)", held)
            return
        for record in held:
            for sink in self.sinks:
                sink(record)

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
            retries=int((parsed.get("ResponseMetadata") or {}).get("RetryAttempts") or 0),
        )
        with self._lock:
            self.calls.append(record)
            self.retried += bool(record.retries)
            held = self._held
            if held is not None:
                held.append(record)
        if held is None:
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
