"""Shared principals, policy builders and AWS documentation URLs for the engine tests."""

from __future__ import annotations

from typing import Any

from rolecheck.engine import Policy, Principal

ACCT = "111111111111"
OTHER = "222222222222"

IAM = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
DENYALLOW = IAM + "reference_policies_evaluation-logic_policy-eval-denyallow.html"
BASICS = IAM + "reference_policies_evaluation-logic_policy-eval-basics.html"
CROSS = IAM + "reference_policies_evaluation-logic-cross-account.html"
EXPLICIT = IAM + "reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay.html"
ACTION = IAM + "reference_policies_elements_action.html"
NOTACTION = IAM + "reference_policies_elements_notaction.html"
RESOURCE = IAM + "reference_policies_elements_resource.html"
NOTRESOURCE = IAM + "reference_policies_elements_notresource.html"
PRINCIPAL = IAM + "reference_policies_elements_principal.html"
NOTPRINCIPAL = IAM + "reference_policies_elements_notprincipal.html"
CONDITION = IAM + "reference_policies_elements_condition_operators.html"
MULTIVALUED = IAM + "reference_policies_condition-single-vs-multi-valued-context-keys.html"
LOGIC = IAM + "reference_policies_condition-logic-multiple-context-keys-or-values.html"
VARIABLES = IAM + "reference_policies_variables.html"
GLOBAL_KEYS = IAM + "reference_policies_condition-keys.html"
BOUNDARY = IAM + "access_policies_boundaries.html"
SESSION = IAM + "access_policies.html#policies_session"
TRUST_UPDATE = IAM + "id_roles_update-role-trust-policy.html"
EXTERNAL_ID = IAM + "id_roles_common-scenarios_third-party.html"
MFA = IAM + "id_credentials_mfa_configure-api-require.html"
ASSUME_ROLE = "https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html"
GET_CALLER_IDENTITY = "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html"
S3_ANONYMOUS = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html"
S3_403 = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/troubleshoot-403-errors.html"
ACCESS_DENIED = IAM + "troubleshoot_access-denied.html"
GRAMMAR = IAM + "reference_policies_grammar.html"

ALICE = Principal.user(ACCT, "alice", user_id="AIDAALICE")
BOB = Principal.user(ACCT, "bob", user_id="AIDABOB")
SESSION_PRINCIPAL = Principal.assumed_role(ACCT, "Reader", "alice-session", role_id="AROAREADER")
ROOT = Principal.root(ACCT)
ANONYMOUS = Principal.anonymous()

ROLE_ARN = f"arn:aws:iam::{ACCT}:role/Reader"
TARGET_ROLE = f"arn:aws:iam::{ACCT}:role/Target"
BUCKET = "arn:aws:s3:::bkt"
OBJECT = "arn:aws:s3:::bkt/key"


def stmt(effect: str = "Allow", action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    """One statement; ``resource=None`` leaves Resource out (trust policies)."""
    body: dict[str, Any] = {"Effect": effect, "Action": action}
    if resource is not None:
        body["Resource"] = resource
    body.update(extra)
    return body


def allow(action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return stmt("Allow", action, resource, **extra)


def deny(action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return stmt("Deny", action, resource, **extra)


def policy(*statements: dict[str, Any], kind: str = "identity", name: str = "", version: str = "2012-10-17"):
    label = name or f"arn:aws:iam::{ACCT}:policy/{kind.capitalize()}Test"
    return Policy.parse(label, {"Version": version, "Statement": list(statements)}, kind)


def trust(*statements: dict[str, Any]) -> Policy:
    return policy(*statements, kind="trust", name=TARGET_ROLE)


def bucket_policy(*statements: dict[str, Any]) -> Policy:
    return policy(*statements, kind="resource", name="bucket policy of bkt")


def trust_allow(principal: Any, **extra: Any) -> dict[str, Any]:
    return stmt("Allow", "sts:AssumeRole", None, Principal=principal, **extra)


def cond(operator: str, key: str, value: Any) -> dict[str, Any]:
    return {"Condition": {operator: {key: value}}}

# Round two (issue 13)
RESOURCE_WILDCARDS = RESOURCE + "#reference_policies_elements_resource_wildcards"
ARN_OPERATORS = CONDITION + "#Conditions_ARN"
SESSION_TAGS = IAM + "id_session-tags.html"
SOURCE_IDENTITY = IAM + "id_credentials_temp_control-access_monitor.html"
KMS_KEY_POLICIES = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html"
KMS_DEFAULT_POLICY = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html"
SERVICE_PRINCIPAL = PRINCIPAL + "#principal-services"
PRINCIPAL_IS_SERVICE = GLOBAL_KEYS + "#condition-keys-principalisawsservice"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
LAMBDA = Principal.service("lambda.amazonaws.com")


def key_policy(*statements: dict[str, Any]) -> Policy:
    return policy(*statements, kind="key", name=f"{KEY_ARN} key policy")

# Round three (issue 23)
DATES = CONDITION + "#Conditions_Date"
W3C_DATETIME = "https://www.w3.org/TR/NOTE-datetime"
BOOLEAN = CONDITION + "#Conditions_Boolean"
RESOURCE_VARIABLES = VARIABLES + "#policy-vars-resourceelement"
SOURCE_ARN = GLOBAL_KEYS + "#condition-keys-sourcearn"
SOURCE_ACCOUNT = GLOBAL_KEYS + "#condition-keys-sourceaccount"
ACCESS_POINT_DELEGATION = ("https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-policies.html"
                           "#access-points-delegating-control")
ORGS = "https://docs.aws.amazon.com/organizations/latest/userguide/"
SCPS = ORGS + "orgs_manage_policies_scps.html"
SCP_EVALUATION = ORGS + "orgs_manage_policies_scps_evaluation.html"
RCPS = ORGS + "orgs_manage_policies_rcps.html"
RCP_EVALUATION = ORGS + "orgs_manage_policies_rcps_evaluation.html"
RCP_SYNTAX = ORGS + "orgs_manage_policies_rcps_syntax.html"
