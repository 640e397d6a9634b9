"""Session tags, source identity and ABAC on the moto target, through boto3 (issue 13 item 2, issue 11 item 4)."""

from __future__ import annotations

from typing import Any

import pytest
from adapter_world import World, allow, document, error_code, from_credentials, session_of, trust, unique
from botocore.exceptions import ClientError

from rolecheck.engine import Verdict
from rolecheck.moto_adapter import last_decision_for

SESSION_TAGS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html"
TAG_SESSION = ["sts:AssumeRole", "sts:TagSession"]


def assume(session: Any, role_arn: str, **kwargs: Any) -> dict:
    return session.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="probe", **kwargs)["Credentials"]


def trust_for(principal: Any, actions: list[str], condition: dict | None = None) -> dict:
    statement = trust(principal, condition=condition)
    statement["Action"] = actions
    return statement


def tagged_role(world: World, *trust_statements: dict, tags: dict[str, str] | None = None,
                policy: list[dict] | None = None) -> str:
    arn = world.role(*trust_statements, policy=policy)
    if tags:
        world.iam().tag_role(RoleName=arn.split("/")[-1], Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
    return arn


def lists_roles(session: Any) -> bool:
    try:
        session.client("iam").list_roles()
    except ClientError as error:
        assert error.response["Error"]["Code"] == "AccessDenied", error
        return False
    return True


def test_session_tags_need_sts_tag_session_in_the_trust_policy(world: World) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_permissions-required :
    passing session tags needs sts:TagSession as well as sts:AssumeRole (moto decided a plain sts:AssumeRole)."""
    user_arn, user = world.user()
    plain = world.role(trust({"AWS": user_arn}))
    with pytest.raises(ClientError) as error:
        assume(user, plain, Tags=[{"Key": "team", "Value": "blue"}])
    assert error_code(error) == "AccessDenied"
    assert last_decision_for("sts:TagSession").decision.verdict is Verdict.IMPLICIT_DENY
    assert assume(user, plain)["AccessKeyId"].startswith("ASIA")
    tagging = world.role(trust_for({"AWS": user_arn}, TAG_SESSION))
    assert assume(user, tagging, Tags=[{"Key": "team", "Value": "blue"}])["AccessKeyId"].startswith("ASIA")


def test_trust_policy_conditions_on_the_requested_tags(world: World) -> None:
    """id_session-tags.html : aws:RequestTag/<key> and aws:TagKeys describe the tags an AssumeRole passes."""
    user_arn, user = world.user()
    condition = {"StringEquals": {"aws:RequestTag/team": "blue"},
                 "ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}
    role = world.role(trust_for({"AWS": user_arn}, TAG_SESSION, condition))
    assume(user, role, Tags=[{"Key": "team", "Value": "blue"}])
    for tags in ([{"Key": "team", "Value": "red"}], [{"Key": "team", "Value": "blue"}, {"Key": "x", "Value": "y"}]):
        with pytest.raises(ClientError) as error:
            assume(user, role, Tags=tags)
        assert error_code(error) == "AccessDenied"


def test_session_tags_are_principal_tags_and_override_role_tags(world: World) -> None:
    """id_session-tags.html : the session's principal tags are its role's tags, overridden by the session tags
    with the same key regardless of case."""
    user_arn, user = world.user()
    policy = [allow("iam:ListRoles", condition={"StringEquals": {"aws:PrincipalTag/team": "blue"}})]
    role = tagged_role(world, trust_for({"AWS": user_arn}, TAG_SESSION), tags={"team": "red"}, policy=policy)
    assert not lists_roles(from_credentials(assume(user, role)))
    assert lists_roles(from_credentials(assume(user, role, Tags=[{"Key": "Team", "Value": "blue"}])))
    blue_role = tagged_role(world, trust_for({"AWS": user_arn}, TAG_SESSION), tags={"team": "blue"}, policy=policy)
    assert lists_roles(from_credentials(assume(user, blue_role)))


def test_transitive_session_tags_pass_through_role_chaining(world: World) -> None:
    """id_session-tags.html#id_session-tags_role-chaining : transitive tags persist into chained sessions and
    override the next role's tags; passing a tag with an inherited transitive key fails the request."""
    user_arn, user = world.user()
    first = world.role(trust_for({"AWS": user_arn}, TAG_SESSION), policy=[allow("sts:AssumeRole")])
    policy = [allow("iam:ListRoles", condition={"StringEquals": {"aws:PrincipalTag/project": "apollo"}})]
    second = tagged_role(world, trust_for({"AWS": first}, TAG_SESSION), tags={"project": "gemini"}, policy=policy)
    tags = [{"Key": "project", "Value": "apollo"}]
    carried = from_credentials(assume(user, first, Tags=tags, TransitiveTagKeys=["project"]))
    assert lists_roles(from_credentials(assume(carried, second)))
    not_carried = from_credentials(assume(user, first, Tags=tags))
    assert not lists_roles(from_credentials(assume(not_carried, second)))
    with pytest.raises(ClientError):
        assume(carried, second, Tags=[{"Key": "PROJECT", "Value": "mercury"}])


def test_source_identity_needs_set_source_identity_and_follows_the_chain(world: World) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html : setting
    a source identity needs sts:SetSourceIdentity in the trust policy; the identity is aws:SourceIdentity in every
    later request of the session and of the sessions chained from it, each of whose roles must allow it too."""
    user_arn, user = world.user()
    plain = world.role(trust({"AWS": user_arn}))
    with pytest.raises(ClientError):
        assume(user, plain, SourceIdentity="alice")
    assert last_decision_for("sts:SetSourceIdentity").decision.verdict is Verdict.IMPLICIT_DENY
    only_alice = [allow("iam:ListRoles", condition={"StringEquals": {"aws:SourceIdentity": "alice"}}),
                  allow("sts:AssumeRole")]
    first = world.role(trust_for({"AWS": user_arn}, ["sts:AssumeRole", "sts:SetSourceIdentity"]), policy=only_alice)
    session = from_credentials(assume(user, first, SourceIdentity="alice"))
    assert lists_roles(session)
    assert not lists_roles(from_credentials(assume(user, first, SourceIdentity="bob")))
    keeps_identity = world.role(trust_for({"AWS": first}, ["sts:AssumeRole", "sts:SetSourceIdentity"]),
                                policy=only_alice[:1])
    assert lists_roles(from_credentials(assume(session, keeps_identity)))
    refuses_identity = world.role(trust({"AWS": first}))
    with pytest.raises(ClientError):
        assume(session, refuses_identity)
    with pytest.raises(ClientError):
        assume(session, keeps_identity, SourceIdentity="mallory")


def test_user_tags_are_principal_tags(world: World) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principaltag
    : an IAM user's tags are aws:PrincipalTag/<key> in its requests (moto left them out)."""
    policy = allow("iam:ListRoles", condition={"StringEquals": {"aws:PrincipalTag/dept": "hr"}})
    _, tagged = world.user(policy)
    name = unique("user")
    world.iam().create_user(UserName=name, Tags=[{"Key": "dept", "Value": "hr"}])
    world.iam().put_user_policy(UserName=name, PolicyName="p", PolicyDocument=document(policy))
    key = world.iam().create_access_key(UserName=name)["AccessKey"]
    assert lists_roles(session_of(key["AccessKeyId"], key["SecretAccessKey"]))
    assert not lists_roles(tagged)


def test_iam_resource_tags(world: World) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/access_iam-tags.html#access_iam-tags_control-resources :
    a role's tags are aws:ResourceTag/<key> (and iam:ResourceTag/<key>) in requests on the role."""
    _, user = world.user(allow("iam:GetRole", condition={"StringEquals": {"aws:ResourceTag/env": "dev"}}),
                         allow("iam:ListRoleTags", condition={"StringEquals": {"iam:ResourceTag/env": "dev"}}))
    dev = tagged_role(world, trust({"AWS": "*"}), tags={"env": "dev"}).split("/")[-1]
    prod = tagged_role(world, trust({"AWS": "*"}), tags={"env": "prod"}).split("/")[-1]
    user.client("iam").get_role(RoleName=dev)
    user.client("iam").list_role_tags(RoleName=dev)
    with pytest.raises(ClientError) as error:
        user.client("iam").get_role(RoleName=prod)
    assert error_code(error) == "AccessDenied"


def test_iam_request_tags(world: World) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/access_iam-tags.html#access_iam-tags_control-tag-keys :
    tags passed on creation are aws:RequestTag/<key> and aws:TagKeys."""
    _, user = world.user(allow("iam:CreateUser", condition={"StringEquals": {"aws:RequestTag/owner": "me"},
                                                          "ForAllValues:StringEquals": {"aws:TagKeys": ["owner"]}}))
    user.client("iam").create_user(UserName=unique("tagged"), Tags=[{"Key": "owner", "Value": "me"}])
    for tags in ([{"Key": "owner", "Value": "you"}], [{"Key": "owner", "Value": "me"}, {"Key": "x", "Value": "y"}]):
        with pytest.raises(ClientError) as error:
            user.client("iam").create_user(UserName=unique("tagged"), Tags=tags)
        assert error_code(error) == "AccessDenied"



def test_iam_untag_keys(world: World) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/access_iam-tags.html#access_iam-tags_control-tag-keys :
    the tag keys an Untag request removes are aws:TagKeys."""
    _, user = world.user(allow("iam:UntagRole", condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["temp"]}}))
    role = tagged_role(world, trust({"AWS": "*"}), tags={"temp": "1", "owner": "me"}).split("/")[-1]
    user.client("iam").untag_role(RoleName=role, TagKeys=["temp"])
    with pytest.raises(ClientError) as error:
        user.client("iam").untag_role(RoleName=role, TagKeys=["owner"])
    assert error_code(error) == "AccessDenied"
