"""Mutation testing of the suite itself: ``--mutant NAME`` misconfigures the account in every scenario.

The mutant is injected by hooks, so no step knows about it: a ``setup`` mutant just before a scenario's first
step, an ``apply`` mutant just before its first When or Then step (after the Background and the Givens deployed
the reviewed setup). ``--list-mutants`` prints the catalog. ``--mutation-results FILE`` writes, for the mutation
runner, one JSON line per scenario: its outcome and, for a failure, whether it was a compliance violation.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from typing import Any

import allure
import pytest

from rolecheck.errors import ComplianceViolation, EngineDrift
from rolecheck.mutation import catalog
from rolecheck.mutation.context import MutationContext

_STATE = pytest.StashKey["_ScenarioState"]()
_MUTANT = pytest.StashKey[catalog.Mutant]()


@dataclass
class _ScenarioState:
    name: str = ""
    feature: str = ""
    set_up: bool = False
    applied: bool = False
    failed_step: str | None = None
    failed_step_type: str | None = None
    results: list[dict[str, Any]] = field(default_factory=list)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rolecheck mutation", "rolecheck mutation catalog")
    group.addoption("--mutant", default=os.environ.get("ROLECHECK_MUTANT") or None, metavar="NAME",
                    help="misconfigure the account with this mutant in every scenario. Env: ROLECHECK_MUTANT")
    group.addoption("--list-mutants", action="store_true", help="print the mutation catalog and exit")
    group.addoption("--mutation-results", default=None, metavar="FILE",
                    help="write each scenario's outcome as JSON lines (used by rolecheck-mutants)")


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> int | None:
    if config.getoption("list_mutants"):
        print(catalog.listing())
        return 0
    if config.getoption("mutant"):
        _away_from_the_suites_reports(config)
    return None


# The options whose files make the suite's own report (make compliance writes them under reports/).
_REPORT_OPTIONS = (("allure_report_dir", "--alluredir"), ("xmlpath", "--junitxml"),
                   ("cucumber_json_path", "--cucumberjson"))


def _away_from_the_suites_reports(config: pytest.Config) -> None:
    """A mutant run misconfigures the account on purpose: its results must never replace the suite's report. Any
    report file it was asked to write under the project's ``reports/`` (outside ``reports/mutants/``) goes to
    ``reports/mutants/<mutant>/`` instead, and one line says so. Runs before any plugin configures, so the Allure
    listener opens the new folder."""
    reports = config.rootpath / "reports"
    mutants = reports / "mutants" / str(config.getoption("mutant"))
    moved = []
    for dest, flag in _REPORT_OPTIONS:
        value = getattr(config.option, dest, None)
        if not value:
            continue
        path = (config.invocation_params.dir / value).resolve()
        if path.is_relative_to(reports.resolve()) and not path.is_relative_to((reports / "mutants").resolve()):
            target = mutants / path.relative_to(reports.resolve())
            setattr(config.option, dest, str(target))
            moved.append(f"{flag} {target}")
    if moved:
        print(f"rolecheck: a --mutant run never writes the suite's report: {'; '.join(moved)}", file=sys.stderr)


def pytest_configure(config: pytest.Config) -> None:
    name = config.getoption("mutant")
    if name:
        try:
            mutant = catalog.get(name)
        except catalog.UnknownMutant as exc:
            raise pytest.UsageError(f"rolecheck: {exc}") from None
        if mutant.moto_only and not str(config.getoption("target", "moto")).startswith("moto"):
            raise pytest.UsageError(f"rolecheck: mutant {name!r} changes how the target behaves; it runs on moto only")
        config.stash[_MUTANT] = mutant
    path = config.getoption("mutation_results")
    if path:
        config.pluginmanager.register(_ResultWriter(path), "rolecheck-mutation-results")


def mutant_of(config: pytest.Config) -> catalog.Mutant | None:
    """The mutant this run injects, if any."""
    return config.stash.get(_MUTANT, None)


def pytest_report_header(config: pytest.Config) -> str | None:
    mutant = config.stash.get(_MUTANT, None)
    return f"rolecheck mutant: {mutant.name} ({mutant.description})" if mutant else None


def _state(request: pytest.FixtureRequest) -> _ScenarioState:
    node = request.node
    if _STATE not in node.stash:
        node.stash[_STATE] = _ScenarioState()
    return node.stash[_STATE]


def pytest_bdd_before_scenario(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    state = _state(request)
    state.name, state.feature = scenario.name, feature.name


def pytest_bdd_before_step(request: pytest.FixtureRequest, feature: Any, scenario: Any, step: Any,
                           step_func: Any) -> None:
    mutant = request.config.stash.get(_MUTANT, None)
    if mutant is None:
        return
    state = _state(request)
    if not state.set_up:
        state.set_up = True
        if mutant.setup is not None:
            context = MutationContext(deployment=request.getfixturevalue("deployment"),
                                      client_factory=request.getfixturevalue("client_factory"),
                                      target_name=request.config.getoption("target", "moto"))
            # Registered after the deployment fixture, so it is undone before the deployment is torn down.
            with allure.step(f"Target misconfigured (mutant {mutant.name}): {mutant.description}"):
                request.node.addfinalizer(mutant.setup(context))
    if step.type in ("when", "then") and not state.applied:
        state.applied = True
        if mutant.apply is not None:
            # A step of its own, so the report shows the misconfiguration apart from the check that catches it.
            with allure.step(f"Misconfiguration injected (mutant {mutant.name}): {mutant.description}"):
                mutant.apply(request.getfixturevalue("deployment"))


def pytest_bdd_step_error(request: pytest.FixtureRequest, feature: Any, scenario: Any, step: Any,
                          step_func: Any, step_func_args: Any, exception: Exception) -> None:
    state = _state(request)
    state.failed_step, state.failed_step_type = f"{step.keyword} {step.name}".strip(), step.type


def classify(exception: BaseException | None) -> str:
    """Why a scenario failed: ``compliance`` is the only reason a mutant may kill a scenario for."""
    if isinstance(exception, ComplianceViolation):
        return "compliance"
    if isinstance(exception, EngineDrift):
        return "engine-drift"
    return "error"


class _ResultWriter:
    """Collects one record per scenario and writes them when the session ends."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.records: dict[str, dict[str, Any]] = {}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        outcome = yield
        report = outcome.get_result()
        state = item.stash.get(_STATE, None)
        record = self.records.setdefault(item.nodeid, {
            "nodeid": item.nodeid, "scenario": state.name if state else item.nodeid,
            "feature": state.feature if state else "", "outcome": "passed", "reason": None, "step": None,
            "step_type": None, "phase": None, "message": None,
        })
        if state and state.name:
            record["scenario"], record["feature"] = state.name, state.feature
        if report.failed and record["outcome"] != "failed":
            exception = call.excinfo.value if call.excinfo else None
            record.update(outcome="failed", reason=classify(exception) if report.when == "call" else "error",
                          step=state.failed_step if state else None,
                          step_type=state.failed_step_type if state else None, phase=report.when,
                          message=str(exception).splitlines()[0][:300] if exception else report.longreprtext[:300])
        elif report.skipped and record["outcome"] == "passed":
            record["outcome"] = "skipped"

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        with open(self.path, "w", encoding="utf-8") as out:
            for record in self.records.values():
                out.write(json.dumps(record) + "\n")
