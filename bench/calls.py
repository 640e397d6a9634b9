"""The recorded call list: run the suite once with ROLECHECK_CALL_LOG set, then read the JSON lines back.

The floor is derived from this recording and never written by hand, so it follows the suite as it grows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.errors import BenchError

REPO = Path(__file__).resolve().parent.parent


def record_suite(log_path: Path, run_id: str, pytest_args: tuple[str, ...] = (),
                 snapshot_stats: Path | None = None) -> tuple[list[dict[str, Any]], str]:
    """Run the compliance suite serially with the call log on; returns the calls in order and pytest's summary.

    With ``snapshot_stats`` the run also appends its snapshot cache's counts there (ROLECHECK_SNAPSHOT_STATS).
    A failing scenario does not stop the benchmark: its calls are recorded like any other, and the summary says so.
    """
    log_path.unlink(missing_ok=True)
    env = os.environ | {"ROLECHECK_CALL_LOG": str(log_path), "ROLECHECK_RUN_ID": run_id}
    if snapshot_stats is not None:
        snapshot_stats.unlink(missing_ok=True)
        env["ROLECHECK_SNAPSHOT_STATS"] = str(snapshot_stats)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", *pytest_args]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    summary = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
    if done.returncode not in (0, 1):
        raise BenchError(f"the recording run of the suite did not complete (exit {done.returncode}): {summary}")
    return load_calls(log_path), summary


def load_calls(log_path: Path) -> list[dict[str, Any]]:
    """Read a call log written by the suite's recorder: one redacted call record per line."""
    try:
        lines = log_path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise BenchError(f"cannot read the call log {log_path}: {exc.strerror}") from None
    calls = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            raise BenchError(f"{log_path}:{number}: not a JSON call record") from None
        missing = {"actor", "service", "operation", "request"} - set(record)
        if missing:
            raise BenchError(f"{log_path}:{number}: call record lacks {', '.join(sorted(missing))}")
        calls.append(record)
    if not calls:
        raise BenchError(f"the call log {log_path} is empty: the suite made no API calls")
    return calls
