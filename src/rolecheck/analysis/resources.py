"""The snapshot's resources as requests on them are decided: each one's policy, and its tags as context keys.

A ``ResourceView`` is something a request acts on whose policy or tags can change the verdict: a resource with a
resource-based policy (or tags), and every role, whose trust policy governs ``sts:AssumeRole`` on it. The
analysis indexes them by ARN (``resource_views``) and finds the one a request string falls on (``view_for``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rolecheck.analysis.abac import resource_tags
from rolecheck.analysis.snapshot import Snapshot
from rolecheck.analysis.subjects import ACCOUNT_ID
from rolecheck.engine import Policy


@dataclass(frozen=True)
class ResourceView:
    """Something a request acts on whose policy or tags can change the verdict."""

    arn: str
    service: str  # the service whose actions its policy governs (sts for a role's trust policy)
    resource_type: str
    policy: Policy | None
    context: Mapping[str, Any]
    # False when the resource's aws:ResourceTag keys are unknown (a tagged bucket whose ABAC status is unreadable):
    # conditions on them are then request-supplied, as for a resource outside the snapshot.
    tags_known: bool = True
    # An S3 access point's bucket (its ARN): a request through the access point is decided by both policies.
    bucket: str | None = None


def resource_views(snapshot: Snapshot) -> dict[str, ResourceView]:
    """Every resource of the snapshot, and every role (as the resource of ``sts:AssumeRole``), by ARN."""
    views = {arn: ResourceView(arn, r.service, r.resource_type, r.policy,
                               resource_tags(r.service, r.resource_type, r.tags, bucket_abac=bool(r.bucket_abac)),
                               r.bucket_abac is not None, f"arn:aws:s3:::{r.bucket}" if r.bucket else None)
             for arn, r in snapshot.resources.items()}
    for arn, role in snapshot.roles.items():
        views[arn] = ResourceView(arn, "sts", "role", role.trust, resource_tags("iam", "role", role.tags))
    return views


def view_for(views: Mapping[str, ResourceView], action: str, resource: str) -> ResourceView | None:
    """The snapshot resource a request string falls on, when its policy governs the action's service."""
    service = action.split(":", 1)[0].lower()
    if service == "s3" and resource.startswith("arn:aws:s3:::"):
        resource = resource.split("/", 1)[0]
    elif service == "s3" and ":accesspoint/" in resource:
        resource = resource.split("/object/", 1)[0]
    elif service == "lambda" and ":function:" in resource and resource not in views:
        # An alias or version read from the account has a policy of its own; any other qualifier is decided as
        # the function.
        resource = ":".join(resource.split(":")[:7])
    view = views.get(resource)
    return view if view is not None and view.service == service else None


def request_strings(view: ResourceView, types: frozenset[str] | None) -> list[str]:
    """The request strings that stand for a resource, for an action acting on ``types`` (None: any type)."""
    if view.service != "s3":
        return [view.arn] if types is None or view.resource_type in types else []
    if view.resource_type == "accesspoint":
        return [string for kind, string in (("accesspoint", view.arn), ("accesspointobject", f"{view.arn}/object/*"))
                if types is None or kind in types]
    found = []
    if types is None or "bucket" in types:
        found.append(view.arn)
    if types is None or "object" in types:
        found.append(f"{view.arn}/*")
    return found


def account_of(resource: str) -> str | None:
    """The account a request string names, or None when it can fall in any account (``*``, a wildcard, S3)."""
    parts = resource.split(":", 5)
    return parts[4] if len(parts) == 6 and ACCOUNT_ID.match(parts[4]) else None


def names_a_bucket(resource: str) -> bool:
    """True for a request string naming one bucket (or its objects): every bucket of the account is in the
    snapshot, as a resource view, so a bucket named here is another account's."""
    if not resource.startswith("arn:aws:s3:::"):
        return False
    name = resource.removeprefix("arn:aws:s3:::").split("/", 1)[0]
    return bool(name) and not any(char in name for char in "*?$")


def through_access_point(view: ResourceView, resource: str, account_id: str) -> tuple[str, dict[str, str]]:
    """The request on an access point's bucket that a request through it makes, with the keys the access point
    supplies (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-policies.html: the bucket's
    policy decides it too, and may delegate with ``s3:DataAccessPointAccount``). ``view.bucket`` must be set."""
    assert view.bucket is not None
    key = resource.split("/object/", 1)[1] if "/object/" in resource else None
    bucket_resource = f"{view.bucket}/{key}" if key is not None else view.bucket
    return bucket_resource, {"s3:DataAccessPointAccount": account_id, "s3:DataAccessPointArn": view.arn,
                             "s3:AccessPointNetworkOrigin": "Internet"}
