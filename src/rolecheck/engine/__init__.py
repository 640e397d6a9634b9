"""AWS-faithful IAM policy evaluation, in pure Python (no boto3, no moto)."""

from rolecheck.engine.catalog import (
    PRIVILEGE_ESCALATION_METHODS,
    action_catalog,
    effective_actions,
    privilege_escalation_actions,
)
from rolecheck.engine.errors import PolicyError, UnsupportedFeature
from rolecheck.engine.evaluate import evaluate
from rolecheck.engine.model import Decision, Principal, Request, StageResult, Verdict
from rolecheck.engine.policy import Policy

__all__ = [
    "PRIVILEGE_ESCALATION_METHODS",
    "Decision",
    "Policy",
    "PolicyError",
    "Principal",
    "Request",
    "StageResult",
    "UnsupportedFeature",
    "Verdict",
    "action_catalog",
    "effective_actions",
    "evaluate",
    "privilege_escalation_actions",
]
