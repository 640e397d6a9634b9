"""Snapshots built directly as data, for unit tests of the analysis without a target."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rolecheck.analysis.snapshot import GroupFacts, ResourceFacts, RoleFacts, Snapshot, UserFacts
from rolecheck.engine import Policy

ACCOUNT = "123456789012"
OUTSIDE = "999988887777"
REGION = "us-east-1"


def arn(kind: str, name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:{kind}/{name}"


def policy(name: str, *statements: Mapping[str, Any], kind: str = "identity") -> Policy:
    return Policy.parse(name, {"Version": "2012-10-17", "Statement": list(statements)}, kind=kind)


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def trusting(*principals: Any, condition: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": "sts:AssumeRole",
                                 "Principal": {"AWS": list(principals)} if principals != ("*",) else "*"}
    if condition:
        statement["Condition"] = condition
    return [statement]


def user(name: str, *policies: Policy, groups: Sequence[str] = (), tags: Mapping[str, str] | None = None,
         boundary: Policy | None = None) -> UserFacts:
    return UserFacts(arn("user", name), name, f"AIDA{name.upper()}", "/", tuple(policies), (),
                     tuple(arn("group", g) for g in groups), boundary, dict(tags or {}))


def group(name: str, *policies: Policy) -> GroupFacts:
    return GroupFacts(arn("group", name), name, f"AGPA{name.upper()}", "/", tuple(policies), ())


def role(name: str, trust: list[dict[str, Any]], *policies: Policy, tags: Mapping[str, str] | None = None,
         boundary: Policy | None = None) -> RoleFacts:
    trust_policy = policy(f"trust policy of role {name}", *trust, kind="trust")
    return RoleFacts(arn("role", name), name, f"AROA{name.upper()}", "/", trust_policy, tuple(policies), (),
                     boundary, dict(tags or {}))


def bucket(name: str, *statements: Mapping[str, Any], tags: Mapping[str, str] | None = None) -> ResourceFacts:
    document = policy(f"bucket policy of {name}", *statements, kind="resource") if statements else None
    return ResourceFacts(f"arn:aws:s3:::{name}", "s3", name, "bucket", document, dict(tags or {}))


def resource(service: str, resource_type: str, resource_arn: str, *statements: Mapping[str, Any],
             tags: Mapping[str, str] | None = None) -> ResourceFacts:
    kind = "key" if service == "kms" else "resource"
    document = policy(f"{service} policy of {resource_arn}", *statements, kind=kind) if statements else None
    return ResourceFacts(resource_arn, service, resource_arn.rsplit(":", 1)[-1], resource_type, document,
                         dict(tags or {}))


def snapshot(users: Sequence[UserFacts] = (), roles: Sequence[RoleFacts] = (), groups: Sequence[GroupFacts] = (),
             resources: Sequence[ResourceFacts] = ()) -> Snapshot:
    return Snapshot(ACCOUNT, {u.arn: u for u in users}, {g.arn: g for g in groups}, {r.arn: r for r in roles},
                    {}, {r.arn: r for r in resources})
