"""Condition keys a request supplies; the engine derives the principal and clock keys itself.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from moto.iam.models import iam_backends

from rolecheck.engine import tag_context

from .identity import Caller
from .params import first_param
from .sessions import facts_of, requested_tags, transitive_keys, untagged_keys

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


def _tags(pairs: Any) -> dict[str, str]:
    """Tag pairs or moto's ``[{"Key": k, "Value": v}]`` as one mapping; a later key wins whatever its case."""
    merged: dict[str, tuple[str, str]] = {}
    for pair in pairs or ():
        key, value = (pair["Key"], pair.get("Value", "")) if isinstance(pair, dict) else pair
        merged[key.casefold()] = (key, value)
    return dict(merged.values())


def principal_tags(caller: Caller) -> dict[str, str]:
    """The caller's principal tags: a user's tags; a session's role tags overridden by its session tags.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html : session tags (and inherited
    transitive ones) override the role's tags with the same key, regardless of case.
    """
    if caller.user is not None:
        backend = iam_backends[caller.account][caller.partition]
        return _tags(backend.tagger.list_tags_for_resource(caller.user.arn)["Tags"])
    role_tags = list(caller.role.tags or ()) if caller.role is not None else []
    facts = facts_of(caller.session) if caller.session is not None else None
    return _tags(role_tags + list(facts.tags if facts else ()))


def caller_context(caller: Caller | None) -> dict[str, Any]:
    """Keys that come with the credentials: principal tags; a session's MFA, issue time and source identity."""
    if caller is None:
        return {}
    context: dict[str, Any] = tag_context("aws:PrincipalTag", principal_tags(caller))
    facts = facts_of(caller.session) if caller.session is not None else None
    if facts is None:
        return context
    context["aws:TokenIssueTime"] = _iso(facts.issued_at)
    context["aws:MultiFactorAuthPresent"] = "true" if facts.mfa_present else "false"
    if facts.source_identity:
        context["aws:SourceIdentity"] = facts.source_identity
    return context


def request_tag_context(params: dict[str, Any]) -> dict[str, Any]:
    """aws:RequestTag/<key> and aws:TagKeys of a request that passes ``Tags``; aws:TagKeys of one that removes
    ``TagKeys`` (UntagRole, UntagUser, ...)."""
    tags = requested_tags(params)
    if not tags:
        removed = untagged_keys(params)
        return {"aws:TagKeys": list(removed)} if removed else {}
    context: dict[str, Any] = tag_context("aws:RequestTag", dict(tags))
    context["aws:TagKeys"] = [key for key, _ in tags]
    return context


def assume_role_context(params: dict[str, Any], role: Any, inherited_source_identity: str | None) -> dict[str, Any]:
    """Keys of an AssumeRole request: sts: keys, session tags as aws:RequestTag/aws:TagKeys, the transitive keys,
    the role's tags as aws:ResourceTag, and MFA when the caller passed a device and code.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_permissions-required
    """
    context: dict[str, Any] = request_tag_context(params)
    keys = transitive_keys(params)
    if keys:
        context["sts:TransitiveTagKeys"] = list(keys)
    if role is not None:
        context.update(resource_tag_context(_tags(role.tags), iam=True))
    if inherited_source_identity:
        context["sts:SourceIdentity"] = inherited_source_identity
    for key, name in (("sts:ExternalId", "ExternalId"), ("sts:RoleSessionName", "RoleSessionName"),
                      ("sts:SourceIdentity", "SourceIdentity")):
        value = first_param(params, name)
        if value is not None:
            context[key] = value
    if first_param(params, "SerialNumber") and first_param(params, "TokenCode"):
        context["aws:MultiFactorAuthPresent"] = "true"
        context["aws:MultiFactorAuthAge"] = "0"
    return context


def resource_tag_context(tags: dict[str, str], iam: bool = False) -> dict[str, Any]:
    """aws:ResourceTag/<key> for the tags of the resource a request names; IAM roles and users also carry them
    as iam:ResourceTag/<key>
    (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html)."""
    context = tag_context("aws:ResourceTag", tags)
    if iam:
        context.update(tag_context("iam:ResourceTag", tags))
    return context


def iam_entity_tags(entity: Any, account: str, partition: str) -> dict[str, str]:
    """The tags of a moto Role (kept on the role) or User (kept in the backend's tagger)."""
    if hasattr(entity, "assume_role_policy_document"):
        return _tags(entity.tags)
    return _tags(iam_backends[account][partition].tagger.list_tags_for_resource(entity.arn)["Tags"])


def s3_context(query: dict[str, list[str]], action: str) -> dict[str, Any]:
    """s3:prefix, s3:delimiter and s3:max-keys of a listing."""
    if action != "s3:ListBucket":
        return {}
    context = {}
    for key, name in (("s3:prefix", "prefix"), ("s3:delimiter", "delimiter"), ("s3:max-keys", "max-keys")):
        if name in query:
            context[key] = query[name][0]
    return context
