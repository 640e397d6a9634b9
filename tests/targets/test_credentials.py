"""The credential options against the moto server: a role chain with an external id, an MFA trust, bad values.

AssumeRole (ExternalId, SerialNumber/TokenCode, DurationSeconds, RoleSessionName):
https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
The confused-deputy external id: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html
MFA in a trust policy (aws:MultiFactorAuthPresent):
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_configure-api-require.html
"""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from target_helpers import MOTO_ACCOUNT, REGION, clean_env, credentials_env, one_line_error, run_pytest

from rolecheck import cli
from rolecheck.aws.credentials import CredentialOptions, resolve
from rolecheck.errors import TargetError
from rolecheck.moto_adapter import bootstrap_admin
from rolecheck.targets.moto_server import MotoServer

MEMBER = "111111111111"
EXTERNAL_ID = "rolecheck-test-external-id"
CHAIN_ROLE = f"arn:aws:iam::{MEMBER}:role/rolecheck-chain"
MFA_ROLE = f"arn:aws:iam::{MEMBER}:role/rolecheck-mfa"
MFA_SERIAL = f"arn:aws:iam::{MOTO_ACCOUNT}:mfa/tests-admin"
TOKEN_CODE = "493817"


def _trust(condition: dict[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{MOTO_ACCOUNT}:root"}, "Action": "sts:AssumeRole",
        "Condition": condition}]})


