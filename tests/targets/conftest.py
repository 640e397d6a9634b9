"""Administrators' keys on the module's moto server (``server``, tests/conftest.py), which pytest subprocesses reach
through --endpoint-url: because the server outlives the subprocess, the tests can count what it wrote and left behind.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto.iam.models import iam_backends

from rolecheck.moto_adapter import bootstrap_admin
from rolecheck.targets.moto_server import MotoServer


def _module_key(account: str, user: str) -> Iterator[tuple[str, str]]:
    # moto's backend outlives each module's server: each module's key is deleted after it, or the third module to
    # ask would meet IAM's quota of two keys per user.
    key = bootstrap_admin(account, user)
    yield key
    iam_backends[account]["aws"].delete_access_key(key[0], user)


@pytest.fixture(scope="module")
def admin_key(server: MotoServer) -> Iterator[tuple[str, str]]:
    """A key of an administrator in moto's default account."""
    yield from _module_key("123456789012", "tests-admin")


@pytest.fixture(scope="module")
def foreign_key(server: MotoServer) -> Iterator[tuple[str, str]]:
    """A key of an administrator in an account that no test allowlists."""
    yield from _module_key("111122223333", "foreign-admin")
