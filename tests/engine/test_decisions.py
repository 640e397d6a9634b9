"""The decision table: each case encodes one rule of an AWS documentation page (its ``source``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from engine_cases import (
    ACCT,
    ACTION,
    ALICE,
    ANONYMOUS,
    ARN_OPERATORS,
    ASSUME_ROLE,
    BASICS,
    BOB,
    BOUNDARY,
    BUCKET,
    CONDITION,
    CROSS,
    DENYALLOW,
    EXPLICIT,
    EXTERNAL_ID,
    GET_CALLER_IDENTITY,
    GLOBAL_KEYS,
    GRAMMAR,
    KEY_ARN,
    KMS_DEFAULT_POLICY,
    KMS_KEY_POLICIES,
    LAMBDA,
    LOGIC,
    MFA,
    MULTIVALUED,
    NOTACTION,
    NOTPRINCIPAL,
    NOTRESOURCE,
    OBJECT,
    OTHER,
    PRINCIPAL,
    PRINCIPAL_IS_SERVICE,
    RESOURCE,
    RESOURCE_WILDCARDS,
    ROLE_ARN,
    ROOT,
    S3_ANONYMOUS,
    SERVICE_PRINCIPAL,
    SESSION,
    SESSION_PRINCIPAL,
    SESSION_TAGS,
    SOURCE_IDENTITY,
    TARGET_ROLE,
    TRUST_UPDATE,
    VARIABLES,
    allow,
    bucket_policy,
    cond,
    deny,
    key_policy,
    policy,
    stmt,
    trust,
    trust_allow,
)

from rolecheck.engine import Policy, Principal, Request, Verdict, evaluate

A, E, IMP = Verdict.ALLOWED, Verdict.EXPLICIT_DENY, Verdict.IMPLICIT_DENY
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
ALICE_ARN = ALICE.arn
SESSION_ARN = SESSION_PRINCIPAL.arn
ACCOUNT_ROOT = f"arn:aws:iam::{ACCT}:root"
LOG_GROUP = f"arn:aws:logs:us-east-1:{ACCT}:log-group:"


@dataclass(frozen=True)
class Case:
    id: str
    expected: Verdict
    source: str
    action: str = "s3:GetObject"
    resource: str = OBJECT
    principal: Principal = ALICE
    identity: Sequence[Policy] = ()
    boundary: Policy | None = None
    sessions: Sequence[Policy] | None = None
    resource_policy: Policy | None = None
    resource_account: str | None = None
    context: Mapping[str, Any] = field(default_factory=dict)

    def request(self) -> Request:
        return Request(
            principal=self.principal,
            action=self.action,
            resource=self.resource,
            resource_account=self.resource_account,
            identity_policies=self.identity,
            permissions_boundary=self.boundary,
            session_policies=self.sessions,
            resource_policy=self.resource_policy,
            context=self.context,
            now=NOW,
        )


def ident(*statements: dict[str, Any], version: str = "2012-10-17") -> tuple[Policy, ...]:
    return (policy(*statements, version=version),)


def when(
    operator: str,
    key: str,
    value: Any,
    context: Mapping[str, Any] | None,
    expected: Verdict,
    case_id: str,
    source: str = CONDITION,
    effect: str = "Allow",
) -> Case:
    """A case whose only question is whether one condition holds for ``context``."""
    statement = (allow if effect == "Allow" else deny)("s3:GetObject", "*", **cond(operator, key, value))
    statements = (statement,) if effect == "Allow" else (allow("s3:GetObject"), statement)
    return Case(case_id, expected, source, identity=ident(*statements), context=context or {})


GET = allow("s3:GetObject")
S3_ALL = allow("s3:*")
ASSUME = allow("sts:AssumeRole", TARGET_ROLE)
BOUNDARY_S3 = policy(allow("s3:*"), kind="boundary")
BOUNDARY_EC2 = policy(allow("ec2:*"), kind="boundary")
BOUNDARY_ASSUME = policy(allow("sts:AssumeRole"), kind="boundary")
SESSION_GET = policy(allow("s3:GetObject"), kind="session")
SESSION_LIST = policy(allow("s3:ListBucket"), kind="session")


STS_COMMON_ERRORS = "https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html"


def trust_case(case_id: str, expected: Verdict, source: str, principal_element: Any, **kw: Any) -> Case:
    extra = kw.pop("statement_extra", {})
    action = kw.pop("action", "sts:AssumeRole")
    statement = {**trust_allow(principal_element), **extra}
    return Case(case_id, expected, source, action, TARGET_ROLE, resource_policy=trust(statement), **kw)


# fmt: off
CASES: list[Case] = [
    # --- basic evaluation logic ---
    Case("identity-allow", A, DENYALLOW, identity=ident(GET)),
    Case("no-policy-implicit-deny", IMP, DENYALLOW),
    Case("deny-overrides-allow", E, EXPLICIT, identity=ident(GET, deny("s3:GetObject"))),
    Case("deny-only", E, EXPLICIT, identity=ident(deny("s3:*"))),
    Case("deny-in-second-policy-wins", E, DENYALLOW, identity=ident(GET) + ident(deny("*"))),
    Case("statement-as-object", A, GRAMMAR,
         identity=(Policy.parse("p", {"Version": "2012-10-17", "Statement": GET}),)),
    Case("unrelated-action-implicit", IMP, DENYALLOW, action="s3:PutObject", identity=ident(GET)),
    # --- Action ---
    Case("action-case-insensitive", A, ACTION, identity=ident(allow("S3:getOBJECT"))),
    Case("action-request-case-insensitive", A, ACTION, action="S3:GETOBJECT", identity=ident(GET)),
    Case("action-star-wildcard", A, ACTION, identity=ident(allow("s3:Get*"))),
    Case("action-star-wildcard-miss", IMP, ACTION, action="s3:PutObject", identity=ident(allow("s3:Get*"))),
    Case("action-question-wildcard", A, ACTION, identity=ident(allow("s3:GetObjec?"))),
    Case("action-question-one-char", IMP, ACTION, identity=ident(allow("s3:GetObj?"))),
    Case("action-list", A, ACTION, identity=ident(allow(["s3:PutObject", "s3:GetObject"]))),
    Case("action-all", A, ACTION, identity=ident(allow("*"))),
    Case("notaction-allow-other", A, NOTACTION,
         identity=ident({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})),
    Case("notaction-allow-excluded", IMP, NOTACTION, action="iam:CreateUser", resource="*",
         identity=ident({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})),
    Case("notaction-deny-outside", E, NOTACTION, action="ec2:RunInstances", resource="*",
         identity=ident(allow("*"), {"Effect": "Deny", "NotAction": "s3:*", "Resource": "*"})),
    Case("notaction-deny-inside-allowed", A, NOTACTION,
         identity=ident(allow("*"), {"Effect": "Deny", "NotAction": "s3:*", "Resource": "*"})),
    # --- Resource ---
    Case("resource-exact", A, RESOURCE, identity=ident(allow("s3:GetObject", OBJECT))),
    Case("resource-case-sensitive", IMP, RESOURCE, identity=ident(allow("s3:GetObject", "arn:aws:s3:::BKT/*"))),
    Case("resource-star", A, RESOURCE, identity=ident(allow("s3:GetObject", "arn:aws:s3:::bkt/*"))),
    Case("resource-question", A, RESOURCE, identity=ident(allow("s3:GetObject", "arn:aws:s3:::bkt/ke?"))),
    Case("resource-other-bucket", IMP, RESOURCE, identity=ident(allow("s3:GetObject", "arn:aws:s3:::other/*"))),
    Case("resource-bucket-not-object", IMP, RESOURCE, identity=ident(allow("s3:GetObject", BUCKET))),
    Case("notresource-allow", A, NOTRESOURCE,
         identity=ident({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"})),
    Case("notresource-allow-excluded", IMP, NOTRESOURCE, resource="arn:aws:s3:::secret/k",
         identity=ident({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"})),
    Case("notresource-deny-outside", E, NOTRESOURCE, resource="arn:aws:s3:::other/k",
         identity=ident(S3_ALL, {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::bkt/*"})),
    # --- string operators ---
    when("StringEquals", "s3:prefix", "home/", {"s3:prefix": "home/"}, A, "stringequals-match"),
    when("StringEquals", "s3:prefix", "home/", {"s3:prefix": "HOME/"}, IMP, "stringequals-case-sensitive"),
    when("StringEquals", "s3:prefix", "home/", None, IMP, "stringequals-missing-key"),
    when("StringEquals", "s3:prefix", ["a/", "home/"], {"s3:prefix": "home/"}, A, "stringequals-values-ored", LOGIC),
    when("StringEquals", "s3:prefix", "home/*", {"s3:prefix": "home/x"}, IMP, "stringequals-no-wildcards"),
    when("StringNotEquals", "s3:prefix", ["a/", "b/"], {"s3:prefix": "b/"}, IMP, "stringnotequals-nor-hit", LOGIC),
    when("StringNotEquals", "s3:prefix", ["a/", "b/"], {"s3:prefix": "c/"}, A, "stringnotequals-nor-miss", LOGIC),
    when("StringNotEquals", "s3:prefix", "a/", None, A, "stringnotequals-missing-key-true"),
    when("StringNotEquals", "aws:PrincipalAccount", OTHER, None, E, "deny-stringnotequals-principal-account",
         effect="Deny"),
    when("StringEqualsIgnoreCase", "s3:prefix", "Home/", {"s3:prefix": "hOME/"}, A, "stringequalsignorecase"),
    when("StringNotEqualsIgnoreCase", "s3:prefix", "Home/", {"s3:prefix": "HOME/"}, IMP, "stringnotequalsignorecase"),
    when("StringLike", "s3:prefix", "home/*", {"s3:prefix": "home/alice/x"}, A, "stringlike-star"),
    when("StringLike", "s3:prefix", "home/?", {"s3:prefix": "home/ab"}, IMP, "stringlike-question-one-char"),
    when("StringLike", "s3:prefix", "home/??", {"s3:prefix": "home/ab"}, A, "stringlike-question"),
    when("StringNotLike", "s3:prefix", ["tmp/*", "log/*"], {"s3:prefix": "home/x"}, A, "stringnotlike-multi"),
    when("StringNotLike", "s3:prefix", ["tmp/*", "log/*"], {"s3:prefix": "log/x"}, IMP, "stringnotlike-multi-hit"),
    # --- numeric operators ---
    when("NumericLessThan", "aws:MultiFactorAuthAge", "3600", {"aws:MultiFactorAuthAge": 100}, A, "numericlessthan"),
    when("NumericLessThan", "aws:MultiFactorAuthAge", 3600, {"aws:MultiFactorAuthAge": "7200"}, IMP,
         "numericlessthan-false"),
    when("NumericEquals", "s3:max-keys", "10", {"s3:max-keys": 10}, A, "numericequals"),
    when("NumericNotEquals", "s3:max-keys", ["10", "20"], {"s3:max-keys": 20}, IMP, "numericnotequals-multi"),
    when("NumericLessThanEquals", "s3:max-keys", "10", {"s3:max-keys": 10}, A, "numericlessthanequals"),
    when("NumericGreaterThan", "s3:max-keys", "10", {"s3:max-keys": 10}, IMP, "numericgreaterthan-equal-false"),
    when("NumericGreaterThanEquals", "s3:max-keys", "10", {"s3:max-keys": 11}, A, "numericgreaterthanequals"),
    when("NumericEquals", "s3:max-keys", "10", {"s3:max-keys": "ten"}, IMP, "numeric-non-number-context"),
    # --- date operators (aws:CurrentTime and aws:EpochTime derive from Request.now) ---
    when("DateGreaterThan", "aws:CurrentTime", "2024-01-01T00:00:00Z", None, A, "dategreaterthan-currenttime",
         GLOBAL_KEYS),
    when("DateLessThan", "aws:CurrentTime", "2024-01-01T00:00:00Z", None, IMP, "datelessthan-currenttime-expired"),
    when("DateLessThanEquals", "aws:CurrentTime", "2024-06-01T12:00:00Z", None, A, "datelessthanequals-same"),
    when("DateGreaterThanEquals", "aws:EpochTime", "1717243200", None, A, "dategreaterthanequals-epoch",
         GLOBAL_KEYS),
    when("DateEquals", "aws:CurrentTime", "2024-06-01T12:00:00+00:00", None, A, "dateequals-offset-form"),
    when("DateNotEquals", "aws:CurrentTime", "2024-06-01T12:00:00Z", None, IMP, "datenotequals"),
    when("DateGreaterThan", "aws:TokenIssueTime", "2024-06-01T00:00:00Z",
         {"aws:TokenIssueTime": "2024-06-01T11:00:00Z"}, A, "dategreaterthan-tokenissuetime"),
    # --- Bool, Binary, IP, ARN, Null ---
    when("Bool", "aws:SecureTransport", "true", {"aws:SecureTransport": True}, A, "bool-true"),
    when("Bool", "aws:SecureTransport", "true", {"aws:SecureTransport": "false"}, IMP, "bool-false"),
    when("Bool", "aws:SecureTransport", "false", None, A, "deny-bool-missing-key-false", effect="Deny"),
    when("BoolIfExists", "aws:MultiFactorAuthPresent", "false", None, E, "deny-boolifexists-missing-mfa", MFA,
         effect="Deny"),
    when("BoolIfExists", "aws:MultiFactorAuthPresent", "false", {"aws:MultiFactorAuthPresent": True}, A,
         "deny-boolifexists-mfa-present", MFA, effect="Deny"),
    when("BinaryEquals", "s3:x-amz-content", "QmluYXJ5", {"s3:x-amz-content": b"Binary"}, A, "binaryequals"),
    when("BinaryEquals", "s3:x-amz-content", "QmluYXJ5", {"s3:x-amz-content": "T3RoZXI="}, IMP, "binaryequals-miss"),
    when("IpAddress", "aws:SourceIp", "203.0.113.0/24", {"aws:SourceIp": "203.0.113.7"}, A, "ipaddress-v4"),
    when("IpAddress", "aws:SourceIp", "203.0.113.0/24", {"aws:SourceIp": "198.51.100.7"}, IMP, "ipaddress-v4-miss"),
    when("IpAddress", "aws:SourceIp", "2001:db8::/32", {"aws:SourceIp": "2001:db8::1"}, A, "ipaddress-v6"),
    when("IpAddress", "aws:SourceIp", ["2001:db8::/32", "203.0.113.0/24"], {"aws:SourceIp": "203.0.113.9"}, A,
         "ipaddress-mixed-list"),
    when("NotIpAddress", "aws:SourceIp", "203.0.113.0/24", {"aws:SourceIp": "198.51.100.7"}, E,
         "deny-notipaddress-outside", effect="Deny"),
    when("NotIpAddress", "aws:SourceIp", "203.0.113.0/24", {"aws:SourceIp": "203.0.113.1"}, A,
         "deny-notipaddress-inside", effect="Deny"),
    when("ArnEquals", "aws:SourceArn", "arn:aws:sns:us-east-1:111111111111:topic",
         {"aws:SourceArn": "arn:aws:sns:us-east-1:111111111111:topic"}, A, "arnequals"),
    when("ArnLike", "aws:SourceArn", "arn:aws:sns:*:111111111111:*",
         {"aws:SourceArn": "arn:aws:sns:eu-west-1:111111111111:t"}, A, "arnlike-components"),
    when("ArnLike", "aws:SourceArn", "arn:aws:sns:*:111111111111:*",
         {"aws:SourceArn": "arn:aws:sns:eu-west-1:222222222222:t"}, IMP, "arnlike-account-mismatch"),
    when("ArnNotLike", "aws:SourceArn", "arn:aws:sns:*:111111111111:*",
         {"aws:SourceArn": "arn:aws:sns:eu-west-1:222222222222:t"}, A, "arnnotlike"),
    when("ArnNotEquals", "aws:SourceArn", "arn:aws:sns:us-east-1:111111111111:topic", None, A,
         "arnnotequals-missing-key-true"),
    when("Null", "s3:x-amz-server-side-encryption", "true", None, A, "null-true-missing"),
    when("Null", "s3:x-amz-server-side-encryption", "true", {"s3:x-amz-server-side-encryption": "AES256"}, IMP,
         "null-true-present"),
    when("Null", "s3:x-amz-server-side-encryption", "false", {"s3:x-amz-server-side-encryption": "AES256"}, A,
         "null-false-present"),
    when("StringEqualsIfExists", "s3:prefix", "home/", None, A, "ifexists-missing-key-true"),
    when("StringEqualsIfExists", "s3:prefix", "home/", {"s3:prefix": "tmp/"}, IMP, "ifexists-present-mismatch"),
    when("NumericLessThanIfExists", "s3:max-keys", "10", None, A, "numeric-ifexists-missing"),
    # --- set qualifiers ---
    when("ForAllValues:StringEquals", "aws:TagKeys", ["env", "team"], {"aws:TagKeys": ["env"]}, A,
         "forallvalues-subset", MULTIVALUED),
    when("ForAllValues:StringEquals", "aws:TagKeys", ["env", "team"], {"aws:TagKeys": ["env", "cost"]}, IMP,
         "forallvalues-not-subset", MULTIVALUED),
    when("ForAllValues:StringEquals", "aws:TagKeys", ["env"], None, A, "forallvalues-missing-key-true", MULTIVALUED),
    when("ForAnyValue:StringEquals", "aws:TagKeys", ["env"], {"aws:TagKeys": ["cost", "env"]}, A,
         "foranyvalue-one-match", MULTIVALUED),
    when("ForAnyValue:StringEquals", "aws:TagKeys", ["env"], None, IMP, "foranyvalue-missing-key-false", MULTIVALUED),
    when("ForAnyValue:StringLike", "aws:TagKeys", ["team-*"], {"aws:TagKeys": ["env"]}, IMP, "foranyvalue-like-miss",
         MULTIVALUED),
    when("ForAllValues:StringNotEquals", "aws:TagKeys", ["admin"], {"aws:TagKeys": ["env", "admin"]}, IMP,
         "forallvalues-negated", MULTIVALUED),
    Case("condition-keys-anded", IMP, LOGIC, context={"s3:prefix": "home/", "aws:SecureTransport": "false"},
         identity=ident(allow("s3:GetObject", Condition={"StringEquals": {"s3:prefix": "home/"},
                                                         "Bool": {"aws:SecureTransport": "true"}}))),
    # --- policy variables ---
    Case("variable-username-own-home", A, VARIABLES, resource="arn:aws:s3:::bkt/home/alice/f",
         identity=ident(allow("s3:GetObject", "arn:aws:s3:::bkt/home/${aws:username}/*"))),
    Case("variable-username-other-home", IMP, VARIABLES, resource="arn:aws:s3:::bkt/home/bob/f",
         identity=ident(allow("s3:GetObject", "arn:aws:s3:::bkt/home/${aws:username}/*"))),
    Case("variable-missing-key-no-match", IMP, VARIABLES, principal=SESSION_PRINCIPAL,
         resource="arn:aws:s3:::bkt/home/alice-session/f",
         identity=ident(allow("s3:GetObject", "arn:aws:s3:::bkt/home/${aws:username}/*"))),
    Case("variable-default-value", A, VARIABLES, principal=SESSION_PRINCIPAL,
         resource="arn:aws:s3:::bkt/home/nobody/f",
         identity=ident(allow("s3:GetObject", "arn:aws:s3:::bkt/home/${aws:username, 'nobody'}/*"))),
    Case("variable-literal-star", IMP, VARIABLES, resource="arn:aws:s3:::bkt/anything",
         identity=ident(allow("s3:GetObject", "arn:aws:s3:::bkt/${*}"))),
    Case("variable-literal-star-matches-star", A, VARIABLES, resource="arn:aws:s3:::bkt/*",
         identity=ident(allow("s3:GetObject", "arn:aws:s3:::bkt/${*}"))),
    Case("variable-version-2008-literal", IMP, VARIABLES, resource="arn:aws:s3:::bkt/home/alice/f",
         identity=ident(allow("s3:GetObject", "arn:aws:s3:::bkt/home/${aws:username}/*"), version="2008-10-17")),
    Case("variable-in-condition", A, VARIABLES, context={"s3:prefix": "home/alice/docs"},
         identity=ident(allow("s3:GetObject", **cond("StringLike", "s3:prefix", "home/${aws:username}/*")))),
    Case("principalarn-of-session-is-role-arn", A, GLOBAL_KEYS, principal=SESSION_PRINCIPAL,
         identity=ident(allow("s3:GetObject", **cond("ArnEquals", "aws:PrincipalArn", ROLE_ARN)))),
    Case("userid-of-session", A, GLOBAL_KEYS, principal=SESSION_PRINCIPAL,
         identity=ident(allow("s3:GetObject", **cond("StringLike", "aws:userid", "AROAREADER:*")))),
    Case("principaltype-assumedrole", A, GLOBAL_KEYS, principal=SESSION_PRINCIPAL,
         identity=ident(allow("s3:GetObject", **cond("StringEquals", "aws:PrincipalType", "AssumedRole")))),
    # --- permissions boundaries ---
    Case("boundary-allows", A, BOUNDARY, identity=ident(GET), boundary=BOUNDARY_S3),
    Case("boundary-does-not-allow", IMP, BOUNDARY, identity=ident(GET), boundary=BOUNDARY_EC2),
    Case("boundary-alone-grants-nothing", IMP, BOUNDARY, boundary=BOUNDARY_S3),
    Case("boundary-deny", E, BOUNDARY, identity=ident(GET),
         boundary=policy(allow("*"), deny("s3:GetObject"), kind="boundary")),
    Case("boundary-resource-policy-user-arn-not-limited", A, BASICS, boundary=BOUNDARY_EC2,
         resource_policy=bucket_policy(allow("s3:GetObject", OBJECT, Principal={"AWS": ALICE_ARN}))),
    Case("boundary-limits-resource-policy-role-arn", IMP, BASICS, principal=SESSION_PRINCIPAL, boundary=BOUNDARY_EC2,
         resource_policy=bucket_policy(allow("s3:GetObject", OBJECT, Principal={"AWS": ROLE_ARN}))),
    Case("boundary-resource-policy-session-arn-not-limited", A, BASICS, principal=SESSION_PRINCIPAL,
         boundary=BOUNDARY_EC2,
         resource_policy=bucket_policy(allow("s3:GetObject", OBJECT, Principal={"AWS": SESSION_ARN}))),
    # --- session policies ---
    Case("session-policy-allows", A, SESSION, principal=SESSION_PRINCIPAL, identity=ident(S3_ALL),
         sessions=(SESSION_GET,)),
    Case("session-policy-does-not-allow", IMP, SESSION, principal=SESSION_PRINCIPAL, identity=ident(S3_ALL),
         sessions=(SESSION_LIST,)),
    Case("session-policy-cannot-grant", IMP, SESSION, principal=SESSION_PRINCIPAL, sessions=(SESSION_GET,)),
    Case("session-policy-deny", E, SESSION, principal=SESSION_PRINCIPAL, identity=ident(S3_ALL),
         sessions=(policy(allow("*"), deny("s3:GetObject"), kind="session"),)),
    Case("session-policy-any-of-several", A, SESSION, principal=SESSION_PRINCIPAL, identity=ident(S3_ALL),
         sessions=(SESSION_LIST, SESSION_GET)),
    Case("session-policy-not-limiting-session-arn-grant", A, SESSION, principal=SESSION_PRINCIPAL,
         sessions=(SESSION_LIST,),
         resource_policy=bucket_policy(allow("s3:GetObject", OBJECT, Principal={"AWS": SESSION_ARN}))),
    Case("session-policy-limits-role-arn-grant", IMP, SESSION, principal=SESSION_PRINCIPAL, sessions=(SESSION_LIST,),
         resource_policy=bucket_policy(allow("s3:GetObject", OBJECT, Principal={"AWS": ROLE_ARN}))),
    Case("resource-policy-role-arn-grants-session", A, BASICS, principal=SESSION_PRINCIPAL,
         resource_policy=bucket_policy(allow("s3:GetObject", OBJECT, Principal={"AWS": ROLE_ARN}))),
    # --- resource-based policies, same account ---
    Case("bucket-policy-user-arn-no-identity-policy", A, BASICS,
         resource_policy=bucket_policy(allow("s3:GetObject", OBJECT, Principal={"AWS": ALICE_ARN}))),
    Case("bucket-policy-other-user", IMP, BASICS,
         resource_policy=bucket_policy(allow("s3:GetObject", OBJECT, Principal={"AWS": BOB.arn}))),
    Case("bucket-policy-account-delegates", IMP, BASICS,
         resource_policy=bucket_policy(allow("s3:GetObject", OBJECT, Principal={"AWS": ACCOUNT_ROOT}))),
    Case("bucket-policy-account-plus-identity", A, BASICS, identity=ident(GET),
         resource_policy=bucket_policy(allow("s3:GetObject", OBJECT, Principal={"AWS": ACCOUNT_ROOT}))),
    Case("bucket-policy-deny-user", E, DENYALLOW, identity=ident(GET),
         resource_policy=bucket_policy(deny("s3:GetObject", OBJECT, Principal={"AWS": ALICE_ARN}))),
    Case("bucket-policy-deny-insecure-transport", E, S3_ANONYMOUS, identity=ident(GET),
         context={"aws:SecureTransport": False},
         resource_policy=bucket_policy(deny("s3:*", [BUCKET, "arn:aws:s3:::bkt/*"], Principal="*",
                                            **cond("Bool", "aws:SecureTransport", "false")))),
    Case("bucket-policy-deny-other-principal-ignored", A, PRINCIPAL, identity=ident(GET),
         resource_policy=bucket_policy(deny("s3:GetObject", OBJECT, Principal={"AWS": BOB.arn}))),
    # --- NotPrincipal ---
    Case("notprincipal-user-and-account-excluded", A, NOTPRINCIPAL, identity=ident(GET),
         resource_policy=bucket_policy(deny("s3:*", "*", NotPrincipal={"AWS": [ALICE_ARN, ACCOUNT_ROOT]}))),
    Case("notprincipal-user-only-still-denied", E, NOTPRINCIPAL, identity=ident(GET),
         resource_policy=bucket_policy(deny("s3:*", "*", NotPrincipal={"AWS": [ALICE_ARN]}))),
    Case("notprincipal-deny-with-boundary-always-denies", E, BOUNDARY, identity=ident(GET), boundary=BOUNDARY_S3,
         resource_policy=bucket_policy(deny("s3:*", "*", NotPrincipal={"AWS": [ALICE_ARN, ACCOUNT_ROOT]}))),
    Case("notprincipal-session-fully-listed", A, NOTPRINCIPAL, principal=SESSION_PRINCIPAL, identity=ident(GET),
         resource_policy=bucket_policy(deny("s3:*", "*",
                                            NotPrincipal={"AWS": [SESSION_ARN, ROLE_ARN, ACCOUNT_ROOT]}))),
    Case("notprincipal-session-role-only", E, NOTPRINCIPAL, principal=SESSION_PRINCIPAL, identity=ident(GET),
         resource_policy=bucket_policy(deny("s3:*", "*", NotPrincipal={"AWS": [ROLE_ARN, ACCOUNT_ROOT]}))),
    # --- role trust policies ---
    trust_case("trust-user-arn-no-identity-policy", A, ASSUME_ROLE, {"AWS": ALICE_ARN}),
    trust_case("trust-root-arn-delegates", IMP, ASSUME_ROLE, {"AWS": ACCOUNT_ROOT}),
    trust_case("trust-root-arn-plus-identity", A, ASSUME_ROLE, {"AWS": ACCOUNT_ROOT}, identity=ident(ASSUME)),
    trust_case("trust-bare-account-plus-identity", A, PRINCIPAL, {"AWS": ACCT}, identity=ident(ASSUME)),
    trust_case("trust-bare-account-no-identity", IMP, PRINCIPAL, {"AWS": ACCT}),
    trust_case("trust-other-user-identity-not-enough", IMP, DENYALLOW, {"AWS": BOB.arn}, identity=ident(allow("*"))),
    Case("trust-missing", IMP, DENYALLOW, action="sts:AssumeRole", resource=TARGET_ROLE, identity=ident(allow("*"))),
    trust_case("trust-service-only-denies-user", IMP, PRINCIPAL, {"Service": "ec2.amazonaws.com"},
               identity=ident(allow("*"))),
    Case("trust-deny-wins", E, DENYALLOW, action="sts:AssumeRole", resource=TARGET_ROLE, identity=ident(ASSUME),
         resource_policy=trust(trust_allow({"AWS": ACCOUNT_ROOT}),
                               {"Effect": "Deny", "Action": "sts:AssumeRole", "Principal": {"AWS": ALICE_ARN}})),
    trust_case("trust-role-arn-matches-session", A, PRINCIPAL, {"AWS": ROLE_ARN}, principal=SESSION_PRINCIPAL),
    trust_case("trust-session-arn", A, PRINCIPAL, {"AWS": SESSION_ARN}, principal=SESSION_PRINCIPAL),
    trust_case("trust-role-arn-limited-by-session-policy", IMP, SESSION, {"AWS": ROLE_ARN},
               principal=SESSION_PRINCIPAL, sessions=(SESSION_GET,)),
    trust_case("trust-externalid-match", A, EXTERNAL_ID, {"AWS": ALICE_ARN}, context={"sts:ExternalId": "xyz"},
               statement_extra=cond("StringEquals", "sts:ExternalId", "xyz")),
    trust_case("trust-externalid-mismatch", IMP, EXTERNAL_ID, {"AWS": ALICE_ARN}, context={"sts:ExternalId": "abc"},
               statement_extra=cond("StringEquals", "sts:ExternalId", "xyz")),
    trust_case("trust-externalid-missing", IMP, EXTERNAL_ID, {"AWS": ALICE_ARN},
               statement_extra=cond("StringEquals", "sts:ExternalId", "xyz")),
    trust_case("trust-mfa-present", A, MFA, {"AWS": ALICE_ARN}, context={"aws:MultiFactorAuthPresent": "true"},
               statement_extra=cond("Bool", "aws:MultiFactorAuthPresent", "true")),
    trust_case("trust-mfa-missing", IMP, MFA, {"AWS": ALICE_ARN},
               statement_extra=cond("Bool", "aws:MultiFactorAuthPresent", "true")),
    trust_case("trust-user-arn-boundary-without-assumerole", IMP, TRUST_UPDATE, {"AWS": ALICE_ARN},
               boundary=BOUNDARY_S3),
    trust_case("trust-user-arn-boundary-allows-assumerole", A, TRUST_UPDATE, {"AWS": ALICE_ARN},
               boundary=BOUNDARY_ASSUME),
    trust_case("trust-root-user-cannot-assume", IMP, ASSUME_ROLE, {"AWS": ACCOUNT_ROOT}, principal=ROOT),
    trust_case("trust-session-name-variable", A, VARIABLES, {"AWS": ALICE_ARN},
               context={"sts:RoleSessionName": "alice"},
               statement_extra=cond("StringEquals", "sts:RoleSessionName", "${aws:username}")),
    # --- cross-account ---
    Case("cross-account-both-allow", A, CROSS, resource_account=OTHER, identity=ident(GET),
         resource_policy=bucket_policy(allow("s3:GetObject", OBJECT, Principal={"AWS": ACCT}))),
    Case("cross-account-no-identity", IMP, CROSS, resource_account=OTHER,
         resource_policy=bucket_policy(allow("s3:GetObject", OBJECT, Principal={"AWS": ALICE_ARN}))),
    Case("cross-account-no-resource-policy", IMP, CROSS, resource_account=OTHER, identity=ident(GET)),
    Case("cross-account-resource-policy-names-user", A, CROSS, resource_account=OTHER, identity=ident(GET),
         resource_policy=bucket_policy(allow("s3:GetObject", OBJECT, Principal={"AWS": ALICE_ARN}))),
    Case("cross-account-boundary-limits", IMP, CROSS, resource_account=OTHER, identity=ident(GET),
         boundary=BOUNDARY_EC2,
         resource_policy=bucket_policy(allow("s3:GetObject", OBJECT, Principal={"AWS": ALICE_ARN}))),
    Case("cross-account-trust-with-identity", A, CROSS, action="sts:AssumeRole",
         resource=f"arn:aws:iam::{OTHER}:role/Target", resource_account=OTHER,
         identity=ident(allow("sts:AssumeRole", f"arn:aws:iam::{OTHER}:role/Target")),
         resource_policy=trust(trust_allow({"AWS": ACCOUNT_ROOT}))),
    Case("cross-account-trust-without-identity", IMP, CROSS, action="sts:AssumeRole",
         resource=f"arn:aws:iam::{OTHER}:role/Target", resource_account=OTHER,
         resource_policy=trust(trust_allow({"AWS": ALICE_ARN}))),
    # --- anonymous and root ---
    Case("anonymous-public-bucket-star", A, S3_ANONYMOUS, principal=ANONYMOUS,
         resource_policy=bucket_policy(allow("s3:GetObject", "arn:aws:s3:::bkt/*", Principal="*"))),
    Case("anonymous-public-bucket-aws-star", A, PRINCIPAL, principal=ANONYMOUS,
         resource_policy=bucket_policy(allow("s3:GetObject", "arn:aws:s3:::bkt/*", Principal={"AWS": "*"}))),
    Case("anonymous-account-principal", IMP, PRINCIPAL, principal=ANONYMOUS,
         resource_policy=bucket_policy(allow("s3:GetObject", "arn:aws:s3:::bkt/*", Principal={"AWS": ACCT}))),
    Case("anonymous-no-resource-policy", IMP, PRINCIPAL, principal=ANONYMOUS, identity=ident(allow("*"))),
    Case("anonymous-assume-role-even-if-trust-names-everyone", IMP, STS_COMMON_ERRORS, principal=ANONYMOUS,
         action="sts:AssumeRole", resource="arn:aws:iam::111122223333:role/Target",
         resource_policy=trust(trust_allow({"AWS": "*"}))),
    Case("anonymous-iam-call-even-if-allowed", IMP, STS_COMMON_ERRORS, principal=ANONYMOUS,
         action="iam:ListUsers", resource="*", resource_policy=bucket_policy(allow("*", "*", Principal="*"))),
    Case("root-full-access-own-account", A, DENYALLOW, principal=ROOT),
    Case("root-explicit-deny-in-bucket-policy", E, DENYALLOW, principal=ROOT,
         resource_policy=bucket_policy(deny("s3:GetObject", OBJECT, Principal={"AWS": ACCOUNT_ROOT}))),
    # --- round two (issue 13) ---
    # Resource wildcards work within a colon-separated segment; only a * ending its segment crosses colons.
    Case("resource-star-mid-segment-stays-in-segment", IMP, RESOURCE_WILDCARDS, action="logs:GetLogEvents",
         resource=f"{LOG_GROUP}app:log-stream:x-prod", identity=ident(allow("logs:*", f"{LOG_GROUP}app*-prod"))),
    Case("resource-star-ending-segment-crosses-colons", A, RESOURCE_WILDCARDS, action="logs:GetLogEvents",
         resource=f"{LOG_GROUP}app:log-stream:s1", identity=ident(allow("logs:*", f"{LOG_GROUP}app*"))),
    Case("resource-star-whole-region-segment", A, RESOURCE_WILDCARDS, action="sqs:SendMessage",
         resource=f"arn:aws:sqs:us-east-1:{ACCT}:q", identity=ident(allow("sqs:*", f"arn:aws:sqs:*:{ACCT}:q"))),
    Case("resource-question-never-matches-colon", IMP, RESOURCE_WILDCARDS, action="logs:GetLogEvents",
         resource=f"{LOG_GROUP}a:b", identity=ident(allow("logs:*", f"{LOG_GROUP}a?b"))),
    Case("resource-deny-mid-segment-star-not-a-guard-across-colons", A, RESOURCE_WILDCARDS,
         action="logs:GetLogEvents", resource=f"{LOG_GROUP}app:log-stream:x-secret",
         identity=ident(allow("logs:*"), deny("logs:*", f"{LOG_GROUP}*-secret"))),
    Case("resource-deny-star-ending-segment-guards", E, RESOURCE_WILDCARDS, action="logs:GetLogEvents",
         resource=f"{LOG_GROUP}secret:log-stream:x",
         identity=ident(allow("logs:*"), deny("logs:*", f"{LOG_GROUP}secret*"))),
    when("ArnLike", "aws:SourceArn", f"{LOG_GROUP}*-x", {"aws:SourceArn": f"{LOG_GROUP}a:b-x"}, A,
         "arnlike-resource-component-takes-colons", ARN_OPERATORS),
    when("ArnLike", "aws:SourceArn", "arn:aws:sns:us-*-1:111111111111:t",
         {"aws:SourceArn": "arn:aws:sns:us-x:y-1:111111111111:t"}, IMP, "arnlike-region-component-no-colon",
         ARN_OPERATORS),
    when("StringLike", "s3:prefix", "a*b", {"s3:prefix": "a:x:b"}, A, "stringlike-star-crosses-colons"),
    # sts:TagSession and sts:SetSourceIdentity are decided on the trust policy like sts:AssumeRole.
    trust_case("tagsession-trust-allows", A, SESSION_TAGS, {"AWS": ALICE_ARN}, action="sts:TagSession",
               statement_extra={"Action": ["sts:AssumeRole", "sts:TagSession"]}),
    trust_case("tagsession-trust-lacks-it-identity-not-enough", IMP, SESSION_TAGS, {"AWS": ALICE_ARN},
               action="sts:TagSession", identity=ident(allow("sts:TagSession"))),
    trust_case("tagsession-trust-names-account-needs-identity", IMP, SESSION_TAGS, {"AWS": ACCOUNT_ROOT},
               action="sts:TagSession", statement_extra={"Action": "sts:TagSession"}),
    trust_case("tagsession-trust-names-account-with-identity", A, SESSION_TAGS, {"AWS": ACCOUNT_ROOT},
               action="sts:TagSession", statement_extra={"Action": "sts:TagSession"},
               identity=ident(allow("sts:TagSession", TARGET_ROLE))),
    trust_case("tagsession-requesttag-condition-mismatch", IMP, SESSION_TAGS, {"AWS": ALICE_ARN},
               action="sts:TagSession", context={"aws:RequestTag/team": "red", "aws:TagKeys": ["team"]},
               statement_extra={"Action": "sts:TagSession", **cond("StringEquals", "aws:RequestTag/team", "blue")}),
    trust_case("tagsession-tagkeys-condition", A, SESSION_TAGS, {"AWS": ALICE_ARN}, action="sts:TagSession",
               context={"aws:RequestTag/team": "blue", "aws:TagKeys": ["team"]},
               statement_extra={"Action": "sts:TagSession",
                                **cond("ForAllValues:StringEquals", "aws:TagKeys", ["team", "project"])}),
    trust_case("setsourceidentity-trust-allows-own-name", A, SOURCE_IDENTITY, {"AWS": ALICE_ARN},
               action="sts:SetSourceIdentity", context={"sts:SourceIdentity": "alice"},
               statement_extra={"Action": "sts:SetSourceIdentity",
                                **cond("StringEquals", "sts:SourceIdentity", "${aws:username}")}),
    trust_case("setsourceidentity-trust-lacks-it", IMP, SOURCE_IDENTITY, {"AWS": ALICE_ARN},
               action="sts:SetSourceIdentity", context={"sts:SourceIdentity": "alice"}),
    Case("principaltag-of-session-in-context", A, SESSION_TAGS, principal=SESSION_PRINCIPAL,
         context={"aws:PrincipalTag/team": "blue"},
         identity=ident(allow("s3:GetObject", **cond("StringEquals", "aws:PrincipalTag/team", "blue")))),
    Case("sourceidentity-of-session-in-context", E, SOURCE_IDENTITY, principal=SESSION_PRINCIPAL,
         context={"aws:SourceIdentity": "mallory"},
         identity=ident(GET, deny("*", **cond("StringNotEquals", "aws:SourceIdentity", "alice")))),
    # KMS: the key policy must allow; identity policies count only when it allows the account.
    Case("kms-identity-policy-without-key-policy-delegation", IMP, KMS_KEY_POLICIES, action="kms:Decrypt",
         resource=KEY_ARN, identity=ident(allow("kms:*")),
         resource_policy=key_policy(allow("kms:*", "*", Principal={"AWS": BOB.arn}))),
    Case("kms-default-key-policy-enables-identity-policies", A, KMS_DEFAULT_POLICY, action="kms:Decrypt",
         resource=KEY_ARN, identity=ident(allow("kms:Decrypt")),
         resource_policy=key_policy(allow("kms:*", "*", Principal={"AWS": ACCOUNT_ROOT}))),
    Case("kms-default-key-policy-alone-grants-nothing", IMP, KMS_DEFAULT_POLICY, action="kms:Decrypt",
         resource=KEY_ARN, resource_policy=key_policy(allow("kms:*", "*", Principal={"AWS": ACCOUNT_ROOT}))),
    Case("kms-key-policy-names-user", A, KMS_KEY_POLICIES, action="kms:Decrypt", resource=KEY_ARN,
         resource_policy=key_policy(allow("kms:Decrypt", "*", Principal={"AWS": ALICE_ARN}))),
    Case("kms-identity-deny-wins", E, KMS_KEY_POLICIES, action="kms:Decrypt", resource=KEY_ARN,
         identity=ident(deny("kms:Decrypt")),
         resource_policy=key_policy(allow("kms:Decrypt", "*", Principal={"AWS": ALICE_ARN}))),
    Case("kms-root-needs-key-policy", IMP, KMS_KEY_POLICIES, action="kms:Decrypt", resource=KEY_ARN, principal=ROOT,
         resource_policy=key_policy(allow("kms:*", "*", Principal={"AWS": BOB.arn}))),
    Case("kms-root-allowed-by-default-statement", A, KMS_DEFAULT_POLICY, action="kms:Decrypt", resource=KEY_ARN,
         principal=ROOT, resource_policy=key_policy(allow("kms:*", "*", Principal={"AWS": ACCOUNT_ROOT}))),
    Case("kms-role-session-via-role-arn", A, KMS_KEY_POLICIES, action="kms:Decrypt", resource=KEY_ARN,
         principal=SESSION_PRINCIPAL,
         resource_policy=key_policy(allow("kms:Decrypt", "*", Principal={"AWS": ROLE_ARN}))),
    # Data-perimeter keys are known global keys: missing, they follow the operator's missing-key rule.
    when("StringNotEqualsIfExists", "aws:SourceVpcArn", "arn:aws:ec2:us-east-1:111111111111:vpc/vpc-1", None, E,
         "deny-sourcevpcarn-missing", GLOBAL_KEYS, effect="Deny"),
    when("StringNotEquals", "aws:VpceOrgID", "o-abc", None, E, "deny-vpceorgid-missing", GLOBAL_KEYS, effect="Deny"),
    when("StringEquals", "aws:VpceAccount", ACCT, None, IMP, "vpceaccount-missing", GLOBAL_KEYS),
    when("ForAnyValue:StringLike", "aws:VpceOrgPaths", "o-abc/*", None, IMP, "vpceorgpaths-missing", GLOBAL_KEYS),
    when("Bool", "aws:PrincipalIsAWSService", "false", None, A, "principalisawsservice-false-for-iam-user",
         PRINCIPAL_IS_SERVICE),
    when("Bool", "aws:ViaAWSService", "false", None, A, "viaawsservice-false-for-a-direct-call",
         GLOBAL_KEYS + "#condition-keys-viaawsservice"),
    when("Bool", "aws:ViaAWSService", "true", {"aws:ViaAWSService": "true"}, A, "viaawsservice-supplied-true",
         GLOBAL_KEYS + "#condition-keys-viaawsservice"),
    Case("anonymous-principalaccount-is-anonymous", A, GLOBAL_KEYS + "#condition-keys-principalaccount",
         principal=ANONYMOUS, resource_policy=bucket_policy(allow("s3:GetObject", OBJECT, Principal="*", **cond(
             "StringEquals", "aws:PrincipalAccount", "anonymous")))),
    # A service principal as the caller: only a resource-based or trust policy naming it can allow.
    trust_case("service-assumes-role-its-trust-names", A, SERVICE_PRINCIPAL, {"Service": "lambda.amazonaws.com"},
               principal=LAMBDA),
    trust_case("service-other-service-in-trust", IMP, SERVICE_PRINCIPAL, {"Service": "ec2.amazonaws.com"},
               principal=LAMBDA),
    trust_case("service-account-trust-does-not-admit-service", IMP, SERVICE_PRINCIPAL, {"AWS": ACCOUNT_ROOT},
               principal=LAMBDA),
    Case("service-bucket-policy-with-source-account", A, SERVICE_PRINCIPAL, principal=LAMBDA,
         context={"aws:SourceAccount": ACCT},
         resource_policy=bucket_policy(allow("s3:GetObject", OBJECT, Principal={"Service": "lambda.amazonaws.com"},
                                             **cond("StringEquals", "aws:SourceAccount", ACCT)))),
    Case("service-identity-policies-do-not-apply", IMP, SERVICE_PRINCIPAL, principal=LAMBDA,
         identity=ident(allow("*"))),
    Case("service-exempt-from-perimeter-deny", A, PRINCIPAL_IS_SERVICE, principal=LAMBDA,
         resource_policy=bucket_policy(
             allow("s3:GetObject", OBJECT, Principal={"Service": "lambda.amazonaws.com"}),
             deny("s3:*", "*", Principal="*", **cond("BoolIfExists", "aws:PrincipalIsAWSService", "false")))),
    Case("service-principalservicename", A, PRINCIPAL_IS_SERVICE, principal=LAMBDA,
         resource_policy=bucket_policy(allow("s3:GetObject", OBJECT, Principal="*", **cond(
             "StringEquals", "aws:PrincipalServiceName", "lambda.amazonaws.com")))),
    # Choices where the documentation is silent (engine/__init__.py and README list them).
    when("StringEquals", "aws:TagKeys", "env", {"aws:TagKeys": ["env", "team"]}, A,
         "choice-multivalued-without-set-operator-any-value", MULTIVALUED),
    when("StringNotEquals", "aws:TagKeys", "env", {"aws:TagKeys": ["env", "team"]}, IMP,
         "choice-multivalued-negated-without-set-operator-no-value", MULTIVALUED),
    when("ForAllValues:StringEquals", "aws:TagKeys", ["env"], {"aws:TagKeys": []}, A,
         "choice-forallvalues-empty-set-as-missing", MULTIVALUED),
    when("ForAnyValue:StringEquals", "aws:TagKeys", ["env"], {"aws:TagKeys": []}, IMP,
         "choice-foranyvalue-empty-set-as-missing", MULTIVALUED),
    when("ForAnyValue:StringEqualsIfExists", "aws:TagKeys", ["env"], None, A,
         "choice-foranyvalue-ifexists-missing-true", MULTIVALUED),
    trust_case("choice-trust-session-arn-limited-by-boundary", IMP, TRUST_UPDATE, {"AWS": SESSION_ARN},
               principal=SESSION_PRINCIPAL, boundary=BOUNDARY_S3),
    trust_case("choice-trust-session-arn-boundary-allows", A, TRUST_UPDATE, {"AWS": SESSION_ARN},
               principal=SESSION_PRINCIPAL, boundary=BOUNDARY_ASSUME),
    Case("choice-sns-default-topic-policy-sourceowner-absent", IMP,
         "https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html", action="sns:Publish",
         resource=f"arn:aws:sns:us-east-1:{ACCT}:t", resource_policy=policy(stmt(
             "Allow", "SNS:Publish", f"arn:aws:sns:us-east-1:{ACCT}:t", Principal={"AWS": "*"},
             **cond("StringEquals", "AWS:SourceOwner", ACCT)), kind="resource", version="2008-10-17")),
    # --- GetCallerIdentity ---
    Case("getcalleridentity-no-policy", A, GET_CALLER_IDENTITY, action="sts:GetCallerIdentity", resource="*"),
    Case("getcalleridentity-despite-deny", A, GET_CALLER_IDENTITY, action="sts:GetCallerIdentity", resource="*",
         identity=ident(deny("*"))),
]
# fmt: on


def case_count() -> int:
    """Number of cases in the decision table."""
    return len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_decision(case: Case) -> None:
    decision = evaluate(case.request())
    assert decision.verdict is case.expected, f"{case.id} ({case.source}):\n{decision.explain()}"


def test_case_table_is_large_and_cited() -> None:
    assert case_count() >= 90
    assert len({case.id for case in CASES}) == case_count()
    assert all(case.source.startswith("https://docs.aws.amazon.com/") for case in CASES)
