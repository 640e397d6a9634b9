"""The suite under AWS conditions: wall time, calls, retries and propagation waits; -n 0 against -n N; the floor.

On AWS the suite's time is waiting, not CPU. The floor here is the critical path: the longest chain of calls and
propagation waits one scenario cannot avoid even if every scenario ran at once. It is read from the serial run's
per-scenario step times (pytest's call phase, where the Background runs too; start-up and teardowns are left out):
a scenario that reused a shared deployment is charged what deploying it cost the scenario that did (that scenario's
time less the group's median).
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.suite import ProcessRun, run_suite
from bench.timing import Timing, ratio

DEFAULT_PROFILE = "default,seed=1"
DEFAULT_WORKERS = 4
TARGETS = {
    "conditions_suite_wall_s": ("<", 90.0),
    "conditions_suite_over_critical_path": ("<=", 2.0),
}
_COUNTERS = ("calls", "latency_seconds", "throttled", "faults", "dropped", "iam_changes")


def run(profile: str, workers: int) -> tuple[ProcessRun, dict[str, Any]]:
    """One suite run under ``profile``; returns the timing and the conditions' totals over every process."""
    with tempfile.TemporaryDirectory(prefix="bench-conditions-") as scratch:
        stats = Path(scratch) / "stats.jsonl"
        previous = os.environ.get("ROLECHECK_CONDITIONS_STATS")
        os.environ["ROLECHECK_CONDITIONS_STATS"] = str(stats)
        try:
            timed = run_suite(workers, ("--aws-conditions", profile))
        finally:
            if previous is None:
                os.environ.pop("ROLECHECK_CONDITIONS_STATS", None)
            else:
                os.environ["ROLECHECK_CONDITIONS_STATS"] = previous
        processes = [json.loads(line) for line in stats.read_text(encoding="utf-8").splitlines() if line.strip()]
    return timed, totals(processes)


def totals(processes: list[dict[str, Any]]) -> dict[str, Any]:
    """The conditions' counters summed over the controller and the workers."""
    out: dict[str, Any] = {key: sum(p[key] for p in processes) for key in _COUNTERS}
    out["latency_seconds"] = round(out["latency_seconds"], 2)
    out["retries"] = out["throttled"] + out["faults"] + out["dropped"]
    out["propagation_wait_s"] = round(sum(p["propagation"]["seconds"] for p in processes), 2)
    out["answers_asked_again"] = int(sum(p["propagation"]["reprobes"] for p in processes))
    out["scenarios"] = [s for p in processes for s in p.get("scenarios", [])]
    return out


def critical_path(scenarios: list[dict[str, Any]]) -> dict[str, Any]:
    """The longest chain one scenario needs: its own time, plus its shared deployment's cost if it reused one."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for scenario in scenarios:
        if scenario["shares"]:
            groups.setdefault(scenario["shares"], []).append(scenario)
    deploy_cost: dict[str, float] = {}
    for name, members in groups.items():
        first = [s["seconds"] for s in members if not s["reused"]]
        others = [s["seconds"] for s in members if s["reused"]]
        if first and others:
            deploy_cost[name] = max(0.0, first[0] - statistics.median(others))
    chains = [(s["seconds"] + (deploy_cost.get(s["shares"], 0.0) if s["reused"] else 0.0), s["id"])
              for s in scenarios]
    if not chains:
        return {"seconds": None, "scenario": None}
    seconds, scenario = max(chains)
    return {"seconds": round(seconds, 2), "scenario": scenario,
            "deploy_cost_s": {name: round(cost, 2) for name, cost in deploy_cost.items()}}


def measure(profile: str, workers: int, repeat: int, progress: Callable[[str], None]) -> dict[str, Any]:
    """The serial and the parallel suite under ``profile``, ``repeat`` times each; medians and the last totals."""
    serial: list[ProcessRun] = []
    parallel: list[ProcessRun] = []
    serial_totals: dict[str, Any] = {}
    parallel_totals: dict[str, Any] = {}
    for round_ in range(repeat):
        progress(f"conditions {profile}: round {round_ + 1}/{repeat}, -n 0")
        timed, serial_totals = run(profile, 0)
        serial.append(timed)
        progress(f"conditions {profile}: round {round_ + 1}/{repeat}, -n {workers}")
        timed, parallel_totals = run(profile, workers)
        parallel.append(timed)
    floor = critical_path(serial_totals.pop("scenarios"))
    parallel_totals.pop("scenarios")
    serial_wall = statistics.median(s.wall_s for s in serial)
    parallel_wall = statistics.median(p.wall_s for p in parallel)
    return {
        "profile": profile,
        "workers": workers,
        "serial": {"wall": Timing(tuple(s.wall_s for s in serial)).as_json(),
                   "cpu": Timing(tuple(s.cpu_s for s in serial)).as_json(),
                   "outcome": serial[-1].counts, **serial_totals},
        "parallel": {"wall": Timing(tuple(p.wall_s for p in parallel)).as_json(),
                     "cpu": Timing(tuple(p.cpu_s for p in parallel)).as_json(),
                     "outcome": parallel[-1].counts, **parallel_totals},
        "serial_over_parallel": ratio(serial_wall, parallel_wall),
        "critical_path": floor,
        "suite_over_critical_path": ratio(parallel_wall, floor["seconds"]) if floor["seconds"] else None,
    }


def targets(results: dict[str, Any] | None) -> dict[str, Any]:
    """The issue's targets for the suite under the default profile, judged on the parallel run."""
    values = {
        "conditions_suite_wall_s": (results or {}).get("parallel", {}).get("wall", {}).get("median_s"),
        "conditions_suite_over_critical_path": (results or {}).get("suite_over_critical_path"),
    }
    verdicts = {}
    for name, (relation, bound) in TARGETS.items():
        value = values[name]
        met = None if value is None else (value < bound if relation == "<" else value <= bound)
        verdicts[name] = {"value": value, "target": f"{relation} {bound}", "met": met}
    return verdicts


def table_rows(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Rows for the benchmark's table."""
    rows = []
    for key, label in (("serial", "-n 0"), ("parallel", f"-n {results['workers']}")):
        part = results[key]
        outcome = ", ".join(f"{v} {k}" for k, v in part.get("outcome", {}).items())
        rows.append((f"AWS conditions, suite {label}", f"{part['wall']['median_s']:.1f} s",
                     f"{results['profile']}; {outcome}; {part['calls']} calls, {part['retries']} retries "
                     f"({part['throttled']} throttled, {part['faults']} faults, {part['dropped']} dropped), "
                     f"{part['latency_seconds']:.1f} s latency, {part['propagation_wait_s']:.1f} s propagation "
                     f"waits, {part['answers_asked_again']} answers asked again"))
    floor = results["critical_path"]
    rows.append(("AWS conditions, critical path", f"{floor['seconds']} s", f"{floor['scenario']}"))
    rows.append(("AWS conditions, (-n 0) / (-n N)", str(results["serial_over_parallel"]), "wall"))
    rows.append(("AWS conditions, suite / critical path", str(results["suite_over_critical_path"]),
                 f"-n {results['workers']} wall over the critical path"))
    return rows
