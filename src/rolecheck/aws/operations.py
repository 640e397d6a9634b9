"""The walkthrough's nine steps as operations on a target: create, attach, sign in, switch, list.

Every function takes the clients it needs, so the steps, the fixtures, the sweeper tests and the benchmark all run
the same code. The checks that each step did what it claims are ``rolecheck.suite.checks``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from rolecheck.aws import cleanup, consistency
from rolecheck.aws.clients import AccessKey
from rolecheck.aws.registry import ResourceRegistry
from rolecheck.aws.secrets import Secret
from rolecheck.errors import refusal
from rolecheck.policydoc import documents

DEFAULT_SESSION_SECONDS = 3600


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
    # The Secret itself: the client unwraps it as the request is built, so a failing call's traceback shows it masked.
    iam.create_login_profile(UserName=user.name, Password=password, PasswordResetRequired=reset_required)


def create_access_key(iam: Any, user: User) -> AccessKey:
    """Issue the user's own access key: it stands in for the console sign-in."""
    answer = iam.create_access_key(UserName=user.name)["AccessKey"]
    return AccessKey(answer["AccessKeyId"], Secret(answer["SecretAccessKey"]))


def assume_role(sts: Any, role_arn: str, session_name: str, duration: int | None = None,
                session_policy: Mapping[str, Any] | None = None, external_id: str | None = None,
                mfa: tuple[str, str] | None = None) -> AccessKey:
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
    if mfa is not None:
        params["SerialNumber"], params["TokenCode"] = mfa
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


def put_object(s3: Any, bucket: str, key: str) -> str:
    """Store a small object, so that the probes have something to read, overwrite and delete."""
    s3.put_object(Bucket=bucket, Key=key, Body=b"rolecheck probe object\n")
    return key
