"""Running the compliance suite as a user would, rendering its report, and reading it in a browser.

The report tests check artefacts of real runs: the suite runs in a subprocess with ``--alluredir``, JUnit XML,
cucumber JSON and a DEBUG log file, optionally with helper plugins from ``plugins/`` (a misconfigured account,
a collector of the run's secrets).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_bdd.feature import get_features

REPO = Path(__file__).resolve().parents[2]
PLUGINS = Path(__file__).resolve().parent / "plugins"
BROWSE = Path(__file__).resolve().parent / "browse.mjs"
SCREENSHOTS = REPO / "reports" / "screenshots"
SUITE_TIMEOUT_S = 300
BROWSE_TIMEOUT_S = 180


@dataclass(frozen=True)
class SuiteRun:
    """The files one run of the suite wrote, and how it ended."""

    workdir: Path
    returncode: int
    output: str

    @property
    def results(self) -> Path:
        return self.workdir / "allure-results"

    def findings(self, kind: str) -> Path:
        """The ``--output`` file of this format (``sarif``, ``ocsf``, ``json``, ``csv``)."""
        return self.workdir / f"findings.{kind}"

    @property
    def report(self) -> Path:
        return self.workdir / "allure-report"

    @property
    def junit(self) -> Path:
        return self.workdir / "junit.xml"

    @property
    def cucumber(self) -> Path:
        return self.workdir / "cucumber.json"

    @property
    def log(self) -> Path:
        return self.workdir / "run.log"

    @property
    def secret_dump(self) -> Path:
        return self.workdir / "secrets.json"

    def result_files(self) -> list[dict[str, Any]]:
        """The Allure test results of the run, parsed."""
        return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(self.results.glob("*-result.json"))]


def start_suite(workdir: Path, plugins: tuple[str, ...] = (), args: tuple[str, ...] = ()) -> subprocess.Popen[str]:
    """Start the compliance suite in a subprocess, from the repository root, writing every artefact to workdir."""
    workdir.mkdir(parents=True, exist_ok=True)
    run = SuiteRun(workdir, 0, "")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
               f"--alluredir={run.results}", "--clean-alluredir",
               f"--junitxml={run.junit}", "-o", "junit_logging=all",
               f"--cucumberjson={run.cucumber}",
               *(f"--output={kind}={run.findings(kind)}" for kind in ("sarif", "ocsf", "json", "csv")),
               "--log-level=DEBUG", f"--log-file={run.log}", "--log-file-level=DEBUG"]
    for plugin in plugins:
        command += ["-p", plugin]
    command += args
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "ROLECHECK_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PLUGINS), env.get("PYTHONPATH")]))
    env["ROLECHECK_SECRET_DUMP"] = str(run.secret_dump)
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish_suite(workdir: Path, process: subprocess.Popen[str]) -> SuiteRun:
    """Wait for a run started by ``start_suite``."""
    output, _ = process.communicate(timeout=SUITE_TIMEOUT_S)
    return SuiteRun(workdir, process.returncode, output)


def expected_tests() -> dict[str, list[str]]:
    """Every test the feature files define, by feature name: one per scenario, one per row of an outline."""
    expected: dict[str, list[str]] = {}
    for feature in get_features([str(REPO / "features")]):
        names = expected.setdefault(feature.name, [])
        for template in feature.scenarios.values():
            contexts = [context for examples in template.examples for context in examples.as_contexts()]
            names += [template.render(context).name for context in contexts] if contexts else [template.name]
    return expected


def chromium() -> str | None:
    """Debian's Chromium (or the one ROLECHECK_CHROMIUM names)."""
    return os.environ.get("ROLECHECK_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def browse(report: Path, prefix: str, probe: str | None = None, screenshots: Path = SCREENSHOTS) -> dict[str, Any]:
    """Open the report in headless Chromium with ``browse.mjs`` and return what it saw."""
    arguments = {"report": str(report), "chromium": chromium(), "screenshots": str(screenshots), "prefix": prefix,
                 "probe": probe}
    done = subprocess.run(["node", str(BROWSE), json.dumps(arguments)], cwd=REPO, capture_output=True, text=True,
                          timeout=BROWSE_TIMEOUT_S, check=False)
    if done.returncode != 0:
        raise AssertionError(f"browse.mjs failed with {done.returncode}:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout)
