"""No secret in any failure: the suite's console password, refused by IAM, is masked in every output of the run.

pytest prints a failing frame's arguments in its long and auto traceback styles (and every local with ``-l``);
botocore's ``_make_api_call`` holds the request's parameters, so a plain string password was printed to stdout,
junit.xml and the Allure result. The plugin next to this file (failing_call) plants the password and makes
CreateLoginProfile fail as an account password policy would (409 PasswordPolicyViolation,
https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateLoginProfile.html).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from rolecheck.aws.clients import AccessKey, Actor, ClientFactory
from rolecheck.aws.operations import User, enable_console_access
from rolecheck.aws.secrets import Secret
from rolecheck.moto_adapter import bootstrap_admin
from rolecheck.targets.moto_server import MotoServer

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


@pytest.mark.parametrize("style", ["--tb=auto", "--tb=short -l", "--tb=long -l"])
def test_a_refused_console_password_is_in_no_output(tmp_path: Path, style: str) -> None:
    planted = f"Planted-{secrets.token_hex(8)}-Pw1!"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ROLECHECK_", "PYTEST_"))}
    env.update(PLANTED_PASSWORD=planted, FAIL_OPERATION="iam.CreateLoginProfile", FAIL_CODE="PasswordPolicyViolation",
               FAIL_STATUS="409", FAIL_MESSAGE="Password does not conform to the account password policy.",
               PYTHONPATH=os.pathsep.join([str(HERE), str(REPO), str(REPO / "src")]),
               AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    result = subprocess.run([sys.executable, "-m", "pytest", "features", "-p", "failing_call", "-q",
                             "-p", "no:cacheprovider", "-k", "lists_the_buckets_through_the_role", *style.split(),
                             f"--junitxml={tmp_path / 'junit.xml'}", f"--alluredir={tmp_path / 'allure'}"],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=180, check=False)
    assert "PasswordPolicyViolation" in result.stdout, result.stdout[-3000:] + result.stderr[-2000:]
    assert result.returncode != 0
    assert planted not in result.stdout + result.stderr
    written = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert any(path.name.endswith("-result.json") for path in written), "the Allure results were written"
    assert [path.name for path in written if planted in path.read_text(errors="replace")] == []


def test_the_password_itself_reaches_the_wire(server: MotoServer) -> None:
    """Masked in every rendering, but IAM receives the real value: the request body carries it."""
    key_id, secret = bootstrap_admin("123456789012", "secret-wire-admin")
    iam = Actor("admin", ClientFactory("us-east-1", server.url)).sign_in(AccessKey(key_id, Secret(secret))).client(
        "iam")
    bodies: list[str] = []
    iam.meta.events.register("before-send", lambda request, **_: bodies.append(request.body))
    user = iam.create_user(UserName="secret-wire-user")["User"]
    password = Secret(f"Wire-{secrets.token_hex(8)}-Pw1!")
    enable_console_access(iam, User(user["UserName"], user["Arn"], user["UserId"]), password)
    assert any(f"Password={password.reveal()}".replace("!", "%21") in str(body) for body in bodies), bodies
    assert iam.get_login_profile(UserName="secret-wire-user")["LoginProfile"]["UserName"] == "secret-wire-user"
