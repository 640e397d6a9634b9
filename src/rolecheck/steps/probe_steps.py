"""Then-steps that attempt actions for real and check them against the engine's prediction."""

from __future__ import annotations

from pytest_bdd import parsers, then

from rolecheck.suite import probing
from rolecheck.suite.scene import Deployment


@then(parsers.parse('the role can perform "{action}"'))
def _(deployment: Deployment, action: str) -> None:
    deployment.verify_probe(action, as_role=True, expect_allowed=True)


@then(parsers.parse('the role cannot perform "{action}"'))
def _(deployment: Deployment, action: str) -> None:
    deployment.verify_probe(action, as_role=True, expect_allowed=False)


@then(parsers.parse('with its own credentials the user cannot perform "{action}"'))
def _(deployment: Deployment, action: str) -> None:
    deployment.verify_probe(action, as_role=False, expect_allowed=False)


@then("with its own credentials the user can perform none of the actions the role is refused")
def _(deployment: Deployment) -> None:
    # Read back once: none of these probes acts on the user's own policies.
    user = deployment.user_subject()
    for action in probing.REFUSED_TO_ROLE:
        deployment.verify_probe(action, as_role=False, expect_allowed=False, subject=user)
