"""Steps of the trust boundary: who may assume the role, tried live and read from the trust policy."""

from __future__ import annotations

from collections.abc import Callable

from pytest_bdd import parsers, then

from rolecheck.aws.clients import Actor
from rolecheck.policydoc import lint
from rolecheck.suite import outsiders
from rolecheck.suite.scene import Deployment


@then("the user named in the trust policy can assume the role")
def _(deployment: Deployment) -> None:
    deployment.verify_user_can_assume()


@then(parsers.parse('"{outsider}" cannot assume the role'))
def _(deployment: Deployment, outsider: str, outsider_actor: Actor, anonymous_actor: Actor,
      foreign_admin: Callable[[], Actor]) -> None:
    outsiders.verify(outsider, deployment,
                     {"outsider": outsider_actor, "anonymous": anonymous_actor, "foreign": foreign_admin})


@then("the trust policy is not accessible from the internet")
def _(deployment: Deployment) -> None:
    lint.check_not_internet_accessible(deployment.deployed_trust(), "the trust policy")


@then("the trust policy names no wildcard principal")
def _(deployment: Deployment) -> None:
    lint.check_no_wildcard_principals(deployment.deployed_trust(), "the trust policy")


@then("the trust policy trusts no whole account without a condition")
def _(deployment: Deployment) -> None:
    lint.check_no_unconditional_root(deployment.deployed_trust(), "the trust policy")
