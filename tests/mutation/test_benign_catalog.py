"""The benign catalog: changes AWS recommends, or that concern others, must not fail the suite (one suite run with
every change applied), and a failure names the change and its AWS page."""

from __future__ import annotations

from pathlib import Path

import pytest

from rolecheck.mutation import benign, catalog
from rolecheck.mutation.runner import ScenarioResult, SuiteRun, run_benign

PROJECT = Path(__file__).resolve().parents[2]


def test_every_benign_change_is_named_cited_and_kills_nothing() -> None:
    names = [entry.name for entry in benign.BENIGN]
    assert len(names) == len(set(names)) >= 9
    assert not set(names) & set(catalog.MUTANTS)
    assert all(entry.source_url.startswith("https://docs.aws.amazon.com/") for entry in benign.BENIGN)
    assert all(catalog.get(name).kills == frozenset() for name in [benign.ALL, *names])


def _fake(failing: str | None):
    """A stand-in for run_suite: the scenario "B" fails in a run that applies ``failing`` (or all of them)."""
    def run(_project: Path, mutant: str | None, _extra: object) -> SuiteRun:
        broken = mutant in (benign.ALL, failing)
        results = (ScenarioResult("A", "passed"),
                   ScenarioResult("B", "failed", "compliance", "Then B", "then", "Compliance violation: x")
                   if broken and failing else ScenarioResult("B", "passed"))
        return SuiteRun(mutant or "baseline", results, 1 if broken and failing else 0, 0.1)
    return run


def test_a_failing_benign_change_is_found_alone_and_named_with_its_page() -> None:
    culprit = benign.BENIGN[3]
    outcome = run_benign(PROJECT, jobs=1, run=_fake(culprit.name))
    assert not outcome.ok
    failed = [v.mutant for v in outcome.alone if not v.killed]
    assert failed == [culprit.name]
    assert f"{culprit.name} (AWS says it is right: {culprit.source_url})" in outcome.report()
    assert run_benign(PROJECT, jobs=1, run=_fake(None)).ok


@pytest.mark.catalog
def test_every_benign_change_passes_the_suite_together() -> None:
    outcome = run_benign(PROJECT, jobs=2)
    print(outcome.report())
    assert outcome.ok, outcome.report()
