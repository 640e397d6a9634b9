"""The scenario's deployment and its teardown, which runs whether the scenario passed or failed.

On a real account time is waiting: every deployment costs tens of calls and one propagation wait. So scenarios
that only read share one deployment of their feature's Background: the first of them deploys it, the others reuse
it (their Background steps are replayed without calls), and it is torn down at the end of the session. A scenario
shares only when nothing can change what the others check:
- its feature has a Background, and its own steps are all Then steps (a Given or When of its own writes or moves
  the clock, so it gets a deployment of its own);
- no mutant is injected (a mutant changes the account after the Givens: every scenario keeps its own);
- the shared deployment has not failed a scenario (a failure may have changed it: it is torn down at once, and the
  next scenario deploys afresh).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import allure
import pytest

from rolecheck.aws.clients import Actor
from rolecheck.aws.registry import ResourceRegistry
from rolecheck.suite.provisioning import Provisioner
from rolecheck.suite.scene import Deployment
from rolecheck.targets.base import Target

_FAILED = pytest.StashKey[bool]()
# How a scenario got its deployment: (the feature it shares with, or "", and whether it reused one).
SHARED_AS = pytest.StashKey[tuple[str, bool]]()


@dataclass
class _Shared:
    deployment: Deployment
    first: str


def _fresh(target: Target, run_id: str, admin: Actor, user_actor: Actor, role_actor: Actor,
           provisioner: Provisioner) -> Deployment:
    registry = ResourceRegistry(run_id, worker=os.environ.get("PYTEST_XDIST_WORKER", "main"))
    return Deployment(registry=registry, region=target.region, account_id=target.account_id or "",
                      admin=admin, user_actor=user_actor, role_actor=role_actor, provisioner=provisioner)


def _teardown(world: Deployment, what: str) -> list[str]:
    if world.audit:
        return []
    with allure.step(f"Teardown: delete what {what} created"):
        return world.registry.teardown(world.admin.client)


def _left_behind(world: Deployment, problems: list[str]) -> None:
    run_id = world.registry.run_id
    pytest.fail(f"teardown left resources of run {run_id} behind (the end-of-run sweep tries them again; "
                f"`rolecheck sweep --run-id {run_id}` deletes them later):\n" + "\n".join(problems), pytrace=False)


def sharing_key(item: pytest.Item) -> tuple[Any, ...] | None:
    """What a scenario's deployment can be shared by: its feature and Background; None when it must not share."""
    try:
        from pytest_bdd.scenario import scenario_wrapper_template_registry
    except ImportError:
        return None
    template = scenario_wrapper_template_registry.get(getattr(item, "function", None))
    return None if template is None else _template_key(item.config, template)


