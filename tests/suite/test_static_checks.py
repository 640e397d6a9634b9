"""Each static check passes on the walkthrough's documents and fails on a misconfigured one."""

from __future__ import annotations

import pytest

from rolecheck.engine import Policy, Principal
from rolecheck.errors import ComplianceViolation
from rolecheck.policydoc import lint

ACCOUNT = "123456789012"
USER_ARN = f"arn:aws:iam::{ACCOUNT}:user/iam-test-user"
LIST_ONLY = {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}
TRUST = {"Version": "2012-10-17",
         "Statement": [{"Effect": "Allow", "Principal": {"AWS": USER_ARN}, "Action": "sts:AssumeRole"}]}
SESSION = Principal.assumed_role(ACCOUNT, "s3-list-role", "s")


def _with_statement(document: dict, **statement: object) -> dict:
    return {**document, "Statement": [*document["Statement"], dict(statement)]}


def test_least_privilege_policy_has_no_wildcards() -> None:
    lint.check_no_wildcard_grants(LIST_ONLY, "policy")


@pytest.mark.parametrize("statement", [
    {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
    {"Effect": "Allow", "Action": "*", "Resource": "*"},
    {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
], ids=["service wildcard", "full wildcard", "NotAction"])
def test_wildcard_grants_fail(statement: dict) -> None:
    with pytest.raises(ComplianceViolation, match="grants wildcards"):
        lint.check_no_wildcard_grants(_with_statement(LIST_ONLY, **statement), "policy")


def test_a_deny_with_wildcards_is_not_a_grant() -> None:
    lint.check_no_wildcard_grants(_with_statement(LIST_ONLY, Effect="Deny", Action="*", Resource="*"), "p")


def test_exact_effective_actions_pass_and_fail() -> None:
    actions = lint.allowed_actions(SESSION, [Policy.parse("p", LIST_ONLY)])
    lint.check_exact_actions(actions, ["s3:ListAllMyBuckets"])
    wider = Policy.parse("p", _with_statement(LIST_ONLY, Effect="Allow", Action="s3:GetObject", Resource="*"))
    with pytest.raises(ComplianceViolation, match="beyond the reviewed set: s3:GetObject"):
        lint.check_exact_actions(lint.allowed_actions(SESSION, [wider]), ["s3:ListAllMyBuckets"])
    with pytest.raises(ComplianceViolation, match="not granted: s3:ListAllMyBuckets"):
        lint.check_exact_actions(set(), ["s3:ListAllMyBuckets"])


def test_escalation_actions_are_found() -> None:
    lint.check_no_escalation(["s3:ListAllMyBuckets"])
    with pytest.raises(ComplianceViolation, match="iam:PassRole"):
        lint.check_no_escalation(["s3:ListAllMyBuckets", "iam:PassRole"])


def test_trust_policy_checks_pass_on_the_walkthrough_trust() -> None:
    lint.check_not_internet_accessible(TRUST, "trust")
    lint.check_no_wildcard_principals(TRUST, "trust")
    lint.check_no_unconditional_root(TRUST, "trust")


@pytest.mark.parametrize("principal", [{"AWS": "*"}, "*"], ids=["AWS star", "bare star"])
def test_wildcard_trust_fails(principal: object) -> None:
    trust = {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]}
    with pytest.raises(ComplianceViolation, match="internet-accessible"):
        lint.check_not_internet_accessible(trust, "trust")
    with pytest.raises(ComplianceViolation, match="wildcard principal"):
        lint.check_no_wildcard_principals(trust, "trust")


@pytest.mark.parametrize("root", [f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT], ids=["root ARN", "account id"])
def test_unconditional_account_trust_fails(root: str) -> None:
    trust = {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Principal": {"AWS": root}, "Action": "sts:AssumeRole"}]}
    with pytest.raises(ComplianceViolation, match="delegates to a whole account"):
        lint.check_no_unconditional_root(trust, "trust")
    conditional = {"Version": "2012-10-17", "Statement": [{
        **trust["Statement"][0], "Condition": {"StringEquals": {"sts:ExternalId": "x"}}}]}
    lint.check_no_unconditional_root(conditional, "trust")


def test_same_document_ignores_spelling_but_not_content() -> None:
    respelled = {"Version": "2012-10-17",
                 "Statement": {"Resource": ["*"], "Action": ["s3:ListAllMyBuckets"], "Effect": "Allow"}}
    lint.check_same_document(respelled, LIST_ONLY, "policy")
    changed = _with_statement(LIST_ONLY, Effect="Allow", Action="s3:GetObject", Resource="*")
    with pytest.raises(ComplianceViolation, match="not the reviewed document"):
        lint.check_same_document(changed, LIST_ONLY, "policy")


@pytest.mark.parametrize("statement", [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::*/*"},
    {"Effect": "Allow", "Action": "iam:PutRolePolicy", "Resource": f"arn:aws:iam::{ACCOUNT}:role/s3-list-role"},
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
     "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
], ids=["resource-scoped", "own role", "conditional"])
def test_effective_permissions_see_grants_on_any_resource(statement: dict) -> None:
    policy = Policy.parse("p", _with_statement(LIST_ONLY, **statement))
    actions = lint.allowed_actions(SESSION, [policy])
    assert statement["Action"] in actions
    with pytest.raises(ComplianceViolation, match="beyond the reviewed set"):
        lint.check_exact_actions(actions, ["s3:ListAllMyBuckets"])


def test_only_an_unconditional_deny_on_everything_removes_a_grant() -> None:
    wide = _with_statement(LIST_ONLY, Effect="Allow", Action="s3:GetObject", Resource="*")
    narrow_deny = _with_statement(wide, Effect="Deny", Action="s3:GetObject", Resource="arn:aws:s3:::secret/*")
    assert "s3:GetObject" in lint.allowed_actions(SESSION, [Policy.parse("p", narrow_deny)])
    full_deny = _with_statement(wide, Effect="Deny", Action="s3:GetObject", Resource="*")
    assert "s3:GetObject" not in lint.allowed_actions(SESSION, [Policy.parse("p", full_deny)])


def test_actions_unknown_to_the_catalog_still_count() -> None:
    policy = Policy.parse("p", _with_statement(LIST_ONLY, Effect="Allow", Action=["s3express:CreateSession",
                                                                                   "madeup:Anything"], Resource="*"))
    actions = lint.allowed_actions(SESSION, [policy])
    with pytest.raises(ComplianceViolation, match=r"(?i)madeup:anything"):
        lint.check_exact_actions(actions, ["s3:ListAllMyBuckets"])
