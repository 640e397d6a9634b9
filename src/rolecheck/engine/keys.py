"""The condition keys the engine knows: AWS's global keys, the legacy ones, and the keys it cannot decide.

Global keys: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rolecheck.engine.errors import UnsupportedFeature

# Every key of the "AWS global condition context keys" page (GLOBAL_KEYS_PAGE, as read on GLOBAL_KEYS_READ), whose
# absence from a request is meaningful ("the request had no such value"): a condition on one of them with the key
# missing is decided by the operator's missing-key rule. Any other aws: key is unknown to the engine, and deciding
# on it would be a guess. The role-session keys with a service prefix (ec2:RoleDelivery, ...) need no entry: only
# aws: keys are checked.
GLOBAL_KEYS_PAGE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html"
GLOBAL_KEYS_READ = "2026-11-30"
KNOWN_GLOBAL_KEYS = frozenset(
    key.lower()
    for key in (
        # properties of the principal
        "aws:PrincipalArn", "aws:PrincipalAccount", "aws:PrincipalOrgPaths", "aws:PrincipalOrgID",
        "aws:PrincipalIsAWSService", "aws:PrincipalServiceName", "aws:PrincipalServiceNamesList",
        "aws:PrincipalType", "aws:userid", "aws:username",
        # properties of a role session
        "aws:AssumedRoot", "aws:FederatedProvider", "aws:TokenIssueTime", "aws:SignInSessionArn",
        "aws:MultiFactorAuthAge", "aws:MultiFactorAuthPresent", "aws:ChatbotSourceArn", "aws:Ec2InstanceSourceVpc",
        "aws:Ec2InstanceSourcePrivateIPv4", "aws:SourceIdentity",
        # properties of the network
        "aws:SourceIp", "aws:SourceVpc", "aws:SourceVpcArn", "aws:SourceVpce", "aws:VpceAccount", "aws:VpceOrgID",
        "aws:VpceOrgPaths", "aws:VpcSourceIp",
        # properties of the resource
        "aws:ResourceAccount", "aws:ResourceOrgID", "aws:ResourceOrgPaths",
        # properties of the request
        "aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast", "aws:CalledViaAWSMCP", "aws:ViaAWSService",
        "aws:ViaAWSMCPService", "aws:CurrentTime", "aws:EpochTime", "aws:referer", "aws:RequestedRegion",
        "aws:TagKeys", "aws:SecureTransport", "aws:SourceAccount", "aws:SourceArn", "aws:SourceOrgID",
        "aws:SourceOrgPaths", "aws:UserAgent", "aws:IsMcpServiceAction",
    )
)  # fmt: skip
# Where each condition key's value comes from, settled once for the engine and the analysis (KEY_ORIGIN):
# - "derived": computed from the principal, the resource, the clock or the request's channel
#   (reference_policies_condition-keys.html, each key's section); the engine builds it (engine/context.py).
# - "service": set only when a service acts for a resource or a request passes through an access point, so absent
#   from a principal's direct call: aws:SourceArn/aws:SourceAccount ("If an IAM user attempts to perform this
#   operation directly, the condition returns false", #condition-keys-sourcearn), aws:SourceOrgID/OrgPaths (same
#   page), aws:CalledVia* (#condition-keys-calledvia), kms:ViaService
#   (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service), the
#   access-point keys (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-policies.html
#   #access-points-condition-keys). aws:SourceOwner is not on the global keys page: AWS will not document it and
#   names aws:SourceAccount its replacement (https://github.com/awsdocs/iam-user-guide/issues/111), yet SNS writes
#   it into every default topic policy (https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html);
#   it is read as aws:SourceAccount is.
# - "caller": the principal chooses it in its own request (docs/account.md, "Caller-chosen values").
# - "environment": the network, the client and the credentials' history (source IP, VPC endpoint, MFA, ...).
# A key in none of the rows (a service's own request key, s3:prefix) is the request's: "request".
DERIVED, SERVICE, CALLER, ENVIRONMENT, REQUEST = "derived", "service", "caller", "environment", "request"
KEY_ORIGIN: Mapping[str, str] = {
    **{key.lower(): DERIVED for key in (
        "aws:PrincipalArn", "aws:PrincipalAccount", "aws:PrincipalType", "aws:PrincipalIsAWSService",
        "aws:PrincipalServiceName", "aws:userid", "aws:username", "aws:ResourceAccount", "aws:CurrentTime",
        "aws:EpochTime", "aws:SecureTransport", "aws:ViaAWSService", "kms:CallerAccount")},
    **{key.lower(): SERVICE for key in (
        "aws:SourceArn", "aws:SourceAccount", "aws:SourceOwner", "aws:SourceOrgID", "aws:SourceOrgPaths",
        "aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast", "kms:ViaService", "s3:DataAccessPointAccount",
        "s3:DataAccessPointArn", "s3:AccessPointNetworkOrigin")},
    **{key.lower(): CALLER for key in (
        "sts:RoleSessionName", "sts:SourceIdentity", "aws:SourceIdentity", "aws:TagKeys", "sts:TransitiveTagKeys",
        "sts:ExternalId", "sts:DurationSeconds", "aws:RequestedRegion")},
    **{key.lower(): ENVIRONMENT for key in (
        "aws:SourceIp", "aws:SourceVpc", "aws:SourceVpcArn", "aws:SourceVpce", "aws:VpcSourceIp",
        "aws:MultiFactorAuthPresent", "aws:MultiFactorAuthAge", "aws:referer", "aws:UserAgent",
        "aws:TokenIssueTime")},
}  # fmt: skip
_CALLER_PREFIXES = ("aws:requesttag/", "saml:", "cognito-identity.amazonaws.com:", "accounts.google.com:",
                    "graph.facebook.com:", "www.amazon.com:")
_DERIVED_PREFIXES = ("aws:principaltag/",)


def key_origin(key: str) -> str:
    """Where a condition key's value comes from: one of DERIVED, SERVICE, CALLER, ENVIRONMENT or REQUEST.

    Web-identity claims of an OIDC provider other than the four AWS names are its ``<provider host>:<claim>`` keys
    and fall under REQUEST here; the analysis treats both as the request's to supply.
    """
    lower = key.lower()
    if lower in KEY_ORIGIN:
        return KEY_ORIGIN[lower]
    if lower.startswith(_CALLER_PREFIXES):
        return CALLER
    if lower.startswith(_DERIVED_PREFIXES):
        return DERIVED
    return REQUEST


# A context entry listing keys whose value the engine cannot know for this principal (the documentation does not
# say what the request carries): a condition on one of them raises UnsupportedFeature instead of guessing.
UNDETERMINED = "rolecheck:undetermined"
_TAG_KEY_PREFIXES = ("aws:requesttag/", "aws:resourcetag/", "aws:principaltag/")


def check_determined(key_lower: str, original: str, context: Mapping[str, Any]) -> None:
    """Raise UnsupportedFeature for a key whose value (or absence) AWS does not document for this caller."""
    if key_lower in context.get(UNDETERMINED, ()):
        raise UnsupportedFeature(
            f"condition key {original!r}: AWS does not document its value for this caller; "
            "supply it in Request.context to evaluate it"
        )


def check_known(key_lower: str, original: str, context: Mapping[str, Any]) -> None:
    """Raise UnsupportedFeature for a global (aws:) key the engine cannot reason about when it is missing."""
    check_determined(key_lower, original, context)
    if (
        key_lower.startswith("aws:")
        and key_lower not in KNOWN_GLOBAL_KEYS
        and KEY_ORIGIN.get(key_lower) != SERVICE
        and not key_lower.startswith(_TAG_KEY_PREFIXES)
    ):
        raise UnsupportedFeature(
            f"condition key {original!r} is not a global condition key the engine knows; "
            "supply it in Request.context to evaluate it"
        )
