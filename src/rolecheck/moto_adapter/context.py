"""Condition keys a request supplies; the engine derives the principal and clock keys itself.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from .identity import Caller
from .params import first_param
from .sessions import facts_of

# In-process requests never cross a network; AWS would see the client's address, so use loopback.
IN_PROCESS_SOURCE_IP = "127.0.0.1"


def _iso(moment: Any) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def network_context(response: Any, region: str) -> dict[str, Any]:
    """aws:SecureTransport, aws:SourceIp, aws:RequestedRegion, aws:UserAgent."""
    request = getattr(response, "normalized_request", None)
    source_ip = getattr(request, "remote_addr", None) or IN_PROCESS_SOURCE_IP
    context: dict[str, Any] = {
        "aws:SecureTransport": "true" if urlparse(response.uri).scheme == "https" else "false",
        "aws:SourceIp": source_ip,
        "aws:RequestedRegion": region,
    }
    agent = response.headers.get("User-Agent")
    if agent:
        context["aws:UserAgent"] = agent
    return context


def caller_context(caller: Caller | None) -> dict[str, Any]:
    """Keys that come with the credentials: MFA and token issue time of a session."""
    if caller is None or caller.session is None:
        return {}
    facts = facts_of(caller.session)
    if facts is None:
        return {}
    context: dict[str, Any] = {
        "aws:TokenIssueTime": _iso(facts.issued_at),
        "aws:MultiFactorAuthPresent": "true" if facts.mfa_present else "false",
    }
    return context


def assume_role_context(params: dict[str, Any]) -> dict[str, Any]:
    """sts: keys of an AssumeRole request, and MFA when the caller passed a device and code."""
    context: dict[str, Any] = {}
    for key, name in (("sts:ExternalId", "ExternalId"), ("sts:RoleSessionName", "RoleSessionName"),
                      ("sts:SourceIdentity", "SourceIdentity")):
        value = first_param(params, name)
        if value is not None:
            context[key] = value
    if first_param(params, "SerialNumber") and first_param(params, "TokenCode"):
        context["aws:MultiFactorAuthPresent"] = "true"
        context["aws:MultiFactorAuthAge"] = "0"
    return context


def s3_context(query: dict[str, list[str]], action: str) -> dict[str, Any]:
    """s3:prefix, s3:delimiter and s3:max-keys of a listing."""
    if action != "s3:ListBucket":
        return {}
    context = {}
    for key, name in (("s3:prefix", "prefix"), ("s3:delimiter", "delimiter"), ("s3:max-keys", "max-keys")):
        if name in query:
            context[key] = query[name][0]
    return context
