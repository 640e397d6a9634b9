"""A moto server with the engine in this process, which pytest subprocesses reach through --endpoint-url.

Because the server outlives the subprocess, the tests can count what the subprocess wrote and left behind.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rolecheck.moto_adapter import bootstrap_admin
from rolecheck.targets import MotoServer


@pytest.fixture(scope="module")
def server() -> Iterator[MotoServer]:
    running = MotoServer()
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def admin_key(server: MotoServer) -> tuple[str, str]:
    """A key of an administrator in moto's default account."""
    return bootstrap_admin("123456789012", "tests-admin")


@pytest.fixture(scope="module")
def foreign_key(server: MotoServer) -> tuple[str, str]:
    """A key of an administrator in an account that no test allowlists."""
    return bootstrap_admin("111122223333", "foreign-admin")
