"""Terraform plans as teams write them, shaped like `terraform show -json` output: resources in modules
(child_modules and module_calls), count and for_each instances, values unknown until apply (after_unknown).
https://developer.hashicorp.com/terraform/internals/json-format"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from rolecheck.audit import terraform
from rolecheck.audit.iac import IacError
from rolecheck.moto_adapter import bootstrap_admin
from rolecheck.targets.moto_server import MotoServer

ACCOUNT = "123456789012"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}]})
READ = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                           "Resource": "arn:aws:s3:::team-data/*"}]})
COMPUTED = {"arn": True, "id": True, "unique_id": True}


@pytest.fixture(scope="module")
def clients(server: MotoServer) -> dict[str, Any]:
    key_id, secret = bootstrap_admin(ACCOUNT, "tf-modules-admin")
    session = boto3.Session(aws_access_key_id=key_id, aws_secret_access_key=secret, region_name="us-east-1")
    return {name: session.client(name, endpoint_url=server.url) for name in ("iam", "s3")}


def _planned(address: str, kind: str, name: str, values: dict, index: Any = None) -> dict[str, Any]:
    item = {"address": address, "mode": "managed", "type": kind, "name": name,
            "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0, "values": values,
            "sensitive_values": {}}
    return item | ({"index": index} if index is not None else {})


def _change(address: str, unknown: dict[str, bool]) -> dict[str, Any]:
    return {"address": address, "mode": "managed", "change": {"actions": ["create"], "before": None,
                                                              "after_unknown": {**COMPUTED, **unknown}}}


def team_plan(run: str, policy_unknown: bool = False) -> dict[str, Any]:
    """module "team" (for_each = toset(["data", "web"])): a role and a policy each, the policy attached by
    reference inside the module; at the root, two users (count = 2), each attached the shared policy by
    aws_iam_user.dev[count.index].name."""
    children, changes = [], []
    for key in ("data", "web"):
        module = f'module.team["{key}"]'
        role, policy, attach = (f"{module}.aws_iam_role.this", f"{module}.aws_iam_policy.read",
                                f"{module}.aws_iam_role_policy_attachment.this")
        policy_values = {"name": f"{run}-{key}-read", "path": "/"} | ({} if policy_unknown else {"policy": READ})
        children.append({"address": module, "resources": [
            _planned(role, "aws_iam_role", "this", {"name": f"{run}-{key}", "assume_role_policy": TRUST,
                                                    "path": "/", "max_session_duration": 3600}),
            _planned(policy, "aws_iam_policy", "read", policy_values),
            _planned(attach, "aws_iam_role_policy_attachment", "this", {"role": f"{run}-{key}"}),
        ]})
        changes += [_change(role, {}), _change(policy, {"policy": True} if policy_unknown else {}),
                    _change(attach, {"policy_arn": True})]
    users = [_planned(f"aws_iam_user.dev[{n}]", "aws_iam_user", "dev", {"name": f"{run}-dev-{n}", "path": "/"}, n)
             for n in range(2)]
    shared = _planned("aws_iam_policy.shared", "aws_iam_policy", "shared", {"name": f"{run}-shared", "policy": READ})
    attachments = [_planned(f"aws_iam_user_policy_attachment.dev[{n}]", "aws_iam_user_policy_attachment", "dev",
                            {}, n) for n in range(2)]
    changes += [_change(u["address"], {}) for u in users] + [_change(shared["address"], {})]
    changes += [_change(a["address"], {"user": True, "policy_arn": True}) for a in attachments]
    module_config = {"resources": [
        {"address": "aws_iam_role.this", "mode": "managed", "type": "aws_iam_role", "name": "this",
         "expressions": {"name": {"references": ["var.name"]}}},
        {"address": "aws_iam_policy.read", "mode": "managed", "type": "aws_iam_policy", "name": "read",
         "expressions": {"policy": {"references": ["aws_iam_role.this.arn", "aws_iam_role.this"]}}
         if policy_unknown else {}},
        {"address": "aws_iam_role_policy_attachment.this", "mode": "managed",
         "type": "aws_iam_role_policy_attachment", "name": "this",
         "expressions": {"role": {"references": ["aws_iam_role.this.name", "aws_iam_role.this"]},
                         "policy_arn": {"references": ["aws_iam_policy.read.arn", "aws_iam_policy.read"]}}},
    ]}
    root_config = {"resources": [
        {"address": "aws_iam_user.dev", "mode": "managed", "type": "aws_iam_user", "name": "dev",
         "count_expression": {"constant_value": 2}, "expressions": {}},
        {"address": "aws_iam_policy.shared", "mode": "managed", "type": "aws_iam_policy", "name": "shared",
         "expressions": {}},
        {"address": "aws_iam_user_policy_attachment.dev", "mode": "managed",
         "type": "aws_iam_user_policy_attachment", "name": "dev", "count_expression": {"constant_value": 2},
         "expressions": {"user": {"references": ["aws_iam_user.dev", "count.index"]},
                         "policy_arn": {"references": ["aws_iam_policy.shared.arn", "aws_iam_policy.shared"]}}},
    ], "module_calls": {"team": {"source": "./modules/team", "for_each_expression": {"constant_value": ["data", "web"]},
                                 "module": module_config}}}
    return {"format_version": "1.2", "terraform_version": "1.9.8", "applyable": True, "complete": True,
            "errored": False,
            "planned_values": {"root_module": {"resources": [*users, shared, *attachments],
                                               "child_modules": children}},
            "resource_changes": changes, "configuration": {"root_module": root_config}}


def test_modules_count_and_for_each_instances_are_applied_with_their_references(clients: dict[str, Any]) -> None:
    applied = terraform.apply(clients["iam"], clients["s3"], team_plan("tfm"), ACCOUNT, "us-east-1")
    assert applied.not_deployed == []
    iam = clients["iam"]
    for key in ("data", "web"):
        attached = iam.list_attached_role_policies(RoleName=f"tfm-{key}")["AttachedPolicies"]
        # Each instance's reference is to its own module instance's policy, not the other's.
        assert [p["PolicyName"] for p in attached] == [f"tfm-{key}-read"]
    for n in range(2):
        attached = iam.list_attached_user_policies(UserName=f"tfm-dev-{n}")["AttachedPolicies"]
        assert [p["PolicyName"] for p in attached] == ["tfm-shared"]
    assert {d.physical for d in applied.resources if d.kind == "role"} == {"tfm-data", "tfm-web"}


def test_a_document_unknown_until_apply_is_one_line_before_anything_is_created(clients: dict[str, Any]) -> None:
    message = (r'^module\.team\["data"\]\.aws_iam_policy\.read: policy is known only after apply \(it is computed '
               r"from aws_iam_role\.this\.arn, aws_iam_role\.this\), and it can change the verdict")
    with pytest.raises(IacError, match=message):
        terraform.apply(clients["iam"], clients["s3"], team_plan("tfu", policy_unknown=True), ACCOUNT, "us-east-1")
    names = {u["UserName"] for u in clients["iam"].list_users()["Users"]}
    assert not {n for n in names if n.startswith("tfu-")}, "something was created before the refusal"


def test_an_unknown_value_that_is_no_reference_of_the_plan_is_refused(clients: dict[str, Any]) -> None:
    plan = team_plan("tfr")
    # The shared policy's ARN comes from outside the plan (a module output of another configuration).
    plan["configuration"]["root_module"]["resources"][2]["expressions"]["policy_arn"] = {
        "references": ["module.other.policy_arn", "module.other"]}
    with pytest.raises(IacError, match=r"^aws_iam_user_policy_attachment\.dev\[0\]: policy_arn is not known until "
                                       r"apply \(it is computed from module\.other\.policy_arn, module\.other\); "
                                       "apply the plan"):
        terraform.apply(clients["iam"], clients["s3"], plan, ACCOUNT, "us-east-1")


def test_instance_keys_are_stripped_whatever_they_hold() -> None:
    assert terraform._base('module.a["x.y]"].module.b[0].aws_iam_role.r["k\\"1"]') == "module.a.module.b.aws_iam_role.r"
