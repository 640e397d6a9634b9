"""Helpers for the target tests: a pytest subprocess with a clean environment, and AWS clients for a server."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3

from rolecheck.aws.clients import at_single_endpoint
from rolecheck.aws.sweeper import Leftover, Selector, find_leftovers

REPO = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
MOTO_ACCOUNT = "123456789012"
FOREIGN_ACCOUNT = "111122223333"

# A test-module conftest that loads only the target and deployment fixtures, for runs outside the features.
PLUGIN_CONFTEST = 'pytest_plugins = ["rolecheck.plugin.targets", "rolecheck.plugin.audit", "rolecheck.plugin.scene"]\n'


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
    session = boto3.Session(aws_access_key_id=key_id, aws_secret_access_key=secret, region_name=REGION)
    return find_leftovers(lambda service: at_single_endpoint(session.client(service, endpoint_url=endpoint), endpoint),
                          Selector(run_id=run_id))


def one_line_error(output: str) -> list[str]:
    """The lines that carry rolecheck's message; a clean refusal has exactly one and no traceback."""
    assert "Traceback" not in output, output
    return [line for line in output.splitlines() if "rolecheck:" in line]


# moto's own server, as anyone would start it: in a process of its own, so that rolecheck's engine, installed in
# the test process, cannot reach it. It prints its port and serves until its stdin closes.
_PLAIN_MOTO = """
import sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()
server.stop()
"""


@contextlib.contextmanager
def plain_moto_server() -> Iterator[str]:
    """A stock moto server (no rolecheck adapter) in a subprocess; yields its URL."""
    process = subprocess.Popen([sys.executable, "-c", _PLAIN_MOTO], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, env=clean_env())
    try:
        port = process.stdout.readline().strip()  # type: ignore[union-attr]
        assert port.isdigit(), "moto's server did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        process.stdin.close()  # type: ignore[union-attr]
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
