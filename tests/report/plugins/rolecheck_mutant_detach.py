"""A deliberately misconfigured run: the role's policies are detached once the scenario's Givens are done.

Loaded with ``-p rolecheck_mutant_detach`` by the report tests only. The account then no longer grants what the
reviewed policy says, so the checks that use the role must fail as compliance violations; the detach calls are
recorded like every other call, so the report shows what was changed and when.
"""

from __future__ import annotations

from typing import Any

import pytest

_DONE = pytest.StashKey[bool]()


def pytest_bdd_before_step(request: pytest.FixtureRequest, feature: Any, scenario: Any, step: Any,
                           step_func: Any) -> None:
    """Before the first When or Then step, detach every managed policy from the scenario's role."""
    node = request.node
    if step.type == "given" or node.stash.get(_DONE, False):
        return
    node.stash[_DONE] = True
    deployment = request.getfixturevalue("deployment")
    if deployment.role is None:
        return
    iam = deployment.admin.client("iam")
    attached = iam.list_attached_role_policies(RoleName=deployment.role.name)["AttachedPolicies"]
    for policy in attached:
        iam.detach_role_policy(RoleName=deployment.role.name, PolicyArn=policy["PolicyArn"])
