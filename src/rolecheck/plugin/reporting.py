"""Report plumbing for the Allure results: categories, environment, executor, and the scenario as story.

Only a run with ``--alluredir`` writes anything, and under pytest-xdist only the controller does: the workers,
which are the ones that start the target, send its description to the controller through ``workeroutput``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import allure
import allure_commons.lifecycle
import allure_commons.reporter
import allure_pytest_bdd.pytest_bdd_listener
import pytest

from rolecheck.errors import EXIT_COMPLIANT, EXIT_NOT_COMPLIANT, ComplianceViolation
from rolecheck.report import cucumber, findings, summary
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
_OUTPUTS_KEY = pytest.StashKey[list[tuple[str, Path]]]()
_GATHERED_KEY = pytest.StashKey["_Gathered"]()
_SCENARIO_KEY = pytest.StashKey[tuple[str, int, str]]()
# A report's attribute, carried from an xdist worker to the controller with the report.
_FINDING_ATTR = "rolecheck_finding"


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--output FORMAT=PATH`` (SARIF, OCSF, JSON, CSV findings) and ``--fail-on-severity``."""
    group = parser.getgroup("rolecheck", "rolecheck compliance suite")
    group.addoption("--output", action="append", default=[], metavar="FORMAT=PATH", dest="rolecheck_output",
                    help=f"write the findings as FORMAT ({', '.join(findings.FORMATS)}) to PATH (repeatable)")
    group.addoption("--fail-on-severity", default=findings.SEVERITY_ORDER[0], choices=findings.SEVERITY_ORDER,
                    dest="rolecheck_fail_on_severity",
                    help="exit non-zero only for failures at or above this severity (the others are still "
                         "reported, as warnings in SARIF); default: every failure")
    group.addoption("--rolecheck-environment", metavar="FILE", dest="rolecheck_environment",
                    default=os.environ.get("ROLECHECK_ENVIRONMENT") or None,
                    help="a CI job's own entries for the report's environment panel (java.util.Properties: commit, "
                         "matrix row...). Env: ROLECHECK_ENVIRONMENT")
    # rolecheck audit: the template whose lines the findings point to, and the folder their paths are relative to.
    group.addoption("--audit-template", default=None, help=argparse.SUPPRESS)
    group.addoption("--findings-root", default=None, help=argparse.SUPPRESS)


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
    """Keep the libraries that log credentials at DEBUG at INFO or above; read a CI job's environment entries.

    A CI job's own entries (its commit, its matrix row) come only from ``--rolecheck-environment FILE``: whatever
    the results folder holds was written by an earlier run and describes that run, so a folder holding one is
    emptied first.
    """
    for name in _BODY_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level < logging.INFO:
            logger.setLevel(logging.INFO)
    try:
        config.stash[_OUTPUTS_KEY] = [findings.parse_output(v) for v in config.getoption("rolecheck_output")]
    except ValueError as exc:
        raise pytest.UsageError(f"rolecheck: {exc}") from None
    if _is_controller(config):
        config.stash[_GATHERED_KEY] = _Gathered()
        config.pluginmanager.register(config.stash[_GATHERED_KEY], "rolecheck-findings")
    if not _is_controller(config):
        return
    _refuse_a_run_without_its_configuration(config)
    ci_entries = config.getoption("rolecheck_environment")
    if ci_entries:
        try:
            config.stash[_EARLIER_KEY] = read_properties(Path(ci_entries).read_text(encoding="utf-8"))
        except OSError as exc:
            raise pytest.UsageError(f"rolecheck: --rolecheck-environment {ci_entries}: "
                                    f"{exc.strerror or exc}") from None
    alluredir = _alluredir(config)
    if alluredir is not None and not config.option.clean_alluredir and _holds_a_run(alluredir):
        # Results of two runs in one folder make one report of both: the earlier run's target, run id and mutant
        # title would describe this one. allure-pytest-bdd empties the folder when it configures, after this hook.
        config.option.clean_alluredir = True
        print(f"rolecheck: {alluredir} held the results of an earlier run; emptied it (this report describes only "
              "this run)", file=sys.stderr)


def _refuse_a_run_without_its_configuration(config: pytest.Config) -> None:
    """``pytest --alluredir DIR`` (a space, not ``=``): pytest looks for its configuration before plugins declare
    their options, so it takes DIR for a test path, finds the rootdir above it and reads no ``pytest.ini``; the
    run would then collect whatever lies there (the project's own tests, the mutation catalog...)."""
    here = Path(config.invocation_params.dir)
    if config.inipath is None and (here / "pytest.ini").is_file():
        raise pytest.UsageError(f"rolecheck: pytest started without {here / 'pytest.ini'} (rootdir "
                                f"{config.rootpath}): a path after an option, as in --alluredir DIR, is read as a "
                                "test path when the configuration is looked for; write --alluredir=DIR")


def _holds_a_run(alluredir: Path) -> bool:
    return any(alluredir.glob("*-result.json")) or (alluredir / "environment.properties").is_file()


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
    request.node.stash[_SCENARIO_KEY] = (feature.filename, scenario.line_number, story_of(feature, scenario))
    if _alluredir(request.config) is not None:
        allure.dynamic.story(story_of(feature, scenario))


