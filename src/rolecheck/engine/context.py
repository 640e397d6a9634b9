"""The request context: keys derived from the principal and clock, plus what the request supplies.

Global keys: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from rolecheck.engine.keys import UNDETERMINED
from rolecheck.engine.principal import FEDERATED_TYPES
from rolecheck.engine.request import Request

# What a service principal's own request carries beyond aws:PrincipalIsAWSService and aws:PrincipalServiceName is
# not documented (its aws:PrincipalType, aws:userid, aws:PrincipalArn, aws:PrincipalAccount).
_SERVICE_UNDETERMINED = frozenset({"aws:principaltype", "aws:userid", "aws:principalarn", "aws:principalaccount"})


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
        # Always in the context, false unless a service forwards the caller's request (forward access sessions);
        # a caller that models such a request supplies "true" in Request.context.
        "aws:viaawsservice": "false",
    }
    if principal.type == "Service":
        # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalisawsservice
        context["aws:principalisawsservice"] = "true"
        context["aws:principalservicename"] = principal.name
        context["aws:resourceaccount"] = request.resource_account
        context[UNDETERMINED] = _SERVICE_UNDETERMINED - {key.lower() for key in request.context}
    elif principal.type in FEDERATED_TYPES:
        # A token's holder calling AssumeRoleWithWebIdentity / AssumeRoleWithSAML: the request carries the
        # provider (aws:FederatedProvider, #condition-keys-federatedprovider) and the token's claims, which the
        # caller supplies in Request.context (token.actions.githubusercontent.com:sub, saml:aud, ...:
        # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif).
        # The IAM-principal keys are not documented for this call: a condition on them is not decided.
        context["aws:federatedprovider"] = principal.arn
        context["aws:resourceaccount"] = request.resource_account
        context[UNDETERMINED] = _SERVICE_UNDETERMINED - {key.lower() for key in request.context}
    else:
        context["aws:principaltype"] = principal.type
    if principal.type == "Anonymous":
        # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalaccount
        context["aws:principalaccount"] = "anonymous"
    if principal.type not in ("Anonymous", "Service", *FEDERATED_TYPES):
        context["aws:principalaccount"] = principal.account
        context["aws:principalarn"] = principal.role_arn or principal.arn
        context["aws:resourceaccount"] = request.resource_account or principal.account
        # Present, and false, in every signed request an IAM principal makes (same page, PrincipalIsAWSService).
        context["aws:principalisawsservice"] = "false"
    if principal.user_id:
        context["aws:userid"] = principal.user_id
    if principal.type == "User" and principal.name:
        context["aws:username"] = principal.name
    for key, value in request.context.items():
        context[key.lower()] = value
    return {key: value for key, value in context.items() if value is not None}


def tag_context(prefix: str, tags: Mapping[str, str]) -> dict[str, str]:
    """``{"aws:PrincipalTag/k": v}`` (or another tag prefix) for a mapping of tag keys to values."""
    return {f"{prefix}/{key}": value for key, value in tags.items()}
