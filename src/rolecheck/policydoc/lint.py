"""Static checks of the policy documents: what they allow, computed, never sampled, and that they name nothing
beyond what was reviewed (no second principal in a trust policy, no action pattern such as ``s3:List*``).

Each check returns its findings (empty when compliant) so the tests can assert on them, and has a ``check_*``
twin that raises ``ComplianceViolation`` listing them for the Then-steps.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from policyuniverse.policy import Policy as UniversePolicy

from rolecheck.engine import Policy, Principal, effective_actions, privilege_escalation_actions
from rolecheck.errors import ComplianceViolation
from rolecheck.policydoc import documents

_ROOT_PRINCIPAL = re.compile(r"^(arn:aws[\w-]*:iam::\d{12}:root|\d{12})$")


def _allow_statements(document: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """The Allow statements with a label for findings: their Sid, or their position."""
    return [(statement.get("Sid") or f"#{index}", statement)
            for index, statement in enumerate(documents.statements(document)) if statement.get("Effect") == "Allow"]


def _fail_if(findings: Sequence[str], what: str) -> None:
    if findings:
        raise ComplianceViolation(f"{what}: " + "; ".join(findings))


def wildcard_grants(document: Mapping[str, Any]) -> list[str]:
    """Allow statements with ``*`` or a service-wide wildcard in Action, or with NotAction."""
    findings = []
    for label, statement in _allow_statements(document):
        if "NotAction" in statement:
            findings.append(f"statement {label} allows everything except {statement['NotAction']} (NotAction)")
        for action in documents.as_list(statement.get("Action", [])):
            if action == "*" or action.endswith(":*"):
                findings.append(f"statement {label} allows the wildcard action {action!r}")
    return findings


def check_no_wildcard_grants(document: Mapping[str, Any], name: str) -> None:
    """No statement may allow ``*``, ``service:*`` or use NotAction with Allow (CIS AWS Foundations 1.16)."""
    _fail_if(wildcard_grants(document), f"{name} grants wildcards")


def allowed_actions(principal: Principal, policies: Sequence[Policy], boundary: Policy | None = None) -> frozenset[str]:
    """The principal's effective allowed actions over the whole action catalog, on any resource."""
    return effective_actions(principal, policies, resource=None, permissions_boundary=boundary)


def check_exact_actions(actual: Iterable[str], expected: Iterable[str]) -> None:
    """The effective permissions must be exactly the reviewed set, compared case-insensitively like IAM."""
    actual_lower = {a.lower(): a for a in actual}
    expected_lower = {e.lower(): e for e in expected}
    extra = sorted(actual_lower[a] for a in actual_lower.keys() - expected_lower.keys())
    missing = sorted(expected_lower[e] for e in expected_lower.keys() - actual_lower.keys())
    findings = []
    if extra:
        shown = ", ".join(extra[:20]) + (f" and {len(extra) - 20} more" if len(extra) > 20 else "")
        findings.append(f"{len(extra)} action(s) beyond the reviewed set: {shown}")
    if missing:
        findings.append(f"reviewed action(s) not granted: {', '.join(missing)}")
    _fail_if(findings, "the role's effective permissions differ from the reviewed set")


def escalation_grants(actions: Iterable[str]) -> list[str]:
    """The privilege-escalation actions among ``actions`` (Rhino Security Labs' methods and IAM Permissions-level)."""
    escalation = {a.lower() for a in privilege_escalation_actions()}
    return sorted(a for a in actions if a.lower() in escalation)


def check_no_escalation(actions: Iterable[str]) -> None:
    """No action that lets the principal raise its own privileges may be allowed."""
    _fail_if(escalation_grants(actions), "the role may escalate its privileges with")


def internet_accessible(document: Mapping[str, Any]) -> bool:
    """policyuniverse's verdict: does the policy let anyone on the internet in?"""
    return bool(UniversePolicy(dict(document)).is_internet_accessible())


