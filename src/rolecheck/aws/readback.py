"""Reading the deployed state back from the target, as engine inputs.

The engine's predictions and the static checks use what the target *says* is deployed, never what the suite
meant to deploy, so a drifted account is judged as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from rolecheck.analysis import abac
from rolecheck.engine import Policy
from rolecheck.policydoc import documents


def managed_policy(iam: Any, arn: str) -> Policy:
    """The default version of a managed policy."""
    meta = iam.get_policy(PolicyArn=arn)["Policy"]
    version = iam.get_policy_version(PolicyArn=arn, VersionId=meta["DefaultVersionId"])["PolicyVersion"]
    return Policy.parse(f"{arn} ({meta['DefaultVersionId']})", documents.from_api(version["Document"]))


def _entity_policies(iam: Any, kind: str, name: str) -> list[Policy]:
    """Inline and attached (default version) policies of a user, group or role; ``kind`` is "User", "Group", "Role"."""
    key = {f"{kind}Name": name}
    inline = getattr(iam, f"list_{kind.lower()}_policies")(**key)["PolicyNames"]
    get_inline = getattr(iam, f"get_{kind.lower()}_policy")
    policies = [Policy.parse(f"inline policy {policy} of {kind.lower()} {name}",
                             documents.from_api(get_inline(PolicyName=policy, **key)["PolicyDocument"]))
                for policy in inline]
    attached = getattr(iam, f"list_attached_{kind.lower()}_policies")(**key)["AttachedPolicies"]
    return policies + [managed_policy(iam, p["PolicyArn"]) for p in attached]


def attached_role_policies(iam: Any, role_name: str) -> list[str]:
    """ARNs of the managed policies attached to the role."""
    return [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]]


def role_policy_names(iam: Any, role_name: str) -> list[str]:
    """Every permission policy of the role: its inline policies by name and its attached policies by ARN."""
    found = [f"inline policy {name}" for name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]]
    return found + attached_role_policies(iam, role_name)


def role_identity_policies(iam: Any, role_name: str) -> list[Policy]:
    """The role's inline policies and the default versions of its attached managed policies."""
    return _entity_policies(iam, "Role", role_name)


def user_identity_policies(iam: Any, user_name: str) -> list[Policy]:
    """The user's inline and attached policies, and those of every group it belongs to."""
    policies = _entity_policies(iam, "User", user_name)
    for group in iam.list_groups_for_user(UserName=user_name)["Groups"]:
        policies += _entity_policies(iam, "Group", group["GroupName"])
    return policies


def role_boundary(iam: Any, role_name: str) -> Policy | None:
    """The role's permissions boundary, if it has one."""
    boundary = iam.get_role(RoleName=role_name)["Role"].get("PermissionsBoundary")
    return managed_policy(iam, boundary["PermissionsBoundaryArn"]) if boundary else None


def user_boundary(iam: Any, user_name: str) -> Policy | None:
    """The user's permissions boundary, if it has one."""
    boundary = iam.get_user(UserName=user_name)["User"].get("PermissionsBoundary")
    return managed_policy(iam, boundary["PermissionsBoundaryArn"]) if boundary else None


def trust_policy(iam: Any, role_name: str) -> Policy:
    """The role's trust policy."""
    document = iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    return Policy.parse(f"trust policy of role {role_name}", documents.from_api(document), kind="trust")


def role_max_session_duration(iam: Any, role_name: str) -> int:
    """The longest session, in seconds, the role allows."""
    return int(iam.get_role(RoleName=role_name)["Role"].get("MaxSessionDuration", 3600))


def bucket_policy(s3: Any, bucket: str) -> Policy | None:
    """The bucket's policy, or None when it has none."""
    try:
        text = s3.get_bucket_policy(Bucket=bucket)["Policy"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "NoSuchBucketPolicy":
            return None
        raise
    return Policy.parse(f"bucket policy of {bucket}", documents.parse(text, name=f"bucket policy of {bucket}"),
                        kind="resource")


def user_tags(iam: Any, user_name: str) -> dict[str, str]:
    """The user's tags: they are ``aws:PrincipalTag/<key>`` in every request the user makes."""
    pages = iam.get_paginator("list_user_tags").paginate(UserName=user_name)
    return {tag["Key"]: tag["Value"] for page in pages for tag in page["Tags"]}


def role_tags(iam: Any, role_name: str) -> dict[str, str]:
    """The role's tags: ``aws:PrincipalTag/<key>`` for its sessions, ``aws:ResourceTag/<key>`` on AssumeRole."""
    pages = iam.get_paginator("list_role_tags").paginate(RoleName=role_name)
    return {tag["Key"]: tag["Value"] for page in pages for tag in page["Tags"]}


def bucket_tags(s3: Any, bucket: str) -> dict[str, str]:
    """The bucket's tags, or none when it has none."""
    try:
        tag_set = s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchTagSet", "NoSuchTagSetError"):
            return {}
        raise
    return {tag["Key"]: tag["Value"] for tag in tag_set}


# What S3-compatible endpoints and older regions answer for an operation they do not have: no ABAC there, so none is
# enabled (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList).
_NO_BUCKET_ABAC = frozenset({"NotImplemented"})


def bucket_abac(s3: Any, bucket: str) -> bool:
    """Whether ABAC is enabled on the bucket (``GetBucketAbac``), so that its tags are ``aws:ResourceTag/<key>``.

    An endpoint without the operation has ABAC on no bucket; any other error, an access denial first, is raised:
    the caller says what it could not read rather than guess.
    """
    try:
        return abac.bucket_abac_enabled(s3.get_bucket_abac(Bucket=bucket))
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _NO_BUCKET_ABAC:
            return False
        raise


def queue_urls(sqs: Any) -> Iterator[str]:
    """Every SQS queue URL of the client's account and region.

    Without a page size ListQueues stops at 1,000 queues and gives no token for the rest:
    https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/list-all-queues-pagination.html
    """
    for page in sqs.get_paginator("list_queues").paginate(PaginationConfig={"PageSize": 1000}):
        yield from page.get("QueueUrls", [])
