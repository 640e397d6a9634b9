"""Feature files are the test modules: ``pytest features/walkthrough.feature`` runs that feature.

pytest-bdd binds scenarios through a Python module that calls ``scenarios()``; with one binding module for every
feature, a feature file's path selects nothing and a test's name carries only its scenario's words. Here each
``.feature`` file is collected as a module of its own, built by calling ``scenarios()`` on that file alone, so:

- ``pytest features/trust_boundary.feature`` (or any feature's path) runs that feature;
- a test's node id is ``features/<feature>.feature::test_<scenario words>``, so ``-k trust`` selects every
  scenario of the trust-boundary feature and ``-k expired`` the scenario that says so.

``check_steps`` then holds every collected scenario's steps to the registered step definitions, before anything is
deployed.
"""

from __future__ import annotations

import difflib
import re
import types
from pathlib import Path
from typing import Any

import pytest

from rolecheck.errors import FeatureFileError, one_line
from rolecheck.policydoc import documents
from rolecheck.suite import preflight
from rolecheck.suite.features import feature_files
from rolecheck.suite.vocabulary import PLACEHOLDERS

_BIND = "from pytest_bdd import scenarios\nscenarios({path!r})\n"
# A feature file that cannot be collected, as one line per file: refused after collection, before anything runs.
_BROKEN = pytest.StashKey[list[str]]()
_STEP = re.compile(r"^\s*(Given|When|Then|And|But|\*)\s")
_BLOCK = re.compile(r"^\s*(Scenario|Scenario Outline|Scenario Template|Example|Background|Rule)\s*:")


def check_feature_text(text: str, name: str) -> None:
    """A feature file must hold a feature with a scenario, and no step outside a scenario or background.

    pytest-bdd fails on an empty file with a ``KeyError`` traceback, and reads a step above the first scenario as
    part of the feature's description: a Given the auditor reads would then never run. One ``FeatureFileError``
    line naming the file and line.
    """
    if not re.search(r"^\s*Feature\s*:", text, re.M):
        raise FeatureFileError(f"{name}: no Feature: line (an empty or truncated feature file)")
    if not any(_BLOCK.match(line) and not line.strip().startswith(("Background", "Rule")) for line in
               text.splitlines()):
        raise FeatureFileError(f"{name}: the feature has no scenario")
    in_block, in_docstring = False, False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip().startswith(('"""', "```")):
            in_docstring = not in_docstring
            continue
        if in_docstring:
            continue
        if _BLOCK.match(line):
            in_block = True
        elif _STEP.match(line) and not in_block:
            raise FeatureFileError(f"{name}, line {number}: the step \"{line.strip()}\" is outside any scenario "
                                   "or background, so it would never run")


class FeatureModule(pytest.Module):
    """One feature file's scenarios as a test module."""

    def _getobj(self) -> types.ModuleType:
        path = str(self.path)
        module = types.ModuleType(f"feature:{self.path.stem}")
        module.__file__ = path
        # scenarios() puts the scenario functions into its caller's namespace: here, the module's.
        exec(compile(_BIND.format(path=path), path, "exec"), module.__dict__)
        return module

    def collect(self) -> Any:
        """The feature's scenarios; a file pytest-bdd cannot read is noted as one line and yields none."""
        name = self.path.name
        try:
            check_feature_text(self.path.read_text(encoding="utf-8"), name)
            return super().collect()
        except FeatureFileError as exc:
            line = str(exc)
        except Exception as exc:  # pytest-bdd's parser raises KeyError, TypeError... on what it cannot read
            line = f"{name}: not a feature file pytest-bdd can read ({type(exc).__name__}: {exc})"
        self.config.stash.setdefault(_BROKEN, []).append(line)
        return []


@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """A feature file that could not be collected stops the run in one ``ERROR: rolecheck:`` line, exit 4."""
    broken = session.config.stash.get(_BROKEN, [])
    if broken:
        raise pytest.UsageError(one_line(f"{broken[0]}" + (f" (and {len(broken) - 1} more feature file(s))"
                                                            if len(broken) > 1 else "")).removeprefix("ERROR: "))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Collect ``*.feature`` files as test modules of their scenarios."""
    if file_path.suffix == ".feature":
        return FeatureModule.from_parent(parent, path=file_path)
    return None


def feature_paths(config: pytest.Config) -> list[Path]:
    """The feature files this run names: its arguments (or ``testpaths``), folders searched, node ids cut to files.

    For the checks that run before collection (``-m``, the audit's mapping); after collection the checks read the
    collected scenarios' own files instead.
    """
    base = config.invocation_params.dir
    return feature_files(base / str(arg).split("::", 1)[0] for arg in config.args)


def scenario_paths(items: list[pytest.Item]) -> list[Path]:
    """The feature files of the collected scenarios."""
    return feature_files({item.path for item in items})


def is_scenario(item: pytest.Item) -> bool:
    """True for a test bound to a Gherkin scenario (pytest-bdd asks every scenario for its example row)."""
    return "_pytest_bdd_example" in getattr(item, "fixturenames", ())


def check_steps(session: pytest.Session, items: list[pytest.Item]) -> int:
    """Every step of every collected scenario must have a step definition, its text only known placeholders, and
    pass the step checks registered in ``preflight.STEP_CHECKS``.

    Checked after collection, before any fixture runs, so that a misspelled step stops the run in one line instead
    of failing its scenario after the Givens deployed. Returns how many distinct steps were checked.
    """
    from pytest_bdd.scenario import find_fixturedefs_for_step, scenario_wrapper_template_registry

    seen: set[tuple[str, str, str]] = set()
    for item in items:
        template = scenario_wrapper_template_registry.get(getattr(item, "obj", None))
        if template is None:
            continue
        params = getattr(getattr(item, "callspec", None), "params", {})
        scenario = template.render(params.get("_pytest_bdd_example", {}))
        for step in scenario.steps:
            key = (scenario.feature.rel_filename, step.type, step.name)
            if key in seen:
                continue
            seen.add(key)
            where = f"{scenario.feature.rel_filename}, line {step.line_number}"
            _check_placeholders(step, where)
            if not any(True for _ in find_fixturedefs_for_step(step, session._fixturemanager, item)):
                raise FeatureFileError(f"{where}: no step definition matches \"{step.keyword} {step.name}\""
                                       f"{_closest(step)}")
            for check in preflight.STEP_CHECKS:
                check(step, where)
    return len(seen)


def _check_placeholders(step: Any, where: str) -> None:
    cells = [cell for row in (step.datatable.raw() if step.datatable else []) for cell in row]
    # An entity's attribute ({{reports.name}}) is filled from what the scenario introduced (suite/entities).
    unknown = sorted(name for name in set().union(*(documents.placeholders_in(text) for text in [step.name, *cells]))
                     if name not in PLACEHOLDERS and "." not in name)
    if unknown:
        raise FeatureFileError(f"{where}: unknown placeholder(s) {', '.join('{{' + n + '}}' for n in unknown)} in "
                               f"\"{step.keyword} {step.name}\"; known: {', '.join(PLACEHOLDERS)}")


def _closest(step: Any) -> str:
    """A suggestion naming the closest step definition of the same kind, if one is close."""
    from pytest_bdd.steps import step_function_context_registry

    patterns = sorted({context.parser.name for context in list(step_function_context_registry.values())
                       if context.type in (None, step.type) and isinstance(context.parser.name, str)})
    close = difflib.get_close_matches(step.name, patterns, n=1, cutoff=0.6)
    return f" (closest {step.type} step: \"{close[0]}\")" if close else ""
