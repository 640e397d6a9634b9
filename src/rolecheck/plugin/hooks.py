"""The suite's own hooks: Gherkin tags as markers and Allure labels and links, ``-m`` checked against the tags in
use, bad feature files refused before anything is deployed, verdicts reported as verdicts."""

from __future__ import annotations

from typing import Any

import allure
import pytest

from rolecheck.errors import ComplianceViolation, EngineDrift, FeatureFileError, PolicyDocumentError
from rolecheck.plugin import collection
from rolecheck.suite import preflight
from rolecheck.suite.tags import EPICS, SEVERITIES, UnknownTag, allure_marks, check_feature_tags, feature_tags


def pytest_configure(config: pytest.Config) -> None:
    """Tags are markers: listed by ``pytest --markers``, and ``-m`` may name only markers that exist."""
    for key, example in (("concern", "trust-boundary"), ("control", "NIST-AC-6"), ("severity", "critical")):
        config.addinivalue_line("markers", f"{key}: the feature files' @{key}:<value> tags are markers of that "
                                           f"name, e.g. -m \"{key}:{example}\"")
    _check_marker_expression(config)


def _check_marker_expression(config: pytest.Config) -> None:
    """``-m`` with a misspelled marker would select nothing, silently: refuse it in one line.

    pytest's own check (--strict-markers) cannot know tag markers, whose names hold a colon, so this one replaces
    it: a name in ``-m`` must be a registered marker, a concern or severity the suite knows, or a tag some feature
    file carries.
    """
    expression = config.getoption("markexpr", "")
    if not expression:
        return
    from _pytest.mark.expression import Expression

    try:
        names = Expression.compile(expression).idents()
    except SyntaxError:
        return  # pytest says what is wrong with the expression itself
    in_use = {tag for _, _, tag in feature_tags(collection.feature_paths(config))}
    known = {line.split(":", 1)[0].split("(")[0].strip() for line in config.getini("markers")} | in_use
    known |= {f"concern:{c}" for c in EPICS} | {f"severity:{s}" for s in SEVERITIES}
    unknown = sorted(names - known)
    if unknown:
        raise pytest.UsageError(f"rolecheck: no feature file carries the tag(s) in -m: {', '.join(unknown)}; "
                                f"tags in use: {', '.join(sorted(in_use))}")


def pytest_collection_finish(session: pytest.Session) -> None:
    """Bad input in the feature files is one ``ERROR: rolecheck:`` line and exit 4, before anything is deployed:
    a malformed policy document, features disagreeing on one, a logical name never introduced, an unknown tag, a
    step no definition matches, an unknown placeholder in a step, what a registered step check refuses."""
    scenarios = [item for item in session.items if collection.is_scenario(item)]
    if not scenarios:
        return
    features = collection.scenario_paths(scenarios)
    try:
        preflight.check_feature_documents(features)
        preflight.check_reviewed_documents_agree(features)
        preflight.check_names_introduced(features)
        check_feature_tags(features)
        collection.check_steps(session, scenarios)
    except (PolicyDocumentError, FeatureFileError) as exc:
        raise pytest.UsageError(f"rolecheck: {exc}") from None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    """A compliance violation or an engine drift is a verdict, not a crash: its report is its message (the rows of
    what was wrong), not the Python stack that found it. Any other error keeps its traceback."""
    report: pytest.TestReport = yield
    if report.failed and call.excinfo is not None and isinstance(call.excinfo.value, ComplianceViolation | EngineDrift):
        report.longrepr = str(call.excinfo.value)
    return report


@pytest.hookimpl(tryfirst=True)
def pytest_bdd_apply_tag(tag: str, function: Any) -> bool:
    """Every tag becomes a pytest marker of its own name; ``concern:``, ``severity:`` and ``control:`` tags are
    also Allure labels and links.

    First among the implementations: pytest-bdd's own (the first to answer wins) would refuse a tag with a colon.
    """
    # `-m "control:NIST-AC-6"` parses (a marker expression allows `:`), but the `markers` ini option cuts a name
    # at its first colon and --strict-markers would refuse the rest; free-form tags (@smoke) are the feature
    # writer's own. So the tag is put in pytest's marker registry directly: check_feature_tags refuses the
    # unknown key:value tags, with their file and line, once collection is over.
    pytest.mark._markers.add(tag)
    getattr(pytest.mark, tag)(function)
    try:
        marks = allure_marks(tag) or []
    except UnknownTag:
        return True
    for mark in marks:
        if mark.kind == "label":
            allure.label(mark.name, mark.value)(function)
        else:
            allure.link(mark.value, link_type=mark.name, name=mark.title)(function)
    return True
