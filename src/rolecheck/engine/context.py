"""The request context: keys derived from the principal and clock, plus what the request supplies.

Global keys: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rolecheck.engine.errors import UnsupportedFeature
from rolecheck.engine.model import Request

# Global keys whose absence from a request is meaningful ("the request had no such value"): a condition on one
# of them with the key missing is decided by the operator's missing-key rule. Any other aws: key is unknown to
# the engine, and deciding on it would be a guess.
KNOWN_GLOBAL_KEYS = frozenset(
    key.lower()
    for key in (
        "aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast", "aws:CurrentTime", "aws:EpochTime",
        "aws:FederatedProvider", "aws:MultiFactorAuthAge", "aws:MultiFactorAuthPresent", "aws:PrincipalAccount",
        "aws:PrincipalArn", "aws:PrincipalIsAWSService", "aws:PrincipalOrgID", "aws:PrincipalOrgPaths",
        "aws:PrincipalServiceName", "aws:PrincipalServiceNamesList", "aws:PrincipalType", "aws:Referer",
        "aws:RequestedRegion", "aws:ResourceAccount", "aws:ResourceOrgID", "aws:ResourceOrgPaths",
        "aws:SecureTransport", "aws:SourceAccount", "aws:SourceArn", "aws:SourceIdentity", "aws:SourceIp",
        "aws:SourceOrgID", "aws:SourceOrgPaths", "aws:SourceVpc", "aws:SourceVpce", "aws:TagKeys",
        "aws:TokenIssueTime", "aws:UserAgent", "aws:userid", "aws:username", "aws:ViaAWSService",
        "aws:VpcSourceIp", "aws:Ec2InstanceSourceVpc", "aws:Ec2InstanceSourcePrivateIPv4", "aws:AssumedRoot",
    )
)  # fmt: skip
_TAG_KEY_PREFIXES = ("aws:requesttag/", "aws:resourcetag/", "aws:principaltag/")


def check_known(key_lower: str, original: str) -> None:
    """Raise UnsupportedFeature for a global (aws:) key the engine cannot reason about when it is missing."""
    if (
        key_lower.startswith("aws:")
        and key_lower not in KNOWN_GLOBAL_KEYS
        and not key_lower.startswith(_TAG_KEY_PREFIXES)
    ):
        raise UnsupportedFeature(
            f"condition key {original!r} is not a global condition key the engine knows; "
            "supply it in Request.context to evaluate it"
        )


def build_context(request: Request) -> dict[str, Any]:
    """Lower-cased context keys: derived keys first, then the request's own keys, which win."""
    principal = request.principal
    now = request.now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    now = now.astimezone(UTC)
    context: dict[str, Any] = {
        "aws:currenttime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:epochtime": int(now.timestamp()),
        "aws:principaltype": principal.type,
    }
    if principal.type != "Anonymous":
        context["aws:principalaccount"] = principal.account
        context["aws:principalarn"] = principal.role_arn or principal.arn
        context["aws:resourceaccount"] = request.resource_account or principal.account
    if principal.user_id:
        context["aws:userid"] = principal.user_id
    if principal.type == "User" and principal.name:
        context["aws:username"] = principal.name
    for key, value in request.context.items():
        context[key.lower()] = value
    return {key: value for key, value in context.items() if value is not None}
