"""The account snapshot and the access analysis on an account with many users, roles and buckets.

The account is seeded straight in moto's backends (seeding is not what is measured): ``size`` users, each with an
inline policy and a tag, every tenth in a group; ``size`` roles, each trusting its user, with a managed policy and
a tag; ``size`` buckets, each with a bucket policy granting its role and denying plain HTTP to everyone. Then
``rolecheck.aws.snapshot_reader.read_snapshot`` reads it back through the API as the administrator, and the
analysis of one principal is timed: what the role can do, what the user can do, who can assume the role, where the
user can go.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

ACCOUNT = "123456789012"
ADMIN_USER = "rolecheck-admin"
REGION = "us-east-1"
PREFIX = "bench"


@dataclass(frozen=True)
class AccountPoint:
    """One account size: the snapshot read and the analysis of one principal, in seconds."""

    size: int
    read_s: float  # wall time: the snapshot is API calls
    role_access_s: float
    user_access_s: float
    who_can_assume_s: float
    reachable_s: float
    grants: int
    api_calls: int
    administrator_access_s: float = 0.0
    administrator_grants: int = 0
    read_cpu_s: float = 0.0

    @property
    def analysis_s(self) -> float:
        """What a claim about one principal costs: its access, who can become it, where it can go."""
        return self.role_access_s + self.user_access_s + self.who_can_assume_s + self.reachable_s


def _document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def seed(iam: Any, s3: Any, size: int, *, account: str = ACCOUNT, prefix: str = PREFIX) -> None:
    """``size`` users, roles and buckets with their policies, straight in moto's IAM and S3 backends of
    ``account`` (bucket names are global: another account's seed needs another ``prefix``)."""
    groups = []
    for g in range(max(1, size // 10)):
        group = iam.create_group(f"{prefix}-group-{g}", "/")
        iam.put_group_policy(group.name, "group-read", _document(
            {"Effect": "Allow", "Action": "s3:GetBucketLocation", "Resource": "*"}))
        groups.append(group)
    for n in range(size):
        user_name, role_name, bucket = f"{prefix}-user-{n}", f"{prefix}-role-{n}", f"{prefix}-bucket-{n}"
        user = iam.create_user(REGION, user_name, "/", [{"Key": "team", "Value": f"team-{n % 7}"}])
        iam.put_user_policy(user_name, "own-objects", _document(
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/${{aws:username}}/*"}))
        if n % 10 == 0:
            groups[(n // 10) % len(groups)].users.append(user)
        trust = _document({"Effect": "Allow", "Action": "sts:AssumeRole",
                           "Principal": {"AWS": f"arn:aws:iam::{account}:user/{user_name}"}})
        policy = iam.create_policy(description="", path="/", policy_name=f"{prefix}-policy-{n}", tags=[],
                                   policy_document=_document(
                                       {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"},
                                       {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                                        "Resource": f"arn:aws:s3:::{bucket}/*",
                                        "Condition": {"StringEquals": {"aws:PrincipalTag/env": "prod"}}}))
        role = iam.create_role(role_name=role_name, assume_role_policy_document=trust, path="/",
                               permissions_boundary=None, description="", max_session_duration="3600",
                               tags=[{"Key": "env", "Value": "prod" if n % 2 else "dev"}])
        policy.attach_to(role)
        s3.create_bucket(bucket, REGION)
        s3.put_bucket_policy(bucket, _document(
            {"Sid": "RoleReads", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:role/{role_name}"},
             "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": [f"arn:aws:s3:::{bucket}",
                                                                       f"arn:aws:s3:::{bucket}/*"]},
            {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
             "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}}).encode())


def measure_point(size: int) -> AccountPoint:
    """Seed a fresh moto account of ``size`` users, roles and buckets; time the snapshot and one analysis."""
    import boto3
    from moto import mock_aws
    from moto.iam.models import iam_backends
    from moto.s3.models import s3_backends

    from rolecheck import moto_adapter
    from rolecheck.analysis.queries import Analysis
    from rolecheck.aws.snapshot_reader import read_snapshot
    from rolecheck.engine import action_catalog

    # Data loaded once per process must not land on whichever size is measured first.
    action_catalog()
    mock = mock_aws()
    mock.start()
    try:
        moto_adapter.install()
        key_id, secret = moto_adapter.bootstrap_admin(ACCOUNT, ADMIN_USER)
        seed(iam_backends[ACCOUNT]["global"], s3_backends[ACCOUNT]["aws"], size)
        session = boto3.Session(aws_access_key_id=key_id, aws_secret_access_key=secret, region_name=REGION)
        clients: dict[str, Any] = {}
        calls = [0]

        def client_for(service: str) -> Any:
            if service not in clients:
                clients[service] = session.client(service)
                clients[service].meta.events.register("before-call", lambda **_: calls.__setitem__(0, calls[0] + 1))
            return clients[service]

        started, cpu = time.perf_counter(), time.process_time()
        snapshot = read_snapshot(client_for, ACCOUNT, REGION)
        read_s, read_cpu_s = time.perf_counter() - started, time.process_time() - cpu
        # Role 1 carries the tag its policy's condition asks for; user 0 is in a group granting on "*".
        role = f"arn:aws:iam::{ACCOUNT}:role/{PREFIX}-role-1"
        user = f"arn:aws:iam::{ACCOUNT}:user/{PREFIX}-user-0"
        timings = []
        grants = 0
        # One analysis of the snapshot: the first question builds its resource views, as a claim's does.
        analysis = Analysis(snapshot)
        for question in (lambda: analysis.principal_access(role), lambda: analysis.principal_access(user),
                         lambda: analysis.who_can_assume(role), lambda: analysis.reachable_roles(user)):
            # The analysis makes no call: its CPU time is its cost, and moves far less than wall time under load.
            started = time.process_time()
            grants += len(question())
            timings.append(time.process_time() - started)
        # The broadest principal: the administrator, allowed every action on every resource.
        started = time.process_time()
        administrator = analysis.principal_access(f"arn:aws:iam::{ACCOUNT}:user/{ADMIN_USER}")
        administrator_s = time.process_time() - started
    finally:
        moto_adapter.uninstall()
        mock.stop()
    return AccountPoint(size, read_s, *timings, grants=grants, api_calls=calls[0],
                        administrator_access_s=administrator_s, administrator_grants=len(administrator),
                        read_cpu_s=read_cpu_s)


def summarise(points: list[dict[str, Any]]) -> dict[str, Any]:
    """Growth exponents of the read and the analysis, and whether both are linear."""
    from bench.scale import growth_exponent, is_linear

    sizes = [p["size"] for p in points]
    # CPU time (in-process moto serves the calls in this process): the machine's load moves it far less.
    read = growth_exponent(sizes, [p["read_cpu_s"] for p in points])
    analysis = growth_exponent(sizes, [p["analysis_s"] for p in points])
    largest = max(points, key=lambda p: p["size"]) if points else None
    return {"points": points, "read_growth_exponent": read, "analysis_growth_exponent": analysis,
            "linear": is_linear(read) if read is not None else None,
            "analysis_per_principal_s_at_largest": largest["analysis_s"] if largest else None}


def as_json(point: AccountPoint) -> dict[str, Any]:
    """One point as the results JSON holds it."""
    return {"size": point.size, "read_s": round(point.read_s, 4), "read_cpu_s": round(point.read_cpu_s, 4),
            "analysis_s": round(point.analysis_s, 5),
            "role_access_s": round(point.role_access_s, 5), "user_access_s": round(point.user_access_s, 5),
            "who_can_assume_s": round(point.who_can_assume_s, 5), "reachable_s": round(point.reachable_s, 5),
            "grants": point.grants, "api_calls": point.api_calls,
            "administrator_access_s": round(point.administrator_access_s, 4),
            "administrator_grants": point.administrator_grants}


def table_rows(account: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Rows for the benchmark's table."""
    rows = [(f"account snapshot, {p['size']} x3", f"{p['read_s']:.3f} s",
             f"cpu {p['read_cpu_s']:.3f} s, {p['api_calls']} API calls; analysis of one principal (cpu) "
             f"{p['analysis_s'] * 1000:.1f} ms "
             f"(role access {p['role_access_s'] * 1000:.1f}, user access {p['user_access_s'] * 1000:.1f}, "
             f"who can assume {p['who_can_assume_s'] * 1000:.1f}, reachable {p['reachable_s'] * 1000:.1f}); "
             f"the administrator's {p['administrator_grants']} grants {p['administrator_access_s']:.2f} s")
            for p in account["points"]]
    rows.append(("account growth exponent (cpu)", str(account["read_growth_exponent"]),
                 f"analysis {account['analysis_growth_exponent']}; linear: {account['linear']}"))
    return rows


ANALYSIS_TARGET_S = 1.0


def targets(account: dict[str, Any] | None) -> dict[str, Any]:
    """The account part's targets: a linear snapshot read, and one principal analysed in well under a second."""
    account = account or {}
    per_principal = account.get("analysis_per_principal_s_at_largest")
    return {
        "account_snapshot_linear": {"value": account.get("read_growth_exponent"),
                                    "target": "growth exponent <= 1.15", "met": account.get("linear")},
        "account_analysis_per_principal_s": {
            "value": per_principal, "target": f"< {ANALYSIS_TARGET_S}",
            "met": None if per_principal is None else per_principal < ANALYSIS_TARGET_S},
    }
