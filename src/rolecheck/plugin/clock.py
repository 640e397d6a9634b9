"""The scenario clock: only targets that run in this process can have their time moved."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rolecheck.targets.base import Target
from rolecheck.targets.clock import Clock


@pytest.fixture
def clock(target: Target) -> Iterator[Clock]:
    """A clock the scenario may move forward; back to real time when the scenario ends."""
    if not target.controllable_clock:
        pytest.skip(f"the {target.name} target's clock cannot be moved; expiry is checked on the moto targets")
    moved = Clock()
    yield moved
    moved.stop()
