"""Checks of what the target answers: the live observations a Then-step judges, each raising ``ComplianceViolation``
with a sentence an auditor can read.

Claims about the whole account live in ``claims``, and checks of the documents themselves in ``policydoc.lint``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from rolecheck.aws import consistency, readback
from rolecheck.aws.clients import AccessKey
from rolecheck.aws.identity import Identity
from rolecheck.aws.operations import DEFAULT_SESSION_SECONDS, Role, User
from rolecheck.errors import ComplianceViolation


def check_only_reviewed_policy(policies: Sequence[str], reviewed_arn: str, role_name: str) -> None:
    """The role's permissions come from the reviewed managed policy alone (NIST AC-6: nothing unreviewed).

    A misconfiguration can leave the reviewed policy intact and still add to it: an inline policy beside it.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html
    """
    findings = [f"unreviewed {policy}" for policy in policies if policy != reviewed_arn]
    if reviewed_arn not in policies:
        findings.append(f"the reviewed policy {reviewed_arn} is not attached")
    if findings:
        raise ComplianceViolation(f"role {role_name} does not have exactly the reviewed policy: {'; '.join(findings)}")


def check_not_root(identity: Identity) -> None:
    """The operator must be an IAM principal, never the account root user (CIS AWS Foundations 1.7)."""
    if identity.is_root:
        raise ComplianceViolation(f"the operator is the account root user ({identity.arn}); use an IAM administrator")
    if ":user/" not in identity.arn and ":assumed-role/" not in identity.arn:
        raise ComplianceViolation(f"the operator {identity.arn} is neither an IAM user nor a role session")


def check_policy_attached(iam: Any, role: Role, policy_arn: str) -> None:
    """The reviewed policy must be attached to the role."""
    attached = readback.attached_role_policies(iam, role.name)
    if policy_arn not in attached:
        raise ComplianceViolation(f"policy {policy_arn} is not attached to role {role.name} (attached: {attached})")


def check_console_access(iam: Any, user: User) -> None:
    """The user must have a login profile that forces a new password at first sign-in (NIST IA-5)."""
    try:
        profile = iam.get_login_profile(UserName=user.name)["LoginProfile"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchEntity":
            raise
        raise ComplianceViolation(f"user {user.name} has no console access (no login profile)") from None
    if not profile.get("PasswordResetRequired", False):
        raise ComplianceViolation(
            f"user {user.name} can keep the administrator-chosen console password: "
            "no reset is required at first sign-in"
        )


def check_temporary(key: AccessKey, requested_seconds: int = DEFAULT_SESSION_SECONDS,
                    now: datetime | None = None) -> None:
    """Role credentials must be temporary: an ASIA key id, a session token, and an expiry within the duration.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp.html
    """
    problems = []
    if not key.access_key_id.startswith("ASIA"):
        problems.append(f"the access key id {key.access_key_id} is not a temporary (ASIA) key")
    if key.session_token is None:
        problems.append("there is no session token")
    if key.expiration is None:
        problems.append("there is no expiration")
    else:
        now = now or datetime.now(UTC)
        expiration = key.expiration if key.expiration.tzinfo else key.expiration.replace(tzinfo=UTC)
        # A minute of slack for the clock difference between the caller and STS.
        if expiration > now + timedelta(seconds=requested_seconds + 60):
            problems.append(f"they expire at {expiration.isoformat()}, later than {requested_seconds} s from now")
        if expiration <= now:
            problems.append(f"they expired at {expiration.isoformat()}")
    if problems:
        raise ComplianceViolation("the role credentials are not temporary: " + "; ".join(problems))


def check_bucket_listed(names: list[str], bucket: str) -> None:
    """The listing made with the role's credentials must include the bucket created in step 6."""
    if bucket not in names:
        raise ComplianceViolation(f"the role's credentials list {len(names)} bucket(s) but not the new bucket {bucket}")


def check_max_session_duration(iam: Any, role: Role, limit: int) -> None:
    """The role's MaxSessionDuration, read back, must not exceed the reviewed limit (NIST IA-5: short-lived).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_update-role-settings.html
    """
    configured = readback.role_max_session_duration(iam, role.name)
    if configured > limit:
        raise ComplianceViolation(f"role {role.name} allows sessions of {configured} s, more than {limit} s")


def check_duration_refused(sts: Any, role_arn: str, session_name: str, seconds: int, expected_message: str) -> str:
    """A session longer than allowed must be refused with AWS's ValidationError; returns AWS's message.

    https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html (DurationSeconds)
    """
    def ask() -> tuple[Any, ClientError | None]:
        try:
            # A role or key created moments ago answers AccessDenied/InvalidClientTokenId before it can answer this.
            return consistency.retry_fresh(
                lambda: sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name, DurationSeconds=seconds),
                consistency.FRESH_KEY_ERRORS | consistency.FRESH_ROLE_ERRORS, f"asking for a {seconds} s session"), None
        except ClientError as exc:
            return None, exc

    # The refusal may come from a trust policy that has since changed: it is trusted once IAM has settled.
    granted, exc = consistency.settled_answer(ask, ask(), agrees=lambda answer: True,
                                              refused=lambda answer: answer[1] is not None)
    if exc is not None:
        error = exc.response.get("Error", {})
        if error.get("Code") == "ValidationError" and expected_message in error.get("Message", ""):
            return error["Message"]
        raise AssertionError(
            f"expected ValidationError '{expected_message}' for a {seconds} s session, got {_describe_error(exc)}"
        ) from None
    expiration = granted["Credentials"]["Expiration"]
    raise ComplianceViolation(
        f"a {seconds} s session of {role_arn} was granted (credentials expire at {expiration.isoformat()})"
    )


def check_rejected_as_expired(sts: Any, s3: Any) -> list[str]:
    """Expired credentials must be refused with ExpiredToken by STS and by S3; returns what each service said.

    https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html (ExpiredToken)
    """
    answers, accepted = [], []
    for service, call in (("sts", sts.get_caller_identity), ("s3", s3.list_buckets)):
        try:
            call()
        except ClientError as exc:
            answers.append(f"{service}: {_describe_error(exc)}")
            if exc.response.get("Error", {}).get("Code") != "ExpiredToken":
                raise AssertionError(f"expected ExpiredToken from {service}, got {_describe_error(exc)}") from None
        else:
            accepted.append(service)
    if accepted:
        raise ComplianceViolation(f"expired credentials were accepted by {', '.join(accepted)}")
    return answers


def check_caller_identity(identity: Identity, expected_arn: str) -> None:
    """The session must be attributed to the user's session name, so CloudTrail names who acted."""
    if identity.arn != expected_arn:
        raise ComplianceViolation(f"the role session acts as {identity.arn}, expected {expected_arn}")


def _describe_error(exc: ClientError) -> str:
    """An AWS error as one line: code and message (AWS error messages carry no secrets)."""
    error = exc.response.get("Error", {})
    return f"{error.get('Code', 'error')}: {error.get('Message', '')}".strip()
