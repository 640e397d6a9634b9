"""The suite and the floor as subprocesses, timed from the outside: both pay for Python, imports and moto.

Each run reports wall time and the CPU time of the process and its descendants (xdist workers included): on a
shared, noisy machine CPU time moves less than wall time, so both are kept.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.calls import REPO
from bench.errors import BenchError

_SUMMARY = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected)")


@dataclass(frozen=True)
class ProcessRun:
    """One timed subprocess: wall and CPU seconds, pytest's outcome counts or the floor's report."""

    wall_s: float
    cpu_s: float
    counts: dict[str, int] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)


def _timed(command: list[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return done, wall, cpu


def _environment() -> dict[str, str]:
    # The benchmark's own recording must not leak into timed runs; the repo and src are importable as in pytest.ini.
    env = {k: v for k, v in os.environ.items() if k != "ROLECHECK_CALL_LOG"}
    paths = [str(REPO), str(REPO / "src"), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def suite_command(workers: int, alluredir: str, pytest_args: tuple[str, ...] = ()) -> list[str]:
    """The pytest command line of a timed suite run; ``workers`` > 0 uses pytest-xdist."""
    parallel = ["-n", str(workers)] if workers else ["-p", "no:xdist"]
    return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--alluredir={alluredir}",
            *parallel, *pytest_args]


def run_suite(workers: int, pytest_args: tuple[str, ...] = ()) -> ProcessRun:
    """Run the compliance suite with Allure results on (into a temporary directory)."""
    with tempfile.TemporaryDirectory(prefix="bench-allure-") as results:
        done, wall, cpu = _timed(suite_command(workers, results, pytest_args), _environment())
    lines = done.stdout.strip().splitlines()
    counts = {kind: int(n) for n, kind in _SUMMARY.findall(lines[-1] if lines else "")}
    if not counts:
        tail = (done.stderr.strip().splitlines() or lines or ["(no output)"])[-1]
        raise BenchError(f"the suite did not run with -n {workers} (exit {done.returncode}): {tail}")
    return ProcessRun(wall, cpu, counts=counts)


def run_floor_process(plan_path: Path) -> ProcessRun:
    """Run ``python -m bench.floor`` on a saved replay plan; its report says what it replayed."""
    done, wall, cpu = _timed([sys.executable, "-m", "bench.floor", str(plan_path)], _environment())
    if done.returncode not in (0, 1) or not done.stdout.strip():
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise BenchError(f"the floor script failed (exit {done.returncode}): {tail}")
    return ProcessRun(wall, cpu, report=json.loads(done.stdout))
