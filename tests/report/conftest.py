"""Session fixtures of the report tests: two real runs of the suite, rendered, and read in headless Chromium.

The runs start together (the machine has two cores): a baseline run, and a ``--mutant policy-detached`` run, whose
role loses its policy after the Givens. Both collect the secrets they create, for the secrets scan.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from report_support import REPO, SuiteRun, browse, chromium, finish_suite, start_suite

from rolecheck.report import render

SECRETS = "rolecheck_secret_dump"
MUTANT = "policy-detached"


@pytest.fixture(scope="session")
def suite_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SuiteRun]:
    """The baseline and the misconfigured run, each in its own directory."""
    base = tmp_path_factory.mktemp("report-runs")
    started = {"baseline": start_suite(base / "baseline", (SECRETS,)),
               "mutant": start_suite(base / "mutant", (SECRETS,), ("--mutant", MUTANT))}
    runs = {name: finish_suite(base / name, process) for name, process in started.items()}
    for name, run in runs.items():
        # 0: all passed, 1: some failed. Anything else (usage error, no tests, crash) is a broken run.
        assert run.returncode in (0, 1), f"the {name} run ended with {run.returncode}:\n{run.output[-3000:]}"
    return runs


@pytest.fixture(scope="session")
def rendered(suite_runs: dict[str, SuiteRun]) -> dict[str, Path]:
    """Both runs rendered to single-file reports, each with its own history file (ours stays untouched)."""
    reports = {}
    for name, run in suite_runs.items():
        # Installing is .ci/run's and the Makefile's job: parallel test workers must never run npm ci side by side.
        outcome = render(run.results, run.report, root=REPO, history_path=run.workdir / "history.jsonl",
                         install=False)
        if not outcome.ok:
            pytest.skip(f"Node.js with the project's npm packages is needed to render: {outcome.message}")
        reports[name] = outcome.report
    return reports


@pytest.fixture(scope="session")
def browser_ready() -> None:
    if chromium() is None:
        pytest.skip("Chromium is not installed (Debian package `chromium`; .ci/run installs it)")


@pytest.fixture(scope="session")
def baseline_view(rendered: dict[str, Path], browser_ready: None) -> dict[str, Any]:
    """What a person sees in the baseline report; its overview is saved as reports/screenshots/overview-*.png."""
    return browse(rendered["baseline"], "baseline")


@pytest.fixture(scope="session")
def probe_name(suite_runs: dict[str, SuiteRun]) -> str:
    """A probe that passed in the baseline run and failed in the misconfigured one, least-privilege first."""
    passed = {r["fullName"] for r in suite_runs["baseline"].result_files() if r["status"] == "passed"}
    failed = [r for r in suite_runs["mutant"].result_files() if r["status"] == "failed" and r["fullName"] in passed]
    assert failed, "the misconfigured run failed no check that the baseline run passed"
    # A probe tries the call live: its failed step holds the refused call (titled "<operation> -> <error code>").
    def refused_call(result: dict[str, Any]) -> bool:
        return any(" -> " in a["name"] for step in result.get("steps", []) if step["status"] == "failed"
                   for a in step.get("attachments", []))

    failed.sort(key=lambda r: (not refused_call(r), "least_privilege" not in r["fullName"], r["fullName"]))
    return failed[0]["name"]


@pytest.fixture(scope="session")
def mutant_view(rendered: dict[str, Path], browser_ready: None, probe_name: str) -> dict[str, Any]:
    """What a person sees in the misconfigured run's report, with one failing probe opened."""
    return browse(rendered["mutant"], "misconfigured", probe=probe_name)
