"""Static checks of the policy documents read back from the account."""

from __future__ import annotations

from pytest_bdd import then

from rolecheck.policydoc import lint
from rolecheck.report.evidence import attach_json
from rolecheck.suite.scene import Deployment


@then("the role's effective permissions over the whole action catalog are exactly:")
def _(deployment: Deployment, datatable: list[list[str]]) -> None:
    expected = [row[0] for row in datatable[1:]]
    actual = deployment.role_effective_actions()
    attach_json("computed effective permissions", sorted(actual))
    lint.check_exact_actions(actual, expected)


@then("no policy of the role allows a wildcard action or uses NotAction")
def _(deployment: Deployment) -> None:
    for policy in deployment.role_subject().identity_policies:
        attach_json(policy.name, policy.document)
        lint.check_no_wildcard_grants(policy.document, policy.name)


@then("the role is allowed no privilege-escalation action")
def _(deployment: Deployment) -> None:
    actual = deployment.role_effective_actions()
    attach_json("privilege-escalation actions allowed", lint.escalation_grants(actual))
    lint.check_no_escalation(actual)


@then("the permission policy read back from the account is the reviewed document")
def _(deployment: Deployment) -> None:
    deployed = deployment.deployed_permissions()
    attach_json("deployed permission policy", deployed)
    lint.check_same_document(deployed, deployment.documents["permissions"], "permission policy")


@then("the trust policy read back from the account is the reviewed document")
def _(deployment: Deployment) -> None:
    deployed = deployment.deployed_trust()
    attach_json("deployed trust policy", deployed)
    lint.check_same_document(deployed, deployment.documents["trust"], "trust policy")
