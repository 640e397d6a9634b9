"""The checks that judge a target's answers fail when the target answers like a misconfigured account."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from rolecheck.aws import operations
from rolecheck.engine import Decision, Principal, Request, StageResult, Verdict
from rolecheck.errors import ComplianceViolation, EngineDrift
from rolecheck.suite import checks, probing

ROLE_ARN = "arn:aws:iam::123456789012:role/r"
USER = operations.User("u", "arn:aws:iam::123456789012:user/u", "AIDA")
ROLE = operations.Role("r", ROLE_ARN, "AROA", 3600)


def _error(code: str, message: str = "") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "Op")


class _Sts:
    def __init__(self, answer: Exception | None) -> None:
        self.answer = answer

    def assume_role(self, **_: Any) -> dict:
        if self.answer:
            raise self.answer
        return {"Credentials": {"Expiration": datetime(2026, 1, 1, tzinfo=UTC)}}


def test_an_over_long_session_must_be_refused_by_validation() -> None:
    limit = "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
    assert checks.check_duration_refused(_Sts(_error("ValidationError", limit)), ROLE_ARN, "s", 3601,
                                              limit) == limit
    with pytest.raises(ComplianceViolation, match=r"3601 s session .* was granted"):
        checks.check_duration_refused(_Sts(None), ROLE_ARN, "s", 3601, limit)
    # Refused for another reason: the control was not exercised, which is not a pass either.
    with pytest.raises(AssertionError, match="expected ValidationError"):
        checks.check_duration_refused(_Sts(_error("AccessDenied", "no")), ROLE_ARN, "s", 3601, limit)


class _Answers:
    def __init__(self, error: ClientError | None) -> None:
        self.error = error

    def __getattr__(self, name: str) -> Any:
        def call(**_: Any) -> dict:
            if self.error:
                raise self.error
            return {}
        return call


def test_expired_credentials_must_be_rejected_everywhere() -> None:
    expired = _error("ExpiredToken", "The security token included in the request is expired")
    assert len(checks.check_rejected_as_expired(_Answers(expired), _Answers(expired))) == 2
    with pytest.raises(ComplianceViolation, match="accepted by s3"):
        checks.check_rejected_as_expired(_Answers(expired), _Answers(None))
    with pytest.raises(AssertionError, match="expected ExpiredToken from sts"):
        checks.check_rejected_as_expired(_Answers(_error("AccessDenied")), _Answers(expired))


class _Iam:
    """Answers IAM reads for a user and a role from plain data."""

    def __init__(self, attached: list[str] = (), reset: bool = True) -> None:
        self.attached, self.reset = attached, reset

    def list_attached_role_policies(self, RoleName: str) -> dict:
        return {"AttachedPolicies": [{"PolicyArn": a} for a in self.attached]}

    def get_login_profile(self, UserName: str) -> dict:
        return {"LoginProfile": {"UserName": UserName, "PasswordResetRequired": self.reset}}


def test_the_reviewed_policy_must_be_attached() -> None:
    checks.check_policy_attached(_Iam(attached=["arn:p"]), ROLE, "arn:p")
    with pytest.raises(ComplianceViolation, match="is not attached"):
        checks.check_policy_attached(_Iam(), ROLE, "arn:p")


def test_the_console_password_must_be_changed_at_first_sign_in() -> None:
    checks.check_console_access(_Iam(reset=True), USER)
    with pytest.raises(ComplianceViolation, match="no reset is required"):
        checks.check_console_access(_Iam(reset=False), USER)


PROBE = probing.Probe("s3:GetObject", "s3", lambda c, x: None, lambda x: "arn:aws:s3:::b/k")
REQUEST = Request(Principal.assumed_role("123456789012", "r", "s"), "s3:GetObject", "arn:aws:s3:::b/k")


def _decision(verdict: Verdict) -> Decision:
    return Decision(verdict, REQUEST, (StageResult("identity-based policy", "test", ()),), f"engine: {verdict.value}")


def test_an_allowed_probe_that_must_be_denied_fails_on_the_accounts_answer() -> None:
    refused = probing.Outcome(False, "AccessDenied", "no")
    probing.check_denied(PROBE, "the role", refused, _decision(Verdict.IMPLICIT_DENY))
    with pytest.raises(ComplianceViolation, match=r"can perform s3:GetObject .* the account allowed it"):
        probing.check_denied(PROBE, "the role", probing.Outcome(True), _decision(Verdict.IMPLICIT_DENY))
    with pytest.raises(ComplianceViolation, match="decided by the policy engine"):
        probing.check_denied(PROBE, "the role", None, _decision(Verdict.ALLOWED))


def test_the_one_allowed_action_must_work() -> None:
    probing.check_allowed(PROBE, "the role", probing.Outcome(True), _decision(Verdict.ALLOWED))
    with pytest.raises(ComplianceViolation, match="cannot perform s3:GetObject"):
        probing.check_allowed(PROBE, "the role", probing.Outcome(False, "AccessDenied", "no"),
                              _decision(Verdict.ALLOWED))


@pytest.mark.parametrize(("observed", "predicted"), [(True, Verdict.IMPLICIT_DENY), (False, Verdict.ALLOWED)],
                         ids=["engine too strict", "engine too lax"])
def test_disagreement_between_account_and_engine_is_drift(observed: bool, predicted: Verdict) -> None:
    agreeing = Verdict.ALLOWED if observed else Verdict.EXPLICIT_DENY
    probing.check_agrees(PROBE, probing.Outcome(observed), _decision(agreeing))
    with pytest.raises(EngineDrift, match=r"^Engine drift: s3:GetObject"):
        probing.check_agrees(PROBE, probing.Outcome(observed, None if observed else "AccessDenied"),
                             _decision(predicted))
