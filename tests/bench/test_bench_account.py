"""Smoke test of the benchmark's account part at tiny sizes: correctness only, never timing."""

from __future__ import annotations

from bench import account
from bench.report import table
from bench.run import Options, benchmark


def test_an_account_point_reads_the_seeded_account_and_analyses_one_principal() -> None:
    point = account.measure_point(3)
    assert point.size == 3
    # role 1: list buckets, its bucket's objects (bucket policy), its own objects under the tag condition;
    # user 1: assume role 1, its own objects; role 1 is assumable by user 1 only; user 1 reaches role 1.
    assert point.grants >= 6
    assert point.api_calls > 3 * 3  # at least a few calls per bucket: the read is paginated, not per role
    assert point.analysis_s > 0
    # The administrator may do every catalog action: thousands of grants, still one row per action and resource.
    assert point.administrator_grants > 10_000


def test_the_account_part_reports_growth_and_targets() -> None:
    results = benchmark(Options(repeat=1, parts=("account",), account_sizes=(2, 4)))
    assert [p["size"] for p in results["account"]["points"]] == [2, 4]
    # Whether the target is met is the benchmark's to measure (make bench), never a test's: only its shape here.
    target = results["targets"]["account_analysis_per_principal_s"]
    assert target["value"] > 0 and target["met"] in (True, False)
    assert "account snapshot, 4 x3" in table(results)
