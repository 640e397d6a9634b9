"""The benchmark's results as a table for people and as JSON for machines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _seconds(part: dict[str, Any], kind: str = "wall") -> str:
    return f"{part[kind]['median_s']:.3f} s"


def table(results: dict[str, Any]) -> str:
    """A plain-text table of the medians, the ratios and the targets."""
    rows: list[tuple[str, str, str]] = [
        ("machine", f"{results['cpus']} cpus", f"load average before {results['load_average_before']}, "
                                              f"after {results['load_average_after']}"),
    ]
    recording = results.get("recording")
    if recording:
        rows.append(("recorded calls", str(recording["calls"]),
                     f"{recording['failed_calls']} expected failures; suite: {recording['suite_summary']}"))
    if "floor" in results:
        floor = results["floor"]
        phases = ", ".join(f"{k.removesuffix('_s')} {v:.3f}" for k, v in floor["phases_median_s"].items())
        rows.append(("floor (plain replay)", _seconds(floor), f"cpu {_seconds(floor, 'cpu')}; {phases}"))
        if floor["mismatches"]:
            rows.append(("  replay mismatches", str(len(floor["mismatches"])), floor["mismatches"][0]))
    for name, label in (("suite", "suite -n 0 (allure on)"), ("parallel", f"suite -n {results['workers']}")):
        if name in results:
            outcome = ", ".join(f"{v} {k}" for k, v in results[name].get("outcome", {}).items())
            rows.append((label, _seconds(results[name]), f"cpu {_seconds(results[name], 'cpu')}; {outcome}"))
    for key, label in (("suite_over_floor", "suite / floor"), ("serial_over_parallel", "(-n 0) / (-n 2)")):
        if key in results:
            r = results[key]
            rows.append((label, f"{r['wall']}", f"cpu {r['cpu']}; median of rounds {r['wall_median_of_rounds']}"))
    engine = results.get("engine")
    if engine:
        rows.append(("engine decisions/s", f"{engine['decisions_per_second']:,}",
                     f"{engine['cases']} cases, {engine['cases_agreeing_with_table']} as the table expects"))
        actions = engine["effective_actions"]
        rows.append(("effective actions, 1 role", f"{actions['per_role_ms']:.3f} ms",
                     f"{actions['catalog_actions']} catalog actions; first call {actions['first_call_ms']:.1f} ms "
                     f"(loads catalog); cached {actions['cached_ms']:.3f} ms"))
    scaled = results.get("scale")
    if scaled:
        for point in scaled["points"]:
            rows.append((f"static checks, {point['roles']} roles", f"{point['total_s']:.3f} s",
                         f"read back {point['read_back_s']:.3f} s, checks {point['checks_s']:.3f} s"))
        rows.append(("scale growth exponent", str(scaled["total_growth_exponent"]),
                     f"read back {scaled['read_back_growth_exponent']}, checks {scaled['checks_growth_exponent']}; "
                     f"linear: {scaled['linear']}"))
    if results.get("account"):
        from bench.account import table_rows

        rows += table_rows(results["account"])
    if results.get("reads"):
        from bench import reads

        rows += reads.table_rows(results["reads"])
    if results.get("conditions"):
        from bench import conditions

        rows += conditions.table_rows(results["conditions"])
    for name, verdict in results.get("targets", {}).items():
        met = {True: "met", False: "NOT met", None: "not measured"}[verdict["met"]]
        rows.append((f"target {name}", str(verdict["value"]), f"{verdict['target']}: {met}"))
    width = max(len(r[0]) for r in rows)
    value_width = max(len(r[1]) for r in rows)
    return "\n".join(f"{a:<{width}}  {b:>{value_width}}  {c}" for a, b, c in rows)


def write_json(results: dict[str, Any], path: Path) -> None:
    """Write the results where CI and the README can pick them up."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
