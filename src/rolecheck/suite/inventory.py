"""Checks that the account holds nothing beyond what was reviewed: no extra policy, principal or action pattern.

These close gaps that the mutation catalog found: a misconfiguration can leave every reviewed document intact and
still add to it (an inline policy next to the reviewed one, a second principal in the trust policy, ``s3:List*``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rolecheck.aws.operations import Role, attached_role_policies
from rolecheck.errors import ComplianceViolation
from rolecheck.policydoc import documents


def role_policies(iam: Any, role: Role) -> list[str]:
    """Every permission policy of the role: its inline policies by name and its attached policies by ARN."""
    found = [f"inline policy {name}" for name in iam.list_role_policies(RoleName=role.name)["PolicyNames"]]
    return found + attached_role_policies(iam, role)


def check_only_reviewed_policy(policies: Sequence[str], reviewed_arn: str, role_name: str) -> None:
    """The role's permissions come from the reviewed managed policy alone (NIST AC-6: nothing unreviewed).

    https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html
    """
    findings = [f"unreviewed {policy}" for policy in policies if policy != reviewed_arn]
    if reviewed_arn not in policies:
        findings.append(f"the reviewed policy {reviewed_arn} is not attached")
    if findings:
        raise ComplianceViolation(f"role {role_name} does not have exactly the reviewed policy: {'; '.join(findings)}")


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
