"""Progress lines during waits (rolecheck.aws.progress): a wait longer than the threshold says so, a short one does
not, and without a sink (pytest -q) nothing is written. Thresholds are scaled down so the tests stay fast; the
waits poll for the line rather than sleep a fixed time, so a loaded machine does not make them flaky."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest

from rolecheck.aws import progress


def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.005)


def test_a_long_wait_says_what_it_waits_for_and_how_long() -> None:
    lines: list[str] = []
    with progress.waiting("IAM propagation of role r", after=0.02, every=60, sink=lines.append):
        _until(lambda: bool(lines))
    assert len(lines) == 1 and re.fullmatch(r"rolecheck: waiting \d+ s for IAM propagation of role r", lines[0])


def test_a_longer_wait_repeats_the_line_and_can_say_how_far_it_is() -> None:
    lines: list[str] = []
    done: list[int] = []
    with progress.waiting(lambda: f"accounts: {len(done)} of 3 audited", after=0.01, every=0.01,
                          sink=lines.append):
        _until(lambda: bool(lines))
        done.append(1)
        _until(lambda: any("1 of 3" in line for line in lines))
    assert lines[0].endswith("for accounts: 0 of 3 audited") and lines[-1].endswith("for accounts: 1 of 3 audited")


def test_a_short_wait_and_a_quiet_run_write_nothing() -> None:
    lines: list[str] = []
    with progress.waiting("a snapshot", after=5, sink=lines.append):
        time.sleep(0.01)
    assert lines == []
    progress.configure(None)
    with progress.waiting("a snapshot", after=0.0):
        time.sleep(0.02)  # nowhere to write: silent


def test_a_propagation_wait_says_what_it_waits_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """IAM is eventually consistent (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html):
    a retry of a fresh role's refusal that lasts over the progress threshold says so, naming the role."""
    from botocore.exceptions import ClientError

    from rolecheck.aws import consistency, progress

    lines: list[str] = []
    monkeypatch.setattr(progress, "AFTER", 0.05)
    progress.configure(lines.append)
    consistency.configure(5.0, settle=0.0)
    answers = iter([ClientError({"Error": {"Code": "AccessDenied"}}, "AssumeRole"), "session"])

    def call() -> str:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    try:
        assert consistency.retry_fresh(call, {"AccessDenied"}, "assuming role r", sleep=lambda _: time.sleep(0.2)) \
            == "session"
    finally:
        progress.configure(None)
        consistency.configure(0.0)
    assert lines and "IAM propagation (assuming role r)" in lines[0]