@pytest.fixture(scope="module")
def member(server: MotoServer, admin_key: tuple[str, str]) -> tuple[str, str]:
    """A member account with a role trusting the admin's account behind an external id, and one behind MFA."""
    key_id, secret = bootstrap_admin(MEMBER, "member-admin")
    iam = boto3.client("iam", endpoint_url=server.url, region_name=REGION, aws_access_key_id=key_id,
                       aws_secret_access_key=secret)
    administrator = json.dumps({"Version": "2012-10-17",
                                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    for name, condition in (("rolecheck-chain", {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}),
                            ("rolecheck-mfa", {"Bool": {"aws:MultiFactorAuthPresent": "true"}})):
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=_trust(condition))
        iam.put_role_policy(RoleName=name, PolicyName="administrator", PolicyDocument=administrator)
    return key_id, secret


@pytest.fixture()
def as_admin(monkeypatch: pytest.MonkeyPatch, admin_key: tuple[str, str]) -> None:
    """The standard chain holds the default account's administrator key, and nothing else."""
    for name, value in clean_env(**credentials_env(*admin_key)).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def _caller(server: MotoServer, key: object) -> dict[str, str]:
    sts = boto3.client("sts", endpoint_url=server.url, region_name=REGION, aws_access_key_id=key.access_key_id,
                       aws_secret_access_key=key.secret_access_key.reveal(),
                       aws_session_token=key.session_token.reveal())
    return sts.get_caller_identity()


def test_the_external_id_chain_acts_as_the_members_role_session(server: MotoServer, member: tuple[str, str],
                                                                as_admin: None) -> None:
    options = CredentialOptions(role_arn=CHAIN_ROLE, external_id=EXTERNAL_ID, role_session_name="auditor-1",
                                duration=900)
    caller = _caller(server, resolve(options, REGION, server.url, "the test"))
    assert caller["Account"] == MEMBER
    assert caller["Arn"] == f"arn:aws:sts::{MEMBER}:assumed-role/rolecheck-chain/auditor-1"


@pytest.mark.parametrize("external_id", [None, "not-the-external-id"])
def test_without_the_right_external_id_the_chain_is_refused(server: MotoServer, member: tuple[str, str],
                                                            as_admin: None, external_id: str | None) -> None:
    with pytest.raises(TargetError, match=r"cannot assume .*rolecheck-chain.*AccessDenied"):
        resolve(CredentialOptions(role_arn=CHAIN_ROLE, external_id=external_id), REGION, server.url, "the test")


def test_a_wrong_external_id_on_the_sweep_is_one_error_line_and_exit_4_with_nothing_written(
        server: MotoServer, member: tuple[str, str], as_admin: None, capsys: pytest.CaptureFixture[str]) -> None:
    writes = len(server.writes())
    status = cli.main(["sweep", "--target", "moto-server", "--endpoint-url", server.url, "--all-runs",
                       "--allow-account", MEMBER, "--role-arn", CHAIN_ROLE, "--external-id", "wrong-external-id"])
    captured = capsys.readouterr()
    assert status == 4
    lines = one_line_error(captured.err)
    assert len(lines) == 1 and lines[0].startswith("ERROR: rolecheck: cannot assume"), captured.err
    assert "wrong-external-id" not in captured.out + captured.err
    assert server.writes()[writes:] == ["sts:AssumeRole"]  # the refused call itself, and nothing after it


def test_the_sweep_takes_the_chain(server: MotoServer, member: tuple[str, str], as_admin: None,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    status = cli.main(["sweep", "--target", "moto-server", "--endpoint-url", server.url, "--all-runs", "--dry-run",
                       "--allow-account", MEMBER, "--role-arn", CHAIN_ROLE, "--external-id", EXTERNAL_ID])
    assert status == 0
    assert f"in account {MEMBER}" in capsys.readouterr().out


def test_an_mfa_trust_refuses_the_chain_without_mfa_and_takes_it_with_the_code(
        server: MotoServer, member: tuple[str, str], as_admin: None, capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(TargetError, match="AccessDenied"):
        resolve(CredentialOptions(role_arn=MFA_ROLE), REGION, server.url, "the test")
    asked: list[str] = []
    key = resolve(CredentialOptions(role_arn=MFA_ROLE, mfa_serial=MFA_SERIAL), REGION, server.url, "the test",
                  token_code=lambda prompt: asked.append(prompt) or TOKEN_CODE)
    assert _caller(server, key)["Account"] == MEMBER
    assert asked == [f"Enter MFA code for {MFA_SERIAL}: "]
    captured = capfd.readouterr()
    assert TOKEN_CODE not in captured.out + captured.err
    assert key.secret_access_key.reveal() not in repr(key) + str(key)


@pytest.mark.parametrize(("argv", "message"), [
    (["--duration", "60", "--role-arn", CHAIN_ROLE], "--duration 60 must be 900 to 43200"),
    (["--external-id", EXTERNAL_ID], "--external-id needs --role-arn"),
    (["--role-arn", "arn:aws:iam::1:role/x"], "is not an IAM role ARN"),
    (["--role-arn", CHAIN_ROLE, "--role-session-name", "has spaces"], "--role-session-name 'has spaces'"),
])
def test_bad_credential_options_are_one_line_and_exit_4_before_anything_is_sent(
        server: MotoServer, as_admin: None, capsys: pytest.CaptureFixture[str], argv: list[str],
        message: str) -> None:
    sent = len(server.operations)
    status = cli.main(["sweep", "--target", "moto-server", "--endpoint-url", server.url, "--all-runs", *argv])
    err = capsys.readouterr().err
    assert status == 4 and one_line_error(err) == [line for line in err.splitlines() if line], err
    assert message in err
    assert len(server.operations) == sent


def test_the_suite_runs_as_the_chained_role_session(server: MotoServer, member: tuple[str, str],
                                                    admin_key: tuple[str, str]) -> None:
    run = run_pytest("features/walkthrough.feature", "--target", "moto-server", "--endpoint-url", server.url,
                     "--allow-account", MEMBER, "--role-arn", CHAIN_ROLE, "--external-id", EXTERNAL_ID,
                     "--role-session-name", "suite-run", env=clean_env(**credentials_env(*admin_key)))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert EXTERNAL_ID not in run.stdout + run.stderr


def test_the_audit_resolves_the_chain_before_anything_runs(server: MotoServer, member: tuple[str, str],
                                                           as_admin: None, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"iam-test-user": "alice", "s3-list-role": "ops-list",
                                   "s3-list-buckets": "list-buckets", "demo-bucket": "reports"}))
    sent = len(server.operations)
    status = cli.main(["audit", "--mapping", str(mapping), "--target", "moto-server", "--endpoint-url", server.url,
                       "--allow-account", MEMBER, "--role-arn", CHAIN_ROLE, "--external-id", "wrong-external-id",
                       "--no-report", "--results", str(tmp_path / "results")])
    err = capsys.readouterr().err
    assert status == 4 and err.startswith("ERROR: rolecheck: cannot assume"), err
    assert server.operations[sent:] == ["sts:AssumeRole"]  # refused there, and no suite was started
