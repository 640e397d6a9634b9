"""SCPs and RCPs: each case cites the AWS Organizations page it encodes. An organization of a management account
and a member account (ACCT) under one OU: levels root, OU, account."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from engine_cases import (
    ACCT,
    ALICE,
    ANONYMOUS,
    BUCKET,
    DENYALLOW,
    OBJECT,
    OTHER,
    RCP_EVALUATION,
    RCP_SYNTAX,
    RCPS,
    ROOT,
    SCP_EVALUATION,
    SCPS,
    allow,
    bucket_policy,
    deny,
    policy,
    stmt,
)

from rolecheck.engine import Organization, Policy, PolicyError, Principal, Request, Verdict, evaluate

A, E, IMP = Verdict.ALLOWED, Verdict.EXPLICIT_DENY, Verdict.IMPLICIT_DENY
MANAGEMENT = "333333333333"


def scp(*statements: dict[str, Any], name: str = "scp") -> Policy:
    return policy(*statements, kind="scp", name=name)


def rcp(*statements: dict[str, Any], name: str = "rcp") -> Policy:
    return policy(*statements, kind="rcp", name=name)


FULL_AWS_ACCESS = scp(allow("*"), name="FullAWSAccess")
RCP_FULL_AWS_ACCESS = rcp(stmt("Allow", "*", "*", Principal="*"), name="RCPFullAWSAccess")
DENY_GET = scp(deny("s3:GetObject"), name="DenyGetObject")
RCP_DENY_OUTSIDERS = rcp(stmt("Deny", "s3:*", "*", Principal="*", Condition={
    "StringNotEqualsIfExists": {"aws:PrincipalAccount": ACCT}, "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}),
    name="DenyOutsiders")
RCP_DENY_ALL_S3 = rcp(stmt("Deny", "s3:*", "*", Principal="*"), name="DenyAllS3")
EVERYTHING = policy(allow("*"))


def levels(*extra: Policy, at: int = 2) -> tuple[tuple[Policy, ...], ...]:
    """Root, OU and account levels, each with its full-access default, ``extra`` attached at level ``at``."""
    full = FULL_AWS_ACCESS if not extra or extra[0].kind == "scp" else RCP_FULL_AWS_ACCESS
    found = [[full], [full], [full]]
    found[at] += list(extra)
    return tuple(tuple(level) for level in found)


def org(scps: Any = None, rcps: Any = None, account: str = ACCT) -> Organization:
    return Organization(MANAGEMENT, {account: scps} if scps else {}, {account: rcps} if rcps else {})


@dataclass(frozen=True)
class OrgCase:
    id: str
    expected: Verdict
    source: str
    organization: Organization
    principal: Principal = ALICE
    action: str = "s3:GetObject"
    resource: str = OBJECT
    resource_account: str | None = None
    identity: tuple[Policy, ...] = (EVERYTHING,)
    resource_policy: Policy | None = None
    message: str = ""


SLR = Principal.assumed_role(ACCT, "AWSServiceRoleForSupport", "s", "AROASLR",
                             "/aws-service-role/support.amazonaws.com/")
MGMT_ALICE = Principal.user(MANAGEMENT, "alice")
OUTSIDER = Principal.user(OTHER, "eve")
ONLY_ROOT_LEVELS = ((FULL_AWS_ACCESS,), (scp(allow("ec2:*"), name="OUOnlyEC2"),), (FULL_AWS_ACCESS,))
RCP_ONLY_DENY_NO_ALLOW = ((RCP_FULL_AWS_ACCESS,), (RCP_FULL_AWS_ACCESS,), ())
PUBLIC_READ = bucket_policy(allow("s3:GetObject", OBJECT, Principal="*"))

# fmt: off
CASES = [
    # --- SCPs ---
    OrgCase("scp-explicit-deny", E, SCP_EVALUATION, org(levels(DENY_GET)), message="service control policy"),
    # "an explicit Allow statement [is required] at every level from the root through each OU ... (including the
    # target account itself)"
    OrgCase("scp-missing-allow-at-ou", IMP, SCP_EVALUATION, org(ONLY_ROOT_LEVELS),
            message="because no service control policy allows"),
    OrgCase("scp-allow-every-level", A, SCP_EVALUATION, org(levels())),
    # "No permissions are granted by an SCP."
    OrgCase("scp-grants-nothing", IMP, SCPS, org(levels()), identity=()),
    # "SCPs don't affect users or roles in the management account."
    OrgCase("scp-management-account-exempt", A, SCPS, org(levels(DENY_GET), account=MANAGEMENT),
            principal=MGMT_ALICE),
    # "SCPs do not affect service-linked roles."
    OrgCase("scp-service-linked-role-exempt", A, SCPS, org(levels(DENY_GET)), principal=SLR),
    # SCPs restrict the member account's root user.
    OrgCase("scp-limits-member-root", E, SCPS, org(levels(DENY_GET)), principal=ROOT, identity=()),
    # SCPs limit permissions a resource-based policy grants to the member's principals too.
    OrgCase("scp-bucket-policy-grant-still-denied", E, SCPS, org(levels(DENY_GET)), identity=(),
            resource_policy=PUBLIC_READ),
    # Only principals of member accounts: another organization's principal is not limited by this one's SCPs.
    OrgCase("scp-other-org-principal-not-applied", A, SCPS, org(levels(DENY_GET)), principal=OUTSIDER, identity=(),
            resource_policy=PUBLIC_READ, resource_account=OTHER),
    # --- RCPs ---
    OrgCase("rcp-deny-outside-principal", E, RCP_EVALUATION, org(rcps=levels(RCP_DENY_OUTSIDERS)),
            principal=OUTSIDER, resource_account=ACCT, resource_policy=PUBLIC_READ, message="resource control policy"),
    OrgCase("rcp-inside-principal-allowed", A, RCP_EVALUATION, org(rcps=levels(RCP_DENY_OUTSIDERS))),
    # "RCPFullAWSAccess ... does not grant access"
    OrgCase("rcp-full-access-default", A, RCP_EVALUATION, org(rcps=levels())),
    OrgCase("rcp-grants-nothing", IMP, RCP_EVALUATION, org(rcps=levels()), identity=()),
    # "any RCP from the root through each OU in the direct path to the account ... can deny", and each level must
    # allow: a level without RCPFullAWSAccess allows nothing.
    OrgCase("rcp-level-without-allow", IMP, RCP_EVALUATION, org(rcps=RCP_ONLY_DENY_NO_ALLOW),
            message="because no resource control policy allows"),
    # "RCPs apply to resources for a subset of AWS services": SNS is not one of them.
    OrgCase("rcp-unsupported-service", A, RCPS, org(rcps=levels(rcp(stmt("Deny", "*", "*", Principal="*")))),
            action="sns:Publish", resource=f"arn:aws:sns:us-east-1:{ACCT}:t"),
    # An action with no resource type acts on no resource an RCP could guard.
    OrgCase("rcp-action-without-resource-type", A, RCPS, org(rcps=levels(RCP_DENY_ALL_S3)),
            action="s3:ListAllMyBuckets", resource="*"),
    # "RCPs affect only resources in member accounts ... no effect on resources in the management account".
    OrgCase("rcp-management-account-resource-exempt", A, RCPS,
            org(rcps=levels(RCP_DENY_ALL_S3), account=MANAGEMENT), principal=MGMT_ALICE),
    # They apply "regardless of whether the principals belong to the same organizations or not. This includes
    # root users."
    OrgCase("rcp-applies-to-root", E, RCPS, org(rcps=levels(RCP_DENY_ALL_S3)), principal=ROOT, identity=()),
    OrgCase("rcp-applies-to-anonymous", E, RCPS, org(rcps=levels(RCP_DENY_ALL_S3)), principal=ANONYMOUS,
            identity=(), resource_policy=PUBLIC_READ, resource_account=ACCT),
    # "The exception is ... service-linked roles".
    OrgCase("rcp-service-linked-role-exempt", A, RCPS, org(rcps=levels(RCP_DENY_ALL_S3)), principal=SLR),
    # No organization read: decided on the account's own policies.
    OrgCase("no-organization", A, DENYALLOW, Organization(MANAGEMENT)),
]
# fmt: on


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_decision(case: OrgCase) -> None:
    request = Request(case.principal, case.action, case.resource, resource_account=case.resource_account,
                      identity_policies=case.identity, resource_policy=case.resource_policy,
                      organization=case.organization)
    decision = evaluate(request)
    assert decision.verdict is case.expected, f"{case.id} ({case.source}):\n{decision.explain()}"
    assert case.message in decision.message


@pytest.mark.parametrize(("statement", "fragment"), [
    (stmt("Deny", "s3:*", "*"), 'needs "Principal": "*"'),
    (stmt("Deny", "s3:*", "*", Principal={"AWS": ALICE.arn}), 'needs "Principal": "*"'),
    ({"Effect": "Deny", "NotAction": "s3:*", "Resource": "*", "Principal": "*"}, "must not use NotAction"),
    (stmt("Allow", "s3:GetObject", "*", Principal="*"), "allows only as RCPFullAWSAccess"),
], ids=["no principal", "a named principal", "notaction", "a custom allow"])
def test_rcp_grammar(statement: dict[str, Any], fragment: str) -> None:
    """https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_syntax.html"""
    with pytest.raises(PolicyError, match=fragment):
        rcp(statement)
    assert RCP_SYNTAX.endswith("rcps_syntax.html")


def test_an_scp_names_no_principal() -> None:
    """https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_syntax.html"""
    with pytest.raises(PolicyError, match="must not have a Principal"):
        scp(stmt("Deny", "*", "*", Principal="*"))
    assert BUCKET.startswith("arn:aws:s3:::")


def test_cases_are_cited_and_distinct() -> None:
    assert len({case.id for case in CASES}) == len(CASES)
    assert all(case.source.startswith("https://docs.aws.amazon.com/") for case in CASES)
