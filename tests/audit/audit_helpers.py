"""Helpers for the audit tests: an account built by hand on a moto server, and pytest runs that audit it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3

from rolecheck.aws.clients import read_only

REPO = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
ACCOUNT = "123456789012"
USAGE_ERROR = 4


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without the developer's AWS or rolecheck settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "ROLECHECK_", "PYTEST_")) and k != "PYTHONPATH"}
    env.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_EC2_METADATA_DISABLED="true",
               PYTHONPATH=os.pathsep.join([str(REPO), str(REPO / "src")]))
    env.update(extra)
    return env


def credentials_env(key: tuple[str, str]) -> dict[str, str]:
    return {"AWS_ACCESS_KEY_ID": key[0], "AWS_SECRET_ACCESS_KEY": key[1], "AWS_DEFAULT_REGION": REGION}


def run(command: list[str], env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def rolecheck_audit(*args: str, env: dict[str, str], results: Path) -> subprocess.CompletedProcess:
    """``rolecheck audit ...`` in a subprocess, results but no rendered report, pytest's summary of every test."""
    return run([sys.executable, "-m", "rolecheck.cli", "audit", *args, "--no-report", "--results", str(results),
                "--", "-q", "-rA", "--tb=line", "-p", "no:cacheprovider"], env)


def pytest_audit(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """``pytest --audit-mapping ...`` over the compliance suite, in a subprocess."""
    return run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rA", "--tb=line", "features", *args],
               env)


def clients(endpoint: str, key: tuple[str, str]) -> tuple[Any, Any]:
    session = boto3.Session(aws_access_key_id=key[0], aws_secret_access_key=key[1], region_name=REGION)
    return session.client("iam", endpoint_url=endpoint), session.client("s3", endpoint_url=endpoint)


def build_by_hand(endpoint: str, key: tuple[str, str], prefix: str) -> dict:
    """The walkthrough as an operator would have built it, spelled differently (no Sids, one-element lists, a
    single statement object); returns the mapping."""
    iam, s3 = clients(endpoint, key)
    user = iam.create_user(UserName=f"{prefix}-alice")["User"]
    iam.create_login_profile(UserName=user["UserName"], Password="Audit-Only-Pa55word!", PasswordResetRequired=True)
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sts:AssumeRole"],
                                                     "Principal": {"AWS": user["Arn"]}}]}
    role = iam.create_role(RoleName=f"{prefix}-ops-list", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    policy = iam.create_policy(PolicyName=f"{prefix}-list-buckets", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:ListAllMyBuckets",
                                                "Resource": "*"}}))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=role["RoleName"], PolicyArn=policy)
    s3.create_bucket(Bucket=f"{prefix}-reports")
    return {"iam-test-user": user["UserName"], "s3-list-role": role["Arn"], "s3-list-buckets": policy,
            "demo-bucket": f"{prefix}-reports"}


def outcomes(output: str) -> dict[str, str]:
    """Test id -> PASSED/FAILED/SKIPPED from pytest's ``-rA`` summary."""
    found = {}
    for line in output.splitlines():
        word, _, rest = line.partition(" ")
        if word in ("PASSED", "FAILED", "SKIPPED", "ERROR") and "::" in rest:
            found[rest.split(" - ")[0].split("::", 1)[1]] = word
    return found


def scenario_count(output: str) -> int:
    """How many scenarios ran, from pytest's closing line ("26 passed, 6 skipped in 3.2s")."""
    return sum(int(n) for n, _ in re.findall(r"(\d+) (passed|failed|skipped|error)", output.splitlines()[-1]))


def report_results(results: Path) -> int:
    """How many test results the Allure results directory holds."""
    return len(list(results.glob("*-result.json")))


def report_verdicts(results: Path) -> list[tuple[str, str]]:
    """Each Allure result's status and failure message."""
    found = []
    for path in results.glob("*-result.json"):
        result = json.loads(path.read_text(encoding="utf-8"))
        found.append((result["status"], (result.get("statusDetails") or {}).get("message", "")))
    return found


def not_allow_listed(operations: list[str]) -> list[str]:
    """The recorded requests outside audit mode's allow-list.

    REST-protocol calls (S3, Lambda) are recorded by HTTP method: a GET or HEAD reads, anything else writes.
    """
    bad = []
    for op in operations:
        service, _, name = op.partition(":")
        if name in ("Get", "Head"):
            continue
        if not read_only(service, name):
            bad.append(op)
    return bad
