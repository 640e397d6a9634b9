"""The IAM action and resource ARN a request is authorized as.

S3: https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html
IAM: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.iam.models import iam_backends

from .params import first_param

# moto names a few S3 operations by API name where IAM has a different action, or none at all.
_S3_ACTION_NAMES = {
    "HeadBucket": "ListBucket",
    "ListObjects": "ListBucket",
    "ListObjectsV2": "ListBucket",
    "GetPublicAccessBlock": "GetBucketPublicAccessBlock",
    "PutPublicAccessBlock": "PutBucketPublicAccessBlock",
    "DeletePublicAccessBlock": "PutBucketPublicAccessBlock",
}
# S3 Control's operations are authorized as s3: actions: there is no s3control: prefix in IAM. The account's Block
# Public Access operations have names of their own; deleting it needs the permission to put it
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html).
_S3_CONTROL_ACTION_NAMES = {
    "GetPublicAccessBlock": "GetAccountPublicAccessBlock",
    "PutPublicAccessBlock": "PutAccountPublicAccessBlock",
    "DeletePublicAccessBlock": "PutAccountPublicAccessBlock",
}
# Bucket sub-resources moto leaves at the method's default action (ListBucket, CreateBucket, DeleteBucket).
_S3_BUCKET_SUBRESOURCES = {
    "GET": {
        "encryption": "GetEncryptionConfiguration", "replication": "GetReplicationConfiguration",
        "ownershipControls": "GetBucketOwnershipControls", "object-lock": "GetBucketObjectLockConfiguration",
        "inventory": "GetInventoryConfiguration", "abac": "GetBucketABAC",
    },
    "PUT": {
        "encryption": "PutEncryptionConfiguration", "replication": "PutReplicationConfiguration",
        "ownershipControls": "PutBucketOwnershipControls", "object-lock": "PutBucketObjectLockConfiguration",
        "inventory": "PutInventoryConfiguration",
    },
    "DELETE": {
        "encryption": "PutEncryptionConfiguration", "replication": "PutReplicationConfiguration",
        "ownershipControls": "PutBucketOwnershipControls", "inventory": "PutInventoryConfiguration",
    },
}  # fmt: skip
_S3_OBJECT_SUBRESOURCES = {
    "GET": {"retention": "GetObjectRetention", "legal-hold": "GetObjectLegalHold",
            "attributes": "GetObjectAttributes"},
    "PUT": {"retention": "PutObjectRetention", "legal-hold": "PutObjectLegalHold"},
}  # fmt: skip

# IAM operations whose user defaults to the caller when UserName is omitted.
_CALLER_USER_OPERATIONS = frozenset({
    "GetUser", "CreateAccessKey", "DeleteAccessKey", "UpdateAccessKey", "ListAccessKeys", "ChangePassword",
    "ListMFADevices", "ListSSHPublicKeys", "ListSigningCertificates", "ListServiceSpecificCredentials",
    "GetLoginProfile", "ListUserPolicies", "ListAttachedUserPolicies", "ListGroupsForUser",
})  # fmt: skip


def s3_action(moto_action: str, method: str, query: dict[str, list[str]], is_object: bool) -> str:
    """The s3: action for a request moto has named ``moto_action``."""
    table = _S3_OBJECT_SUBRESOURCES if is_object else _S3_BUCKET_SUBRESOURCES
    for subresource, action in table.get(method, {}).items():
        if subresource in query:
            return f"s3:{action}"
    return f"s3:{_S3_ACTION_NAMES.get(moto_action, moto_action)}"


def service_action(service: str, operation: str) -> str:
    """The IAM action of an operation of a service without a mapping of its own: ``service:Operation``, except
    S3 Control's, which are s3: actions."""
    if service == "s3control":
        return f"s3:{_S3_CONTROL_ACTION_NAMES.get(operation, operation)}"
    return f"{service}:{operation}"


def s3_resource(moto_resource: str) -> str:
    """moto writes ``arn:aws:s3:::*`` for bucket-less calls (ListBuckets), whose resource is ``*``."""
    return "*" if moto_resource.endswith(":::*") else moto_resource


def _path(params: dict[str, Any]) -> str:
    return first_param(params, "Path") or "/"


def iam_resource(operation: str, params: dict[str, Any], account: str, partition: str, caller_arn: str) -> str:
    """The resource ARN of an IAM operation, from its entity parameters; ``*`` when it names none."""
    backend = iam_backends[account][partition]
    prefix = f"arn:{partition}:iam::{account}"
    # The first entity parameter names the resource, in this order: a role's instance-profile call names both.
    entities: tuple[tuple[str, str, Callable[[str], Any]], ...] = (
        ("InstanceProfileName", "instance-profile", backend.instance_profiles.get),
        ("RoleName", "role", lambda n: next((r for r in backend.roles.values() if r.name == n), None)),
        ("GroupName", "group", backend.groups.get),
        ("UserName", "user", backend.users.get),
    )
    for parameter, kind, lookup in entities:
        name = first_param(params, parameter)
        if name:
            entity = lookup(name)
            return entity.arn if entity else f"{prefix}:{kind}{_path(params)}{name}"
    arn = first_param(params, "PolicyArn")
    if arn:
        return arn
    if operation == "CreatePolicy" and first_param(params, "PolicyName"):
        return f"{prefix}:policy{_path(params)}{first_param(params, 'PolicyName')}"
    if operation in _CALLER_USER_OPERATIONS and ":user/" in caller_arn:
        return caller_arn
    return "*"


def iam_context(operation: str, params: dict[str, Any]) -> dict[str, str]:
    """IAM service condition keys a request supplies."""
    context = {}
    policy_arn = first_param(params, "PolicyArn")
    if policy_arn and operation.startswith(("Attach", "Detach")):
        context["iam:PolicyARN"] = policy_arn
    boundary = first_param(params, "PermissionsBoundary")
    if boundary:
        context["iam:PermissionsBoundary"] = boundary
    return context
