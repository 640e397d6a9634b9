"""The access analysis on snapshots built as data: the walkthrough's exact answers, then one misconfiguration per
class of grant, each shown to change the answer.

Evaluation logic: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html ;
role chaining: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html#iam-term-role-chaining
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from snapshot_data import (
    ACCOUNT,
    OUTSIDE,
    allow,
    arn,
    bucket,
    group,
    policy,
    resource,
    role,
    snapshot,
    trusting,
    user,
)

from rolecheck.analysis.grants import OUTSIDE_ROLES, Grant
from rolecheck.analysis.queries import Analysis
from rolecheck.engine import Principal, effective_actions

USER, ROLE = arn("user", "iam-test-user"), arn("role", "s3-list-role")
LIST = policy(f"arn:aws:iam::{ACCOUNT}:policy/list-buckets", allow("s3:ListAllMyBuckets"))


def walkthrough(**changes):
    """The walkthrough's account: a user with nothing, a role it may assume allowed only to list buckets, a bucket."""
    parts = {"users": [user("iam-test-user")], "roles": [role("s3-list-role", trusting(USER), LIST)],
             "resources": [bucket("walkthrough-bucket")], "groups": []}
    for key, extra in changes.items():
        parts[key] = parts[key] + list(extra)
    return snapshot(**parts)


def pairs(grants: list[Grant]) -> set[tuple[str, str]]:
    return {(g.action, g.resource) for g in grants}


def test_the_walkthrough_role_can_list_buckets_and_nothing_else() -> None:
    grants = Analysis(walkthrough()).principal_access(ROLE)
    assert pairs(grants) == {("s3:ListAllMyBuckets", "*")}
    assert grants[0].granted_by == LIST.name and grants[0].statement == "#0"
    assert grants[0].row()["granted by"] == LIST.name


def test_the_walkthrough_user_can_only_assume_the_role_through_its_trust() -> None:
    grants = Analysis(walkthrough()).principal_access(USER)
    assert pairs(grants) == {("sts:AssumeRole", ROLE)}
    assert grants[0].granted_by == "trust policy of role s3-list-role"


@pytest.mark.parametrize("statements", [
    [allow(["s3:Get*", "iam:List*"]), {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}],
    [{"Effect": "Allow", "NotAction": ["iam:*", "sts:*", "s3:*"], "Resource": "*"},
     {"Effect": "Deny", "Action": "ec2:*", "Resource": "*"}],
    [allow("sqs:*"), {"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"}],
    [allow("*"), {"Effect": "Deny", "NotAction": ["s3:List*", "kms:Decrypt"], "Resource": "*"}],
], ids=["patterns-and-deny", "not-action", "not-resource", "deny-not-action"])
def test_the_role_analysis_agrees_with_effective_actions_over_the_whole_catalog(statements: list) -> None:
    document = policy("document under test", *statements)
    account = snapshot(roles=[role("wide-role", trusting(USER), document)])
    found = {g.action for g in Analysis(account).principal_access(arn("role", "wide-role")) if g.resource == "*"}
    expected = effective_actions(Principal.assumed_role(ACCOUNT, "wide-role", "s"), [document])
    assert found == {a for a in expected if a.lower() != "sts:getcalleridentity"}


def test_another_buckets_policy_granting_the_role_is_found() -> None:
    leak = bucket("other-bucket", {"Sid": "Leak", "Effect": "Allow", "Principal": {"AWS": ROLE},
                                   "Action": "s3:GetObject", "Resource": "arn:aws:s3:::other-bucket/*"})
    grants = Analysis(walkthrough(resources=[leak])).principal_access(ROLE)
    extra = [g for g in grants if g.action != "s3:ListAllMyBuckets"]
    assert pairs(extra) == {("s3:GetObject", "arn:aws:s3:::other-bucket/*")}
    assert (extra[0].granted_by, extra[0].statement) == ("bucket policy of other-bucket", "Leak")


