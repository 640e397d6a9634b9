"""A scenario whose reads went unanswered reached no verdict: "Could not be established", its own Allure category,
exit status 3, and the report names the failed read; never a pass, never a "Compliance violation".

AWS's throttling and fault answers: https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from rolecheck.errors import (
    EXIT_NOT_ESTABLISHED,
    ComplianceViolation,
    NotEstablished,
    not_established,
    refusal,
)

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def _client_error(code: str, operation: str = "GetAccountAuthorizationDetails") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "Rate exceeded"}}, operation)


@pytest.mark.parametrize("code", ["Throttling", "SlowDown", "ServiceUnavailable", "InternalFailure"])
def test_an_unanswered_read_is_not_established(code: str) -> None:
    unknown = not_established(_client_error(code))
    assert isinstance(unknown, NotEstablished)
    assert str(unknown).startswith("Could not be established: GetAccountAuthorizationDetails was not answered")
    assert unknown.reads == ("GetAccountAuthorizationDetails",)


def test_no_answer_at_all_is_not_established() -> None:
    assert not_established(EndpointConnectionError(endpoint_url="http://127.0.0.1:1")) is not None


@pytest.mark.parametrize("code", ["AccessDenied", "NoSuchEntity", "MalformedPolicyDocument"])
def test_an_answer_is_not_mistaken_for_no_answer(code: str) -> None:
    assert not_established(_client_error(code)) is None


def test_a_refusal_is_a_violation_and_a_throttled_or_unjudged_call_is_not() -> None:
    assert isinstance(refusal("AccessDenied", "no", "listing"), ComplianceViolation)
    assert isinstance(refusal("Throttling", "Rate exceeded", "listing"), NotEstablished)
    assert isinstance(refusal("InvalidClientTokenId", "bad key", "listing"), NotEstablished)


def test_a_run_whose_account_snapshot_cannot_be_read_exits_3_and_says_which_read(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ROLECHECK_", "PYTEST_"))}
    env.update(FAIL_OPERATION="iam.GetAccountAuthorizationDetails", FAIL_CODE="Throttling", FAIL_STATUS="400",
               FAIL_MESSAGE="Rate exceeded", AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
               PYTHONPATH=os.pathsep.join([str(HERE), str(REPO), str(REPO / "src")]))
    result = subprocess.run([sys.executable, "-m", "pytest", "features", "-p", "failing_call", "-q", "-p",
                             "no:cacheprovider", "--tb=short", "-x", f"--alluredir={tmp_path}"],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=180, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == EXIT_NOT_ESTABLISHED, output[-3000:]
    assert re.search(r"rolecheck: \d+ scenario\(s\) could not be established: GetAccountAuthorizationDetails was "
                     r"not answered \(Throttling: Rate exceeded\)", output), output[-3000:]
    results = [json.loads(p.read_text()) for p in tmp_path.glob("*-result.json")]
    unread = [r for r in results if r["status"] in ("failed", "broken")]
    assert unread, "some scenarios need the account snapshot"
    for result_file in unread:
        trace = result_file["statusDetails"]["trace"]
        assert trace.startswith("Could not be established: "), trace
        assert "Compliance violation" not in result_file["statusDetails"]["message"]
    categories = json.loads((REPO / "src" / "rolecheck" / "report" / "categories.json").read_text())
    first = next(c for c in categories if set(c["matchedStatuses"]) & {unread[0]["status"]} and
                 re.fullmatch(c.get("traceRegex", "(?s).*"), unread[0]["statusDetails"]["trace"]) and
                 re.fullmatch(c.get("messageRegex", "(?s).*"), unread[0]["statusDetails"]["message"]))
    assert first["name"] == "Could not be established"
