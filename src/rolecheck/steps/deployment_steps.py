"""Given-steps that deploy the walkthrough's setup and check each step did what it says."""

from __future__ import annotations

from pytest_bdd import given, parsers

from rolecheck.aws.identity import caller_identity
from rolecheck.policydoc import documents
from rolecheck.report.evidence import attach_json
from rolecheck.suite import checks, claims
from rolecheck.suite.replay import background_step
from rolecheck.suite.scene import Deployment


@given("an administrator who is not the account root user is signed in")
@background_step
def _(deployment: Deployment) -> None:
    checks.check_not_root(caller_identity(deployment.admin.client("sts")))


@given(parsers.parse('an IAM user "{logical}" with no permissions of its own'))
@background_step
def _(deployment: Deployment, logical: str) -> None:
    deployment.add_user(logical)
    deployment.check_user_has_no_access()


@given(parsers.parse('a role "{logical}" whose trust policy names only that user:'))
@background_step
def _(deployment: Deployment, logical: str, docstring: str) -> None:
    trust = documents.render(docstring, deployment.placeholders(), name=f"trust policy of {logical}")
    attach_json("trust policy", trust)
    deployment.add_role(logical, trust)
    claims.check_document_names_only(deployment.deployed_trust(), deployment.require_user().arn,
                                     f"the trust policy of {logical}")
    claims.check_trusted_user(deployment.snapshot(), deployment.require_role().arn, deployment.require_user().arn)


@given(parsers.parse('a customer-managed policy "{logical}" that allows only {activity}:'))
@background_step
def _(deployment: Deployment, logical: str, activity: str, docstring: str) -> None:
    policy = documents.render(docstring, deployment.placeholders(), name=f"policy {logical}")
    attach_json("permission policy", policy)
    deployment.add_policy(logical, policy)
    claims.check_document_allows_only(deployment.deployed_permissions(), activity, f"policy {logical}",
                                      deployment.account_id, deployment.placeholders())


@given("the policy is attached to the role")
@background_step
def _(deployment: Deployment) -> None:
    deployment.attach_policy()
    checks.check_policy_attached(deployment.admin.client("iam"), deployment.require_role(), deployment.policy_arn)


@given(parsers.parse('an S3 bucket "{logical}"'))
@background_step
def _(deployment: Deployment, logical: str) -> None:
    deployment.add_bucket(logical)


@given("the user has console access with a generated password that must be changed at first sign-in")
@background_step
def _(deployment: Deployment) -> None:
    deployment.add_console_access()
    checks.check_console_access(deployment.admin.client("iam"), deployment.require_user())


@given(parsers.parse('an S3 bucket "{logical}" holding the object "{key}"'))
@background_step
def _(deployment: Deployment, logical: str, key: str) -> None:
    deployment.add_bucket(logical, key)


@given("the user has signed in with its own credentials and switched to the role")
@background_step
def _(deployment: Deployment) -> None:
    deployment.sign_in_and_switch()