def test_a_bucket_policy_naming_the_account_does_not_grant_without_an_identity_allow() -> None:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    account_wide = bucket("shared", {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                                     "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared/*"})
    grants = Analysis(walkthrough(resources=[account_wide])).principal_access(ROLE)
    assert pairs(grants) == {("s3:ListAllMyBuckets", "*")}


def test_an_extra_statement_on_the_walkthrough_bucket_for_an_unprobed_action_is_found() -> None:
    extra = bucket("walkthrough-bucket", {"Effect": "Allow", "Principal": {"AWS": USER},
                                          "Action": "s3:PutBucketTagging",
                                          "Resource": "arn:aws:s3:::walkthrough-bucket"})
    account = walkthrough()
    account = replace(account, resources={extra.arn: extra})
    assert ("s3:PutBucketTagging", "arn:aws:s3:::walkthrough-bucket") in pairs(Analysis(account).principal_access(USER))


def test_another_roles_trust_naming_the_user_is_found_and_chains_further() -> None:
    other = role("admin-role", trusting(USER), policy("admin", allow("*")))
    third = role("third-role", trusting(arn("role", "admin-role")))
    account = walkthrough(roles=[other, third])
    assert ("sts:AssumeRole", other.arn) in pairs(Analysis(account).principal_access(USER))
    chain = {g.resource: g.path for g in Analysis(account).reachable_roles(USER)}
    # admin-role may do everything, so assuming roles of other accounts too: an open edge, its trust unreadable.
    assert chain == {ROLE: (USER, ROLE), other.arn: (USER, other.arn), third.arn: (USER, other.arn, third.arn),
                     "*": (USER, other.arn, OUTSIDE_ROLES)}


def test_the_walkthrough_role_reaches_no_role_until_a_trust_names_it() -> None:
    assert Analysis(walkthrough()).reachable_roles(ROLE) == []
    onward = role("onward", trusting(ROLE))
    assert [g.path for g in Analysis(walkthrough(roles=[onward])).reachable_roles(ROLE)] == [(ROLE, onward.arn)]


def test_a_group_gives_the_user_standing_permissions() -> None:
    account = walkthrough(groups=[group("ops", policy("ops inline", allow("s3:PutObject", "arn:aws:s3:::*/*")))])
    member = replace(account.users[USER], group_arns=(arn("group", "ops"),))
    account = replace(account, users={USER: member})
    grants = Analysis(account).principal_access(USER)
    assert ("s3:PutObject", "arn:aws:s3:::*/*") in pairs(grants)
    assert any(g.granted_by == "ops inline" for g in grants)


def test_a_tag_conditioned_grant_applies_only_to_the_principal_carrying_the_tag() -> None:
    abac = policy("abac", allow("s3:DeleteBucket", Condition={"StringEquals": {"aws:PrincipalTag/team": "storage"}}))
    untagged = walkthrough(roles=[role("tagged", trusting(USER), abac)])
    assert Analysis(untagged).principal_access(arn("role", "tagged")) == []
    tagged = walkthrough(roles=[role("tagged", trusting(USER), abac, tags={"team": "storage"})])
    assert pairs(Analysis(tagged).principal_access(arn("role", "tagged"))) == {("s3:DeleteBucket", "*")}
    # Session tags override the role's tag with the same key.
    assert Analysis(tagged).principal_access(arn("role", "tagged"), session_tags={"team": "web"}) == []


def test_a_resource_tag_condition_is_decided_with_the_resources_tags() -> None:
    abac = policy("abac", allow("sqs:SendMessage", Condition={"StringEquals": {"aws:ResourceTag/env": "dev"}}))
    queue = resource("sqs", "queue", f"arn:aws:sqs:us-east-1:{ACCOUNT}:dev-queue", tags={"env": "dev"})
    grants = Analysis(walkthrough(roles=[role("dev", trusting(USER), abac)], resources=[queue])).principal_access(
                              arn("role", "dev"))
    assert ("sqs:SendMessage", queue.arn) in pairs(grants)
    assert [g.condition for g in grants if g.resource == queue.arn] == [""]
    # On a resource outside the snapshot the tag is unknown: a grant, marked with the key it depends on.
    assert [g.condition for g in grants if g.resource == "*"] == ["aws:ResourceTag/env"]


