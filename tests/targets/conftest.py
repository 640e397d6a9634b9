"""Administrators' keys on the module's moto server (``server``, tests/conftest.py), which pytest subprocesses reach
through --endpoint-url: because the server outlives the subprocess, the tests can count what it wrote and left behind.
"""

from __future__ import annotations

import pytest

from rolecheck.moto_adapter import bootstrap_admin
from rolecheck.targets.moto_server import MotoServer


@pytest.fixture(scope="module")
def admin_key(server: MotoServer) -> tuple[str, str]:
    """A key of an administrator in moto's default account."""
    return bootstrap_admin("123456789012", "tests-admin")


@pytest.fixture(scope="module")
def foreign_key(server: MotoServer) -> tuple[str, str]:
    """A key of an administrator in an account that no test allowlists."""
    return bootstrap_admin("111122223333", "foreign-admin")
