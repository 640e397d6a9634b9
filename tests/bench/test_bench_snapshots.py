"""The bench's count of snapshot reads per compliance run (bench/snapshots.py), from synthetic process counts."""

from __future__ import annotations

import json
from pathlib import Path

from bench.snapshots import summarise


def test_reads_and_states_are_summed_over_the_processes(tmp_path: Path) -> None:
    stats = tmp_path / "snapshots.jsonl"
    worker = {"requests": 9, "full_reads": 1, "partial_reads": 7, "sections_reread": 9, "iam_revalidations": 1,
              "states": 8, "reads": 8}
    stats.write_text(json.dumps(worker) + "\n" + json.dumps(worker) + "\n")
    calls = [{"operation": "GetAccountAuthorizationDetails"}] * 18 + [{"operation": "ListQueues"}] * 2
    summary = summarise(stats, calls)
    assert (summary["judging_steps"], summary["reads"], summary["account_states"]) == (18, 16, 16)
    assert summary["reads_per_state"] == 1.0
    assert summary["calls"]["GetAccountAuthorizationDetails"] == 18 and summary["calls"]["ListQueues"] == 2


def test_a_run_without_counts_has_no_ratio(tmp_path: Path) -> None:
    assert summarise(tmp_path / "absent.jsonl", [{"operation": "ListRoles"}])["reads_per_state"] is None
