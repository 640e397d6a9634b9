"""Templates and plans deployed into moto: what moto's CloudFormation skips is completed, plans apply every
supported resource type, including the group and policy resources that give a user standing permissions."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from audit_helpers import REPO, clean_env, outcomes, report_verdicts, run

from rolecheck.audit import cloudformation, terraform
from rolecheck.aws import readback
from rolecheck.moto_adapter import bootstrap_admin
from rolecheck.policydoc import documents
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


def _big_policy(statements: int) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": f"S{n}", "Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::bucket-{n:05d}/*"}
        for n in range(statements)]})


@pytest.mark.parametrize(("items", "message"), [
    ([("aws_iam_policy", "p", {"name": "tf-big", "policy": _big_policy(90)})],
     "aws_iam_policy.p: policy: LimitExceeded: Cannot exceed quota for PolicySize: 6144"),
    ([("aws_iam_role", "r", {"name": "tf-big-trust", "assume_role_policy": _big_policy(30)})],
     "aws_iam_role.r: assume_role_policy: LimitExceeded: Cannot exceed quota for ACLSizePerRole: 2048"),
    ([("aws_iam_user_policy", f"p{n}", {"name": f"p{n}", "user": "tf-u", "policy": _big_policy(15)})
      for n in range(2)],
     "the inline policies of user tf-u: LimitExceeded: Maximum policy size of 2048 bytes exceeded for user tf-u"),
    ([("aws_iam_policy", "p", {"name": "tf-odd", "policy": _big_policy(1).replace("GetObject", "Get\u041ebject")})],
     "MalformedPolicyDocument: the character U\\+041E"),
], ids=["managed", "trust", "inline-aggregate", "character"])
def test_a_document_over_iams_limits_is_refused_before_anything_is_created(
        server: MotoServer, clients: dict[str, Any], items: list, message: str) -> None:
    """IAM's quotas, in characters without whitespace, and its character set:
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"""
    before = len(server.operations)
    with pytest.raises(terraform.IacError, match=message):
        terraform.apply(clients["iam"], clients["s3"], _plan(("aws_iam_user", "u", {"name": "tf-u"}), *items),
                        ACCOUNT, "us-east-1")
    assert server.operations[before:] == []


def test_a_document_within_iams_limits_is_applied(clients: dict[str, Any]) -> None:
    text = _big_policy(60)
    assert 5000 < len(text.replace(" ", "")) < 6144
    terraform.apply(clients["iam"], clients["s3"], _plan(("aws_iam_policy", "p", {"name": "tf-fits", "policy": text})),
                    ACCOUNT, "us-east-1")


PLANTED = "Planted-Sensitive-7q2"


def _with(plan: dict[str, Any], *, sensitive: dict[str, dict] | None = None,
          unknown: dict[str, dict] | None = None, expressions: dict[str, dict] | None = None) -> dict[str, Any]:
    """``plan`` with sensitive_values, after_unknown and configured expressions for some of its resources."""
    for item in plan["planned_values"]["root_module"]["resources"]:
        item["sensitive_values"] = (sensitive or {}).get(item["address"], {})
    plan["resource_changes"] = [{"address": address, "change": {"after_unknown": marks}}
                                for address, marks in (unknown or {}).items()]
    plan["configuration"]["root_module"]["resources"] = [{"address": address, "expressions": found}
                                                         for address, found in (expressions or {}).items()]
    return plan


@pytest.mark.parametrize(("kind", "values", "marks"), [
    ("aws_iam_role", {"name": "tf-s", "assume_role_policy": json.dumps(TAG_TRUST), "tags": {"team": PLANTED}},
     {"tags": {"team": True}}),
    ("aws_iam_role", {"name": PLANTED, "assume_role_policy": json.dumps(TAG_TRUST)}, {"name": True}),
    ("aws_iam_role", {"name": "tf-s", "assume_role_policy": json.dumps(TAG_TRUST) + " " * 2 + PLANTED},
     {"assume_role_policy": True}),
    ("aws_iam_user", {"name": "tf-s", "path": f"/{PLANTED}/"}, {"path": True}),
    ("aws_iam_policy", {"name": "tf-s", "policy": json.dumps(LIST)}, {"policy": True}),
    ("aws_iam_user_policy_attachment", {"user": PLANTED, "policy_arn": "arn:aws:iam::aws:policy/x"}, {"user": True}),
], ids=["tag", "role-name", "trust", "user-path", "policy", "attachment"])
def test_a_value_the_plan_marks_sensitive_is_refused_in_one_line_without_it(
        clients: dict[str, Any], kind: str, values: dict, marks: dict) -> None:
    """Terraform marks a value sensitive (sensitive_values) to keep it out of output; an audit prints names,
    documents and tags, so such a value is refused, never printed, before anything is created.
    https://developer.hashicorp.com/terraform/internals/json-format#values-representation"""
    plan = _with(_plan(("aws_iam_user", "first", {"name": "tf-sensitive-must-not-exist"}), (kind, "s", values)),
                 sensitive={f"{kind}.s": marks})
    with pytest.raises(terraform.IacError) as refused:
        terraform.apply(clients["iam"], clients["s3"], plan, ACCOUNT, "us-east-1")
    message = str(refused.value)
    assert message.startswith(f"{kind}.s: ") and "is marked sensitive" in message and "\n" not in message
    assert PLANTED not in message
    with pytest.raises(clients["iam"].exceptions.NoSuchEntityException):
        clients["iam"].get_user(UserName="tf-sensitive-must-not-exist")


