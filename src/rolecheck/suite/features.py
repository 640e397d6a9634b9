"""Reading feature files for the checks made before anything runs: which files, which steps carry documents, which
entity each Given introduces by logical name and which names each step refers to.

The preflight, the tag check and the audit's mapping read the feature files pytest collected (a project's own, in
any folder), never a folder fixed by the suite's checkout; all of them read the sentences' names here, through the
kinds table (``rolecheck.suite.kinds``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_bdd.parser import FeatureParser

from rolecheck.suite.kinds import KIND_PHRASES, KINDS, Kind

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


def scenarios(locations: Locations) -> Iterator[tuple[Path, Any]]:
    """(file, scenario) of every scenario of every feature file; a scenario's steps include its Background's."""
    for path in feature_files(locations):
        feature = FeatureParser(str(path.parent), path.name).parse()
        for scenario in feature.scenarios.values():
            yield path, scenario


def document_steps(locations: Locations) -> Iterator[tuple[str, int, str, str]]:
    """Every step of every feature file that carries a document: (file name, line, step text, document text).

    A Background step is listed once, although pytest-bdd repeats it in every scenario.
    """
    seen: set[tuple[Path, int]] = set()
    for path, scenario in scenarios(locations):
        for step in scenario.steps:
            if step.docstring and (path, step.line_number) not in seen:
                seen.add((path, step.line_number))
                yield path.name, step.line_number, step.name, step.docstring


@dataclass(frozen=True)
class Introduction:
    """Where a Given introduces an entity by its logical name; ``owner`` is the role an inline policy belongs to."""

    kind: Kind
    logical: str
    owner: str | None = None


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(word) for word in sorted(set(words), key=len, reverse=True))


# "an SQS queue "jobs"", "a role "r" whose trust policy ...", "the AWS-managed policy "ReadOnlyAccess"" (located,
# never made, so "the"); an inline policy names its role after it.
_INTRODUCING = re.compile(
    rf'^(?:an? (?P<phrase>{_alternation(p for p in KIND_PHRASES if p != KINDS["aws-policy"].phrase)})'
    rf'|the (?P<managed>{re.escape(KINDS["aws-policy"].phrase)})) "(?P<logical>[^"]+)"'
    r'(?: of the role "(?P<owner>[^"]+)")?')
# "the queue "jobs"", "the session of the role "r"", "a token from "github"" (a provider of either protocol).
_REFERENCE = re.compile(rf'\bthe (?P<noun>{_alternation(k.noun for k in KINDS.values())}) "(?P<logical>[^"]+)"'
                        r'|\ba token from "(?P<provider>[^"]+)"')


def introduction(step: str) -> Introduction | None:
    """The entity a Given step introduces, if it introduces one."""
    found = _INTRODUCING.match(step)
    if found is None:
        return None
    kind = KIND_PHRASES[found["phrase"] or found["managed"]]
    return Introduction(kind, found["logical"], found["owner"] if kind.name == "inline-policy" else None)


def references(step: str) -> list[tuple[str | None, str]]:
    """(noun, logical name) of every entity a step refers to by name; the noun is None for a token's provider.

    The name a step introduces is not among them; a name in ``<angle brackets>`` (an outline's column) neither.
    """
    introduced = introduction(step)
    skip = introduced.logical if introduced else None
    found = []
    for match in _REFERENCE.finditer(step):
        noun, logical = (match["noun"], match["logical"]) if match["logical"] else (None, match["provider"])
        if logical != skip and not logical.startswith("<"):
            found.append((noun, logical))
    return found
