"""IAM's eventual consistency on real AWS: wait for fresh resources, retry exactly the errors it causes.

IAM is eventually consistent: a change can take a while to become visible everywhere
(https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency).
A freshly created role can refuse AssumeRole for a few seconds and a fresh access key can be unknown
(InvalidClientTokenId). The suite waits with botocore's waiters where they exist and otherwise retries those
errors only, with exponential backoff under a total time budget.

The budget is per process (``configure``): 0 on moto, where everything is consistent at once, so that moto runs
make no extra calls. Throttling is not handled here: botocore's standard retry mode does it (clients.DEFAULT_CONFIG).

Answers observed right after a change can be stale in both directions (a detached policy still grants, a fresh
attachment does not yet). ``settled_answer`` is how a live probe's answer becomes trustworthy: an answer that
disagrees with the engine's prediction is asked again within the budget, and a refusal is trusted only once every
IAM change this process made has had its settle window to propagate (``watch`` notes each change).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Collection
from typing import Any, TypeVar

from botocore.exceptions import ClientError, WaiterError

from rolecheck.aws import progress
from rolecheck.errors import TargetError

T = TypeVar("T")

DEFAULT_AWS_TIMEOUT = 30.0
# ASSUMPTION: how long an IAM change takes to reach every decision on AWS. AWS gives no bound; changes usually
# propagate within seconds. A refusal observed sooner than this after the process's last IAM change is asked again.
DEFAULT_AWS_SETTLE = 10.0
FIRST_DELAY = 0.5
MAX_DELAY = 4.0

# A fresh access key is unknown to STS for a few seconds; a fresh role's trust policy is not yet effective.
FRESH_KEY_ERRORS = frozenset({"InvalidClientTokenId"})
FRESH_ROLE_ERRORS = frozenset({"AccessDenied"})

T_ANSWER = TypeVar("T_ANSWER")
# The IAM operations that change nothing (the others are changes that take time to propagate); the AWS-conditions
# lag view (rolecheck.simulated_aws) draws a lag for the same changes this module waits for.
IAM_READ_PREFIXES = ("Get", "List", "Generate", "Simulate")

_budget = {"timeout": 0.0, "settle": 0.0, "last_change": -math.inf, "waited": 0.0, "reprobes": 0.0}
_changes: deque[tuple[float, frozenset[str]]] = deque(maxlen=2000)
_NAMES = "rolecheck_changed_names"
_lock = threading.Lock()


def configure(timeout: float, settle: float | None = None) -> None:
    """Set the total time a single wait or retry may take in this process (seconds; 0 disables both).

    ``settle`` is how long an IAM change may take to reach decisions; by default the shorter of the budget and
    DEFAULT_AWS_SETTLE (so 0 on moto). The changes noted so far are forgotten: they were made against another
    target, or under other terms.
    """
    if timeout < 0:
        raise TargetError(f"the consistency timeout must be 0 or more seconds, not {timeout}")
    _budget["timeout"] = float(timeout)
    _budget["settle"] = min(float(timeout), DEFAULT_AWS_SETTLE) if settle is None else float(settle)
    with _lock:
        _budget["last_change"] = -math.inf
        _changes.clear()


def watch(client: Any) -> None:
    """Note every IAM change a client makes: refusals observed before it has settled are not trusted yet."""
    client.meta.events.register("before-parameter-build.iam", _remember_names)
    client.meta.events.register("after-call.iam", _noted)


def _remember_names(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    context[_NAMES] = frozenset(_entity_name(value) for key, value in params.items()
                                if isinstance(value, str) and key.endswith(("Name", "Arn")))


def _entity_name(value: str) -> str:
    return value.rsplit("/", 1)[-1] if value.startswith("arn:") else value


def _noted(model: Any, http_response: Any = None, context: dict[str, Any] | None = None, **_: Any) -> None:
    # A refused or failed write changed nothing: only a successful one starts a settle window.
    succeeded = http_response is not None and 200 <= http_response.status_code < 300
    if succeeded and not model.name.startswith(IAM_READ_PREFIXES):
        note_change((context or {}).get(_NAMES, frozenset()))


def note_change(names: frozenset[str] = frozenset()) -> None:
    """An IAM change was just made to the entities ``names`` (users, roles, policies, groups; empty: unknown)."""
    now = time.monotonic()
    with _lock:
        _budget["last_change"] = now
        _changes.append((now, names))


def settle_window() -> float:
    """How long an IAM change may take to reach decisions here (0 where everything is consistent at once)."""
    return _budget["settle"]


def settles_at(relevant: Callable[[frozenset[str]], bool] | None = None) -> float:
    """The monotonic time at which every IAM change noted so far (that is ``relevant``) has had its settle window."""
    if relevant is None:
        return _budget["last_change"] + _budget["settle"]
    with _lock:
        latest = max((moment for moment, names in _changes if relevant(names)), default=-math.inf)
    return latest + _budget["settle"]


def waited() -> dict[str, float]:
    """Seconds this process spent waiting for propagation, and how many answers it asked again."""
    return {"seconds": _budget["waited"], "reprobes": _budget["reprobes"]}


def _sleep(seconds: float, sleep: Callable[[float], None]) -> None:
    if seconds > 0:
        with _lock:
            _budget["waited"] += seconds
        sleep(seconds)


def _until_settled(delay: float, clock: Callable[[], float]) -> float:
    """Back off by ``delay``, but never past the moment every noted change has settled: then the answer is final."""
    remaining = settles_at() - clock()
    return min(delay, remaining) if remaining > 0 else delay


def settled_answer(observe: Callable[[], T_ANSWER], first: T_ANSWER, agrees: Callable[[T_ANSWER], bool],
                   refused: Callable[[T_ANSWER], bool], *, relevant: Callable[[frozenset[str]], bool] | None = None,
                   sleep: Callable[[float], None] = time.sleep,
                   clock: Callable[[], float] = time.monotonic) -> T_ANSWER:
    """The answer to trust: ``first`` unless it disagrees with the prediction or is a refusal seen too early.

    A disagreeing answer is observed again (exponential backoff) within the budget; a refusal observed before the
    last change's settle window ended is observed again once it has; ``relevant`` says which changes can bear on
    the answer (by the names they touched; by default all). After the budget the last answer stands, and the caller
    reports it as it is (drift or a violation): waiting longer did not change it.
    """
    with progress.waiting("IAM propagation (an answer that disagreed with the prediction, asked again)"):
        return _settle(observe, first, agrees, refused, relevant, sleep, clock)


def _settle(observe: Callable[[], T_ANSWER], first: T_ANSWER, agrees: Callable[[T_ANSWER], bool],
            refused: Callable[[T_ANSWER], bool], relevant: Callable[[frozenset[str]], bool] | None,
            sleep: Callable[[float], None], clock: Callable[[], float]) -> T_ANSWER:
    answer, observed_at = first, clock()
    deadline = observed_at + timeout()
    delay = FIRST_DELAY
    while True:
        early = refused(answer) and observed_at < settles_at(relevant)
        if agrees(answer) and not early:
            return answer
        now = clock()
        wait = max(settles_at(relevant) - now, 0.0) if early else _until_settled(delay, clock)
        if timeout() <= 0 or now + wait > deadline:
            return answer
        _sleep(wait, sleep)
        delay = min(delay * 2, MAX_DELAY)
        with _lock:
            _budget["reprobes"] += 1
        answer, observed_at = observe(), clock()


def timeout() -> float:
    """The configured total time budget of one wait or retry, in seconds."""
    return _budget["timeout"]


class StillInconsistent(ClientError):
    """The error persisted for the whole budget: the last AWS error, with how long it was retried.

    It stays a ``ClientError`` so that callers keep treating it as the AWS answer it is (a role that never
    becomes assumable is still a refusal), while its message says that waiting longer did not help.
    """


def retry_fresh(call: Callable[[], T], codes: Collection[str], what: str, *, budget: float | None = None,
                sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> T:
    """Call ``call`` until it stops failing with one of ``codes``, for at most ``budget`` seconds in total.

    Only for setup paths that expect success: a probe that expects AccessDenied must never come through here,
    or a correct refusal would cost the whole budget. Any other error is raised at once.
    """
    budget = timeout() if budget is None else budget
    with progress.waiting(f"IAM propagation ({what})"):
        return _retry(call, codes, what, budget, sleep, clock)


def _retry(call: Callable[[], T], codes: Collection[str], what: str, budget: float, sleep: Callable[[float], None],
           clock: Callable[[], float]) -> T:
    started = clock()
    delay = FIRST_DELAY
    attempts = 0
    while True:
        attempts += 1
        try:
            return call()
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            elapsed = clock() - started
            if code not in codes or budget <= 0:
                raise
            if elapsed + delay > budget:
                raise _exhausted(exc, what, attempts, elapsed) from None
            _sleep(_until_settled(delay, clock), sleep)
            delay = min(delay * 2, MAX_DELAY)


def _exhausted(exc: ClientError, what: str, attempts: int, elapsed: float) -> StillInconsistent:
    error = dict(exc.response.get("Error", {}))
    error["Message"] = (f"{error.get('Message', '')} (still failing after {attempts} attempts in {elapsed:.1f} s "
                        f"while {what}; raise --consistency-timeout if IAM is slow to propagate)").strip()
    return StillInconsistent({**exc.response, "Error": error}, exc.operation_name)


def wait_until(client: Any, waiter: str, what: str, **params: Any) -> None:
    """Wait with botocore's ``waiter`` (user_exists, role_exists, policy_exists, bucket_exists) within the budget.

    A no-op when the budget is 0, so moto runs make no extra calls.
    """
    budget = timeout()
    if budget <= 0:
        return
    delay = 1
    try:
        with progress.waiting(f"IAM propagation ({what})"):
            client.get_waiter(waiter).wait(
                WaiterConfig={"Delay": delay, "MaxAttempts": max(1, math.ceil(budget / delay))}, **params)
    except WaiterError as exc:
        raise TargetError(f"{what} did not become visible within {budget:.0f} s ({exc})") from None
