"""The policies moto holds for a request, parsed once per distinct document and handed to the engine."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from moto.iam.models import iam_backends
from moto.s3.models import s3_backends

from rolecheck.engine import Policy

from .identity import Caller

_USER_BOUNDARY_ATTRIBUTE = "rolecheck_permissions_boundary_arn"


@lru_cache(maxsize=2048)
def parsed(name: str, document: str, kind: str) -> Policy:
    """Policy.parse, cached: the same stored document is evaluated on many requests."""
    return Policy.parse(name, document, kind=kind)


def _text(document: Any) -> str:
    if isinstance(document, bytes):
        return document.decode("utf-8")
    if isinstance(document, dict):
        return json.dumps(document)
    return str(document)


def managed_document(policy: Any) -> str:
    """The document of a managed policy's default version: the only version AWS evaluates."""
    for version in policy.versions:
        if version.is_default:
            return _text(version.document)
    return _text(policy.versions[-1].document)


def _owned(owner: Any, owner_arn: str) -> list[Policy]:
    policies = [parsed(f"{owner_arn} inline policy {name}", _text(document), "identity")
                for name, document in owner.policies.items()]
    policies += [parsed(policy.arn, managed_document(policy), "identity")
                 for policy in owner.managed_policies.values()]
    return policies


def identity_policies(caller: Caller) -> tuple[Policy, ...]:
    """User: inline, attached, and those of its groups. Session: the role's inline and attached."""
    backend = iam_backends[caller.account][caller.partition]
    if caller.user is not None:
        policies = _owned(caller.user, caller.user.arn)
        for group in backend.groups.values():
            if caller.user in group.users:
                policies += _owned(group, group.arn)
        return tuple(policies)
    if caller.role is not None:
        return tuple(_owned(caller.role, caller.role.arn))
    return ()


def _managed(account: str, partition: str, arn: str | None) -> Any:
    if not arn:
        return None
    owner = arn.split(":")[4]
    backend = iam_backends[account if owner == "aws" else owner][partition]
    return backend.managed_policies.get(arn)


def permissions_boundary(caller: Caller) -> Policy | None:
    """The boundary set on the user or on the session's role; a vanished boundary policy limits to nothing."""
    if caller.user is not None:
        arn = getattr(caller.user, _USER_BOUNDARY_ATTRIBUTE, None)
    elif caller.role is not None:
        arn = caller.role.permissions_boundary_arn
    else:
        return None
    if not arn:
        return None
    policy = _managed(caller.account, caller.partition, arn)
    document = managed_document(policy) if policy else '{"Version":"2012-10-17","Statement":[]}'
    return parsed(arn, document, "boundary")


def set_user_boundary(user: Any, arn: str | None) -> None:
    """Record a user's permissions boundary ARN on moto's User, and expose it the way GetUser returns it."""
    setattr(user, _USER_BOUNDARY_ATTRIBUTE, arn)
    user.permissions_boundary = (
        {"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": arn} if arn else None
    )


def session_policies(caller: Caller) -> tuple[Policy, ...] | None:
    """The inline and managed session policies passed to AssumeRole; None when none were passed."""
    session = caller.session
    if session is None:
        return None
    facts = getattr(session, "rolecheck_facts", None)
    inline = session.policy
    arns = facts.policy_arns if facts else ()
    if not inline and not arns:
        return None
    policies = []
    if inline:
        policies.append(parsed(f"session policy of {caller.principal.arn}", _text(inline), "session"))
    for arn in arns:
        policy = _managed(caller.account, caller.partition, arn)
        document = managed_document(policy) if policy else '{"Version":"2012-10-17","Statement":[]}'
        policies.append(parsed(arn, document, "session"))
    return tuple(policies)


def trust_policy(role: Any) -> Policy:
    """The role's trust policy, which acts as the resource-based policy of sts:AssumeRole."""
    return parsed(f"{role.arn} trust policy", _text(role.assume_role_policy_document), "trust")


def bucket_of(bucket_name: str) -> tuple[Any, str] | None:
    """(moto bucket, owning account) wherever the bucket lives, or None when no account owns it."""
    location = s3_backends.bucket_accounts.get(bucket_name)
    if location is None:
        return None
    partition, account = location
    bucket = dict.get(s3_backends[account], partition)
    bucket = bucket.buckets.get(bucket_name) if bucket is not None else None
    return (bucket, account) if bucket is not None else None


def bucket_policy(bucket: Any) -> Policy | None:
    """The bucket policy, if one is set."""
    if not bucket.policy:
        return None
    return parsed(f"arn:aws:s3:::{bucket.name} bucket policy", _text(bucket.policy), "resource")


def iam_entity(arn: str) -> Any:
    """moto's Role or User an IAM resource ARN names, or None (other resources, or not found)."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[2] != "iam" or parts[4] not in iam_backends:
        return None
    backend = iam_backends[parts[4]][parts[1]]
    if parts[5].startswith("role/"):
        return next((role for role in backend.roles.values() if role.arn == arn), None)
    if parts[5].startswith("user/"):
        return backend.users.get(parts[5].rsplit("/", 1)[-1])
    return None
