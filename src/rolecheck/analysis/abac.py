"""Tags as request-context keys, the way AWS puts them there for attribute-based access control.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principaltag :
the tags of the calling user, or of the role a session belongs to plus the session's own tags (a session tag wins
over a role tag with the same key, https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html), are
``aws:PrincipalTag/<key>``. The tags of the resource acted on are ``aws:ResourceTag/<key>`` for the resource types
whose Service Authorization Reference entry lists that key; IAM roles and users also take ``iam:ResourceTag/<key>``.

S3 general purpose buckets are the exception: ABAC is disabled on every one of them until ``PutBucketAbac`` enables
it, and until then S3 does not evaluate ``aws:ResourceTag`` against the bucket's tags
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/buckets-tagging-enable-abac.html ,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/buckets-tagging.html). ``GetBucketAbac`` reads the status:
``Enabled`` or ``Disabled`` (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketAbac.html). The Service
Authorization Reference lists ``aws:ResourceTag/<key>`` for the object type too, while an object's own tags are
``s3:ExistingObjectTag/<key>`` (https://docs.aws.amazon.com/AmazonS3/latest/userguide/tagging-and-policies.html):
the resource tags an object request can carry are its bucket's, behind the same switch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rolecheck.analysis.action_resources import takes_resource_tags
from rolecheck.engine import Policy, tag_context


def principal_tags(tags: Mapping[str, str], session_tags: Mapping[str, str] | None = None) -> dict[str, str]:
    """``aws:PrincipalTag/<key>`` entries for a principal's tags, session tags overriding role tags."""
    return tag_context("aws:PrincipalTag", {**tags, **(session_tags or {})})


# The S3 resource types whose aws:ResourceTag are the general purpose bucket's tags, and so wait for its ABAC switch.
_BUCKET_ABAC_TYPES = frozenset({"bucket", "object"})
BUCKET_ABAC_ENABLED = "Enabled"


def bucket_abac_enabled(answer: Mapping[str, Any] | None) -> bool:
    """True when a ``GetBucketAbac`` answer says ``Enabled``; no answer, or no status (moto's), means disabled."""
    return ((answer or {}).get("AbacStatus") or {}).get("Status") == BUCKET_ABAC_ENABLED


def resource_tags(service: str, resource_type: str, tags: Mapping[str, str], *,
                  bucket_abac: bool = False) -> dict[str, str]:
    """``aws:ResourceTag/<key>`` entries for a resource's tags, when AWS supplies them for its type.

    For an S3 bucket, or an object in it, ``tags`` are the bucket's and count only when ``bucket_abac`` says ABAC
    is enabled on that bucket (``bucket_abac_enabled``); AWS's default, disabled, is the default here too.
    """
    if not tags or not takes_resource_tags(service, resource_type):
        return {}
    if service == "s3" and resource_type in _BUCKET_ABAC_TYPES and not bucket_abac:
        return {}
    context = tag_context("aws:ResourceTag", tags)
    return context | tag_context("iam:ResourceTag", tags) if service == "iam" else context


def reads_resource_tags(policies: Iterable[Policy | None]) -> bool:
    """True when a condition of these policies reads ``aws:ResourceTag/`` or ``iam:ResourceTag/``: only then can a
    resource's tags, or a bucket's ABAC switch, change a verdict."""
    return any(condition.key_lower.startswith(("aws:resourcetag/", "iam:resourcetag/"))
               for policy in policies if policy is not None
               for statement in policy.statements for condition in statement.conditions)
