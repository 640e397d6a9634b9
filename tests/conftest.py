"""Fixtures shared by the suite's own tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rolecheck.targets.moto_server import MotoServer


def pytest_configure(config: pytest.Config) -> None:
    """``catalog``: a whole-catalog run (every mutant, or every benign change, as a suite run of its own). They are
    the slowest tests by far, so `make test` leaves them to `make mutants`, and CI runs both (.ci/run)."""
    config.addinivalue_line("markers", "catalog: runs a whole catalog of suite runs (make mutants)")


@pytest.fixture(scope="module")
def server() -> Iterator[MotoServer]:
    """A moto server with the engine in this process, which boto3 clients and pytest subprocesses reach by its URL.

    It outlives a subprocess run against it, so a test can count what the run wrote, sent and left behind.
    """
    running = MotoServer()
    running.start()
    try:
        yield running
    finally:
        running.stop()
