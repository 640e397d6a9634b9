"""The AWS-conditions part of the benchmark: its arithmetic on made-up runs (no suite is run, nothing is timed)."""

from __future__ import annotations

from bench import conditions
from bench.soak import SoakRun


def _process(calls: int, scenarios: list[dict[str, object]]) -> dict[str, object]:
    return {"calls": calls, "latency_seconds": 1.5, "throttled": 2, "faults": 1, "dropped": 1, "iam_changes": 10,
            "propagation": {"seconds": 4.0, "reprobes": 3}, "scenarios": scenarios}


def test_totals_add_up_every_process_and_count_each_injected_error_as_a_retry() -> None:
    out = conditions.totals([_process(10, []), _process(5, [{"id": "a"}])])
    assert (out["calls"], out["retries"], out["propagation_wait_s"], out["answers_asked_again"]) == (15, 8, 8.0, 6)
    assert out["scenarios"] == [{"id": "a"}]


def test_the_critical_path_charges_a_reused_deployment_to_the_scenario_that_reused_it() -> None:
    scenarios = [
        {"id": "first", "seconds": 6.0, "shares": "f.feature", "reused": False},
        {"id": "second", "seconds": 1.0, "shares": "f.feature", "reused": True},
        {"id": "third", "seconds": 2.0, "shares": "f.feature", "reused": True},
        {"id": "alone", "seconds": 6.4, "shares": "", "reused": False},
    ]
    floor = conditions.critical_path(scenarios)
    # Deploying cost the first scenario 6.0 - median(1.0, 2.0) = 4.5 s; "third" alone would take 6.5 s.
    assert floor["scenario"] == "third"
    assert floor["seconds"] == 6.5
    assert floor["deploy_cost_s"] == {"f.feature": 4.5}


def test_the_targets_are_judged_on_the_parallel_run() -> None:
    met = conditions.targets({"parallel": {"wall": {"median_s": 40.0}}, "suite_over_critical_path": 1.8})
    missed = conditions.targets({"parallel": {"wall": {"median_s": 95.0}}, "suite_over_critical_path": 2.5})
    assert all(v["met"] for v in met.values())
    assert not any(v["met"] for v in missed.values())
    assert all(v["met"] is None for v in conditions.targets(None).values())


def test_a_soak_run_is_clean_only_when_it_passed_and_left_nothing_behind() -> None:
    assert SoakRun("default,seed=1", 0, "32 passed", (), 1.0).clean
    assert not SoakRun("default,seed=2", 1, "1 failed", (), 1.0).clean
    assert not SoakRun("default,seed=3", 0, "32 passed", ("rolecheck: the end-of-run sweep deleted 2 leftover(s)",),
                       1.0).clean
