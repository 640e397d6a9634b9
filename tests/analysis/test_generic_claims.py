"""The contracts' account-wide claims, each passing on the right account and failing on one flaw: access exactly
with a condition column, only these principals can assume the role (users, other accounts, federated subjects),
the role's sessions reach only these roles.

Conditions on what the request supplies are the analysis' upper bound (docs/account.md); the IAM pages for the keys:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-multifactorauthpresent,
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user_externalid.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html (s3:prefix)."""

from __future__ import annotations

import pytest
from snapshot_data import ACCOUNT, OUTSIDE, allow, arn, bucket, policy, role, snapshot, trusting, user

from rolecheck.errors import ComplianceViolation
from rolecheck.suite import claims

ANALYST, READER = arn("user", "analyst"), arn("role", "reports-reader")
MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
MONTHLY = policy("read-monthly-reports",
                 allow("s3:GetObject", "arn:aws:s3:::reports/monthly/*"),
                 allow("s3:ListBucket", "arn:aws:s3:::reports",
                       Condition={"StringLike": {"s3:prefix": "monthly/*"}}))
WHOLE_BUCKET = policy("read-monthly-reports", allow("s3:GetObject", "arn:aws:s3:::reports/*"),
                      allow("s3:ListBucket", "arn:aws:s3:::reports"))
READS = [claims.Expected("s3:GetObject", "arn:aws:s3:::reports/monthly/*", condition=""),
         claims.Expected("s3:ListBucket", "arn:aws:s3:::reports", condition="s3:prefix StringLike monthly/*")]


def account(reader_policy=MONTHLY, condition=MFA):
    return snapshot([user("analyst")], [role("reports-reader", trusting(ANALYST, condition=condition),
                                             reader_policy)], resources=[bucket("reports")])


def test_access_exactly_with_conditions_holds_for_the_prefix_scoped_policy() -> None:
    claims.check_principal_access(account(), READER, READS, "reads the monthly reports")


def test_a_whole_bucket_grant_breaks_the_access_claim() -> None:
    with pytest.raises(ComplianceViolation, match=r"s3:GetObject on arn:aws:s3:::reports/\*"):
        claims.check_principal_access(account(WHOLE_BUCKET), READER, READS, "reads the monthly reports")


def test_only_the_analyst_with_mfa_can_assume() -> None:
    rows = [claims.Assumer(ANALYST, "aws:MultiFactorAuthPresent Bool true")]
    claims.check_assumers(account(), READER, rows, "only the analyst with MFA")
    with pytest.raises(ComplianceViolation, match=r"unexpected principal.*needs: nothing"):
        claims.check_assumers(account(condition=None), READER, rows, "only the analyst with MFA")


def test_the_vendor_with_the_external_id() -> None:
    vendor = f"arn:aws:iam::{OUTSIDE}:user/vendor-engineer"
    external = {"StringEquals": {"sts:ExternalId": "example-vendor-7f3a"}}
    support = role("vendor-support", trusting(vendor, condition=external))
    rows = [claims.Assumer(vendor, "sts:ExternalId StringEquals example-vendor-7f3a")]
    claims.check_assumers(snapshot(roles=[support]), support.arn, rows, "only the vendor with the external id")
    without = role("vendor-support", trusting(vendor))
    with pytest.raises(ComplianceViolation, match="vendor-engineer"):
        claims.check_assumers(snapshot(roles=[without]), without.arn, rows, "only the vendor with the external id")


HOST = "token.actions.githubusercontent.com"
GITHUB = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{HOST}"
MAIN = "repo:example-org/app:ref:refs/heads/main"


def deployer(condition: dict) -> object:
    return role("deployer", [{"Effect": "Allow", "Principal": {"Federated": GITHUB},
                              "Action": "sts:AssumeRoleWithWebIdentity", "Condition": condition}])


def test_only_the_main_branch_of_the_app() -> None:
    rows = [claims.Assumer(None, f"{HOST}:aud StringEquals sts.amazonaws.com", subject=MAIN)]
    pinned = deployer({"StringEquals": {f"{HOST}:aud": "sts.amazonaws.com", f"{HOST}:sub": MAIN}})
    claims.check_assumers(snapshot(roles=[pinned]), pinned.arn, rows, "only the main branch")
    open_to_all = deployer({"StringEquals": {f"{HOST}:aud": "sts.amazonaws.com"}})
    with pytest.raises(ComplianceViolation, match="every subject of the provider"):
        claims.check_assumers(snapshot(roles=[open_to_all]), open_to_all.arn, rows, "only the main branch")


def test_the_jump_role_reaches_only_the_target() -> None:
    jump, target = arn("role", "jump"), arn("role", "target")
    roles = [role("jump", trusting(arn("user", "operator")), policy("assume-target", allow("sts:AssumeRole", target))),
             role("target", trusting(jump))]
    claims.check_reaches_only(snapshot([user("operator")], roles), jump, [target], "jump reaches only target")
    admin = role("admin", trusting(ACCOUNT))
    widened = [roles[0], roles[1], admin]
    widened[0] = role("jump", trusting(arn("user", "operator")), policy("assume", allow("sts:AssumeRole", "*")))
    with pytest.raises(ComplianceViolation, match="role/admin"):
        claims.check_reaches_only(snapshot([user("operator")], widened), jump, [target], "jump reaches only target")
