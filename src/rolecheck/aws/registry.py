"""The resource registry: unique names, tags, and teardown in reverse order of creation.

Every resource the suite creates goes through here, so that a scenario that fails halfway still leaves nothing
behind, and so that the sweeper can find an interrupted run's leftovers by tag or by name prefix.
"""

from __future__ import annotations

import itertools
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rolecheck.aws.cleanup import DELETERS

NAME_PREFIX = "rolecheck"
TAG_KEY = "rolecheck:run-id"

# The worker part of a name: "main" without pytest-xdist, "gw0", "gw1", ... with it.
_WORKER = r"(?:main|gw[0-9]+)"

# IAM user and role names allow 64 characters; S3 bucket names 63, lowercase letters, digits and hyphens only.
_MAX_NAME = 63
_BUCKET_UNSAFE = re.compile(r"[^a-z0-9-]+")


_NAME_COUNTER = itertools.count(1)


def new_run_id() -> str:
    """A short random run id: unique enough across concurrent CI jobs, short enough for bucket names."""
    return secrets.token_hex(4)


def name_pattern(run_id: str, worker: str | None = None) -> re.Pattern[str]:
    """The names ``unique_name`` gives in run ``run_id`` (and ``worker``), case-insensitive as bucket names are.

    The whole shape is matched (prefix, run id, worker, counter), so that a hand-made ``rolecheck-ci`` role or a
    ``rolecheck-evidence-archive`` bucket never looks like one of ours.
    """
    who = re.escape(worker) if worker else _WORKER
    return re.compile(rf"{NAME_PREFIX}-{re.escape(run_id)}-{who}-[0-9]+-", re.IGNORECASE)


@dataclass(frozen=True)
class Tracked:
    """A created resource: its kind (a key of ``cleanup.DELETERS``) and its name or ARN."""

    kind: str
    identifier: str


class ResourceRegistry:
    """Names, tags and tracks what one scenario creates; ``teardown`` deletes it newest first."""

    def __init__(self, run_id: str, worker: str = "main") -> None:
        self.run_id = run_id
        self.worker = worker
        # One counter per process: deployments shared by several scenarios live side by side with fresh ones.
        self._counter = _NAME_COUNTER
        self._created: list[Tracked] = []

    @property
    def prefix(self) -> str:
        """The name prefix shared by everything this run creates."""
        return f"{NAME_PREFIX}-{self.run_id}-"

    def unique_name(self, logical: str, *, bucket: bool = False) -> str:
        """A name for ``logical`` that no other scenario, worker or run uses."""
        name = f"{self.prefix}{self.worker}-{next(self._counter)}-{logical}"
        if bucket:
            name = _BUCKET_UNSAFE.sub("-", name.lower()).strip("-")
        return name[:_MAX_NAME].rstrip("-")

    def tags(self) -> list[dict[str, str]]:
        """The tags every created resource carries (IAM and S3 tag shape)."""
        return [{"Key": TAG_KEY, "Value": self.run_id}]

    def track(self, kind: str, identifier: str) -> str:
        """Remember a created resource for teardown; returns the identifier for chaining."""
        if kind not in DELETERS:
            raise ValueError(f"unknown resource kind {kind!r}")
        self._created.append(Tracked(kind, identifier))
        return identifier

    def concerns(self, names: frozenset[str]) -> bool:
        """Whether a change to the entities ``names`` can bear on what this registry's resources decide.

        Only a change that names nothing but other resources of this run (another scenario's) cannot; a change
        naming anything else, or nothing recognisable, is assumed to.
        """
        mine = {item.identifier.rsplit("/", 1)[-1] for item in self._created}
        return not names or any(name in mine or not name.startswith(self.prefix) for name in names)

    @property
    def created(self) -> tuple[Tracked, ...]:
        return tuple(self._created)

    def teardown(self, client_for: Callable[[str], Any]) -> list[str]:
        """Delete everything tracked, newest first; returns one line per resource that could not be deleted.

        Every resource is attempted even when an earlier deletion fails, so one stuck resource does not leak the rest.
        """
        problems: list[str] = []
        while self._created:
            item = self._created.pop()
            service, delete = DELETERS[item.kind]
            try:
                delete(client_for(service), item.identifier)
            except Exception as exc:
                problems.append(f"{item.kind} {item.identifier}: {type(exc).__name__}: {exc}")
        return problems