def test_a_sensitive_value_the_audit_does_not_use_is_left_alone(clients: dict[str, Any]) -> None:
    """A login profile's password and PGP key are Terraform's: the audit gives the profile a password of its own."""
    plan = _with(_plan(("aws_iam_user", "u", {"name": "tf-profiled"}),
                       ("aws_iam_user_login_profile", "p", {"user": "tf-profiled", "password": PLANTED,
                                                           "pgp_key": PLANTED})),
                 sensitive={"aws_iam_user_login_profile.p": {"password": True, "pgp_key": True}})
    terraform.apply(clients["iam"], clients["s3"], plan, ACCOUNT, "us-east-1")
    assert clients["iam"].get_login_profile(UserName="tf-profiled")["LoginProfile"]["UserName"] == "tf-profiled"


@pytest.mark.parametrize("attribute", ["assume_role_policy", "tags", "inline_policy", "managed_policy_arns",
                                       "permissions_boundary"])
def test_a_verdict_bearing_attribute_known_only_after_apply_is_refused(clients: dict[str, Any],
                                                                        attribute: str) -> None:
    """``assume_role_policy = jsonencode({... aws_iam_user.u.arn ...})`` is unknown until apply (after_unknown), and
    its references are listed as a plain reference's would be: following one made the user's name the trust.
    https://developer.hashicorp.com/terraform/internals/json-format#change-representation"""
    values = {"name": "tf-unknown-role"} | ({} if attribute == "assume_role_policy"
                                           else {"assume_role_policy": json.dumps(TAG_TRUST)})
    plan = _with(_plan(("aws_iam_user", "u", {"name": "tf-unknown-user"}), ("aws_iam_role", "r", values)),
                 unknown={"aws_iam_role.r": {attribute: True, "arn": True}},
                 expressions={"aws_iam_role.r": {attribute: {"references": ["aws_iam_user.u.arn", "aws_iam_user.u"]}}})
    with pytest.raises(terraform.IacError, match=rf"^aws_iam_role\.r: {attribute} is known only after apply \(it is "
                                                 r"computed from aws_iam_user\.u\.arn, aws_iam_user\.u\), and it can "
                                                 r"change the verdict: apply the plan and audit the deployed account "
                                                 r"with --mapping$"):
        terraform.apply(clients["iam"], clients["s3"], plan, ACCOUNT, "us-east-1")
    with pytest.raises(clients["iam"].exceptions.NoSuchEntityException):
        clients["iam"].get_user(UserName="tf-unknown-user")


def test_attributes_the_provider_computes_are_not_refused_for_being_unknown(clients: dict[str, Any]) -> None:
    """tags_all, inline_policy and managed_policy_arns are unknown in every plan that does not set them (as in
    examples/terraform): the provider computes them from tags and the plan's own policy resources."""
    plan = _with(_plan(("aws_iam_role", "r", {"name": "tf-computed", "assume_role_policy": json.dumps(TAG_TRUST)})),
                 unknown={"aws_iam_role.r": {"tags_all": True, "inline_policy": True, "managed_policy_arns": True}})
    assert [d.physical for d in terraform.apply(clients["iam"], clients["s3"], plan, ACCOUNT, "us-east-1").resources] \
        == ["tf-computed"]


def test_a_reference_takes_the_attribute_it_names(clients: dict[str, Any]) -> None:
    """``policy_arn = aws_iam_policy.p.arn`` is the policy's ARN, ``user = aws_iam_user.u.name`` the user's name."""
    plan = _with(_plan(("aws_iam_user", "u", {"name": "tf-ref-user"}),
                       ("aws_iam_policy", "p", {"name": "tf-ref-policy", "policy": json.dumps(LIST)}),
                       ("aws_iam_user_policy_attachment", "a", {})),
                 expressions={"aws_iam_user_policy_attachment.a": {
                     "user": {"references": ["aws_iam_user.u.name", "aws_iam_user.u"]},
                     "policy_arn": {"references": ["aws_iam_policy.p.arn", "aws_iam_policy.p"]}}})
    terraform.apply(clients["iam"], clients["s3"], plan, ACCOUNT, "us-east-1")
    attached = clients["iam"].list_attached_user_policies(UserName="tf-ref-user")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [f"arn:aws:iam::{ACCOUNT}:policy/tf-ref-policy"]


def test_a_value_built_from_several_references_is_refused_not_taken_from_one(clients: dict[str, Any]) -> None:
    plan = _with(_plan(("aws_iam_user", "u", {"name": "tf-two-refs"}), ("aws_iam_group", "g", {"name": "tf-two-g"}),
                       ("aws_iam_user_group_membership", "m", {"groups": ["tf-two-g"]})),
                 expressions={"aws_iam_user_group_membership.m": {"user": {"references": [
                     "aws_iam_user.u.name", "aws_iam_user.u", "aws_iam_group.g.name", "aws_iam_group.g"]}}})
    with pytest.raises(terraform.IacError, match=r"^aws_iam_user_group_membership\.m: user is not known until apply "
                                                 r"\(it is computed from .*\); apply the plan and audit"):
        terraform.apply(clients["iam"], clients["s3"], plan, ACCOUNT, "us-east-1")


