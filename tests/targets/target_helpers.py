"""Helpers for the target tests: a pytest subprocess with a clean environment, and AWS clients for a server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3

from rolecheck.sweeper import Leftover, Selector, find_leftovers

REPO = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
MOTO_ACCOUNT = "123456789012"
FOREIGN_ACCOUNT = "111122223333"

# A test-module conftest that loads only the target and deployment fixtures, for runs outside the features.
PLUGIN_CONFTEST = 'pytest_plugins = ["fixtures.targets", "fixtures.deployment"]\n'


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any AWS or rolecheck setting of the developer's shell, plus ``extra``.

    No config files and no instance metadata either: a missing-credentials test must not find real ones.
    """
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "ROLECHECK_", "PYTEST_")) and k != "PYTHONPATH"}
    env.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_EC2_METADATA_DISABLED="true",
               PYTHONPATH=os.pathsep.join([str(REPO), str(REPO / "src")]))
    env.update(extra)
    return env


def credentials_env(key_id: str, secret: str) -> dict[str, str]:
    """The standard-chain environment variables for a key."""
    return {"AWS_ACCESS_KEY_ID": key_id, "AWS_SECRET_ACCESS_KEY": secret, "AWS_DEFAULT_REGION": REGION}


def pytest_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args]


def run_pytest(*args: str, env: dict[str, str], cwd: Path = REPO, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run pytest in a subprocess; returns the finished process with its text output."""
    return subprocess.run(pytest_command(*args), cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                          check=False)


def clients(endpoint: str, key_id: str, secret: str) -> tuple[Any, Any]:
    """IAM and S3 clients for ``endpoint``."""
    session = boto3.Session(aws_access_key_id=key_id, aws_secret_access_key=secret, region_name=REGION)
    return session.client("iam", endpoint_url=endpoint), session.client("s3", endpoint_url=endpoint)


def leftovers(endpoint: str, key_id: str, secret: str, run_id: str) -> list[Leftover]:
    """Everything of ``run_id`` still in the server, by name or tag."""
    iam, s3 = clients(endpoint, key_id, secret)
    return find_leftovers(iam, s3, Selector(run_id=run_id))


def one_line_error(output: str) -> list[str]:
    """The lines that carry rolecheck's message; a clean refusal has exactly one and no traceback."""
    assert "Traceback" not in output, output
    return [line for line in output.splitlines() if "rolecheck:" in line]
