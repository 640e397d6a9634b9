"""The walkthrough's nine steps as operations on a target, and the checks that each step did what it claims.

Every function takes the clients it needs, so the steps, the fixtures, the sweeper tests and the benchmark all run
the same code. Checks raise ``ComplianceViolation`` with a sentence an auditor can read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from rolecheck.aws import cleanup, consistency, readback
from rolecheck.aws.clients import AccessKey
from rolecheck.aws.registry import ResourceRegistry
from rolecheck.aws.secrets import Secret
from rolecheck.errors import ComplianceViolation, refusal
from rolecheck.policydoc import documents

DEFAULT_SESSION_SECONDS = 3600


@dataclass(frozen=True)
class Identity:
    """Who a set of credentials belongs to, as STS GetCallerIdentity says."""

    arn: str
    account: str
    user_id: str

    @property
    def is_root(self) -> bool:
        return self.arn.endswith(":root")


def caller_identity(sts: Any) -> Identity:
    """Ask STS who the caller is (always allowed, whatever the caller's policies say)."""
    answer = sts.get_caller_identity()
    return Identity(arn=answer["Arn"], account=answer["Account"], user_id=answer["UserId"])


def check_not_root(identity: Identity) -> None:
    """The operator must be an IAM principal, never the account root user (CIS AWS Foundations 1.7)."""
    if identity.is_root:
        raise ComplianceViolation(f"the operator is the account root user ({identity.arn}); use an IAM administrator")
    if ":user/" not in identity.arn and ":assumed-role/" not in identity.arn:
        raise ComplianceViolation(f"the operator {identity.arn} is neither an IAM user nor a role session")


@dataclass(frozen=True)
class User:
    name: str
    arn: str
    user_id: str


@dataclass(frozen=True)
class Role:
    name: str
    arn: str
    role_id: str
    max_session_duration: int


def create_user(iam: Any, registry: ResourceRegistry, logical: str) -> User:
    """Create an IAM user with no permissions, tagged and tracked for teardown."""
    name = registry.unique_name(logical)
    answer = iam.create_user(UserName=name, Tags=registry.tags())["User"]
    registry.track("user", name)
    consistency.wait_until(iam, "user_exists", f"user {name}", UserName=name)
    return User(name=name, arn=answer["Arn"], user_id=answer["UserId"])


def create_role(iam: Any, registry: ResourceRegistry, logical: str, trust_policy: Mapping[str, Any],
                max_session_duration: int = DEFAULT_SESSION_SECONDS) -> Role:
    """Create a role with a custom trust policy, tagged and tracked."""
    name = registry.unique_name(logical)
    answer = iam.create_role(RoleName=name, AssumeRolePolicyDocument=documents.dumps(trust_policy),
                             MaxSessionDuration=max_session_duration, Tags=registry.tags())["Role"]
    registry.track("role", name)
    consistency.wait_until(iam, "role_exists", f"role {name}", RoleName=name)
    return Role(name=name, arn=answer["Arn"], role_id=answer["RoleId"],
                max_session_duration=answer.get("MaxSessionDuration", max_session_duration))


def create_policy(iam: Any, registry: ResourceRegistry, logical: str, document: Mapping[str, Any]) -> str:
    """Create a customer-managed policy; returns its ARN."""
    name = registry.unique_name(logical)
    arn = iam.create_policy(PolicyName=name, PolicyDocument=documents.dumps(document),
                            Tags=registry.tags())["Policy"]["Arn"]
    registry.track("policy", arn)
    consistency.wait_until(iam, "policy_exists", f"policy {name}", PolicyArn=arn)
    return arn


def attach_role_policy(iam: Any, role: Role, policy_arn: str) -> None:
    """Attach a managed policy to the role."""
    iam.attach_role_policy(RoleName=role.name, PolicyArn=policy_arn)


def check_policy_attached(iam: Any, role: Role, policy_arn: str) -> None:
    """The reviewed policy must be attached to the role."""
    attached = readback.attached_role_policies(iam, role.name)
    if policy_arn not in attached:
        raise ComplianceViolation(f"policy {policy_arn} is not attached to role {role.name} (attached: {attached})")


def create_bucket(s3: Any, registry: ResourceRegistry, logical: str, region: str) -> str:
    """Create an S3 bucket and tag it at once; returns its name.

    IAM takes tags in the create call; this bucket gets them from a second call (moto 5.2 ignores tags in
    CreateBucket, and tagging at creation would need s3:TagResource on top), so it is untagged in between. The
    window is kept to the two calls: the bucket is tracked before tagging (teardown deletes it), a failed tagging
    deletes it at once, and its name carries the run id, so ``rolecheck sweep --run-id`` finds one left by a
    process killed in between (``--all-runs``, which goes by tag alone, would not: docs/targets.md).
    """
    name = registry.unique_name(logical, bucket=True)
    extra = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=name, **extra)
    registry.track("bucket", name)
    try:
        consistency.retry_fresh(lambda: s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": registry.tags()}),
                                {"NoSuchBucket"}, f"tagging bucket {name}")
    except BaseException:
        cleanup.delete_bucket(s3, name)
        raise
    consistency.wait_until(s3, "bucket_exists", f"bucket {name}", Bucket=name)
    return name


