"""The snapshot read back through boto3 from in-process moto: every kind of grant source, and what is unreadable.

GetAccountAuthorizationDetails: https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import boto3
import pytest
from snapshot_data import ACCOUNT, REGION

from rolecheck.analysis.queries import Analysis
from rolecheck.analysis.snapshot import Snapshot, acl_grants, acls_disabled, public_access_block_off
from rolecheck.aws.snapshot_reader import read_snapshot


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@pytest.fixture(scope="module")
def seeded(admin: boto3.Session) -> dict[str, str]:
    iam, s3 = admin.client("iam"), admin.client("s3")
    boundary = iam.create_policy(PolicyName="boundary", PolicyDocument=doc(
        {"Effect": "Allow", "Action": "*", "Resource": "*"}))["Policy"]["Arn"]
    iam.create_policy_version(PolicyArn=boundary, SetAsDefault=True, PolicyDocument=doc(
        {"Effect": "Allow", "Action": ["s3:*", "sts:AssumeRole"], "Resource": "*"}))
    user = iam.create_user(UserName="alice", PermissionsBoundary=boundary,
                           Tags=[{"Key": "team", "Value": "blue"}])["User"]["Arn"]
    iam.create_group(GroupName="ops")
    iam.add_user_to_group(GroupName="ops", UserName="alice")
    iam.put_group_policy(GroupName="ops", PolicyName="ops-inline", PolicyDocument=doc(
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::*/*"}))
    role = iam.create_role(RoleName="lister", MaxSessionDuration=7200, Tags=[{"Key": "env", "Value": "dev"}],
                           AssumeRolePolicyDocument=doc({"Effect": "Allow", "Principal": {"AWS": user},
                                                         "Action": "sts:AssumeRole"}))["Role"]["Arn"]
    iam.attach_role_policy(RoleName="lister", PolicyArn=boundary)
    s3.create_bucket(Bucket="granting-bucket")
    s3.put_bucket_policy(Bucket="granting-bucket", Policy=doc({
        "Sid": "Leak", "Effect": "Allow", "Principal": {"AWS": role}, "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::granting-bucket/*"}))
    s3.put_bucket_tagging(Bucket="granting-bucket", Tagging={"TagSet": [{"Key": "data", "Value": "public"}]})
    s3.create_bucket(Bucket="acl-bucket")
    s3.put_bucket_acl(Bucket="acl-bucket", ACL="public-read")
    sqs = admin.client("sqs")
    queue = sqs.create_queue(QueueName="queue")["QueueUrl"]
    queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:queue"
    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"Policy": doc({
        "Effect": "Allow", "Principal": {"AWS": user}, "Action": "sqs:SendMessage", "Resource": queue_arn})})
    sns = admin.client("sns")
    topic = sns.create_topic(Name="topic")["TopicArn"]
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=doc({
        "Effect": "Allow", "Principal": {"AWS": role}, "Action": "sns:Publish", "Resource": topic}))
    secrets = admin.client("secretsmanager")
    secret = secrets.create_secret(Name="secret", SecretString="not-a-real-secret")["ARN"]
    secrets.put_resource_policy(SecretId=secret, ResourcePolicy=doc({
        "Effect": "Allow", "Principal": {"AWS": user}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}))
    kms = admin.client("kms")
    # The key policy keeps AWS's default statement for the account: without it no one, the administrator included,
    # could read the policy (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
    key = kms.create_key(Policy=doc(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow", "Principal": {"AWS": role}, "Action": "kms:Decrypt", "Resource": "*"},
    ))["KeyMetadata"]["Arn"]
    functions = admin.client("lambda")
    function = functions.create_function(FunctionName="function", Runtime="python3.12", Role=role,
                                         Handler="index.handler", Code={"ZipFile": _zip()})["FunctionArn"]
    functions.add_permission(FunctionName="function", StatementId="UserInvokes", Action="lambda:InvokeFunction",
                             Principal=user)
    return {"user": user, "role": role, "boundary": boundary, "queue": queue_arn, "topic": topic,
            "secret": secret, "key": key, "function": function}


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return None\n")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def snapshot(admin: boto3.Session, seeded: dict[str, str]) -> Snapshot:
    return read_snapshot(admin.client, ACCOUNT, REGION)


def test_users_carry_groups_boundary_and_tags(snapshot: Snapshot, seeded: dict[str, str]) -> None:
    alice = snapshot.users[seeded["user"]]
    assert alice.tags == {"team": "blue"}
    assert alice.boundary_arn == seeded["boundary"]
    assert [snapshot.groups[g].name for g in alice.group_arns] == ["ops"]
    assert [p.name for p in snapshot.identity_policies(alice.arn)] == ["inline policy ops-inline of group ops"]


def test_roles_carry_trust_tags_session_limit_and_default_policy_versions(snapshot: Snapshot,
                                                                          seeded: dict[str, str]) -> None:
    lister = snapshot.roles[seeded["role"]]
    assert lister.tags == {"env": "dev"}
    assert lister.max_session_duration == 7200
    assert lister.trust.name == "trust policy of role lister"
    # The default version (v2) is what AWS evaluates, not the first one.
    assert lister.attached_policies[0].document["Statement"][0]["Action"] == ["s3:*", "sts:AssumeRole"]


def test_resource_policies_of_every_service_are_read(snapshot: Snapshot, seeded: dict[str, str]) -> None:
    by_service = {r.service: r for r in snapshot.resources.values() if r.policy is not None}
    assert set(by_service) == {"s3", "sqs", "sns", "secretsmanager", "kms", "lambda"}
    assert snapshot.unreadable == ()
    assert snapshot.resources["arn:aws:s3:::granting-bucket"].tags == {"data": "public"}
    assert snapshot.resources[seeded["key"]].policy is not None


def test_acl_grants_beyond_the_owner_and_block_public_access_off_are_findings(snapshot: Snapshot) -> None:
    bucket = snapshot.resources["arn:aws:s3:::acl-bucket"]
    assert bucket.acl_grants == (("everyone (AllUsers)", "READ"),)
    assert set(bucket.public_access_block_off) == {"BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                                                   "RestrictPublicBuckets"}
    assert any("ACL grants READ to everyone (AllUsers)" in f for f in bucket.findings)
    assert any("Block Public Access is off" in f for f in bucket.findings)
    assert snapshot.resources["arn:aws:s3:::granting-bucket"].acl_grants == ()
    assert sum(1 for r in snapshot.resources.values() if r.service == "s3") == 2


def test_the_analysis_finds_grants_from_every_resource_policy(snapshot: Snapshot, seeded: dict[str, str]) -> None:
    role_grants = {(g.action, g.resource) for g in Analysis(snapshot).principal_access(seeded["role"])}
    assert ("s3:GetObject", "arn:aws:s3:::granting-bucket/*") in role_grants
    assert ("sns:Publish", seeded["topic"]) in role_grants
    assert ("kms:Decrypt", seeded["key"]) in role_grants
    user_grants = {(g.action, g.resource) for g in Analysis(snapshot).principal_access(seeded["user"])}
    assert ("sqs:SendMessage", seeded["queue"]) in user_grants
    assert ("secretsmanager:GetSecretValue", seeded["secret"]) in user_grants
    assert ("s3:PutObject", "arn:aws:s3:::*/*") in user_grants
    assert ("lambda:InvokeFunction", seeded["function"]) in user_grants
    assert [g.principal for g in Analysis(snapshot).who_can_assume(seeded["role"])] == [seeded["user"]]


def test_what_cannot_be_read_is_one_line_each(admin: boto3.Session, seeded: dict[str, str]) -> None:
    iam = admin.client("iam")
    iam.create_user(UserName="reader")
    iam.put_user_policy(UserName="reader", PolicyName="no-bucket-policies", PolicyDocument=doc(
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:GetBucketPolicy", "Resource": "arn:aws:s3:::granting-bucket"}))
    key = iam.create_access_key(UserName="reader")["AccessKey"]
    reader = boto3.Session(aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"],
                           region_name=REGION)
    snapshot = read_snapshot(reader.client, ACCOUNT, REGION)
    denied = [line for line in snapshot.unreadable if "granting-bucket: bucket policy" in line]
    assert len(denied) == 1 and "AccessDenied" in denied[0]
    assert snapshot.resources["arn:aws:s3:::granting-bucket"].policy is None


def test_an_account_wide_block_public_access_settles_every_bucket(admin: boto3.Session, seeded: dict[str, str]) -> None:
    control = admin.client("s3control")
    control.put_public_access_block(AccountId=ACCOUNT, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    try:
        snapshot = read_snapshot(admin.client, ACCOUNT, REGION)
    finally:
        control.delete_public_access_block(AccountId=ACCOUNT)
    findings = [f for r in snapshot.resources.values() for f in r.findings]
    assert not any("Block Public Access is off" in f for f in findings)
    assert any("ACL grants READ to everyone" in f for f in findings)


def test_the_bucket_settings_mean_the_same_without_an_account() -> None:
    # The data model's S3 semantics, on the API's answers alone: the most restrictive setting applies, and with
    # BucketOwnerEnforced the ACL grants nothing.
    assert public_access_block_off({"BlockPublicAcls": True}, {"IgnorePublicAcls": True}) == (
        "BlockPublicPolicy", "RestrictPublicBuckets")
    assert acls_disabled({"OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}})
    assert not acls_disabled(None)
    owner = {"Type": "CanonicalUser", "ID": "owner"}
    acl = {"Owner": {"ID": "owner"}, "Grants": [
        {"Grantee": owner, "Permission": "FULL_CONTROL"},
        {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"},
         "Permission": "READ"}]}
    assert acl_grants(acl) == (("any AWS account (AuthenticatedUsers)", "READ"),)
