"""The walkthrough's own checks fail on the misconfigurations they exist to catch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rolecheck.aws import operations
from rolecheck.aws.clients import AccessKey
from rolecheck.aws.identity import Identity
from rolecheck.aws.secrets import Secret
from rolecheck.errors import ComplianceViolation
from rolecheck.suite import checks

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _key(key_id: str = "ASIAEXAMPLE", token: bool = True, expires_in: int | None = 3600) -> AccessKey:
    return AccessKey(key_id, Secret("s" * 40), Secret("t" * 20) if token else None,
                     NOW + timedelta(seconds=expires_in) if expires_in is not None else None)


def test_root_operator_is_refused() -> None:
    with pytest.raises(ComplianceViolation, match="root user"):
        checks.check_not_root(Identity("arn:aws:iam::123456789012:root", "123456789012", "1"))
    checks.check_not_root(Identity("arn:aws:iam::123456789012:user/admin", "123456789012", "A"))


def test_temporary_credentials_pass() -> None:
    checks.check_temporary(_key(), now=NOW)


@pytest.mark.parametrize(("key", "reason"), [
    (_key("AKIAEXAMPLE"), "not a temporary"),
    (_key(token=False), "no session token"),
    (_key(expires_in=None), "no expiration"),
    (_key(expires_in=43200), "later than 3600 s"),
    (_key(expires_in=-1), "expired"),
], ids=["long-term key", "no token", "no expiry", "too long", "already expired"])
def test_non_temporary_credentials_fail(key: AccessKey, reason: str) -> None:
    with pytest.raises(ComplianceViolation, match=reason):
        checks.check_temporary(key, now=NOW)


def test_missing_bucket_fails() -> None:
    checks.check_bucket_listed(["a", "b"], "b")
    with pytest.raises(ComplianceViolation, match="not the new bucket b"):
        checks.check_bucket_listed(["a"], "b")


def test_caller_identity_must_name_the_session() -> None:
    expected = "arn:aws:sts::123456789012:assumed-role/r/s"
    checks.check_caller_identity(Identity(expected, "123456789012", "AROA:s"), expected)
    with pytest.raises(ComplianceViolation, match="acts as"):
        checks.check_caller_identity(
            Identity("arn:aws:iam::123456789012:user/u", "123456789012", "AIDA"), expected)


def test_failure_messages_never_carry_the_secret() -> None:
    key = _key("AKIAEXAMPLE")
    with pytest.raises(ComplianceViolation) as failure:
        checks.check_temporary(key, now=NOW)
    assert key.secret_access_key.reveal() not in str(failure.value)
    assert "s" * 40 not in repr(key)


class _Iam:
    def __init__(self, seconds: int) -> None:
        self.seconds = seconds

    def get_role(self, RoleName: str) -> dict:
        return {"Role": {"RoleName": RoleName, "MaxSessionDuration": self.seconds}}


@pytest.mark.parametrize("configured", [3601, 7199, 43200])
def test_longer_maximum_sessions_fail(configured: int) -> None:
    role = operations.Role("r", "arn:aws:iam::123456789012:role/r", "AROA", configured)
    checks.check_max_session_duration(_Iam(3600), role, 3600)
    with pytest.raises(ComplianceViolation, match=f"sessions of {configured} s"):
        checks.check_max_session_duration(_Iam(configured), role, 3600)
