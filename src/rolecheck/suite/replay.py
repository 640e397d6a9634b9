"""Replaying a shared Background: the read-only scenarios of a feature share one deployment, made by the first.

``Deployment.shared`` marks a deployment several scenarios use, ``reused`` one a later scenario took over, and
``replaying`` a scenario whose Background steps that deployment already ran (``rolecheck.plugin.scene`` sets them).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from rolecheck.report.evidence import attach_text
from rolecheck.suite.scene import Deployment

StepFunction = TypeVar("StepFunction", bound=Callable[..., Any])


def background_step(step: StepFunction) -> StepFunction:
    """A Given that deploys shared state: replayed without calls when the scenario reuses a shared deployment."""

    @functools.wraps(step)
    def run(*args: Any, **kwargs: Any) -> Any:
        world = kwargs.get("deployment")
        if isinstance(world, Deployment) and world.replaying:
            attach_text("shared deployment", "This Background was deployed once, by the first of this feature's "
                        "read-only scenarios, and is shared by them; this step is replayed without API calls.")
            return None
        return step(*args, **kwargs)

    return run  # type: ignore[return-value]
