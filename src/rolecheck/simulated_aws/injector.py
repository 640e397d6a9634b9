"""The conditions at the adapter's hook: every request to a moto target, in-process or over HTTP, passes here.

Before the operation runs: the call's latency, then possibly a dropped connection, a throttling answer or a
transient fault. All three come before the operation, so a retried call never runs twice. After authorization let
an IAM write through, the lag view records the state from before it.
"""

from __future__ import annotations

import math
import random
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ConnectionClosedError

from rolecheck.aws.consistency import IAM_READ_PREFIXES

from .lag import LagView
from .profile import FAULT_ERRORS, LATENCY_CAP, LATENCY_SIGMA, THROTTLE_ERRORS, Profile

_SEEN = "rolecheck_conditions_applied"


@dataclass
class Stats:
    """What the conditions did to a run, for its closing line and the benchmark."""

    calls: int = 0
    latency_seconds: float = 0.0
    throttled: int = 0
    faults: int = 0
    dropped: int = 0
    iam_changes: int = 0
    by_service: dict[str, int] = field(default_factory=dict)

    @property
    def injected_errors(self) -> int:
        """Each one costs the SDK a retry."""
        return self.throttled + self.faults + self.dropped

    def as_dict(self) -> dict[str, Any]:
        return {"calls": self.calls, "latency_seconds": round(self.latency_seconds, 3), "throttled": self.throttled,
                "faults": self.faults, "dropped": self.dropped, "iam_changes": self.iam_changes,
                "by_service": dict(self.by_service)}


class DroppedConnection(ConnectionClosedError):
    """The connection closed before an answer: what botocore raises when a socket is reset mid-request."""


class _ServerDrop(ConnectionResetError):
    """Raised inside the moto server: werkzeug treats a ConnectionError as a dropped connection and answers nothing."""


def _drop_served_connection() -> bool:
    """Inside the moto server (a Flask request), shut the client's socket and return True; False under mock_aws."""
    from flask import has_request_context, request

    if not has_request_context():
        return False
    connection = request.environ.get("werkzeug.socket")
    if connection is not None:
        connection.shutdown(socket.SHUT_RDWR)
    return True


class Conditions:
    """A profile in force: seeded draws, the lag view and the counters."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.stats = Stats()
        self._random = random.Random(profile.seed)
        self._lock = threading.Lock()
        self.lag = LagView(self._draw_lag)

    def _uniform(self) -> float:
        with self._lock:
            return self._random.random()

    def _draw_lag(self) -> float:
        low, high = self.profile.lag
        return low + (high - low) * self._uniform()

    def _draw_latency(self, service: str) -> float:
        median = self.profile.latency_of(service)
        with self._lock:
            spread = self._random.gauss(0.0, LATENCY_SIGMA)
        return min(median * math.exp(spread), median * LATENCY_CAP)

    def before(self, response: Any) -> None:
        """Latency, then at most one of: dropped connection, throttling, transient fault."""
        from rolecheck.moto_adapter.calls import call_of

        call = call_of(response)
        delay = self._draw_latency(call.service)
        with self._lock:
            self.stats.calls += 1
            self.stats.by_service[call.service] = self.stats.by_service.get(call.service, 0) + 1
            self.stats.latency_seconds += delay
        time.sleep(delay)
        draw = self._uniform()
        drop, throttle = self.profile.drop, self.profile.throttle_of(call.service)
        if draw < drop:
            self._count("dropped")
            if _drop_served_connection():
                raise _ServerDrop("rolecheck AWS conditions: connection dropped")
            raise DroppedConnection(endpoint_url=getattr(response, "uri", ""))
        if draw < drop + throttle:
            self._count("throttled")
            code, message, status = THROTTLE_ERRORS.get(call.service, THROTTLE_ERRORS["*"])
            raise call.error(code, message, status)
        if draw < drop + throttle + self.profile.fault:
            self._count("faults")
            choices = FAULT_ERRORS.get(call.service, FAULT_ERRORS["*"])
            code, message, status = choices[int(self._uniform() * len(choices))]
            raise call.error(code, message, status)

    def after(self, response: Any) -> None:
        """An IAM write is about to take effect: decisions keep seeing the state before it for a while."""
        if response.service_name != "iam" or (response._get_action() or "").startswith(IAM_READ_PREFIXES):
            return
        if self.lag.record_change() > 0:
            self._count("iam_changes")

    def _count(self, counter: str) -> None:
        with self._lock:
            setattr(self.stats, counter, getattr(self.stats, counter) + 1)


_active: Conditions | None = None
_saved: list[tuple[Any, Any]] = []


def _wrap(original: Any) -> Any:
    def authenticate_and_authorize(response: Any, iam_request_cls: type, resource: str = "*") -> None:
        conditions = _active
        first = conditions is not None and not getattr(response, _SEEN, False)
        if first:
            # Some S3 operations authorize twice: one request, one latency, one chance of failure.
            setattr(response, _SEEN, True)
            conditions.before(response)
        original(response, iam_request_cls, resource)
        if first:
            conditions.after(response)

    authenticate_and_authorize.__wrapped__ = original  # type: ignore[attr-defined]
    return authenticate_and_authorize


def install(conditions: Conditions) -> None:
    """Put ``conditions`` in force on the adapter's hook (after ``moto_adapter.install``); replaces any before."""
    global _active
    from moto.core.authorization import ActionAuthenticatorMixin

    from rolecheck import moto_adapter

    from . import lag

    if not moto_adapter.is_installed():
        raise RuntimeError("install the rolecheck moto adapter before the AWS conditions")
    _active = conditions
    lag.install(conditions.lag)
    if not _saved:
        original = ActionAuthenticatorMixin.__dict__["_authenticate_and_authorize_action"]
        wrapper = _wrap(original)
        _saved.append((original, wrapper))
        ActionAuthenticatorMixin._authenticate_and_authorize_action = wrapper


def uninstall() -> None:
    """Lift the conditions. If the adapter was removed first, its own restore already took the wrapper away."""
    global _active
    from moto.core.authorization import ActionAuthenticatorMixin

    from . import lag

    _active = None
    lag.uninstall()
    while _saved:
        original, wrapper = _saved.pop()
        if ActionAuthenticatorMixin.__dict__.get("_authenticate_and_authorize_action") is wrapper:
            ActionAuthenticatorMixin._authenticate_and_authorize_action = original


def active() -> Conditions | None:
    """The conditions in force in this process, if any."""
    return _active
