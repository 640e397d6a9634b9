"""STS fidelity moto lacks: session duration limits, and the facts a session carries into later requests.

https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html#iam-term-role-chaining
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from moto.sts.exceptions import STSValidationError

from .identity import find_access_key, find_role_by_arn, find_session

DEFAULT_DURATION_SECONDS = 3600
CHAINING_LIMIT_SECONDS = 3600
FACTS_ATTRIBUTE = "rolecheck_facts"


@dataclass(frozen=True)
class SessionFacts:
    """What AssumeRole was called with, kept on moto's AssumedRole for the session's later requests.

    ``tags`` are the session's own principal tags (inherited transitive tags, then the tags passed), which override
    the role's tags with the same key; ``transitive`` are those that pass on to a chained session;
    ``source_identity`` persists through the whole chain.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html ,
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html
    """

    policy_arns: tuple[str, ...]
    issued_at: datetime
    mfa_present: bool
    chained: bool
    tags: tuple[tuple[str, str], ...] = ()
    transitive: tuple[tuple[str, str], ...] = ()
    source_identity: str | None = None


def _members(params: dict[str, Any], prefix: str) -> dict[int, dict[str, str]]:
    """``Prefix.member.N.Field`` query parameters, grouped by N."""
    found: dict[int, dict[str, str]] = {}
    for name, value in params.items():
        parts = name.split(".")
        if name.startswith(prefix + ".member.") and len(parts) >= 3 and parts[2].isdigit():
            field_name = parts[3] if len(parts) > 3 else ""
            found.setdefault(int(parts[2]), {})[field_name] = value[0] if isinstance(value, list) else value
    return dict(sorted(found.items()))


def requested_tags(params: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The ``Tags`` of a query request (AssumeRole, CreateRole, TagUser, ...) as (key, value) pairs."""
    return tuple((m["Key"], m.get("Value", "")) for m in _members(params, "Tags").values() if "Key" in m)


def transitive_keys(params: dict[str, Any]) -> tuple[str, ...]:
    """AssumeRole's ``TransitiveTagKeys``."""
    return tuple(m[""] for m in _members(params, "TransitiveTagKeys").values() if m.get(""))


def untagged_keys(params: dict[str, Any]) -> tuple[str, ...]:
    """The ``TagKeys`` an Untag request removes."""
    return tuple(m[""] for m in _members(params, "TagKeys").values() if m.get(""))


def caller_facts(response: Any) -> SessionFacts | None:
    """The facts of the session making this request, when the caller is a session."""
    session = _caller_session(response)
    return facts_of(session) if session is not None else None


def _chain(params: dict[str, Any], inherited: SessionFacts | None) -> tuple[tuple, tuple, str | None]:
    """(session tags, transitive tags, source identity) of a new session; raises when AWS fails the request."""
    passed = requested_tags(params)
    inherited_transitive = inherited.transitive if inherited else ()
    locked = {key.casefold() for key, _ in inherited_transitive}
    for key, _ in passed:
        if key.casefold() in locked:
            # id_session-tags.html, "Chaining roles with session tags": passing a session tag with the key of an
            # inherited transitive tag fails the operation (the page names no error code; this one is ours).
            raise STSValidationError(f"rolecheck: session tag {key!r} would override an inherited transitive tag")
    marked = {key.casefold() for key in transitive_keys(params)}
    transitive = inherited_transitive + tuple(tag for tag in passed if tag[0].casefold() in marked)
    source = params_source_identity(params)
    if inherited and inherited.source_identity:
        if source is not None and source != inherited.source_identity:
            # id_credentials_temp_control-access_monitor.html: a source identity cannot change along a role chain.
            raise STSValidationError("rolecheck: the source identity of a role chain cannot be changed")
        source = inherited.source_identity
    return inherited_transitive + passed, transitive, source


def params_source_identity(params: dict[str, Any]) -> str | None:
    """AssumeRole's ``SourceIdentity``."""
    value = params.get("SourceIdentity")
    value = value[0] if isinstance(value, list) and value else value
    return value or None


def _caller_session(response: Any) -> Any:
    found = find_access_key(response.get_access_key())
    if found is None:
        return None
    account, partition, _key = found
    return find_session(account, partition, response.get_access_key())


def _policy_arns(response: Any) -> tuple[str, ...]:
    arns = []
    for item in response._get_param("PolicyArns") or []:
        arn = item.get("arn") if isinstance(item, dict) else item
        if arn:
            arns.append(arn)
    return tuple(arns)


def wrap_assume_role(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """TokenResponse.assume_role with AWS's duration limits, recording the new session's facts."""

    def assume_role(self: Any) -> Any:
        duration = self._get_int_param("DurationSeconds", DEFAULT_DURATION_SECONDS)
        chained = _caller_session(self) is not None
        if chained and duration > CHAINING_LIMIT_SECONDS:
            raise STSValidationError(
                "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
            )
        role = find_role_by_arn(self._get_param("RoleArn") or "")
        maximum = int(role.max_session_duration or DEFAULT_DURATION_SECONDS) if role else DEFAULT_DURATION_SECONDS
        if duration > maximum:
            raise STSValidationError("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
        tags, transitive, source_identity = _chain(self.querystring, caller_facts(self) if chained else None)
        result = original(self)
        session = result.result["Credentials"]
        facts = SessionFacts(
            policy_arns=_policy_arns(self),
            issued_at=datetime.now(UTC),
            mfa_present=bool(self._get_param("SerialNumber") and self._get_param("TokenCode")),
            chained=chained,
            tags=tags,
            transitive=transitive,
            source_identity=source_identity,
        )
        setattr(session, FACTS_ATTRIBUTE, facts)
        return result

    assume_role.__wrapped__ = original  # type: ignore[attr-defined]
    return assume_role


def facts_of(session: Any) -> SessionFacts | None:
    """The facts recorded for a session created while the adapter was installed."""
    return getattr(session, FACTS_ATTRIBUTE, None)
