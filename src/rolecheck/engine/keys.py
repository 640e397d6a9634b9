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
# aws:SourceOwner is not on the page: AWS will not document it and names aws:SourceAccount its replacement
# (https://github.com/awsdocs/iam-user-guide/issues/111), yet SNS writes it into every default topic policy
# (https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html). Like aws:SourceAccount it is
# taken to be present only when a service acts for a resource of its owner, so absent from an IAM principal's request.
LEGACY_KEYS = frozenset({"aws:sourceowner"})
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
        and key_lower not in LEGACY_KEYS
        and not key_lower.startswith(_TAG_KEY_PREFIXES)
    ):
        raise UnsupportedFeature(
            f"condition key {original!r} is not a global condition key the engine knows; "
            "supply it in Request.context to evaluate it"
        )
