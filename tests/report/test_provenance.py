"""Provenance: a report's trend is kept per target and audited input, and never takes in a mutant run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from report_support import REPO

from rolecheck.report import rendering
from rolecheck.report.environment import AUDIT_KEY, MUTANT_KEY


def _results(tmp_path: Path, name: str, **entries: str) -> Path:
    results = tmp_path / name
    results.mkdir()
    lines = [f"{key.replace(' ', chr(92) + ' ')}={value}" for key, value in entries.items()]
    (results / "environment.properties").write_text("\n".join(lines) + "\n")
    return results


def test_the_trend_is_one_per_target_and_audited_input(tmp_path: Path) -> None:
    suite = rendering.history_for(_results(tmp_path, "a", Target="moto"), REPO)
    again = rendering.history_for(_results(tmp_path, "b", Target="moto"), REPO)
    aws = rendering.history_for(_results(tmp_path, "c", Target="aws"), REPO)
    audit_one = rendering.history_for(_results(tmp_path, "d", **{"Target": "moto-server", AUDIT_KEY: "one.yaml"}), REPO)
    audit_two = rendering.history_for(_results(tmp_path, "e", **{"Target": "moto-server", AUDIT_KEY: "two.yaml"}), REPO)
    assert suite == again and suite.parent == REPO / "reports" / "history" and suite.name.startswith("suite-moto-")
    assert len({suite, aws, audit_one, audit_two}) == 4 and audit_one.name.startswith("audit-moto-server-")


def test_a_mutant_run_or_results_of_unknown_origin_keep_no_trend(tmp_path: Path) -> None:
    mutant = _results(tmp_path, "m", **{MUTANT_KEY: "policy-detached: x", "Target": "moto"})
    assert rendering.history_for(mutant, REPO) == rendering.NO_HISTORY
    assert rendering.history_for(tmp_path / "absent", REPO) == rendering.NO_HISTORY
    derived = rendering._config_for(REPO, rendering.NO_HISTORY, tmp_path).read_text()
    assert "historyPath: undefined" in derived


@pytest.mark.parametrize(("entries", "kept"), [({"Target": "moto"}, True),
                                               ({MUTANT_KEY: "policy-detached: x", "Target": "moto"}, False)],
                         ids=["suite run", "mutant run"])
def test_allure_keeps_a_trend_for_a_suite_run_and_none_for_a_mutant_run(tmp_path: Path, entries: dict[str, str],
                                                                       kept: bool) -> None:
    if shutil.which("node") is None or not (REPO / "node_modules" / "allure" / "package.json").is_file():
        pytest.skip("Node.js with the project's npm packages is not available")
    results = _results(tmp_path, "results", **entries)
    (results / "0-result.json").write_text(json.dumps({
        "uuid": "0", "historyId": "h0", "name": "a scenario", "fullName": "f#a scenario", "status": "passed",
        "start": 1_700_000_000_000, "stop": 1_700_000_001_000, "labels": []}))
    history = tmp_path / "history.jsonl"
    outcome = rendering.render(results, tmp_path / "report", root=REPO, history_path=history, install=False)
    assert outcome.ok, outcome.message
    assert history.is_file() == kept