def _tag_trusting_admin_plan(user_tags: dict[str, str] | None) -> dict[str, Any]:
    """examples/terraform/compliant-plan.json plus a role allowed everything that trusts any principal of the account
    tagged team=platform, the user tagged ``user_tags``, and a login-profile password marked sensitive."""
    plan = json.loads((REPO / "examples" / "terraform" / "compliant-plan.json").read_text())
    resources = plan["planned_values"]["root_module"]["resources"]
    for item in resources:
        if item["address"] == "aws_iam_user.operator":
            item["values"]["tags"] = user_tags
        if item["address"] == "aws_iam_user_login_profile.operator":
            item["values"]["password"] = PLANTED
            item["sensitive_values"] = {"password": True}
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "*"},
        "Condition": {"StringEquals": {"aws:PrincipalTag/team": "platform", "aws:PrincipalAccount": ACCOUNT}}}]}
    everything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    resources.append({"address": "aws_iam_role.platform", "mode": "managed", "type": "aws_iam_role",
                      "name": "platform", "values": {
                          "name": "platform-admin", "path": "/", "assume_role_policy": json.dumps(trust),
                          "inline_policy": [{"name": "everything", "policy": json.dumps(everything)}]}})
    return plan


@pytest.mark.parametrize(("user_tags", "status"), [({"team": "platform"}, 1), ({"team": "data"}, 0)],
                         ids=["tagged-platform", "tagged-data"])
def test_a_role_allowed_everything_trusting_a_tag_the_user_carries_is_not_compliant(
        tmp_path: Path, user_tags: dict[str, str], status: int) -> None:
    """The user may become a role allowed everything because of a tag: not compliant (exit 1); with another tag
    the same plan is compliant. The plan's sensitive login-profile password is in no output and no report file.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/access_iam-tags.html"""
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(_tag_trusting_admin_plan(user_tags)))
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("s3-list-role: aws_iam_role.list\n")

    # Two scenarios say it (the walkthrough's account-wide claim, and who can assume the role); the others fail on
    # the same role, more slowly.
    result = run([sys.executable, "-m", "rolecheck.cli", "audit", "--terraform-plan", str(plan), "--mapping",
                  str(mapping), "--no-report", "--results", str(tmp_path / "results"), "--", "-q", "-rA", "--tb=line",
                  "-p", "no:cacheprovider", "-k", "walkthrough or lets_anyone_but_the_named_user"], clean_env())

    assert result.returncode == status, result.stdout[-3000:] + result.stderr[-2000:]
    if status:
        failed = [test for test, outcome in outcomes(result.stdout).items() if outcome == "FAILED"]
        assert len(failed) == 2, result.stdout[-3000:]
        assert all("platform-admin" in message for status, message in report_verdicts(tmp_path / "results")
                   if status == "failed"), report_verdicts(tmp_path / "results")
    else:
        assert set(outcomes(result.stdout).values()) == {"PASSED"} and len(outcomes(result.stdout)) == 2
    assert PLANTED not in result.stdout + result.stderr
    written = [path for path in (tmp_path / "results").rglob("*") if path.is_file()]
    assert written and not [path for path in written if PLANTED.encode() in path.read_bytes()]


def test_a_bucket_policy_over_s3s_limit_is_refused_and_one_within_it_applied(clients: dict[str, Any]) -> None:
    """S3: "Bucket policies are limited to 20 KB in size."
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-iam-policies.html"""
    def policy(statements: int) -> str:
        return json.dumps({"Version": "2012-10-17", "Statement": [
            {"Sid": f"s{n:04d}", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
             "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::tf-limited/p{n:04d}/*"} for n in range(statements)]})
    over, within = policy(140), policy(130)
    assert documents.size(within) <= 20 * 1024 < documents.size(over)
    bucket = ("aws_s3_bucket", "b", {"bucket": "tf-limited"})
    with pytest.raises(terraform.IacError, match=r"^aws_s3_bucket_policy\.p: policy: Bucket policies are limited to "
                                                 r"20 KB in size \(\d+ characters without whitespace, over 20480\)$"):
        terraform.apply(clients["iam"], clients["s3"], _plan(bucket, ("aws_s3_bucket_policy", "p",
                                                                      {"bucket": "tf-limited", "policy": over})),
                        ACCOUNT, "us-east-1")
    terraform.apply(clients["iam"], clients["s3"], _plan(bucket, ("aws_s3_bucket_policy", "p",
                                                                  {"bucket": "tf-limited", "policy": within})),
                    ACCOUNT, "us-east-1")
    assert json.loads(clients["s3"].get_bucket_policy(Bucket="tf-limited")["Policy"])["Statement"][129]["Sid"] == \
        "s0129"