def enable_console_access(iam: Any, user: User, password: Secret, reset_required: bool = True) -> None:
    """Give the user a console password. AWS's console offers to require a reset at first sign-in; we do."""
    iam.create_login_profile(UserName=user.name, Password=password.reveal(), PasswordResetRequired=reset_required)


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


def create_access_key(iam: Any, user: User) -> AccessKey:
    """Issue the user's own access key: it stands in for the console sign-in."""
    answer = iam.create_access_key(UserName=user.name)["AccessKey"]
    return AccessKey(answer["AccessKeyId"], Secret(answer["SecretAccessKey"]))


def assume_role(sts: Any, role_arn: str, session_name: str, duration: int | None = None,
                session_policy: Mapping[str, Any] | None = None, external_id: str | None = None) -> AccessKey:
    """Switch to the role: STS AssumeRole, returning the temporary credentials.

    This is the setup path, which expects success: on real AWS a fresh role or key is retried for a while
    (``consistency``). A probe that expects a refusal must call STS itself, never this.
    """
    params: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": session_name}
    if duration is not None:
        params["DurationSeconds"] = duration
    if session_policy is not None:
        params["Policy"] = documents.dumps(session_policy)
    if external_id is not None:
        params["ExternalId"] = external_id
    try:
        credentials = consistency.retry_fresh(lambda: sts.assume_role(**params)["Credentials"],
                                              consistency.FRESH_KEY_ERRORS | consistency.FRESH_ROLE_ERRORS,
                                              f"switching to role {role_arn}")
    except ClientError as exc:
        raise _judged(exc, f"the user cannot switch to role {role_arn}") from None
    return AccessKey(
        access_key_id=credentials["AccessKeyId"],
        secret_access_key=Secret(credentials["SecretAccessKey"]),
        session_token=Secret(credentials["SessionToken"]),
        expiration=credentials["Expiration"],
    )


def describe_key(key: AccessKey) -> dict[str, Any]:
    """Evidence about credentials that reveals none of their secrets."""
    return {
        "AccessKeyId": key.access_key_id,
        "SessionToken": "present" if key.session_token else "absent",
        "Expiration": key.expiration.isoformat() if key.expiration else None,
    }


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


def bucket_names(s3: Any) -> list[str]:
    """Names of all buckets the caller can list (s3:ListAllMyBuckets)."""
    try:
        # Must succeed: a refusal right after the attachment may be IAM still propagating it.
        listing = consistency.retry_fresh(s3.list_buckets, consistency.FRESH_ROLE_ERRORS, "listing the buckets")
        return [b["Name"] for b in listing["Buckets"]]
    except ClientError as exc:
        raise _judged(exc, "the role's credentials cannot list the buckets") from None


def _judged(exc: ClientError, what: str) -> Exception:
    """The exception to raise for an error answer to a setup or listing call that must succeed."""
    error = exc.response.get("Error", {})
    return refusal(str(error.get("Code", "")), str(error.get("Message", "")), what) or exc


def describe_error(exc: ClientError) -> str:
    """An AWS error as one line: code and message (AWS error messages carry no secrets)."""
    error = exc.response.get("Error", {})
    return f"{error.get('Code', 'error')}: {error.get('Message', '')}".strip()


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
            f"expected ValidationError '{expected_message}' for a {seconds} s session, got {describe_error(exc)}"
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
            answers.append(f"{service}: {describe_error(exc)}")
            if exc.response.get("Error", {}).get("Code") != "ExpiredToken":
                raise AssertionError(f"expected ExpiredToken from {service}, got {describe_error(exc)}") from None
        else:
            accepted.append(service)
    if accepted:
        raise ComplianceViolation(f"expired credentials were accepted by {', '.join(accepted)}")
    return answers


def check_caller_identity(identity: Identity, expected_arn: str) -> None:
    """The session must be attributed to the user's session name, so CloudTrail names who acted."""
    if identity.arn != expected_arn:
        raise ComplianceViolation(f"the role session acts as {identity.arn}, expected {expected_arn}")


def put_object(s3: Any, bucket: str, key: str) -> str:
    """Store a small object, so that the probes have something to read, overwrite and delete."""
    s3.put_object(Bucket=bucket, Key=key, Body=b"rolecheck probe object\n")
    return key
