"""Templates and plans deployed into moto: what moto's CloudFormation skips is completed, plans apply every
supported resource type, including the group and policy resources that give a user standing permissions."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from rolecheck.audit import cloudformation, terraform
from rolecheck.aws import readback
from rolecheck.moto_adapter import bootstrap_admin
from rolecheck.targets.moto_server import MotoServer

ACCOUNT = "123456789012"
LIST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets",
                                                 "Resource": "*"}]}


@pytest.fixture(scope="module")
def clients(server: MotoServer) -> dict[str, Any]:
    key_id, secret = bootstrap_admin(ACCOUNT, "iac-tests-admin")
    session = boto3.Session(aws_access_key_id=key_id, aws_secret_access_key=secret, region_name="us-east-1")
    return {name: session.client(name, endpoint_url=server.url) for name in ("cloudformation", "iam", "s3")}


def test_what_moto_skips_is_completed_with_the_templates_own_references(clients: dict[str, Any]) -> None:
    template = {"Resources": {
        "Operator": {"Type": "AWS::IAM::User", "Properties": {
            "UserName": "cfn-operator", "LoginProfile": {"Password": "unused", "PasswordResetRequired": True},
            "ManagedPolicyArns": [{"Ref": "List"}]}},
        "List": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"ManagedPolicyName": "cfn-list",
                                                                 "PolicyDocument": LIST}},
        "Role": {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": "cfn-role", "ManagedPolicyArns": [{"Ref": "List"}],
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": {"Fn::GetAtt": ["Operator", "Arn"]}},
                 "Action": "sts:AssumeRole"}]}}},
        "Reports": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "cfn-reports"}},
        "ReportsPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Reports"},
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": {"Fn::Sub": "${Reports.Arn}/*"},
                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}}},
    }}
    applied = cloudformation.deploy(clients["cloudformation"], clients["iam"], clients["s3"], json.dumps(template),
                                    template, {}, "completion", ACCOUNT, "us-east-1")
    iam, s3 = clients["iam"], clients["s3"]
    assert applied.not_deployed == []
    assert {(r.kind, r.physical) for r in applied.resources} == {
        ("user", "cfn-operator"), ("role", "cfn-role"), ("policy", f"arn:aws:iam::{ACCOUNT}:policy/cfn-list"),
        ("bucket", "cfn-reports")}
    assert iam.get_login_profile(UserName="cfn-operator")["LoginProfile"]["PasswordResetRequired"] is True
    assert readback.attached_role_policies(iam, "cfn-role") == [
        f"arn:aws:iam::{ACCOUNT}:policy/cfn-list"]
    assert [policy.name for policy in readback.user_identity_policies(iam, "cfn-operator")] == [
        f"arn:aws:iam::{ACCOUNT}:policy/cfn-list (v1)"]
    policy = json.loads(s3.get_bucket_policy(Bucket="cfn-reports")["Policy"])
    assert policy["Statement"][0]["Resource"] == "arn:aws:s3:::cfn-reports/*"


def test_a_plan_applies_groups_memberships_and_policies(clients: dict[str, Any]) -> None:
    def resource(kind: str, name: str, values: dict, expressions: dict | None = None) -> tuple[dict, dict]:
        address = f"{kind}.{name}"
        return ({"address": address, "mode": "managed", "type": kind, "name": name, "values": values},
                {"address": address, "expressions": expressions or {}})

    items = [
        resource("aws_iam_user", "u", {"name": "tf-user"}),
        resource("aws_iam_group", "g", {"name": "tf-readers"}),
        resource("aws_iam_group_membership", "m", {"name": "m"}, {
            "group": {"references": ["aws_iam_group.g.name", "aws_iam_group.g"]},
            "users": {"constant_value": ["tf-user"]}}),
        resource("aws_iam_group_policy", "p", {"name": "read", "group": "tf-readers", "policy": json.dumps(LIST)}),
        resource("aws_iam_user_policy", "up", {"name": "own", "user": "tf-user", "policy": json.dumps(LIST)}),
    ]
    plan = {"format_version": "1.2",
            "planned_values": {"root_module": {"resources": [planned for planned, _ in items]}},
            "configuration": {"root_module": {"resources": [configured for _, configured in items]}}}
    applied = terraform.apply(clients["iam"], clients["s3"], plan, ACCOUNT, "us-east-1")
    assert applied.not_deployed == []
    found = [policy.name for policy in readback.user_identity_policies(clients["iam"], "tf-user")]
    assert found == ["inline policy own of user tf-user", "inline policy read of group tf-readers"]


def _plan(*items: tuple[str, str, dict], **flags: Any) -> dict[str, Any]:
    planned = [{"address": f"{kind}.{name}", "mode": "managed", "type": kind, "name": name, "values": values}
               for kind, name, values in items]
    return {"format_version": "1.2", "planned_values": {"root_module": {"resources": planned}},
            "configuration": {"root_module": {"resources": []}}, **flags}


TAG_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    "Condition": {"StringEquals": {"aws:PrincipalTag/team": "platform"}}}]}


def test_terraform_role_and_user_tags_are_applied(clients: dict[str, Any]) -> None:
    """A trust that names principals by tag decides who may switch: a dropped tag changes the verdict.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/access_iam-tags.html"""
    plan = _plan(("aws_iam_user", "u", {"name": "tf-tagged-user", "tags": {"team": "platform"}}),
                 ("aws_iam_role", "r", {"name": "tf-tagged-role", "assume_role_policy": json.dumps(TAG_TRUST),
                                        "tags": {"owner": "ops"}, "tags_all": {"owner": "ops", "env": "prod"}}))
    terraform.apply(clients["iam"], clients["s3"], plan, ACCOUNT, "us-east-1")
    assert clients["iam"].list_user_tags(UserName="tf-tagged-user")["Tags"] == [{"Key": "team", "Value": "platform"}]
    role_tags = clients["iam"].list_role_tags(RoleName="tf-tagged-role")["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in role_tags) == [("env", "prod"), ("owner", "ops")], "default tags too"


@pytest.mark.parametrize(("values", "message"), [
    ({"name": "tf-x", "assume_role_policy": json.dumps(TAG_TRUST), "role_last_used": [{"region": "x"}]},
     "aws_iam_role.r: role_last_used cannot be applied"),
    ({"name": "tf-x", "assume_role_policy": json.dumps(TAG_TRUST), "inline_policy": [{"name": "p", "policy": ""}]},
     "an inline_policy block needs both a name and a policy"),
    ({"name": "tf-x", "assume_role_policy": '{"Version": "2012-10-17", "Statement": [], "Statement": []}'},
     "duplicate key 'Statement'"),
])
def test_a_role_attribute_that_would_be_dropped_is_refused_before_anything_is_created(
        clients: dict[str, Any], values: dict, message: str) -> None:
    plan = _plan(("aws_iam_user", "first", {"name": "tf-must-not-exist"}), ("aws_iam_role", "r", values))
    with pytest.raises(terraform.IacError, match=message):
        terraform.apply(clients["iam"], clients["s3"], plan, ACCOUNT, "us-east-1")
    if "duplicate" not in message:
        with pytest.raises(clients["iam"].exceptions.NoSuchEntityException):
            clients["iam"].get_user(UserName="tf-must-not-exist")


def test_a_refused_call_while_applying_is_one_line(clients: dict[str, Any]) -> None:
    plan = _plan(("aws_iam_role", "r", {"name": "tf-bad-trust", "assume_role_policy": '"alice"'}))
    with pytest.raises(terraform.IacError, match=r"^aws_iam_role.r: CreateRole: MalformedPolicyDocument: "):
        terraform.apply(clients["iam"], clients["s3"], plan, ACCOUNT, "us-east-1")


@pytest.mark.parametrize("flags", [{"errored": True}, {"applyable": False}, {"complete": False}])
def test_a_plan_terraform_would_not_apply_is_refused(tmp_path: Any, flags: dict[str, bool]) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(_plan(**flags)))
    with pytest.raises(terraform.IacError, match=f"the plan is {next(iter(flags))}="):
        terraform.load(path)
