"""Probes for any action, derived from botocore's service models: the operation, minimal valid parameters aimed at
the scenario's resource, and access denied told apart from every other answer, live on the moto target."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from rolecheck.analysis.snapshot import ResourceFacts
from rolecheck.analysis.subjects import Subject
from rolecheck.aws.operation_models import NotProbeable, derive_call, operation_for
from rolecheck.aws.registry import ResourceRegistry
from rolecheck.engine import Policy, Principal
from rolecheck.errors import FeatureFileError
from rolecheck.moto_adapter import bootstrap_admin, installed
from rolecheck.suite import contract, probing

ACCOUNT, REGION = "123456789012", "us-east-1"


@pytest.mark.parametrize(("action", "operation"), [
    ("s3:ListAllMyBuckets", "ListBuckets"), ("s3:ListBucket", "ListObjectsV2"), ("s3:GetObject", "GetObject"),
    ("sqs:SendMessage", "SendMessage"), ("sns:Publish", "Publish"), ("kms:Encrypt", "Encrypt"),
    ("secretsmanager:GetSecretValue", "GetSecretValue"), ("lambda:InvokeFunction", "Invoke"),
    ("dynamodb:DeleteTable", "DeleteTable"), ("dynamodb:PutItem", "PutItem"), ("iam:CreateUser", "CreateUser"),
    ("ec2:DescribeInstances", "DescribeInstances"),
])
def test_each_action_has_its_operation_and_valid_parameters(action: str, operation: str) -> None:
    call = derive_call(action)  # raises NotProbeable if botocore's validation refuses the parameters
    assert call.operation == operation
    assert operation_for(action) is not None


def test_bound_members_aim_the_call_and_dry_run_is_used_where_offered() -> None:
    url = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/jobs"
    assert derive_call("sqs:SendMessage", {"QueueUrl": url}).params["QueueUrl"] == url
    assert derive_call("kms:Encrypt", {"KeyId": "alias/k"}).params["KeyId"] == "alias/k"
    assert derive_call("ec2:DescribeInstances").params == {"DryRun": True}


def test_an_action_no_call_exercises_is_the_engines() -> None:
    with pytest.raises(NotProbeable, match="no single API call exercises iam:PassRole"):
        derive_call("iam:PassRole")
    assert not probing.derived_probe("iam:PassRole").live


def test_an_action_not_in_the_catalog_is_one_line() -> None:
    with pytest.raises(FeatureFileError, match="'dynamodb:DeleteTabel' is not an action of AWS's catalog"):
        probing.probe("dynamodb:DeleteTabel")


@pytest.fixture(scope="module")
def sessions():
    """An administrator, and a session of a role allowed only s3:ListAllMyBuckets, on moto with the adapter."""
    with mock_aws(), installed():
        key_id, secret = bootstrap_admin(ACCOUNT)
        admin = boto3.Session(key_id, secret, region_name=REGION)
        iam = admin.client("iam")
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                         "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}]}
        role = iam.create_role(RoleName="lister", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
        iam.put_role_policy(RoleName="lister", PolicyName="list", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets",
                                                     "Resource": "*"}]}))
        creds = admin.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="probe")["Credentials"]
        session = boto3.Session(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"],
                                region_name=REGION)
        yield admin, session, role


def test_delete_table_is_denied_to_the_role_and_predicted_so(sessions) -> None:
    admin, session, role = sessions
    ctx = probing.ProbeContext(account_id=ACCOUNT, bucket="", object_key="", role_name="lister",
                               registry=ResourceRegistry("test"), region=REGION)
    p = probing.probe("dynamodb:DeleteTable")
    outcome = probing.attempt(p, session.client("dynamodb"), ctx)
    assert (outcome.allowed, outcome.error_code) == (False, "AccessDeniedException")
    subject = probing.role_session_subject(admin.client("iam"), ACCOUNT, "lister", role["RoleId"], "probe")
    decision = probing.predict(p, subject, ctx, admin.client("iam"), admin.client("s3"))
    assert not decision.allowed
    assert decision.request.resource == f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/rolecheck-probe"
    # The administrator gets past authorization: the table does not exist, which is not a denial.
    assert probing.attempt(p, admin.client("dynamodb"), ctx).allowed


# A resource-based policy naming the role grants its sessions access within the account, with no identity policy
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html and
# https://docs.aws.amazon.com/sns/latest/dg/sns-using-identity-based-policies.html).
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:order-events"


def _topic_facts(policy: dict | None) -> ResourceFacts:
    parsed = Policy.parse("topic policy", policy, "resource") if policy else None
    return ResourceFacts(TOPIC, "sns", "order-events", "topic", parsed)


@pytest.mark.parametrize(("policy", "allowed"), [
    (None, False),
    ({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sns:DeleteTopic", "Resource": TOPIC,
                                              "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/worker"}}]}, True),
])
def test_the_prediction_reads_the_named_resources_own_policy(policy: dict | None, allowed: bool) -> None:
    subject = Subject(Principal.assumed_role(ACCOUNT, "worker", "s", "AROAEXAMPLE"), ())
    ctx = probing.ProbeContext(account_id=ACCOUNT, bucket="", object_key="", role_name="worker",
                               registry=ResourceRegistry("t"), region=REGION,
                               resource_facts={TOPIC: _topic_facts(policy)}.get)
    p = probing.Probe("sns:DeleteTopic", "sns", None, lambda _ctx: TOPIC)
    assert probing.predict(p, subject, ctx, iam=None, s3=None).allowed is allowed


def test_a_tables_key_comes_from_its_key_schema(sessions) -> None:
    dynamodb = sessions[0].client("dynamodb")
    dynamodb.create_table(TableName="orders", BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "customer", "KeyType": "HASH"},
                                     {"AttributeName": "placed", "KeyType": "RANGE"}],
                          AttributeDefinitions=[{"AttributeName": "customer", "AttributeType": "S"},
                                                {"AttributeName": "placed", "AttributeType": "N"}])
    key = contract.table_key(dynamodb, "orders")
    assert key == {"customer": {"S": "rolecheck-probe"}, "placed": {"N": "0"}}
    assert derive_call("dynamodb:GetItem", {"TableName": "orders", "Key": key}).params["Key"] == key
