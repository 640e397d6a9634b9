"""``rolecheck audit --accounts`` over a moto organisation: three member accounts (compliant, non-compliant,
unreachable) in one run, one Allure results folder, the right verdict for each.

Entering each account through a role with an external id:
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html
Listing an organisation's accounts (ListAccounts, State):
https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccounts.html
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
import pytest
from audit_helpers import REGION, build_by_hand, clean_env, credentials_env

from rolecheck import cli
from rolecheck.audit.accounts import VERDICTS_SUITE, active_accounts
from rolecheck.moto_adapter import bootstrap_admin
from rolecheck.targets.moto import MemberAccount, moto_organisation
from rolecheck.targets.moto_server import MotoServer

MANAGEMENT = "123456789012"
AUDIT_ROLE = "rolecheck-audit"
EXTERNAL_ID = "org-audit-external-id"
ADMINISTRATOR = json.dumps({"Version": "2012-10-17",
                            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})


@pytest.fixture(scope="module")
def organisation(server: MotoServer) -> tuple[tuple[str, str], list[MemberAccount]]:
    """The management admin's key and three members; the first two hold the walkthrough, the second with a
    role that can do anything (the ``attach_admin_to_role`` mutant's misconfiguration)."""
    key = bootstrap_admin(MANAGEMENT, "org-admin")
    session = boto3.Session(aws_access_key_id=key[0], aws_secret_access_key=key[1], region_name=REGION)
    members = moto_organisation(lambda service: session.client(service, endpoint_url=server.url),
                                [("compliant", True), ("noncompliant", True), ("unreachable", False)],
                                audit_role_name=AUDIT_ROLE, external_id=EXTERNAL_ID)
    for member in members[:2]:
        member_key = (member.admin_key.access_key_id, member.admin_key.secret_access_key.reveal())
        build_by_hand(server.url, member_key, f"org-{member.account_id}")
    bad = members[1]
    boto3.client("iam", endpoint_url=server.url, region_name=REGION,
                 aws_access_key_id=bad.admin_key.access_key_id,
                 aws_secret_access_key=bad.admin_key.secret_access_key.reveal()).put_role_policy(
        RoleName=f"org-{bad.account_id}-ops-list", PolicyName="admin", PolicyDocument=ADMINISTRATOR)
    return key, members


def _results(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(path.read_text()) for path in folder.glob("*-result.json")]


def _label(result: dict[str, Any], name: str) -> str:
    return next(label["value"] for label in result["labels"] if label["name"] == name)


def test_three_accounts_in_one_run_get_their_own_verdicts_in_one_report(
        server: MotoServer, organisation: tuple[tuple[str, str], list[MemberAccount]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    key, members = organisation
    compliant, noncompliant, unreachable = (member.account_id for member in members)
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"iam-test-user": "org-{account_id}-alice",
                                   "s3-list-role": "org-{account_id}-ops-list",
                                   "s3-list-buckets": "org-{account_id}-list-buckets",
                                   "demo-bucket": "org-{account_id}-reports"}))
    for name, value in clean_env(**credentials_env(key)).items():
        monkeypatch.setenv(name, value)
    results = tmp_path / "results"
    writes = len(server.writes())

    status = cli.main(["audit", "--mapping", str(mapping), "--accounts", f"{compliant},{noncompliant},{unreachable}",
                       "--audit-role-name", AUDIT_ROLE, "--external-id", EXTERNAL_ID, "--account-workers", "2",
                       "--target", "moto-server", "--endpoint-url", server.url, "--region", REGION,
                       "--results", str(results), "--no-report", "--", "-q", "-p", "no:cacheprovider"])

    out = capsys.readouterr().out
    assert status == 1, out
    lines = [line for line in out.splitlines() if line.startswith("rolecheck: account ")]
    assert lines[0].startswith(f"rolecheck: account {compliant}: compliant, 0 of "), lines
    assert lines[1].startswith(f"rolecheck: account {noncompliant}: non-compliant, "), lines
    assert lines[2].startswith(f"rolecheck: account {unreachable}: unreachable (cannot assume "), lines
    assert EXTERNAL_ID not in out
    found = _results(results)
    suites = Counter(_label(result, "parentSuite") for result in found)
    assert set(suites) == {VERDICTS_SUITE, f"account {compliant}", f"account {noncompliant}",
                           f"account {unreachable}"}
    assert suites[f"account {unreachable}"] == 1
    assert suites[f"account {compliant}"] == suites[f"account {noncompliant}"] >= 30
    # The same scenario in two accounts is two results, not retries of one.
    assert len({result["historyId"] for result in found}) == len(found)
    verdicts = next(result for result in found if _label(result, "parentSuite") == VERDICTS_SUITE)
    assert verdicts["status"] == "failed"
    table = (results / verdicts["attachments"][0]["source"]).read_text()
    assert {row["account"]: row["verdict"] for row in csv.DictReader(io.StringIO(table))} == {
        compliant: "compliant", noncompliant: "non-compliant", unreachable: "unreachable"}
    assert set(server.writes()[writes:]) <= {"sts:AssumeRole"}, "an audit writes nothing"


def test_the_organisation_lists_its_active_accounts(
        server: MotoServer, organisation: tuple[tuple[str, str], list[MemberAccount]]) -> None:
    key, members = organisation
    organizations = boto3.client("organizations", endpoint_url=server.url, region_name=REGION,
                                 aws_access_key_id=key[0], aws_secret_access_key=key[1])
    closed = organizations.create_account(AccountName="closed", Email="closed@example.com")
    organizations.close_account(AccountId=closed["CreateAccountStatus"]["AccountId"])
    listed = active_accounts(organizations)
    assert {member.account_id for member in members} | {MANAGEMENT} == set(listed)


@pytest.mark.parametrize(("argv", "message"), [
    (["--accounts", "12345"], "--accounts expects 12-digit account ids"),
    (["--accounts", "111111111111"], "need --audit-role-name"),
    (["--organization", "--audit-role-name", AUDIT_ROLE, "--allow-account", "111111111111"],
     "--allow-account does not apply"),
])
def test_bad_multi_account_options_are_one_line_and_exit_4(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                           argv: list[str], message: str) -> None:
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"iam-test-user": "a", "s3-list-role": "r", "s3-list-buckets": "p",
                                   "demo-bucket": "b"}))
    status = cli.main(["audit", "--mapping", str(mapping), *argv, "--no-report"])
    err = capsys.readouterr().err
    assert status == 4 and err.startswith("ERROR: rolecheck: ") and message in err, err
