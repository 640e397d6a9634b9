"""Audit mode reads the whole account through read-only clients: every call the snapshot makes is on the read-only
allow-list (``clients.READ_ONLY_OPERATIONS``). A read added to the snapshot without it makes every audit scenario
fail with WriteRefused (it happened twice: ECR and DynamoDB, then S3 access points), so each kind the snapshot
reads is made here, with a policy where it can carry one, and read as an audit would."""

from __future__ import annotations

import json

from moto import mock_aws

from rolecheck.aws.call_log import CallRecorder
from rolecheck.aws.clients import AccessKey, Actor, ClientFactory, read_only
from rolecheck.aws.secrets import Secret
from rolecheck.aws.snapshot_reader import read_snapshot
from rolecheck.moto_adapter import bootstrap_admin, installed

ACCOUNT, REGION = "123456789012", "us-east-1"
ROOT = {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}


def _allow(action: str, resource: str | None = None) -> str:
    statement = {"Effect": "Allow", "Principal": ROOT, "Action": action} | ({"Resource": resource} if resource else {})
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_an_audit_reads_every_kind_of_the_snapshot_with_read_only_clients() -> None:
    with mock_aws(), installed():
        key_id, secret = bootstrap_admin(ACCOUNT)
        key = AccessKey(key_id, Secret(secret))
        admin = Actor("administrator", ClientFactory(REGION), account=ACCOUNT).sign_in(key)
        admin.client("s3").create_bucket(Bucket="audited-bucket")
        admin.client("s3control").create_access_point(
            AccountId=ACCOUNT, Name="audited-point", Bucket="audited-bucket")
        admin.client("ecr").create_repository(repositoryName="audited-repository")
        admin.client("ecr").set_repository_policy(repositoryName="audited-repository",
                                                  policyText=_allow("ecr:BatchGetImage"))
        admin.client("dynamodb").create_table(
            TableName="audited-table", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        admin.client("kms").create_key(Description="audited key")
        admin.client("sqs").create_queue(QueueName="audited-queue")
        admin.client("sns").create_topic(Name="audited-topic")
        admin.client("secretsmanager").create_secret(Name="audited-secret", SecretString="placeholder")
        recorder = CallRecorder(sinks=())
        auditor = Actor("auditor", ClientFactory(REGION, recorder=recorder, read_only=True),
                        account=ACCOUNT).sign_in(key)

        snapshot = read_snapshot(auditor.client, ACCOUNT, REGION)

    made = {(call.service, call.operation) for call in recorder.calls}
    assert {("s3control", "ListAccessPoints"), ("ecr", "DescribeRepositories"), ("dynamodb", "ListTables"),
            ("kms", "ListGrants")} <= made, sorted(made)
    assert all(read_only(service, operation) for service, operation in made)
    assert snapshot is not None
