"""Eventual consistency: a transient error is retried until it clears, a persistent one fails within the budget.

https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from rolecheck.aws import consistency, operations
from rolecheck.errors import ComplianceViolation

ROLE_ARN = "arn:aws:iam::123456789012:role/rolecheck-r1-main-2-role"
GRANTED = {
    "Credentials": {"AccessKeyId": "ASIAEXAMPLEEXAMPLE01", "SecretAccessKey": "s" * 40, "SessionToken": "t" * 40,
                    "Expiration": datetime.now(UTC) + timedelta(hours=1)},
    "AssumedRoleUser": {"AssumedRoleId": "AROAEXAMPLE:s", "Arn": "arn:aws:sts::123456789012:assumed-role/r/s"},
}


def _client(service: str) -> Any:
    session = botocore.session.get_session()
    return session.create_client(service, region_name="us-east-1", aws_access_key_id="AKIAEXAMPLE",
                                 aws_secret_access_key="x")


@pytest.fixture
def budget(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A one-second budget with short delays, restored afterwards."""
    monkeypatch.setattr(consistency, "FIRST_DELAY", 0.1)
    consistency.configure(1.0)
    yield
    consistency.configure(0)


def test_a_fresh_key_that_is_not_yet_known_is_retried_until_it_works(budget: None) -> None:
    sts = _client("sts")
    with Stubber(sts) as stub:
        for _ in range(2):
            stub.add_client_error("assume_role", "InvalidClientTokenId", "The security token included in the "
                                  "request is invalid.", http_status_code=403)
        stub.add_response("assume_role", GRANTED)

        key = operations.assume_role(sts, ROLE_ARN, "session")

        stub.assert_no_pending_responses()
    assert key.access_key_id == "ASIAEXAMPLEEXAMPLE01"


def test_a_refusal_that_persists_fails_within_the_budget_with_a_clear_message(budget: None) -> None:
    sts = _client("sts")
    with Stubber(sts) as stub:
        for _ in range(10):
            stub.add_client_error("assume_role", "AccessDenied", "User is not authorized to perform sts:AssumeRole",
                                  http_status_code=403)
        started = time.monotonic()

        with pytest.raises(ComplianceViolation) as refused:
            operations.assume_role(sts, ROLE_ARN, "session")

    assert time.monotonic() - started < 1.0
    message = str(refused.value)
    assert message.startswith(f"Compliance violation: the user cannot switch to role {ROLE_ARN}: AccessDenied: "
                              "User is not authorized to perform sts:AssumeRole (still failing after 4 attempts in")
    assert message.endswith(f"while switching to role {ROLE_ARN}; raise --consistency-timeout if IAM is slow to "
                            "propagate)")


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.calls = 0

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _failing(code: str, clock: _Clock) -> Any:
    def call() -> None:
        clock.calls += 1
        raise ClientError({"Error": {"Code": code, "Message": "no"}}, "AssumeRole")

    return call


def test_an_error_other_than_the_listed_ones_is_never_retried() -> None:
    clock = _Clock()
    with pytest.raises(ClientError) as raised:
        consistency.retry_fresh(_failing("AccessDenied", clock), consistency.FRESH_KEY_ERRORS, "probing", budget=30,
                                sleep=clock.sleep, clock=lambda: clock.now)
    assert clock.calls == 1 and not isinstance(raised.value, consistency.StillInconsistent)


def test_with_no_budget_nothing_is_retried() -> None:
    clock = _Clock()
    with pytest.raises(ClientError):
        consistency.retry_fresh(_failing("InvalidClientTokenId", clock), consistency.FRESH_KEY_ERRORS, "signing in",
                                budget=0, sleep=clock.sleep, clock=lambda: clock.now)
    assert clock.calls == 1


def test_the_backoff_doubles_up_to_its_cap_and_stops_at_the_budget() -> None:
    clock = _Clock()
    with pytest.raises(consistency.StillInconsistent):
        consistency.retry_fresh(_failing("AccessDenied", clock), consistency.FRESH_ROLE_ERRORS, "switching",
                                budget=30, sleep=clock.sleep, clock=lambda: clock.now)
    # 0.5 + 1 + 2 + 4 + 4 + 4 + 4 + 4 + 4 = 27.5 s after 10 attempts; another 4 s would pass the 30 s budget.
    assert clock.calls == 10 and clock.now == pytest.approx(27.5)


class _Waiters:
    """A client whose waiters note how they were asked to wait."""

    def __init__(self) -> None:
        self.waits: list[tuple[str, dict[str, Any]]] = []

    def get_waiter(self, name: str) -> Any:
        client = self

        class Waiter:
            def wait(self, **params: Any) -> None:
                client.waits.append((name, params))

        return Waiter()


def test_waiters_are_skipped_without_a_budget_and_bounded_by_it() -> None:
    iam = _Waiters()
    consistency.wait_until(iam, "role_exists", "role r", RoleName="r")
    assert iam.waits == []

    consistency.configure(5)
    try:
        consistency.wait_until(iam, "role_exists", "role r", RoleName="r")
    finally:
        consistency.configure(0)
    assert iam.waits == [("role_exists", {"RoleName": "r", "WaiterConfig": {"Delay": 1, "MaxAttempts": 5}})]
