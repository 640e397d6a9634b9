"""Report plumbing for the Allure results: categories, environment, executor, and the scenario as story.

Only a run with ``--alluredir`` writes anything, and under pytest-xdist only the controller does: the workers,
which are the ones that start the target, send its description to the controller through ``workeroutput``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from pathlib import Path
from typing import Any

import allure
import allure_commons.lifecycle
import allure_commons.reporter
import allure_pytest_bdd.pytest_bdd_listener
import pytest

from rolecheck.report import cucumber
from rolecheck.report.environment import (
    RunFacts,
    TargetFacts,
    environment_properties,
    executor,
    read_properties,
    suite_facts,
)

_ROOT = Path(__file__).resolve().parents[3]
CATEGORIES = Path(__file__).resolve().parents[1] / "report" / "categories.json"
_TARGET_KEY = pytest.StashKey[TargetFacts]()
_EARLIER_KEY = pytest.StashKey[dict[str, str]]()
_WORKER_OUTPUT = "rolecheck_target"


# These libraries log raw request and response bodies at DEBUG: access-key secrets, session tokens and console
# passwords included. Their DEBUG output never reaches a log, a junit file or the report, whatever --log-level says.
_BODY_LOGGERS = ("botocore", "boto3", "urllib3", "s3transfer", "moto", "werkzeug")


# Expiry scenarios move the process's wall clock forward an hour (rolecheck.targets.clock); Allure's timestamps must not
# move with it, or the evidence would be dated an hour late. The monotonic clock is not moved, so the report's
# clock is the wall clock at start-up plus the monotonic time elapsed since.
_WALL_AT_START_MS = time.time() * 1000 - time.monotonic() * 1000


def _report_now() -> int:
    return round(_WALL_AT_START_MS + time.monotonic() * 1000)


for _module in (allure_commons.lifecycle, allure_commons.reporter, allure_pytest_bdd.pytest_bdd_listener):
    _module.now = _report_now  # type: ignore[attr-defined]


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Keep the libraries that log credentials at DEBUG at INFO or above; remember a CI job's environment entries.

    A CI job may write ``environment.properties`` into the results before the run (its commit, its matrix row):
    it is read here, before allure-pytest-bdd's ``--clean-alluredir`` empties the directory, and merged into the
    suite's own at the end.
    """
    for name in _BODY_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level < logging.INFO:
            logger.setLevel(logging.INFO)
    alluredir = _alluredir(config)
    earlier = alluredir / "environment.properties" if alluredir is not None else None
    if earlier is not None and _is_controller(config) and earlier.is_file():
        config.stash[_EARLIER_KEY] = read_properties(earlier.read_text(encoding="utf-8"))


def _alluredir(config: pytest.Config) -> Path | None:
    value = config.getoption("allure_report_dir", default=None)
    return Path(value) if value else None


def _is_controller(config: pytest.Config) -> bool:
    return not hasattr(config, "workerinput")


def pytest_sessionstart(session: pytest.Session) -> None:
    """Put ``categories.json`` among the results for Allure 2 and the classic report (Allure 3 reads allurerc)."""
    alluredir = _alluredir(session.config)
    if alluredir is None or not _is_controller(session.config):
        return
    alluredir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(CATEGORIES, alluredir / "categories.json")


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest) -> Any:
    """Remember what the ``target`` fixture started; the environment is written once the session is over."""
    result = yield
    if fixturedef.argname == "target":
        facts = TargetFacts(name=result.name, region=result.region, account_id=result.account_id,
                            endpoint_url=result.endpoint_url)
        request.config.stash[_TARGET_KEY] = facts
        workeroutput = getattr(request.config, "workeroutput", None)
        if workeroutput is not None:
            workeroutput[_WORKER_OUTPUT] = facts.as_dict()
    return result


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """On the xdist controller: take the target description from the first worker that started one."""
    described = getattr(node, "workeroutput", {}).get(_WORKER_OUTPUT)
    if described and _TARGET_KEY not in node.config.stash:
        node.config.stash[_TARGET_KEY] = TargetFacts(**described)


@pytest.hookimpl(trylast=True)
def pytest_bdd_before_scenario(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    """The story is the scenario: the report's tree reads concern, then feature, then scenario.

    An outline's rows share their template's name as story, so the rows of one outline stay together.
    """
    if _alluredir(request.config) is not None:
        allure.dynamic.story(story_of(feature, scenario))


def story_of(feature: Any, scenario: Any) -> str:
    """The scenario's name as written in the feature file (an outline's, before its examples fill it in)."""
    for template in feature.scenarios.values():
        if template.line_number == scenario.line_number:
            return template.name
    return scenario.name


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """Tidy pytest-bdd's ``cucumber.json`` (written just before); write ``environment.properties`` and
    ``executor.json`` describing this run (with a CI job's entries)."""
    config = session.config
    cucumber_json = getattr(config.option, "cucumber_json_path", None)
    if cucumber_json and _is_controller(config):
        cucumber.tidy_file(Path(cucumber_json))
    alluredir = _alluredir(config)
    if alluredir is None or not _is_controller(config):
        return
    target = config.stash.get(_TARGET_KEY, None) or TargetFacts(
        name=config.getoption("target", default="unknown"),
        region=config.getoption("region", default="unknown"),
        account_id=None,
        endpoint_url=None,
    )
    # Imported here, after pytest_plugins imported them, so that pytest rewrites their asserts.
    from rolecheck.plugin.mutation import mutant_of
    from rolecheck.plugin.targets import run_id_of

    facts = suite_facts(_ROOT)
    mutant = mutant_of(config)
    from rolecheck.plugin.audit import audited

    run = RunFacts(run_id=run_id_of(config), mutant=f"{mutant.name}: {mutant.description}" if mutant else None,
                   earlier=config.stash.get(_EARLIER_KEY, {}), **audited(config))
    alluredir.mkdir(parents=True, exist_ok=True)
    properties = environment_properties(target, facts, os.environ, run)
    (alluredir / "environment.properties").write_text(properties, encoding="utf-8")
    (alluredir / "executor.json").write_text(json.dumps(executor(facts, os.environ, run), indent=2),
                                             encoding="utf-8")