def _tag_values(item: pytest.Item, key: str) -> list[str]:
    names = dict.fromkeys(mark.name for mark in item.iter_markers())
    return [name.split(":", 1)[1] for name in names if name.startswith(f"{key}:")]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A scenario's controls and severity are JUnit properties of its test case."""
    for item in items:
        item.user_properties += [("control", c) for c in _tag_values(item, "control")]
        item.user_properties += [("severity", s) for s in _tag_values(item, "severity")[:1]]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    """A scenario's outcome as a finding, carried by its report (to the xdist controller too)."""
    report: pytest.TestReport = yield
    scenario = item.stash.get(_SCENARIO_KEY, None)
    if scenario is None or not (report.when == "call" or report.failed or report.skipped):
        return report
    error = call.excinfo.value if call.excinfo is not None else None
    outcome = ("skipped" if report.skipped else "passed" if report.passed
               else "failed" if isinstance(error, ComplianceViolation) else "broken")
    path, line, story = scenario
    message = str(error).splitlines()[0] if error is not None and not report.skipped else ""
    setattr(report, _FINDING_ATTR, {
        "test_id": item.nodeid, "scenario": story, "path": path, "line": line,
        "controls": _tag_values(item, "control"), "severity": (_tag_values(item, "severity") or ["critical"])[0],
        "outcome": outcome, "message": message,
        "grants": [dict(g) for g in getattr(error, "grants", ())]})
    return report


class _Gathered:
    """On the controller (or a run without xdist): each scenario's finding, and which tests failed."""

    def __init__(self) -> None:
        self.findings: list[dict[str, Any]] = []
        self.failed: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        finding = getattr(report, _FINDING_ATTR, None)
        if finding is not None:
            self.findings.append(finding)
        if report.failed:
            self.failed.append(report.nodeid)


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
    if not _is_controller(config):
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

    built, verdict = _finish_findings(session, target, run_id_of(config) or "unknown")
    alluredir = _alluredir(config)
    if alluredir is None:
        return
    alluredir.mkdir(parents=True, exist_ok=True)
    if verdict is not None:
        summary.write_globals(alluredir, built, verdict, compliant=verdict.startswith("compliant"))
    summary.findings_first(alluredir)

    facts = suite_facts(_ROOT)
    mutant = mutant_of(config)
    from rolecheck.plugin.audit import audited

    run = RunFacts(run_id=run_id_of(config), mutant=f"{mutant.name}: {mutant.description}" if mutant else None,
                   earlier=config.stash.get(_EARLIER_KEY, {}), verdict=verdict, **audited(config))
    properties = environment_properties(target, facts, os.environ, run)
    (alluredir / "environment.properties").write_text(properties, encoding="utf-8")
    (alluredir / "executor.json").write_text(json.dumps(executor(facts, os.environ, run), indent=2),
                                             encoding="utf-8")


def _finish_findings(session: pytest.Session, target: TargetFacts,
                     run_id: str) -> tuple[list[findings.Finding], str | None]:
    """Write the ``--output`` files; with ``--fail-on-severity``, failures below it alone do not fail the run.
    Returns the findings and the run's verdict in a few words."""
    config = session.config
    gathered = config.stash.get(_GATHERED_KEY, None)
    if gathered is None:
        return [], None
    threshold = config.getoption("rolecheck_fail_on_severity")
    root = Path(config.getoption("findings_root") or config.rootpath).resolve()
    template = config.getoption("audit_template")
    lines = _template_lines(Path(template), config) if template else {}
    built = [_finding(raw, root, Path(template) if template else None, lines) for raw in gathered.findings]
    below = {f.test_id for f in built if f.outcome == "failed" and not findings.at_or_above(f.severity, threshold)}
    if session.exitstatus == EXIT_NOT_COMPLIANT and gathered.failed and set(gathered.failed) <= below:
        session.exitstatus = EXIT_COMPLIANT
    verdict = findings.headline(built, threshold)
    outputs = config.stash.get(_OUTPUTS_KEY, [])
    if not outputs:
        return built, verdict
    from rolecheck import __version__

    run = findings.RunInfo(run_id=run_id, target=target.name, version=__version__, started_ms=round(_WALL_AT_START_MS),
                           region=target.region, account_id=target.account_id,
                           audited=config.getoption("audit_source", default=None), threshold=threshold)
    findings.write(outputs, built, run)
    return built, verdict


def _template_lines(template: Path, config: pytest.Config) -> dict[str, int]:
    """The template line of each name a finding may use: logical ids, real names, and the feature files' names."""
    from rolecheck.audit import cloudformation
    from rolecheck.audit.iac import IacError
    from rolecheck.plugin.audit import audit_mapping

    try:
        lines = cloudformation.resource_lines(template)
    except IacError:
        return {}  # a Terraform plan: its lines are not the configuration's, the feature file is the location
    mapped = audit_mapping(config)
    for logical, value in (mapped.entries.items() if mapped else ()):
        real = value.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
        if real in lines:
            lines.setdefault(logical, lines[real])
    return lines


def _path(path: Path, root: Path) -> str:
    """Relative to ``root`` (code scanning's checkout) when under it, else a file URI."""
    path = path.resolve()
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_uri()


def _finding(raw: dict[str, Any], root: Path, template: Path | None, lines: dict[str, int]) -> findings.Finding:
    source = None
    if template is not None and lines:
        texts = [g.get(k, "") for g in raw["grants"] for k in ("granted by", "principal", "resource")]
        line = next((lines[name] for text in [*texts, raw["message"]] for name in lines
                     if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text)), 1)
        source = findings.Location(_path(template, root), line)
    return findings.Finding(test_id=raw["test_id"], scenario=raw["scenario"],
                            feature=findings.Location(_path(Path(raw["path"]), root), raw["line"]),
                            controls=tuple(raw["controls"]), severity=raw["severity"], outcome=raw["outcome"],
                            message=raw["message"], grants=tuple(raw["grants"]), source=source)
