"""The session name is the caller's choice (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
RoleSessionName): a policy naming one session of the role, or a trust admitting an aws:userid prefix, grants the
role's sessions that much, reported with the choice; a trust that fixes the name to something else keeps it shut."""

from __future__ import annotations

import pytest
from snapshot_data import ACCOUNT, allow, arn, bucket, policy, role, snapshot, trusting, user

from rolecheck.analysis.queries import Analysis
from rolecheck.errors import ComplianceViolation
from rolecheck.suite import claims

USER, ROLE = arn("user", "iam-test-user"), arn("role", "s3-list-role")
LIST = policy(f"arn:aws:iam::{ACCOUNT}:policy/list-buckets", allow("s3:ListAllMyBuckets"))
EXPECTED = [claims.Expected("s3:ListAllMyBuckets", "*")]
NIGHTLY = f"arn:aws:sts::{ACCOUNT}:assumed-role/s3-list-role/nightly-export"
EVERYTHING = policy("everything", allow("*"))


def account(*, trust=None, roles=(), resources=()):
    return snapshot(users=[user("iam-test-user")],
                    roles=[role("s3-list-role", trust or trusting(USER), LIST), *roles],
                    resources=[bucket("walkthrough-bucket"), *resources])


NAMED_SESSION = bucket("exports", allow("s3:GetObject", "arn:aws:s3:::exports/*", Principal={"AWS": NIGHTLY}))


def test_a_bucket_naming_one_session_grants_the_role_when_so_named() -> None:
    grants = Analysis(account(resources=[NAMED_SESSION])).principal_access(ROLE)
    found = [g for g in grants if g.resource == "arn:aws:s3:::exports/*"]
    assert [(g.action, g.condition) for g in found] == [("s3:GetObject", "the session is named nightly-export")]
    with pytest.raises(ComplianceViolation, match="when the session is named nightly-export"):
        claims.check_session_access(account(resources=[NAMED_SESSION]), ROLE, EXPECTED)


def test_a_trust_fixing_the_session_name_keeps_the_named_grant_shut() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#ck_rolesessionname
    : sts:RoleSessionName in the trust decides which names an assumer may pick."""
    fixed = [{**trusting(USER)[0], "Condition": {"StringEquals": {"sts:RoleSessionName": "${aws:username}"}}}]
    changed = account(trust=fixed, resources=[NAMED_SESSION])
    assert not [g for g in Analysis(changed).principal_access(ROLE) if g.resource == "arn:aws:s3:::exports/*"]
    claims.check_session_access(changed, ROLE, EXPECTED)


def test_a_trust_admitting_a_userid_prefix_is_reached_when_the_session_is_so_named() -> None:
    prefix = {"StringLike": {"aws:userid": "AROAS3-LIST-ROLE:iam-test-user*"}}
    # Principal "*" narrowed by the caller's id: the trust alone admits whoever matches (reference_policies_variables
    # .html#principaltable: a role session's aws:userid is "<role id>:<session name>").
    ops = role("ops", [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                        "Condition": prefix}], EVERYTHING)
    changed = account(roles=[ops])
    reached = Analysis(changed).reachable_roles(ROLE)
    assert (arn("role", "ops"), "the session is named iam-test-user") in [(g.resource, g.condition) for g in reached]
    assert all(g.condition.startswith("the session is named iam-test-user") for g in reached)
    with pytest.raises(ComplianceViolation, match="when the session is named iam-test-user"):
        claims.check_assumes_no_role(changed, ROLE)
    who = [g for g in Analysis(changed).who_can_assume(arn("role", "ops")) if g.principal == ROLE]
    assert [g.condition for g in who] == ["the session is named iam-test-user"]


def test_the_walkthrough_has_no_choices_to_make() -> None:
    claims.check_session_access(account(), ROLE, EXPECTED)
    claims.check_assumes_no_role(account(), ROLE)


# Session tags are the assumer's choice too, where the trust allows sts:TagSession
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html): the session's aws:PrincipalTag/<key> in
# its later requests is the tag passed.
TEAM_PLATFORM = bucket("platform", allow("s3:GetObject", "arn:aws:s3:::platform/*", Principal={"AWS": "*"},
                                         Condition={"StringEquals": {"aws:PrincipalTag/team": "platform"}}))


def tagging(*, condition=None):
    statement = {**trusting(USER)[0], "Action": ["sts:AssumeRole", "sts:TagSession"]}
    return [statement | ({"Condition": condition} if condition else {})]


def test_a_trust_allowing_session_tags_opens_a_grant_on_a_principal_tag_with_the_tag_named() -> None:
    changed = account(trust=tagging(), resources=[TEAM_PLATFORM])
    found = [g for g in Analysis(changed).principal_access(ROLE) if g.resource == "arn:aws:s3:::platform/*"]
    assert [(g.action, g.condition) for g in found] == [("s3:GetObject", "it passes session tag team=platform")]
    with pytest.raises(ComplianceViolation, match="when it passes session tag team=platform"):
        claims.check_session_access(changed, ROLE, EXPECTED)


def test_without_tag_session_or_with_the_tag_value_fixed_the_principal_tag_grant_stays_shut() -> None:
    """No sts:TagSession in the trust: AssumeRole with Tags is refused; aws:RequestTag in the trust fixes the
    values (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_permissions-required)."""
    fixed = tagging(condition={"StringEquals": {"aws:RequestTag/team": "data"}})
    for trust in (None, fixed):
        changed = account(trust=trust, resources=[TEAM_PLATFORM])
        assert not [g for g in Analysis(changed).principal_access(ROLE) if g.resource == "arn:aws:s3:::platform/*"]
        claims.check_session_access(changed, ROLE, EXPECTED)


# A source identity is set by the assumer of a role and carried by the session
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceidentity):
# an IAM user's own requests never carry one.
NIGHTLY_IDENTITY = bucket("audited", allow("s3:GetObject", "arn:aws:s3:::audited/*", Principal={"AWS": "*"},
                                           Condition={"StringEquals": {"aws:SourceIdentity": "nightly-export",
                                                                       "aws:PrincipalAccount": ACCOUNT}}))


def test_a_source_identity_grant_is_the_role_sessions_with_the_value_and_never_the_users() -> None:
    changed = account(resources=[NIGHTLY_IDENTITY])
    found = [g for g in Analysis(changed).principal_access(ROLE) if g.resource == "arn:aws:s3:::audited/*"]
    assert [g.requires for g in found] == [("aws:SourceIdentity StringEquals nightly-export",)]
    assert not [g for g in Analysis(changed).principal_access(USER) if g.resource == "arn:aws:s3:::audited/*"]


# s3:prefix is a request parameter of ListBucket
# (https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html): the grant is reported with it.
def test_a_prefix_listing_grant_is_reported_with_the_prefix_to_ask_for() -> None:
    homes = bucket("homes", allow("s3:ListBucket", "arn:aws:s3:::homes", Principal={"AWS": ROLE},
                                  Condition={"StringLike": {"s3:prefix": "home/reports/*"}}))
    grants = Analysis(account(resources=[homes])).principal_access(ROLE)
    found = [g for g in grants if g.resource == "arn:aws:s3:::homes"]
    assert [(g.action, g.requires) for g in found] == [("s3:ListBucket", ("s3:prefix StringLike home/reports/*",))]
