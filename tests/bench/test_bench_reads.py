"""Smoke test of the benchmark's reads part at a tiny size: correctness only, never timing."""

from __future__ import annotations

from bench import reads
from bench.report import table
from bench.run import _targets


def test_the_reads_part_reads_every_account_under_the_profile_and_reports_its_ratios() -> None:
    measured = reads.measure(size=2, accounts=2, profile="default,seed=1,latency=0.05")
    one, ten = measured["one"], measured["ten"]
    # Every seeded bucket is read, nothing is left unreadable by the throttling: botocore retried it.
    assert one["resources"] >= 2 and one["unreadable"] == 0 and ten["unreadable"] == 0
    assert measured["serial"]["calls"] == one["calls"] and ten["calls"] == 2 * one["calls"]
    assert measured["minimum_calls"] == one["calls"] + 1
    assert measured["ten_over_one"] > 0 and measured["cpu_floor_ratio"] > 0
    results = {"cpus": 2, "workers": 2, "load_average_before": [0], "load_average_after": [0], "reads": measured}
    results["targets"] = _targets(results)
    assert results["targets"]["ten_account_reads_over_one"]["met"] in (True, False)
    assert "2 accounts at once / one" in table(results)