@pytest.mark.parametrize(("service", "resource_type", "resource_arn", "action"), [
    ("sqs", "queue", f"arn:aws:sqs:us-east-1:{ACCOUNT}:q", "sqs:ReceiveMessage"),
    ("sns", "topic", f"arn:aws:sns:us-east-1:{ACCOUNT}:t", "sns:Publish"),
    ("secretsmanager", "secret", f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:s-AbCdEf",
     "secretsmanager:GetSecretValue"),
    ("kms", "key", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab", "kms:Decrypt"),
    ("lambda", "function", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f", "lambda:InvokeFunction"),
])
def test_a_resource_policy_of_each_service_granting_the_role_is_found(service: str, resource_type: str,
                                                                      resource_arn: str, action: str) -> None:
    granted = resource(service, resource_type, resource_arn, {"Effect": "Allow", "Principal": {"AWS": ROLE},
                                                              "Action": action, "Resource": resource_arn})
    grants = Analysis(walkthrough(resources=[granted])).principal_access(ROLE)
    assert (action, resource_arn) in pairs(grants)


def test_a_deny_in_a_bucket_policy_narrows_an_identity_grant_on_that_bucket_only() -> None:
    reader = policy("reader", allow("s3:GetObject", "arn:aws:s3:::*/*"))
    guarded = bucket("guarded", {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
                                 "Resource": "arn:aws:s3:::guarded/*"})
    open_bucket = bucket("open", tags={"k": "v"})
    account = walkthrough(roles=[role("reader", trusting(USER), reader)], resources=[guarded, open_bucket])
    found = pairs(Analysis(account).principal_access(arn("role", "reader")))
    assert ("s3:GetObject", "arn:aws:s3:::guarded/*") not in found
    # Every other bucket is covered by the pattern's own row; no policy or tag condition makes it differ.
    assert {resource for action, resource in found if action == "s3:GetObject"} == {"arn:aws:s3:::*/*"}


def test_a_bucket_policy_for_someone_else_or_a_deny_that_cannot_apply_adds_no_rows() -> None:
    reader = policy("reader", allow("s3:GetObject", "arn:aws:s3:::*/*"))
    others = [bucket(f"b{n}", {"Effect": "Allow", "Principal": {"AWS": USER}, "Action": "s3:GetObject",
                               "Resource": f"arn:aws:s3:::b{n}/*"},
                     {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": f"arn:aws:s3:::b{n}/*",
                      "Condition": {"Bool": {"aws:SecureTransport": "false"}}}) for n in range(20)]
    account = walkthrough(roles=[role("reader", trusting(USER), reader)], resources=others)
    assert pairs(Analysis(account).principal_access(arn("role", "reader"))) == {("s3:GetObject", "arn:aws:s3:::*/*")}


def test_a_boundary_and_a_session_policy_limit_the_grants() -> None:
    wide = policy("wide", allow(["s3:ListAllMyBuckets", "s3:CreateBucket"]))
    boundary = policy("boundary", allow("s3:ListAllMyBuckets"), kind="boundary")
    account = walkthrough(roles=[role("bounded", trusting(USER), wide, boundary=boundary),
                                 role("free", trusting(USER), wide)])
    assert pairs(Analysis(account).principal_access(arn("role", "bounded"))) == {("s3:ListAllMyBuckets", "*")}
    session = policy("session", allow("s3:CreateBucket"), kind="session")
    assert pairs(Analysis(account).principal_access(arn("role", "free"), session_policies=[session])) == {
        ("s3:CreateBucket", "*")}


def test_who_can_assume_the_walkthrough_role_is_the_named_user_only() -> None:
    grants = Analysis(walkthrough()).who_can_assume(ROLE)
    assert [(g.principal, g.granted_by) for g in grants] == [(USER, "trust policy of role s3-list-role")]


def test_who_can_assume_finds_wildcard_and_outside_principals() -> None:
    open_role = role("open", trusting("*"))
    outside = role("outside", trusting(f"arn:aws:iam::{OUTSIDE}:root"))
    account = walkthrough(roles=[open_role, outside])
    open_grants = Analysis(account).who_can_assume(open_role.arn)
    assert "*" in {g.principal for g in open_grants}
    # Principal "*" in a trust policy admits every principal of the account too.
    assert {USER, ROLE} <= {g.principal for g in open_grants}
    assert [g.principal for g in Analysis(account).who_can_assume(outside.arn)] == [f"arn:aws:iam::{OUTSIDE}:root"]


def test_a_condition_on_what_the_request_supplies_is_a_grant_marked_with_its_key() -> None:
    external = role("external", trusting("*", condition={"StringEquals": {"sts:ExternalId": "secret-id"}}))
    grants = [g for g in Analysis(walkthrough(roles=[external])).who_can_assume(external.arn) if g.principal == "*"]
    assert [(g.condition, g.granted_by) for g in grants] == [("sts:ExternalId", "trust policy of role external")]


def test_a_condition_restricting_a_wildcard_trust_to_the_account_admits_no_outsider() -> None:
    mine = role("mine", trusting("*", condition={"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}))
    assert "*" not in {g.principal for g in Analysis(walkthrough(roles=[mine])).who_can_assume(mine.arn)}


def test_service_and_federated_principals_are_found() -> None:
    service = role("lambda-role", [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                    "Action": "sts:AssumeRole"}])
    grants = Analysis(walkthrough(roles=[service])).who_can_assume(service.arn)
    assert [(g.principal, g.granted_by) for g in grants] == [("Service:lambda.amazonaws.com",
                                                              "trust policy of role lambda-role")]
    federated = role("web", [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
                              "Principal": {"Federated": "accounts.google.com"}}])
    grants = Analysis(walkthrough(roles=[federated])).who_can_assume(federated.arn)
    assert [(g.principal, g.action) for g in grants] == [("Federated:accounts.google.com",
                                                          "sts:AssumeRoleWithWebIdentity")]
    # Decided by the engine now (tests/analysis/test_federated_trusts.py): no condition on the subject.
    assert "every subject of the provider" in grants[0].note


def test_a_kms_key_policy_that_does_not_name_the_account_voids_identity_grants() -> None:
    # https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html
    key_arn = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    closed = resource("kms", "key", key_arn, {"Effect": "Allow", "Principal": {"AWS": USER}, "Action": "kms:*",
                                              "Resource": "*"})
    user_of_keys = role("keys", trusting(USER), policy("keys", allow("kms:Decrypt")))
    found = pairs(Analysis(walkthrough(roles=[user_of_keys], resources=[closed])).principal_access(user_of_keys.arn))
    assert ("kms:Decrypt", "*") in found
    assert ("kms:Decrypt", key_arn) not in found


def test_an_unknown_principal_is_one_clear_error() -> None:
    with pytest.raises(KeyError, match="neither a user nor a role"):
        Analysis(walkthrough()).principal_access(arn("user", "nobody"))


def test_a_key_usable_only_through_a_service_is_not_a_direct_grant() -> None:
    # The key policy of an AWS managed key: anyone in the account, but only through the named service.
    # https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
    key_arn = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    through_s3 = {"StringEquals": {"kms:CallerAccount": ACCOUNT, "kms:ViaService": "s3.us-east-1.amazonaws.com"}}
    managed = resource("kms", "key", key_arn, {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt",
                                               "Resource": "*", "Condition": through_s3})
    assert pairs(Analysis(walkthrough(resources=[managed])).principal_access(ROLE)) == {("s3:ListAllMyBuckets", "*")}
    direct = resource("kms", "key", key_arn, {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt",
                                              "Resource": "*",
                                              "Condition": {"StringEquals": {"kms:CallerAccount": ACCOUNT}}})
    grants = Analysis(walkthrough(resources=[direct])).principal_access(ROLE)
    assert [(g.action, g.resource, g.condition) for g in grants if g.action == "kms:Decrypt"] == [
        ("kms:Decrypt", key_arn, "")]


def test_a_deny_on_what_the_request_supplies_does_not_hide_a_grant_of_a_key_policy() -> None:
    key_arn = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    key = resource("kms", "key", key_arn,
                   {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:Decrypt", "Resource": "*"},
                   {"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*",
                    "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}})
    grants = [g for g in Analysis(walkthrough(resources=[key])).principal_access(ROLE) if g.action == "kms:Decrypt"]
    assert [(g.resource, g.statement, g.condition) for g in grants] == [
        (key_arn, "#0", "aws:SourceIp (in a Deny taken as not applying)")]


def test_a_cycle_of_trusts_ends_and_each_role_is_reached_once() -> None:
    first = role("first", trusting(USER, arn("role", "second")))
    second = role("second", trusting(arn("role", "first")))
    chain = Analysis(walkthrough(roles=[first, second])).reachable_roles(USER)
    assert sorted(g.path for g in chain) == sorted([(USER, ROLE), (USER, first.arn), (USER, first.arn, second.arn)])


def test_a_principal_id_left_by_a_deleted_user_admits_no_one() -> None:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_policy-examples.html : a deleted principal
    # shows as its unique id, which no principal, not even one re-created with the same name, matches.
    stale = role("stale", trusting("AIDAEXAMPLEDELETEDID", USER))
    grants = Analysis(walkthrough(roles=[stale])).who_can_assume(stale.arn)
    assert [g.principal for g in grants] == [USER]


# --- resources outside the account: their policies are not readable, taken as allowing ------------------------------
# Cross-account access needs the identity-based policy and the resource's policy (or trust policy) to allow:
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
# https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_aws-accounts.html

ASSUME_ANY = allow("sts:AssumeRole", Sid="AssumeAnyRole")
FOREIGN_ROLE = f"arn:aws:iam::{OUTSIDE}:role/admin"


def with_role_policy(*statements, boundary=None, others=()):
    """The walkthrough, its role also given an inline policy with ``statements``."""
    extra = policy("inline policy extra", *statements)
    return walkthrough(roles=[role("s3-list-role", trusting(USER), LIST, extra, boundary=boundary), *others])


def outside(grants: list[Grant]) -> list[Grant]:
    return [g for g in grants if "outside this account" in g.note]


def test_assuming_any_role_is_a_grant_on_roles_outside_the_account_though_no_role_here_trusts_it() -> None:
    # A same-account role that does not trust the session stays refused: its trust policy is read.
    account = with_role_policy(ASSUME_ANY, others=[role("unrelated", trusting(USER))])
    grants = Analysis(account).principal_access(ROLE)
    assert pairs(grants) == {("s3:ListAllMyBuckets", "*"), ("sts:AssumeRole", "*")}
    [open_edge] = outside(grants)
    assert (open_edge.granted_by, open_edge.statement) == ("inline policy extra", "AssumeAnyRole")
    assert open_edge.note == ("roles outside this account: their trust policies are not readable; "
                              "taken as allowing")
    [reached] = Analysis(account).reachable_roles(ROLE)
    assert (reached.resource, reached.path) == ("*", (ROLE, OUTSIDE_ROLES))
    assert [g.principal for g in Analysis(account).who_can_assume(arn("role", "unrelated"))] == [USER]


def test_a_role_allowed_everything_reaches_outside_roles_by_assumerole_only() -> None:
    # The federation calls are made with an identity provider's token, not with the session's credentials.
    account = with_role_policy(allow("*"))
    assert [g.action for g in outside(Analysis(account).principal_access(ROLE))
            if g.action.lower().startswith("sts:assumerole")] == ["sts:AssumeRole"]


@pytest.mark.parametrize("resource_pattern", [FOREIGN_ROLE, f"arn:aws:iam::{OUTSIDE}:role/*", "arn:aws:iam::*:role/*"])
def test_a_pattern_naming_another_accounts_roles_is_an_open_edge(resource_pattern: str) -> None:
    account = with_role_policy(allow("sts:AssumeRole", resource_pattern))
    assert ("sts:AssumeRole", resource_pattern) in pairs(outside(Analysis(account).principal_access(ROLE)))
    assert [g.path for g in Analysis(account).reachable_roles(ROLE)] == [(ROLE, OUTSIDE_ROLES)]


@pytest.mark.parametrize("resource_pattern", [f"arn:aws:iam::{ACCOUNT}:role/*", arn("role", "no-such-role")])
def test_a_pattern_naming_only_this_accounts_roles_grants_nothing_without_their_trust(resource_pattern: str) -> None:
    account = with_role_policy(allow("sts:AssumeRole", resource_pattern), others=[role("unrelated", trusting(USER))])
    assert pairs(Analysis(account).principal_access(ROLE)) == {("s3:ListAllMyBuckets", "*")}
    assert Analysis(account).reachable_roles(ROLE) == []


DENY_OTHER_ACCOUNTS = {"Effect": "Deny", "Action": "*", "Resource": "*",
                       "Condition": {"StringNotEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}}}


@pytest.mark.parametrize(("statements", "boundary"), [
    ([ASSUME_ANY, {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}], None),
    ([ASSUME_ANY, DENY_OTHER_ACCOUNTS], None),
    ([ASSUME_ANY], policy("boundary", allow("s3:ListAllMyBuckets"), kind="boundary")),
    ([allow("sts:AssumeRole", Condition={"StringEquals": {"aws:PrincipalTag/team": "platform"}})], None),
], ids=["an identity deny", "a deny on other accounts' resources", "a boundary", "a condition that does not hold"])
def test_the_stand_in_trust_still_needs_the_principals_own_policies(statements, boundary) -> None:
    account = with_role_policy(*statements, boundary=boundary)
    assert outside(Analysis(account).principal_access(ROLE)) == []
    assert Analysis(account).reachable_roles(ROLE) == []


def test_a_session_policy_still_limits_the_open_edge() -> None:
    account = with_role_policy(ASSUME_ANY)
    session = policy("session policy", allow("s3:ListAllMyBuckets"), kind="session")
    assert outside(Analysis(account).principal_access(ROLE, session_policies=[session])) == []


def test_an_allow_only_for_another_account_is_reported_with_the_key_it_depends_on() -> None:
    account = with_role_policy(allow("sts:AssumeRole", Condition={"StringEquals": {"aws:ResourceAccount": OUTSIDE}}))
    [grant] = outside(Analysis(account).principal_access(ROLE))
    assert (grant.resource, grant.condition) == ("*", "aws:ResourceAccount")


@pytest.mark.parametrize(("action", "resource_arn"), [
    ("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{OUTSIDE}:jobs"),
    ("sns:Publish", f"arn:aws:sns:us-east-1:{OUTSIDE}:alerts"),
    ("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:us-east-1:{OUTSIDE}:secret:db-AbCdEf"),
    ("kms:Decrypt", f"arn:aws:kms:us-east-1:{OUTSIDE}:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
    ("lambda:InvokeFunction", f"arn:aws:lambda:us-east-1:{OUTSIDE}:function:worker"),
    ("s3:GetObject", "arn:aws:s3:::another-accounts-bucket/*"),
    ("sts:AssumeRole", FOREIGN_ROLE),
], ids=["sqs", "sns", "secretsmanager", "kms", "lambda", "s3", "sts"])
def test_every_service_with_resource_policies_reaches_outside_the_account(action: str, resource_arn: str) -> None:
    account = with_role_policy(allow(action, resource_arn))
    assert (action, resource_arn) in pairs(Analysis(account).principal_access(ROLE))
    guarded = with_role_policy(allow(action, resource_arn), DENY_OTHER_ACCOUNTS)
    assert (action, resource_arn) not in pairs(Analysis(guarded).principal_access(ROLE))
