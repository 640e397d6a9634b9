"""Then-steps that judge the feature files' sentences on everything the account holds, not on a sample."""

from __future__ import annotations

from pytest_bdd import parsers, then

from rolecheck.suite import claims
from rolecheck.suite.scene import Deployment


@then(parsers.parse('the role session\'s account-wide access is exactly "{action}" on "{resource}"'))
def _(deployment: Deployment, action: str, resource: str) -> None:
    claims.check_session_access(deployment.snapshot(), deployment.require_role().arn,
                                [claims.Expected(action, resource)])


@then("the user's account-wide access is exactly assuming the reviewed role, nothing else")
def _(deployment: Deployment) -> None:
    claims.check_user_access(deployment.snapshot(), deployment.require_user().arn, deployment.require_role().arn)


@then("the only principal that can assume the role is the named user")
def _(deployment: Deployment) -> None:
    claims.check_only_assumer(deployment.snapshot(), deployment.require_role().arn, deployment.require_user().arn)


@then("the role session can assume no role")
def _(deployment: Deployment) -> None:
    claims.check_assumes_no_role(deployment.snapshot(), deployment.require_role().arn)