def _template_key(config: pytest.Config, template: Any) -> tuple[Any, ...] | None:
    if config.getoption("mutant", None) or template.feature.background is None:
        return None
    if any(step.type != "then" for step in template._steps):
        return None
    background = tuple((step.keyword, step.name, step.docstring) for step in template.all_background_steps)
    return (template.feature.filename, background)


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under pytest-xdist (``-n``, default ``--dist load``), the scenarios sharing a deployment go to one worker.

    xdist's own ``loadgroup`` cannot do it on pytest 9.2 (it renames node ids through an attribute pytest no longer
    reads), so the controller groups by scenario: it parses the features as pytest-bdd does and names each test.
    """
    if config.getvalue("dist") != "load":
        return None
    groups = _groups(config)
    if not groups:
        return None
    from xdist.scheduler import LoadScopeScheduling

    class FeatureScheduling(LoadScopeScheduling):  # type: ignore[misc]
        """One work unit per shared deployment, split when it is more than a worker's fair share of the suite:
        a second deployment costs one more propagation wait, which overlaps with the other workers' waits."""

        def schedule(self) -> None:
            if self.collection is None and self.registered_collections:
                collection = next(iter(self.registered_collections.values()))
                fair_share = max(4, -(-len(collection) // max(1, len(self.nodes))))
                seen: dict[str, int] = {}
                self.scopes: dict[str, str] = {}
                for nodeid in collection:
                    group = groups.get(nodeid.rsplit("::", 1)[-1].split("[", 1)[0])
                    if group is not None:
                        index = seen[group] = seen.get(group, -1) + 1
                        self.scopes[nodeid] = f"{group}#{index // fair_share}"
            super().schedule()

        def _split_scope(self, nodeid: str) -> str:
            return getattr(self, "scopes", {}).get(nodeid, nodeid)

    return FeatureScheduling(config, log)


def _groups(config: pytest.Config) -> dict[str, str]:
    """Test function name -> the feature whose deployment it shares, for every scenario that shares one."""
    from pytest_bdd.feature import get_features
    from pytest_bdd.scenario import get_python_name_generator

    base = Path(str(config.rootpath), config.getini("bdd_features_base_dir") or "features")
    if not base.is_dir():
        return {}  # a run without the suite's features (the plugin under test in a scratch project) shares nothing
    names: set[str] = set()
    groups: dict[str, str] = {}
    if not base.is_dir():
        # A suite laid out otherwise is scheduled as xdist would: correct, only without the shared deployments' gain.
        return groups
    for feature in get_features([str(base)]):
        for name, template in feature.scenarios.items():
            test_name = next(candidate for candidate in get_python_name_generator(name) if candidate not in names)
            names.add(test_name)
            key = _template_key(config, template)
            if key is not None:
                groups[test_name] = Path(str(key[0])).name
    return groups


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    if outcome.get_result().failed:
        item.stash[_FAILED] = True


def pytest_bdd_before_step(request: pytest.FixtureRequest, feature: Any, scenario: Any, step: Any,
                           step_func: Any) -> None:
    """A reused deployment's Background steps are replayed: the shared state they deployed is already there."""
    world = request.getfixturevalue("deployment")
    # pytest-bdd renders a scenario's steps afresh and drops their link to the Background; line numbers remain.
    background = {line.line_number for line in feature.background.steps} if feature.background else set()
    world.replaying = world.reused and step.line_number in background


@pytest.fixture(scope="session")
def shared_deployments() -> Iterator[dict[tuple[Any, ...], _Shared]]:
    """The deployments shared by read-only scenarios, torn down at the end of the session."""
    shared: dict[tuple[Any, ...], _Shared] = {}
    yield shared
    problems = []
    for entry in shared.values():
        problems += _teardown(entry.deployment, f"the scenarios sharing {entry.first!r}")
    if problems:
        _left_behind(entry.deployment, problems)


@pytest.fixture
def deployment(request: pytest.FixtureRequest, target: Target, run_id: str, admin: Actor, user_actor: Actor,
               role_actor: Actor, provisioner: Provisioner,
               shared_deployments: dict[tuple[Any, ...], _Shared]) -> Iterator[Deployment]:
    """The scenario's deployment: its own, or the one its feature's read-only scenarios share.

    In audit mode the provisioner locates instead of creating: nothing was created, so nothing is deleted.
    """
    key = sharing_key(request.node)
    request.node.stash[SHARED_AS] = (str(key[0]) if key else "", key is not None and key in shared_deployments)
    if key is None:
        world = _fresh(target, run_id, admin, user_actor, role_actor, provisioner)
        yield world
        problems = _teardown(world, "the scenario")
        if problems:
            _left_behind(world, problems)
        return
    entry = shared_deployments.get(key)
    if entry is None:
        entry = shared_deployments[key] = _Shared(_fresh(target, run_id, admin, user_actor, role_actor, provisioner),
                                                  request.node.name)
        entry.deployment.shared = True
    else:
        entry.deployment.reuse()
    yield entry.deployment
    if request.node.stash.get(_FAILED, False):
        del shared_deployments[key]
        problems = _teardown(entry.deployment, f"the scenarios sharing {entry.first!r}")
        if problems:
            _left_behind(entry.deployment, problems)
