"""Gherkin tags as Allure labels and links.

Feature files carry ``@concern:…``, ``@severity:…`` and ``@control:…`` tags. allure-pytest-bdd only knows plain
tags, so the plugin (``rolecheck.plugin.hooks``) maps each one through ``allure_marks`` in its
``pytest_bdd_apply_tag`` hook. Control links get their URL from ``--allure-link-pattern`` (configuration), not from
code. Every tag, these and free-form ones such as ``@smoke``, is also a pytest marker of the same name, for ``-m``.

``check_feature_tags`` reads the feature files themselves, so that an unknown ``key:value`` tag is one line naming
its file and line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from rolecheck.errors import FeatureFileError
from rolecheck.report.controls import FAMILIES, control
from rolecheck.suite.features import Locations, feature_files

# Each concern is one epic in the report; its feature files say which concern they serve.
EPICS = {
    "walkthrough": "Walkthrough: temporary access through an IAM role",
    "least-privilege": "Least privilege of the assumed role",
    "trust-boundary": "Trust boundary: who may assume the role",
    "temporary-credentials": "Temporary credentials",
    "policy-documents": "The policy documents",
}

SEVERITIES = frozenset({"blocker", "critical", "normal", "minor", "trivial"})



@dataclass(frozen=True)
class Mark:
    """One Allure decoration: a label (``kind='label'``) or a link (``kind='link'``)."""

    kind: str
    name: str
    value: str
    title: str = ""


class UnknownTag(ValueError):
    """A ``key:value`` tag the suite does not know: a typo would silently drop a control from the report."""


def allure_marks(tag: str) -> list[Mark] | None:
    """The Allure labels and links a tag stands for; ``None`` for plain tags, which stay pytest markers."""
    if ":" not in tag:
        return None
    key, _, value = tag.partition(":")
    if key == "concern":
        if value not in EPICS:
            raise UnknownTag(f"unknown concern {value!r} in tag @{tag}; known: {', '.join(sorted(EPICS))}")
        return [Mark("label", "epic", EPICS[value]), Mark("label", "tag", tag)]
    if key == "severity":
        if value not in SEVERITIES:
            raise UnknownTag(f"unknown severity {value!r} in tag @{tag}; known: {', '.join(sorted(SEVERITIES))}")
        return [Mark("label", "severity", value)]
    if key == "control":
        named = control(value)
        if named is None:
            raise UnknownTag(f"control tag @{tag} must look like NIST-AC-6 or CIS-1.16")
        return [
            Mark("label", "control", value),
            Mark("link", FAMILIES[named.family][0], named.item, title=named.reference),
        ]
    raise UnknownTag(f"unknown tag @{tag}: tags with a colon must be concern:, severity: or control:")


def feature_tags(paths: Locations) -> Iterator[tuple[str, int, str]]:
    """Every tag of every feature file at ``paths``: (``<folder>/<file>``, line, tag without its ``@``)."""
    for path in feature_files(paths):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for token in line.split() if line.lstrip().startswith("@") else []:
                if token.startswith("#"):
                    break
                yield f"{path.parent.name}/{path.name}", number, token.lstrip("@")


def check_feature_tags(paths: Locations) -> int:
    """Refuse (``FeatureFileError``) an unknown ``key:value`` tag in any feature file; returns how many tags."""
    count = 0
    for where, number, tag in feature_tags(paths):
        try:
            allure_marks(tag)
        except UnknownTag as exc:
            raise FeatureFileError(f"{where}, line {number}: {exc}") from None
        count += 1
    return count
