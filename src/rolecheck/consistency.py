"""IAM's eventual consistency on real AWS: wait for fresh resources, retry exactly the errors it causes.

IAM is eventually consistent: a change can take a while to become visible everywhere
(https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency).
A freshly created role can refuse AssumeRole for a few seconds and a fresh access key can be unknown
(InvalidClientTokenId). The suite waits with botocore's waiters where they exist and otherwise retries those
errors only, with exponential backoff under a total time budget.

The budget is per process (``configure``): 0 on moto, where everything is consistent at once, so that moto runs
make no extra calls. Throttling is not handled here: botocore's standard retry mode does it (clients.DEFAULT_CONFIG).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Collection
from typing import Any, TypeVar

from botocore.exceptions import ClientError, WaiterError

from rolecheck.errors import TargetError

T = TypeVar("T")

DEFAULT_AWS_TIMEOUT = 30.0
FIRST_DELAY = 0.5
MAX_DELAY = 4.0

# A fresh access key is unknown to STS for a few seconds; a fresh role's trust policy is not yet effective.
FRESH_KEY_ERRORS = frozenset({"InvalidClientTokenId"})
FRESH_ROLE_ERRORS = frozenset({"AccessDenied"})

_budget = {"timeout": 0.0}


def configure(timeout: float) -> None:
    """Set the total time a single wait or retry may take in this process (seconds; 0 disables both)."""
    if timeout < 0:
        raise TargetError(f"the consistency timeout must be 0 or more seconds, not {timeout}")
    _budget["timeout"] = float(timeout)


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
            sleep(delay)
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
        client.get_waiter(waiter).wait(WaiterConfig={"Delay": delay, "MaxAttempts": max(1, math.ceil(budget / delay))},
                                       **params)
    except WaiterError as exc:
        raise TargetError(f"{what} did not become visible within {budget:.0f} s ({exc})") from None
