"""Tags as request-context keys, the way AWS puts them there for attribute-based access control.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principaltag :
the tags of the calling user, or of the role a session belongs to plus the session's own tags (a session tag wins
over a role tag with the same key, https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html), are
``aws:PrincipalTag/<key>``. The tags of the resource acted on are ``aws:ResourceTag/<key>`` for the resource types
whose Service Authorization Reference entry lists that key; IAM roles and users also take ``iam:ResourceTag/<key>``.
"""

from __future__ import annotations

from collections.abc import Mapping

from rolecheck.action_resources import takes_resource_tags
from rolecheck.engine.context import tag_context


def principal_tags(tags: Mapping[str, str], session_tags: Mapping[str, str] | None = None) -> dict[str, str]:
    """``aws:PrincipalTag/<key>`` entries for a principal's tags, session tags overriding role tags."""
    return tag_context("aws:PrincipalTag", {**tags, **(session_tags or {})})


def resource_tags(service: str, resource_type: str, tags: Mapping[str, str]) -> dict[str, str]:
    """``aws:ResourceTag/<key>`` entries for a resource's tags, when AWS supplies them for its type."""
    if not tags or not takes_resource_tags(service, resource_type):
        return {}
    context = tag_context("aws:ResourceTag", tags)
    return context | tag_context("iam:ResourceTag", tags) if service == "iam" else context