def check_not_internet_accessible(document: Mapping[str, Any], name: str) -> None:
    """A trust policy must not let an arbitrary principal assume the role."""
    if internet_accessible(document):
        raise ComplianceViolation(f"{name} is internet-accessible: any AWS principal may assume the role")


def _aws_principals(statement: Mapping[str, Any]) -> list[str]:
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    if isinstance(principal, Mapping):
        return [str(p) for p in documents.as_list(principal.get("AWS", []))]
    return []


def wildcard_principals(document: Mapping[str, Any]) -> list[str]:
    """Allow statements that name ``*`` (or a pattern) as principal, or use NotPrincipal."""
    findings = []
    for label, statement in _allow_statements(document):
        if "NotPrincipal" in statement:
            findings.append(f"statement {label} trusts everyone but {statement['NotPrincipal']} (NotPrincipal)")
        findings += [f"statement {label} trusts the wildcard principal {p!r}"
                     for p in _aws_principals(statement) if "*" in p]
    return findings


def check_no_wildcard_principals(document: Mapping[str, Any], name: str) -> None:
    _fail_if(wildcard_principals(document), f"{name} has a wildcard principal")


def unconditional_root_principals(document: Mapping[str, Any]) -> list[str]:
    """Allow statements that trust a whole account (``:root`` or a bare id) without any condition."""
    findings = []
    for label, statement in _allow_statements(document):
        if statement.get("Condition"):
            continue
        findings += [f"statement {label} trusts every principal of account {p} without a condition"
                     for p in _aws_principals(statement) if _ROOT_PRINCIPAL.match(p)]
    return findings


def check_no_unconditional_root(document: Mapping[str, Any], name: str) -> None:
    _fail_if(unconditional_root_principals(document), f"{name} delegates to a whole account")


def check_same_document(deployed: Mapping[str, Any], reviewed: Mapping[str, Any], name: str) -> None:
    """The document read back from the target must be the reviewed one, whatever its JSON spelling or Sids."""
    found = documents.differences(deployed, reviewed)
    if found:
        raise ComplianceViolation(f"the deployed {name} is not the reviewed document: " + "; ".join(found))


def trusted_principals(document: Mapping[str, Any]) -> list[str]:
    """Every principal an Allow statement of a trust policy names, as ``Kind:value`` (``*`` for everyone)."""
    found = []
    for statement in documents.statements(document):
        if statement.get("Effect") != "Allow":
            continue
        if "NotPrincipal" in statement:
            found.append(f"everyone but {statement['NotPrincipal']}")
        principal = statement.get("Principal")
        if principal == "*":
            found.append("*")
        elif isinstance(principal, Mapping):
            found += [f"{kind}:{value}" for kind, values in principal.items() for value in documents.as_list(values)]
    return found


def check_trusts_only(document: Mapping[str, Any], user_arn: str, name: str) -> None:
    """The trust policy admits the named user and no other principal (NIST AC-2).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    """
    others = [p for p in trusted_principals(document) if p != f"AWS:{user_arn}"]
    if others:
        raise ComplianceViolation(f"{name} trusts principals besides {user_arn}: {', '.join(others)}")


def action_patterns(document: Mapping[str, Any]) -> list[str]:
    """Actions of Allow statements written as patterns (``*`` or ``?`` anywhere), which grow with AWS's catalog."""
    return [str(action) for statement in documents.statements(document) if statement.get("Effect") == "Allow"
            for action in documents.as_list(statement.get("Action", [])) if "*" in str(action) or "?" in str(action)]


def check_actions_named_in_full(document: Mapping[str, Any], name: str) -> None:
    """Least privilege names each allowed action; a pattern such as ``s3:List*`` allows actions nobody reviewed.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
    """
    patterns = action_patterns(document)
    if patterns:
        raise ComplianceViolation(f"{name} allows actions by pattern: {', '.join(patterns)}")
