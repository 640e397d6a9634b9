"""Reading feature files for the checks made before anything runs: which files, which steps carry documents.

The preflight, the tag check and the audit's mapping read the feature files pytest collected (a project's own, in
any folder), never a folder fixed by the suite's checkout.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from pytest_bdd.parser import FeatureParser

Locations = str | Path | Iterable[str | Path]


def feature_files(locations: Locations) -> list[Path]:
    """The ``.feature`` files at ``locations`` (files, or folders searched recursively), sorted, each once."""
    if isinstance(locations, str | Path):
        locations = [locations]
    found: set[Path] = set()
    for location in map(Path, locations):
        if location.is_dir():
            found.update(location.rglob("*.feature"))
        elif location.suffix == ".feature" and location.is_file():
            found.add(location)
    return sorted(path.resolve() for path in found)


def document_steps(locations: Locations) -> Iterator[tuple[str, int, str, str]]:
    """Every step of every feature file that carries a document: (file name, line, step text, document text).

    A Background step is listed once, although pytest-bdd repeats it in every scenario.
    """
    seen: set[tuple[Path, int]] = set()
    for path in feature_files(locations):
        feature = FeatureParser(str(path.parent), path.name).parse()
        for scenario in feature.scenarios.values():
            for step in scenario.steps:
                if step.docstring and (path, step.line_number) not in seen:
                    seen.add((path, step.line_number))
                    yield path.name, step.line_number, step.name, step.docstring
