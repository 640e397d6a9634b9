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
    """What AssumeRole was called with, kept on moto's AssumedRole for the session's later requests."""

    policy_arns: tuple[str, ...]
    issued_at: datetime
    mfa_present: bool
    chained: bool


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
        result = original(self)
        session = result.result["Credentials"]
        facts = SessionFacts(
            policy_arns=_policy_arns(self),
            issued_at=datetime.now(UTC),
            mfa_present=bool(self._get_param("SerialNumber") and self._get_param("TokenCode")),
            chained=chained,
        )
        setattr(session, FACTS_ATTRIBUTE, facts)
        return result

    assume_role.__wrapped__ = original  # type: ignore[attr-defined]
    return assume_role


def facts_of(session: Any) -> SessionFacts | None:
    """The facts recorded for a session created while the adapter was installed."""
    return getattr(session, FACTS_ATTRIBUTE, None)
