"""Snapshot reads per compliance run: how many times the account snapshot was read, for how many states.

Measured on the recording run of the suite (``bench.calls.record_suite``), from its snapshot cache's own counts
(``rolecheck.aws.snapshot_cache.SnapshotStats``, appended per process to ROLECHECK_SNAPSHOT_STATS) and from the calls
it made: ``GetAccountAuthorizationDetails`` counts IAM reads, full and revalidating alike (before the cache, 18 per
run, one per judging step), and ``ListQueues`` the reads of a section only the first, full read makes here.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from bench.timing import ratio


def summarise(stats_path: Path, calls: list[dict[str, Any]]) -> dict[str, Any]:
    """Reads, states and judging steps summed over the run's processes, with the IAM and resource calls beside."""
    totals: Counter[str] = Counter()
    try:
        lines = stats_path.read_text(encoding="utf-8").splitlines()
    except OSError:
        lines = []
    for line in lines:
        totals.update(json.loads(line))
    operations = Counter(call["operation"] for call in calls)
    return {
        "judging_steps": totals["requests"], "reads": totals["reads"], "full_reads": totals["full_reads"],
        "partial_reads": totals["partial_reads"], "account_states": totals["states"],
        "iam_revalidations_unchanged": totals["iam_revalidations"],
        "reads_per_state": ratio(totals["reads"], totals["states"]),
        "calls": {op: operations[op] for op in ("GetAccountAuthorizationDetails", "ListRoles", "ListBuckets",
                                                 "GetBucketPolicy", "ListQueues", "ListTopics", "ListKeys")},
    }
