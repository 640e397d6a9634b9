"""IAM's eventual consistency on the moto targets: decisions see the state from before each change until its lag passes.

Before every IAM write the adapter lets through, the authorization-relevant state is captured (an ``IamView``) and
kept with a drawn lag. A decision reads the state from before the oldest change that has not yet propagated; once
every change up to a point has propagated, the next view (or the live state) takes over. Changes thus become
visible in the order they were made, each no sooner than its own lag after it was made.

Lags run on ``time.monotonic``: the expiry scenario moves the wall clock (time-machine moves ``datetime`` and
``time.time``, never the monotonic clock), and a moved clock must neither settle nor freeze pending changes.

The adapter's readers are wrapped in place (``install``): the key lookup, the user and role lookups, the policy
readers and the principal tags. Session keys and sessions are not lagged: STS answers with credentials that work
at once.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .iam_view import IamView, Readers, capture


@dataclass(frozen=True)
class Pending:
    """The state before one change, visible until ``until`` (monotonic seconds)."""

    before: IamView
    until: float


class LagView:
    """The queue of changes that have not yet propagated."""

    def __init__(self, draw_lag: Callable[[], float], clock: Callable[[], float] = time.monotonic) -> None:
        self._draw_lag = draw_lag
        self.readers: Readers | None = None
        self._clock = clock
        self._pending: deque[Pending] = deque()
        self._lock = threading.Lock()
        self.changes = 0

    def record_change(self) -> float:
        """Called just before an IAM write takes effect; returns the lag drawn for it."""
        lag = self._draw_lag()
        if lag <= 0:
            return 0.0
        if self.readers is None:
            raise RuntimeError("the lag view is not installed in the adapter")
        before = capture(self.readers)
        with self._lock:
            self._pending.append(Pending(before, self._clock() + lag))
            self.changes += 1
        return lag

    def current(self) -> IamView | None:
        """The state decisions see now: the view from before the oldest pending change, or None (read live)."""
        now = self._clock()
        with self._lock:
            while self._pending and self._pending[0].until <= now:
                self._pending.popleft()
            return self._pending[0].before if self._pending else None


_view: LagView | None = None
_saved: list[tuple[Any, str, Any]] = []


def _stale() -> IamView | None:
    return _view.current() if _view is not None else None


class _GoneRole:
    """A role deleted after the view was captured: still assumable until its deletion propagates."""

    def __init__(self, arn: str) -> None:
        self.arn = arn


def _role_arn(caller: Any) -> str | None:
    if caller.role is not None:
        return caller.role.arn
    if caller.session is not None:
        return caller.session.role_arn
    return None


def _entry(stale: IamView, caller: Any) -> Any:
    if caller.session is not None or caller.role is not None:
        return stale.roles.get(_role_arn(caller) or "")
    return stale.users.get((caller.account, caller.principal.arn.rsplit("/", 1)[-1]))


def _wrap_find_access_key(original: Callable[[str], Any]) -> Callable[[str], Any]:
    def find_access_key(access_key_id: str) -> Any:
        live = original(access_key_id)
        stale = _stale()
        if stale is None or (live is not None and (live[2].user_name is None or live[0] not in stale.accounts)):
            # Session keys work at once; an account set up after the view (another account's administrator,
            # bootstrapped outside the API) has no earlier state to lag behind.
            return live
        key = stale.keys.get(access_key_id)
        return (key.account, key.partition, key) if key is not None else None

    return find_access_key


def _wrap_user_caller(original: Callable[..., Any]) -> Callable[..., Any]:
    def user_caller(account: str, partition: str, key: Any) -> Any:
        stale = _stale()
        if stale is None:
            return original(account, partition, key)
        if account not in stale.accounts:
            return original(account, partition, key)
        seen = stale.users.get((account, key.user_name))
        if seen is None:
            return None
        from rolecheck.moto_adapter.identity import Caller

        live = original(account, partition, key)
        return live if live is not None else Caller(seen.principal, account, partition)

    return user_caller


def _wrap_find_role(original: Callable[[str], Any]) -> Callable[[str], Any]:
    def find_role_by_arn(role_arn: str) -> Any:
        live = original(role_arn)
        stale = _stale()
        if stale is None:
            return live
        if role_arn not in stale.roles:
            account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else ""
            return live if account not in stale.accounts else None
        return live if live is not None else _GoneRole(role_arn)

    return find_role_by_arn


def _wrap_reader(original: Callable[[Any], Any], field: str) -> Callable[[Any], Any]:
    def reader(caller: Any) -> Any:
        stale = _stale()
        entry = _entry(stale, caller) if stale is not None else None
        return getattr(entry, field) if entry is not None else original(caller)

    return reader


def _wrap_trust(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def trust_policy(role: Any) -> Any:
        stale = _stale()
        entry = stale.roles.get(role.arn) if stale is not None else None
        return entry.trust if entry is not None else original(role)

    return trust_policy


class _TaggedRole:
    """The role's tags as the view recorded them, for the adapter's own rule merging them with a session's tags."""

    def __init__(self, tags: Any) -> None:
        self.tags = [dict(tag) if isinstance(tag, dict) else tag for tag in tags]


def _wrap_principal_tags(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def principal_tags(caller: Any) -> Any:
        stale = _stale()
        entry = _entry(stale, caller) if stale is not None else None
        if entry is None:
            return original(caller)
        if caller.session is None and caller.role is None:
            return dict(entry.tags)
        return original(dataclasses.replace(caller, role=_TaggedRole(entry.tags)))

    return principal_tags


def _patch(owner: Any, name: str, wrap: Callable[[Any], Any]) -> None:
    original = getattr(owner, name, None)
    if original is None:
        from rolecheck.moto_adapter.errors import MotoInternalsChanged

        raise MotoInternalsChanged(f"rolecheck.simulated_aws: {owner.__name__}.{name} is gone; "
                                "the lag hooks need updating")
    _saved.append((owner, name, original))
    setattr(owner, name, wrap(original))


def install(view: LagView) -> None:
    """Make the adapter's readers consult ``view`` (idempotent per view)."""
    global _view
    from rolecheck.moto_adapter import authorizer, context, state

    _view = view
    if _saved:
        view.readers = _live_readers()
        return
    _patch(authorizer, "find_access_key", _wrap_find_access_key)
    _patch(authorizer, "user_caller", _wrap_user_caller)
    _patch(authorizer, "find_role_by_arn", _wrap_find_role)
    _patch(state, "identity_policies", lambda original: _wrap_reader(original, "identity_policies"))
    _patch(state, "permissions_boundary", lambda original: _wrap_reader(original, "boundary"))
    _patch(state, "trust_policy", _wrap_trust)
    _patch(context, "principal_tags", _wrap_principal_tags)
    view.readers = _live_readers()


def _live_readers() -> Readers:
    originals = {name: original for _owner, name, original in _saved}
    return Readers(originals["identity_policies"], originals["permissions_boundary"], originals["trust_policy"],
                   originals["principal_tags"])


def uninstall() -> None:
    """Restore the adapter's readers."""
    global _view
    while _saved:
        owner, name, original = _saved.pop()
        setattr(owner, name, original)
    _view = None
