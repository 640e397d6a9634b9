"""Checks of what the target answers: the live observations a Then-step judges, each raising ``ComplianceViolation``
with a sentence an auditor can read.

Claims about the whole account live in ``claims``, and checks of the documents themselves in ``policydoc.lint``.
"""

from __future__ import annotations

from collections.abc import Sequence

from rolecheck.errors import ComplianceViolation


def check_only_reviewed_policy(policies: Sequence[str], reviewed_arn: str, role_name: str) -> None:
    """The role's permissions come from the reviewed managed policy alone (NIST AC-6: nothing unreviewed).

    A misconfiguration can leave the reviewed policy intact and still add to it: an inline policy beside it.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html
    """
    findings = [f"unreviewed {policy}" for policy in policies if policy != reviewed_arn]
    if reviewed_arn not in policies:
        findings.append(f"the reviewed policy {reviewed_arn} is not attached")
    if findings:
        raise ComplianceViolation(f"role {role_name} does not have exactly the reviewed policy: {'; '.join(findings)}")
