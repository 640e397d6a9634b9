"""Fixtures shared by the suite's own tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rolecheck.targets.moto_server import MotoServer


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
