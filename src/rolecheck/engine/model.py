"""Value types of the engine: principals, requests, verdicts and decisions."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rolecheck.engine.policy import Policy

PARTITION = "aws"


class Verdict(enum.Enum):
    """Final outcome of an authorization decision, named as IAM's policy simulator names it."""

    ALLOWED = "Allowed"
    EXPLICIT_DENY = "ExplicitDeny"
    IMPLICIT_DENY = "ImplicitDeny"


@dataclass(frozen=True)
class Principal:
    """The authenticated caller; ``type`` takes the values of ``aws:PrincipalType`` (and ``"Service"``)."""

    type: str
    arn: str
    account: str | None
    user_id: str | None = None
    name: str | None = None
    role_arn: str | None = None

    @classmethod
    def user(cls, account: str, name: str, user_id: str | None = None, path: str = "/") -> Principal:
        """An IAM user; ``path`` is the user's IAM path and appears in its ARN."""
        return cls("User", f"arn:{PARTITION}:iam::{account}:user{path}{name}", account, user_id, name)

    @classmethod
    def assumed_role(
        cls,
        account: str,
        role_name: str,
        session_name: str,
        role_id: str | None = None,
        role_path: str = "/",
    ) -> Principal:
        """A role session; its ARN drops the role path, its ``role_arn`` keeps it."""
        return cls(
            "AssumedRole",
            f"arn:{PARTITION}:sts::{account}:assumed-role/{role_name}/{session_name}",
            account,
            f"{role_id}:{session_name}" if role_id else None,
            session_name,
            f"arn:{PARTITION}:iam::{account}:role{role_path}{role_name}",
        )

    @classmethod
    def root(cls, account: str) -> Principal:
        """The account's root user."""
        return cls("Account", f"arn:{PARTITION}:iam::{account}:root", account, account)

    @classmethod
    def service(cls, name: str) -> Principal:
        """An AWS service principal acting on its own (e.g. ``lambda.amazonaws.com``), as a resource-based or
        trust policy names it in ``{"Service": ...}``; it has no account and no identity-based policies."""
        return cls("Service", name, None, None, name)

    @classmethod
    def anonymous(cls) -> Principal:
        """An unsigned request."""
        return cls("Anonymous", "*", None, "anonymous")

    @property
    def account_root_arn(self) -> str | None:
        return f"arn:{PARTITION}:iam::{self.account}:root" if self.account else None


@dataclass(frozen=True)
class Request:
    """One authorization request with every policy that applies to it."""

    principal: Principal
    action: str
    resource: str
    resource_account: str | None = None
    identity_policies: Sequence[Policy] = ()
    permissions_boundary: Policy | None = None
    session_policies: Sequence[Policy] | None = None
    resource_policy: Policy | None = None
    context: Mapping[str, Any] = field(default_factory=dict)
    now: datetime | None = None


@dataclass(frozen=True)
class StageResult:
    """The outcome of one evaluation stage and the statements that decided it."""

    stage: str
    verdict: str
    statements: tuple[str, ...]
    note: str = ""

    def line(self) -> str:
        text = f"{self.stage}: {self.verdict}"
        if self.statements:
            text += " (" + "; ".join(self.statements) + ")"
        if self.note:
            text += f" - {self.note}"
        return text


@dataclass(frozen=True)
class Decision:
    """The verdict on a request, its AWS-shaped message and one explanation per stage."""

    verdict: Verdict
    request: Request
    stages: tuple[StageResult, ...]
    message: str

    @property
    def allowed(self) -> bool:
        return self.verdict is Verdict.ALLOWED

    def explain(self) -> str:
        """Multi-line explanation: verdict, message, then one line per stage."""
        lines = [f"{self.verdict.value}: {self.request.action} on {self.request.resource}", self.message]
        lines += [f"  - {stage.line()}" for stage in self.stages]
        return "\n".join(lines)
