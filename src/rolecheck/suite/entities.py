"""What a scenario introduced, by logical name: each user, role, policy, bucket... with its physical name and ARN.

The feature files name things by logical name ("the role "jump"", "{{reports.name}}"); the scene resolves them
here. "The role", "that user" keep meaning the one introduced last (``Entities.the``), so the walkthrough's
sentences read as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rolecheck.errors import FeatureFileError


@dataclass(frozen=True)
class Entity:
    """One thing the scenario introduced: its kind (``suite/kinds.py``), logical and physical name, ARN, account,
    and what its kind needs besides (a bucket's objects, a user's MFA serial, a queue's URL...)."""

    kind: str
    logical: str
    name: str
    arn: str
    account: str
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass
class Entities:
    """The scenario's entities by logical name, in the order they were introduced."""

    by_logical: dict[str, Entity] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)

    def introduce(self, entity: Entity) -> Entity:
        """Record an entity; a logical name introduced again is the newer one."""
        self.by_logical[entity.logical] = entity
        if entity.logical in self.order:
            self.order.remove(entity.logical)
        self.order.append(entity.logical)
        return entity

    def named(self, logical: str, kind: str | None = None) -> Entity:
        """The entity the scenario calls ``logical`` (of ``kind`` when given); one line if there is none."""
        entity = self.by_logical.get(logical)
        if entity is None or (kind is not None and entity.kind != kind):
            what = f"{kind} " if kind else ""
            raise FeatureFileError(f"no {what}\"{logical}\" was introduced in this scenario before this step")
        return entity

    def the(self, kind: str) -> Entity:
        """The entity of ``kind`` introduced last ("the role", "that user")."""
        for logical in reversed(self.order):
            if self.by_logical[logical].kind == kind:
                return self.by_logical[logical]
        raise FeatureFileError(f"no {kind} was introduced in this scenario before this step")

    def placeholders(self) -> dict[str, str]:
        """``<logical>.arn``, ``<logical>.name`` (and ``<logical>.url`` where there is one) of every entity."""
        values = {}
        for entity in self.by_logical.values():
            values[f"{entity.logical}.arn"] = entity.arn
            values[f"{entity.logical}.name"] = entity.name
            if "url" in entity.extra:
                values[f"{entity.logical}.url"] = str(entity.extra["url"])
        return values
