"""Then-steps that find what the account holds beyond the reviewed setup."""

from __future__ import annotations

from pytest_bdd import then

from rolecheck.aws import readback
from rolecheck.policydoc import lint
from rolecheck.report.evidence import attach_json
from rolecheck.suite import checks
from rolecheck.suite.scene import Deployment


@then("the role has no policy but the reviewed one")
def _(deployment: Deployment) -> None:
    role = deployment.require_role()
    policies = readback.role_policy_names(deployment.admin.client("iam"), role.name)
    attach_json("the role's policies", policies)
    checks.check_only_reviewed_policy(policies, deployment.policy_arn or "", role.name)


@then("the trust policy trusts no principal but the named user")
def _(deployment: Deployment) -> None:
    trust = deployment.deployed_trust()
    attach_json("trusted principals", lint.trusted_principals(trust))
    lint.check_trusts_only(trust, deployment.require_user().arn, "the trust policy")


@then("every action the role's policies allow is named in full")
def _(deployment: Deployment) -> None:
    for policy in deployment.role_subject().identity_policies:
        lint.check_actions_named_in_full(policy.document, policy.name)


@then("the user must choose a new console password at first sign-in")
def _(deployment: Deployment) -> None:
    checks.check_console_access(deployment.admin.client("iam"), deployment.require_user())
