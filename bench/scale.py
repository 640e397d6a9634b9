"""The static checks on an account with many roles: time, growth, and whether it is linear.

The account is seeded through moto's backend directly (seeding is not what is measured). Each role then gets the
suite's static checks: its trust policy and attached policies are read back through the API as the administrator
(``rolecheck.aws.readback``), and ``rolecheck.policydoc.lint`` computes the findings. Reading back and checking are
timed apart, so a superlinear backend cannot hide in, or be blamed on, the checks.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

ACCOUNT = "123456789012"
ADMIN_USER = "rolecheck-admin"
REGION = "us-east-1"
# A handful of document shapes, varied per role so that no parse or pattern cache makes later roles free.
_ACTION_SETS = (
    ["s3:ListAllMyBuckets"],
    ["s3:GetObject", "s3:ListBucket"],
    ["s3:Get*"],
    ["iam:PassRole", "ec2:RunInstances"],
    ["dynamodb:Query", "dynamodb:GetItem"],
)


@dataclass(frozen=True)
class RoleState:
    """What the target says about one role, as the static checks take it."""

    name: str
    arn: str
    role_id: str
    trust: dict[str, Any]
    policies: tuple[Any, ...]


@dataclass(frozen=True)
class ScalePoint:
    """The static checks over ``roles`` roles: read back through the API, then checked."""

    roles: int
    read_back_s: float
    checks_s: float
    findings: int

    @property
    def total_s(self) -> float:
        return self.read_back_s + self.checks_s


def seed(backend: Any, roles: int, prefix: str = "bench") -> None:
    """Create ``roles`` roles, each with its own customer-managed policy attached, straight in moto's backend."""
    for n in range(roles):
        actions = _ACTION_SETS[n % len(_ACTION_SETS)]
        document = {"Version": "2012-10-17", "Statement": [
            {"Sid": f"Grant{n}", "Effect": "Allow", "Action": actions,
             "Resource": [f"arn:aws:s3:::{prefix}-bucket-{n}", f"arn:aws:s3:::{prefix}-bucket-{n}/*", "*"]}]}
        trust = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/{prefix}-user-{n}"}}]}
        policy = backend.create_policy(description="", path="/", policy_document=json.dumps(document),
                                       policy_name=f"{prefix}-policy-{n}", tags=[])
        role = backend.create_role(role_name=f"{prefix}-role-{n}", assume_role_policy_document=json.dumps(trust),
                                   path="/", permissions_boundary=None, description="", tags=[],
                                   max_session_duration="3600")
        policy.attach_to(role)


def read_back(iam: Any) -> list[RoleState]:
    """Every role with its trust policy and identity policies, as the administrator reads them."""
    from rolecheck.aws import readback
    from rolecheck.policydoc import documents

    states = []
    for page in iam.get_paginator("list_roles").paginate():
        for role in page["Roles"]:
            states.append(RoleState(
                name=role["RoleName"], arn=role["Arn"], role_id=role["RoleId"],
                trust=documents.from_api(role["AssumeRolePolicyDocument"]),
                policies=tuple(readback.role_identity_policies(iam, role["RoleName"])),
            ))  # fmt: skip
    return states


def static_findings(state: RoleState) -> list[str]:
    """Every static check of the suite on one role; returns the findings (empty when the role complies)."""
    from rolecheck.engine import Principal
    from rolecheck.policydoc import lint

    principal = Principal.assumed_role(ACCOUNT, state.name, "static-check", role_id=state.role_id)
    findings = [f for policy in state.policies for f in lint.wildcard_grants(policy.document)]
    findings += lint.escalation_grants(lint.allowed_actions(principal, list(state.policies)))
    findings += lint.wildcard_principals(state.trust)
    findings += lint.unconditional_root_principals(state.trust)
    if lint.internet_accessible(state.trust):
        findings.append(f"role {state.name} is internet-accessible")
    return findings


def measure_point(roles: int) -> ScalePoint:
    """Seed a fresh moto account with ``roles`` roles and time the static checks over all of them."""
    import boto3
    from moto import mock_aws
    from moto.iam.models import iam_backends

    from rolecheck import moto_adapter
    from rolecheck.engine import action_catalog, privilege_escalation_actions

    # The catalog loads once per process; it must not land on whichever size happens to be measured first.
    action_catalog()
    privilege_escalation_actions()
    mock = mock_aws()
    mock.start()
    try:
        moto_adapter.install()
        key_id, secret = moto_adapter.bootstrap_admin(ACCOUNT, ADMIN_USER)
        seed(iam_backends[ACCOUNT]["global"], roles)
        iam = boto3.client("iam", region_name=REGION, aws_access_key_id=key_id, aws_secret_access_key=secret)
        started = time.perf_counter()
        states = read_back(iam)
        read_s = time.perf_counter() - started
        started = time.perf_counter()
        findings = sum(len(static_findings(state)) for state in states)
        checks_s = time.perf_counter() - started
    finally:
        moto_adapter.uninstall()
        mock.stop()
    return ScalePoint(roles, read_s, checks_s, findings)


def growth_exponent(sizes: Sequence[int], seconds: Sequence[float]) -> float | None:
    """The least-squares slope of log(time) over log(size): 1 is linear, 2 quadratic."""
    points = [(math.log(n), math.log(t)) for n, t in zip(sizes, seconds, strict=True) if n > 0 and t > 0]
    if len(points) < 2:
        return None
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    if spread == 0:
        return None
    return round(sum((x - mean_x) * (y - mean_y) for x, y in points) / spread, 3)


def is_linear(exponent: float | None, tolerance: float = 0.15) -> bool | None:
    """Linear when the growth exponent is within ``tolerance`` of 1 (or below: sublinear is fine too)."""
    return None if exponent is None else exponent <= 1 + tolerance
