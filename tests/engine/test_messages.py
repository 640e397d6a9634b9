"""AccessDenied message shapes and explanations.

Shapes: https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html and
https://docs.aws.amazon.com/AmazonS3/latest/userguide/troubleshoot-403-errors.html
"""

from __future__ import annotations

from engine_cases import (
    ACCT,
    ALICE,
    ANONYMOUS,
    KEY_ARN,
    OBJECT,
    OTHER,
    ROOT,
    SESSION_PRINCIPAL,
    TARGET_ROLE,
    allow,
    bucket_policy,
    deny,
    key_policy,
    policy,
    trust,
    trust_allow,
)

from rolecheck.engine import Request, Verdict, evaluate

DENIED = f"User: {ALICE.arn} is not authorized to perform: s3:GetObject on resource: {OBJECT}"


def test_implicit_deny_names_identity_based_policy() -> None:
    decision = evaluate(Request(ALICE, "s3:GetObject", OBJECT))
    assert decision.message == f"{DENIED} because no identity-based policy allows the s3:GetObject action"
    assert not decision.allowed


def test_explicit_deny_in_identity_based_policy() -> None:
    decision = evaluate(Request(ALICE, "s3:GetObject", OBJECT, identity_policies=[policy(deny("s3:*"))]))
    assert decision.message == f"{DENIED} with an explicit deny in an identity-based policy"


def test_explicit_deny_in_resource_based_policy() -> None:
    bucket = bucket_policy(deny("s3:GetObject", OBJECT, Principal="*"))
    decision = evaluate(
        Request(ALICE, "s3:GetObject", OBJECT, identity_policies=[policy(allow())], resource_policy=bucket)
    )
    assert decision.message == f"{DENIED} with an explicit deny in a resource-based policy"


def test_explicit_deny_in_permissions_boundary_and_session_policy() -> None:
    boundary = policy(deny("s3:GetObject"), kind="boundary")
    decision = evaluate(Request(ALICE, "s3:GetObject", OBJECT, permissions_boundary=boundary))
    assert decision.message.endswith("with an explicit deny in a permissions boundary")
    session = policy(deny("s3:GetObject"), kind="session")
    decision = evaluate(Request(SESSION_PRINCIPAL, "s3:GetObject", OBJECT, session_policies=[session]))
    assert decision.message.endswith("with an explicit deny in a session policy")
    assert decision.message.startswith(f"User: {SESSION_PRINCIPAL.arn} is not authorized")


def test_implicit_deny_by_boundary_and_session_policy() -> None:
    identity = [policy(allow("s3:*"))]
    boundary = policy(allow("ec2:*"), kind="boundary")
    decision = evaluate(
        Request(ALICE, "s3:GetObject", OBJECT, identity_policies=identity, permissions_boundary=boundary)
    )
    assert decision.message == f"{DENIED} because no permissions boundary allows the s3:GetObject action"
    session = policy(allow("ec2:*"), kind="session")
    decision = evaluate(
        Request(SESSION_PRINCIPAL, "s3:GetObject", OBJECT, identity_policies=identity, session_policies=[session])
    )
    assert decision.message.endswith("because no session policy allows the s3:GetObject action")


def test_cross_account_without_resource_policy() -> None:
    decision = evaluate(
        Request(ALICE, "s3:GetObject", OBJECT, resource_account=OTHER, identity_policies=[policy(allow())])
    )
    assert decision.message == f"{DENIED} because no resource-based policy allows the s3:GetObject action"


def test_assume_role_denied_by_trust_policy_has_the_sts_shape() -> None:
    role_trust = trust(trust_allow({"AWS": f"arn:aws:iam::{ACCT}:user/bob"}))
    decision = evaluate(Request(ALICE, "sts:AssumeRole", TARGET_ROLE, resource_policy=role_trust))
    assert decision.message == (
        f"User: {ALICE.arn} is not authorized to perform: sts:AssumeRole on resource: {TARGET_ROLE}"
    )
    assert decision.verdict is Verdict.IMPLICIT_DENY


def test_root_cannot_assume_roles() -> None:
    role_trust = trust(trust_allow({"AWS": ACCT}))
    decision = evaluate(Request(ROOT, "sts:AssumeRole", TARGET_ROLE, resource_policy=role_trust))
    assert decision.message == "Roles may not be assumed by root accounts."


def test_anonymous_message() -> None:
    decision = evaluate(Request(ANONYMOUS, "s3:GetObject", OBJECT))
    assert decision.message == (
        f"User: anonymous is not authorized to perform: s3:GetObject on resource: {OBJECT} "
        "because no resource-based policy allows the s3:GetObject action"
    )


def test_allowed_message_names_policy_and_sid() -> None:
    identity = policy({"Sid": "AllowRead", **allow("s3:GetObject")}, name="arn:aws:iam::111111111111:policy/Read")
    decision = evaluate(Request(ALICE, "s3:GetObject", OBJECT, identity_policies=[identity]))
    assert decision.message == 'Allowed by arn:aws:iam::111111111111:policy/Read statement "AllowRead" (#0)'
    assert decision.allowed


def test_allowed_message_without_sid_uses_index() -> None:
    identity = policy(allow("s3:PutObject"), allow("s3:GetObject"), name="P")
    decision = evaluate(Request(ALICE, "s3:GetObject", OBJECT, identity_policies=[identity]))
    assert decision.message == "Allowed by P statement #1"


def test_explain_lists_verdict_message_and_every_stage() -> None:
    identity = policy({"Sid": "Read", **allow("s3:GetObject")}, name="P")
    boundary = policy(allow("ec2:*"), kind="boundary", name="B")
    decision = evaluate(
        Request(ALICE, "s3:GetObject", OBJECT, identity_policies=[identity], permissions_boundary=boundary)
    )
    lines = decision.explain().splitlines()
    assert lines[0] == f"ImplicitDeny: s3:GetObject on {OBJECT}"
    assert lines[1] == decision.message
    assert [stage.stage for stage in decision.stages] == [
        "explicit deny",
        "resource-based policy",
        "identity-based policy",
        "permissions boundary",
        "session policy",
    ]
    assert lines[2:] == [f"  - {stage.line()}" for stage in decision.stages]
    assert '  - identity-based policy: allows (P statement "Read" (#0))' in lines
    assert "  - permissions boundary: no match" in lines


def test_explicit_deny_stage_names_denying_statement() -> None:
    identity = policy(allow(), {"Sid": "NoS3", **deny("s3:*")}, name="P")
    decision = evaluate(Request(ALICE, "s3:GetObject", OBJECT, identity_policies=[identity]))
    assert decision.stages[0].verdict == "denies"
    assert decision.stages[0].statements == ('P statement "NoS3" (#1)',)


def test_kms_denial_without_key_policy_delegation_names_the_key_policy() -> None:
    """https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html : an identity policy alone does not
    open a key; the message says no resource-based policy allows, and the explanation says why."""
    key = key_policy(allow("kms:*", "*", Principal={"AWS": f"arn:aws:iam::{OTHER}:root"}))
    decision = evaluate(Request(ALICE, "kms:Decrypt", KEY_ARN, identity_policies=[policy(allow("kms:*"))],
                                resource_policy=key))
    assert decision.verdict is Verdict.IMPLICIT_DENY
    assert decision.message.endswith("because no resource-based policy allows the kms:Decrypt action")
    assert "KMS key policy: identity-based policies count only if it allows the account" in decision.explain()
