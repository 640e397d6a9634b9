"""Finding and deleting what runs left behind: by the run-id tag, or by a name that carries the caller's run id.

The per-scenario teardown deletes what a scenario tracked; this is the backstop for everything else: a run
killed mid-scenario, a resource created but not yet tracked, a teardown that failed. The same code runs at the
end of every session (for that session's own names) and as ``rolecheck sweep`` (for one run, or all of them).
Deleting is idempotent (``cleanup``), so sweeping twice is safe.

A real account is not ours: what we did not create and tag, we never touch. So a name alone picks a resource only
when it has the exact shape the registry gives (``rolecheck-<run id>-<worker>-<n>-...``) with the run id the
caller named; ``--all-runs`` names no run id and therefore picks by the ``rolecheck:run-id`` tag alone. A
hand-made ``rolecheck-ci`` role is never a leftover, and neither is the principal the sweeper itself runs as.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from rolecheck.cleanup import DELETERS
from rolecheck.errors import TargetError
from rolecheck.registry import TAG_KEY, name_pattern

# Lowercase letters and digits only: the run id goes into bucket names, and a hyphen would blur the prefix.
_RUN_ID = re.compile(r"^[a-z0-9]{1,16}$")


def valid_run_id(value: str) -> str:
    """``value`` if it can be a run id (1-16 lowercase letters or digits), else one ``TargetError`` line."""
    if not _RUN_ID.match(value):
        raise TargetError(f"invalid run id {value!r}: use 1 to 16 lowercase letters or digits")
    return value

@dataclass(frozen=True)
class Leftover:
    """A resource the sweeper will delete, and why it was picked (``name`` prefix or ``tag``)."""

    kind: str
    identifier: str
    found_by: str

    def __str__(self) -> str:
        return f"{self.kind} {self.identifier} (by {self.found_by})"


@dataclass(frozen=True)
class Selector:
    """Which resources are leftovers: those tagged with the run id (any run id when it is None), and those named
    by the registry for that run id, minus ``spare``.

    With ``worker`` set only that worker's names match; the tag carries only the run id, so it is not consulted.
    ``by_tag=False`` reads no tags at all: one listing per kind, for a cheap look before a run starts.
    """

    run_id: str | None = None
    worker: str | None = None
    by_tag: bool = True
    spare: frozenset[str] = frozenset()

    def name_matches(self, name: str) -> bool:
        if self.run_id is None or name in self.spare:
            return False
        return name_pattern(self.run_id, self.worker).match(name) is not None

    def tags_match(self, tags: Iterable[dict[str, str]]) -> bool:
        if self.worker or not self.by_tag:
            return False
        return any(t.get("Key") == TAG_KEY and (self.run_id is None or t.get("Value") == self.run_id) for t in tags)


def find_leftovers(iam: Any, s3: Any, selector: Selector) -> list[Leftover]:
    """Every user, role, customer-managed policy and bucket the selector picks, in deletion order.

    Users and roles come first because deleting them detaches the policies they hold; buckets come last.
    """
    found: list[Leftover] = []
    for user in _paginate(iam, "list_users", "Users"):
        found += _pick("user", user["UserName"], user["UserName"], selector,
                       lambda n=user["UserName"]: iam.list_user_tags(UserName=n)["Tags"])
    for role in _paginate(iam, "list_roles", "Roles"):
        if role.get("Path", "/").startswith("/aws-service-role/"):
            continue
        found += _pick("role", role["RoleName"], role["RoleName"], selector,
                       lambda n=role["RoleName"]: iam.list_role_tags(RoleName=n)["Tags"])
    for policy in _paginate(iam, "list_policies", "Policies", Scope="Local"):
        found += _pick("policy", policy["PolicyName"], policy["Arn"], selector,
                       lambda a=policy["Arn"]: iam.list_policy_tags(PolicyArn=a)["Tags"])
    for bucket in s3.list_buckets().get("Buckets", []):
        found += _pick("bucket", bucket["Name"], bucket["Name"], selector,
                       lambda n=bucket["Name"]: s3.get_bucket_tagging(Bucket=n)["TagSet"])
    return found


def sweep(client_for: Callable[[str], Any], leftovers: Iterable[Leftover],
          report: Callable[[str], None] = lambda line: None) -> list[str]:
    """Delete the leftovers; returns one line per resource that could not be deleted (the others are reported)."""
    problems: list[str] = []
    for item in leftovers:
        service, delete = DELETERS[item.kind]
        try:
            delete(client_for(service), item.identifier)
        except Exception as exc:
            problems.append(f"{item.kind} {item.identifier}: {type(exc).__name__}: {exc}")
        else:
            report(f"deleted {item}")
    return problems


def spare_caller(arn: str) -> frozenset[str]:
    """The user or role behind the sweeper's own credentials: deleting it would cut the sweep off mid-way."""
    if ":user/" in arn:
        return frozenset({arn.rsplit("/", 1)[1]})
    if ":assumed-role/" in arn:
        return frozenset({arn.split(":assumed-role/", 1)[1].split("/", 1)[0]})
    return frozenset()


def _pick(kind: str, name: str, identifier: str, selector: Selector,
          tags: Callable[[], list[dict[str, str]]]) -> list[Leftover]:
    if name in selector.spare:
        return []
    if selector.name_matches(name):
        return [Leftover(kind, identifier, "name")]
    if selector.by_tag and not selector.worker:
        try:
            if selector.tags_match(tags()):
                return [Leftover(kind, identifier, "tag")]
        except ClientError:
            # No tags (S3 answers NoSuchTagSet), or not ours to read: either way not a leftover of ours.
            return []
    return []


def _paginate(client: Any, operation: str, key: str, **params: Any) -> Iterable[dict[str, Any]]:
    for page in client.get_paginator(operation).paginate(**params):
        yield from page.get(key, [])
