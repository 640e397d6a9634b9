"""What a mutant acts on before the first Given, and how it is undone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rolecheck.aws.clients import ClientFactory
from rolecheck.suite.scene import Deployment


@dataclass(frozen=True)
class MutationContext:
    """What a ``setup`` mutant may act on before the first Given."""

    deployment: Deployment
    client_factory: ClientFactory
    target_name: str


Undo = Callable[[], None]
