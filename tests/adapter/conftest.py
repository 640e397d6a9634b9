"""One moto world per test module, with the adapter installed and an administrator in each account."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from adapter_world import ACCOUNT, OTHER_ACCOUNT, World, session_of
from moto import mock_aws

from rolecheck.moto_adapter import bootstrap_admin, installed


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with mock_aws(), installed():
        state = World()
        for account in (ACCOUNT, OTHER_ACCOUNT):
            key_id, secret = bootstrap_admin(account)
            state.admins[account] = session_of(key_id, secret)
        yield state
