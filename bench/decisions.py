"""The engine on its own: decisions per second over the engine's case table, and effective actions of one role."""

from __future__ import annotations

import importlib
import sys
import time
from dataclasses import dataclass
from typing import Any

from bench.calls import REPO
from bench.errors import BenchError
from bench.timing import Timing, measure

CASE_TABLE_DIR = REPO / "tests" / "engine"
CASE_TABLE_MODULE = "test_decisions"
ACCOUNT = "123456789012"
# The walkthrough's role: its only permission is listing the buckets.
LIST_BUCKETS_ONLY = {"Version": "2012-10-17",
                     "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}


def load_case_requests() -> list[tuple[Any, Any]]:
    """The engine tests' decision table as (request, expected verdict) pairs."""
    # The table imports its helpers as top-level modules, the way pytest puts tests/engine on the path.
    if str(CASE_TABLE_DIR) not in sys.path:
        sys.path.insert(0, str(CASE_TABLE_DIR))
    try:
        table = importlib.import_module(CASE_TABLE_MODULE)
    except ImportError as exc:
        raise BenchError(f"cannot import the engine's case table {CASE_TABLE_DIR / CASE_TABLE_MODULE}.py: {exc}") \
            from None
    cases = getattr(table, "CASES", None)
    if not cases:
        raise BenchError(f"{CASE_TABLE_MODULE}.py has no CASES list")
    return [(case.request(), case.expected) for case in cases]


@dataclass(frozen=True)
class DecisionRate:
    """Decisions per second over the case table, and how many cases the engine decided as the table expects."""

    cases: int
    agreeing: int
    rounds: int
    timing: Timing

    @property
    def per_second(self) -> float:
        return self.cases * self.rounds / self.timing.median


def decision_rate(repeat: int, min_seconds: float = 0.2) -> DecisionRate:
    """Evaluate the whole table in rounds long enough to time reliably; ``repeat`` samples."""
    from rolecheck.engine import evaluate

    pairs = load_case_requests()
    requests = [request for request, _ in pairs]
    agreeing = sum(evaluate(request).verdict == expected for request, expected in pairs)
    started, rounds = time.perf_counter(), 0
    while time.perf_counter() - started < min_seconds / 4:
        for request in requests:
            evaluate(request)
        rounds += 1
    rounds = max(1, rounds * 4)

    def sweep() -> None:
        for _ in range(rounds):
            for request in requests:
                evaluate(request)

    return DecisionRate(len(requests), agreeing, rounds, measure(sweep, repeat))


@dataclass(frozen=True)
class EffectiveActions:
    """Times of the exhaustive effective-actions check for the walkthrough's role over the whole catalog."""

    catalog_size: int
    allowed: tuple[str, ...]
    first_call_s: float
    per_role: Timing
    cached: Timing


def effective_actions_timing(repeat: int) -> EffectiveActions:
    """First call (builds the catalog index), a new role's policy (pattern caches cleared) and a repeat call."""
    from rolecheck.engine import Policy, Principal, action_catalog, catalog, effective_actions

    principal = Principal.assumed_role(ACCOUNT, "s3-list-role", "bench-session", role_id="AROABENCHROLE")
    policy = Policy.parse(f"arn:aws:iam::{ACCOUNT}:policy/s3-list-buckets", LIST_BUCKETS_ONLY)
    started = time.perf_counter()
    allowed = effective_actions(principal, [policy])
    first = time.perf_counter() - started
    caches = [getattr(catalog, name) for name in ("_actions_matching", "_statement_actions")
              if hasattr(getattr(catalog, name, None), "cache_clear")]

    def new_role() -> None:
        for cache in caches:
            cache.cache_clear()
        effective_actions(principal, [policy])

    return EffectiveActions(
        catalog_size=len(action_catalog()), allowed=tuple(sorted(allowed)), first_call_s=first,
        per_role=measure(new_role, repeat), cached=measure(lambda: effective_actions(principal, [policy]), repeat),
    )
