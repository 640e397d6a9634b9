"""One authorization request with the policies that apply to it, and the decision on it."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rolecheck.engine.policy import Policy
from rolecheck.engine.principal import Principal


class Verdict(enum.Enum):
    """Final outcome of an authorization decision, named as IAM's policy simulator names it."""

    ALLOWED = "Allowed"
    EXPLICIT_DENY = "ExplicitDeny"
    IMPLICIT_DENY = "ImplicitDeny"


@dataclass(frozen=True)
class Organization:
    """The AWS Organizations policies in force: for each member account, its SCPs and its RCPs, one tuple of
    policies per level from the organization root through each OU to the account itself.

    https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html and
    https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_evaluation.html : every
    level must allow, any level can deny; the management account is exempt from both.
    """

    management_account: str
    scps: Mapping[str, Sequence[Sequence[Policy]]] = field(default_factory=dict)
    rcps: Mapping[str, Sequence[Sequence[Policy]]] = field(default_factory=dict)


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
    # None: not in an organization, or its policies were not read; then SCPs and RCPs decide nothing.
    organization: Organization | None = None


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
