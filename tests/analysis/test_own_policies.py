""""No permissions of its own" means no policy of its own: a user's inline, attached or group policy that allows
anything breaks the claim even when the trust path grants the same today; a Deny-only one grants nothing."""

from __future__ import annotations

import pytest
from snapshot_data import ACCOUNT, allow, arn, bucket, group, policy, role, snapshot, trusting, user

from rolecheck.errors import ComplianceViolation
from rolecheck.suite import claims

USER, ROLE = arn("user", "iam-test-user"), arn("role", "s3-list-role")
LIST = policy(f"arn:aws:iam::{ACCOUNT}:policy/list-buckets", allow("s3:ListAllMyBuckets"))
REDUNDANT = policy("assume-the-role", allow("sts:AssumeRole", ROLE))
DENY_ONLY = policy("deny-iam", {"Effect": "Deny", "Action": "iam:*", "Resource": "*"})


def account(user_facts, groups=()):
    return snapshot(users=[user_facts], groups=list(groups), roles=[role("s3-list-role", trusting(USER), LIST)],
                    resources=[bucket("walkthrough-bucket")])


@pytest.mark.parametrize(("account_", "how"), [
    (account(user("iam-test-user", REDUNDANT)), "inline policy assume-the-role"),
    (account(user("iam-test-user", groups=["assumers"]), [group("assumers", REDUNDANT)]),
     "group assumers policy assume-the-role"),
], ids=["inline", "through a group"])
def test_a_redundant_policy_of_its_own_fails_both_claims(account_, how: str) -> None:
    # What it allows is exactly what the trust already gives: the grants compare equal, the policy still counts.
    with pytest.raises(ComplianceViolation, match=f"policy\\(ies\\) of its own: {how} \\(allowing sts:assumerole\\)"):
        claims.check_user_access(account_, USER, ROLE)
    with pytest.raises(ComplianceViolation, match="of its own"):
        claims.check_no_access(account_, USER)


def test_a_deny_only_policy_of_its_own_passes() -> None:
    claims.check_user_access(account(user("iam-test-user", DENY_ONLY)), USER, ROLE)
    claims.check_no_access(snapshot(users=[user("iam-test-user", DENY_ONLY)]), USER)


def test_own_policies_say_how_each_is_held() -> None:
    held = account(user("iam-test-user", REDUNDANT, groups=["assumers"]), [group("assumers", DENY_ONLY)])
    assert [(p.name, how) for p, how in held.own_policies(USER)] == [("assume-the-role", "inline"),
                                                                      ("deny-iam", "group assumers")]
    assert [(p.name, how) for p, how in held.own_policies(ROLE)] == [(LIST.name, "inline")]
