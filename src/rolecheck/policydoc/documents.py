"""Policy documents as auditors read them in the feature files, and as the suite deploys them.

Feature files show each document exactly, with ``{{placeholder}}`` for the values that only exist at run time
(account id, generated names). Rendering refuses unknown placeholders and malformed JSON with one clear line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from rolecheck.errors import PolicyDocumentError
from rolecheck.policydoc import decoding

# A name, or an entity's attribute by its logical name ("reports.name"; logical names may hold "-").
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*|[A-Za-z0-9_-]+\.[a-z]+)\s*\}\}")


def placeholders_in(text: str) -> set[str]:
    """The ``{{placeholder}}`` names a text uses."""
    return {m.group(1) for m in _PLACEHOLDER.finditer(text)}


def fill(template: str, values: Mapping[str, str], *, name: str = "text") -> str:
    """Fill the ``{{placeholders}}`` of a template, refusing any placeholder without a value."""
    missing = sorted(placeholders_in(template) - set(values))
    if missing:
        raise PolicyDocumentError(f"{name}: unknown placeholder(s) {', '.join(missing)}")
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def render(template: str, values: Mapping[str, str], *, name: str = "policy document") -> dict[str, Any]:
    """Fill the ``{{placeholders}}`` of a JSON policy template and parse it."""
    return parse(fill(template, values, name=name), name=name)


def parse(text: str, *, name: str = "policy document") -> dict[str, Any]:
    """Parse a policy document's JSON, naming the line and column of a syntax error."""
    try:
        document = decoding.json_value(text, name)
    except decoding.DecodingError as exc:
        raise PolicyDocumentError(str(exc)) from None
    except json.JSONDecodeError as exc:
        raise PolicyDocumentError(f"{name}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    if not isinstance(document, dict) or "Statement" not in document:
        raise PolicyDocumentError(f"{name}: a policy document must be a JSON object with a Statement")
    return document


def from_api(document: str | Mapping[str, Any]) -> dict[str, Any]:
    """Normalise a policy document as IAM returns it (URL-encoded JSON, or already decoded by boto3)."""
    if isinstance(document, Mapping):
        return dict(document)
    return parse(unquote(document), name="policy read back from the target")


def statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A policy's statements as a list: the grammar allows a single statement object too."""
    found = document.get("Statement", [])
    return [found] if isinstance(found, Mapping) else list(found)


def as_list(value: Any) -> list[Any]:
    """A policy element as a list: the grammar allows a single value or a list."""
    return value if isinstance(value, list) else [value]


def dumps(document: Mapping[str, Any]) -> str:
    """Serialise a document for the API and for evidence: stable key order, compact but readable."""
    return json.dumps(document, indent=2, sort_keys=False)


def canonical(document: Mapping[str, Any]) -> Any:
    """A comparable form of a policy: the Statement as a list, single values as one-element lists, sorted, no Sid.

    IAM may return ``"Action": "x"`` for ``"Action": ["x"]``; statement order never matters to evaluation, and a
    Sid is only a label ("The Sid element is optional ... a sub-ID for the policy document's ID":
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html). Comparisons of the
    reviewed and the deployed document must not depend on any of them.
    """
    return {"Version": document.get("Version"), "Statement": sorted(_canonical_statements(document), key=json.dumps)}


def _canonical_statements(document: Mapping[str, Any]) -> list[Any]:
    return [_canonical_value({k: v for k, v in s.items() if k != "Sid"}) for s in statements(document)]


def differences(deployed: Mapping[str, Any], reviewed: Mapping[str, Any]) -> list[str]:
    """What sets the deployed document apart from the reviewed one, one line per statement; empty when equivalent."""
    found = []
    if deployed.get("Version") != reviewed.get("Version"):
        found.append(f"Version is {deployed.get('Version')!r}, reviewed {reviewed.get('Version')!r}")
    ours, theirs = _canonical_statements(deployed), _canonical_statements(reviewed)
    found += [f"deployed but not reviewed: {json.dumps(s, sort_keys=True)}" for s in ours if s not in theirs]
    found += [f"reviewed but not deployed: {json.dumps(s, sort_keys=True)}" for s in theirs if s not in ours]
    if not found and sorted(map(json.dumps, ours)) != sorted(map(json.dumps, theirs)):
        found.append("the same statements, repeated a different number of times")
    return found


def _canonical_value(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _canonical_value(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        items = [_canonical_value(v) for v in value]
        return items[0] if len(items) == 1 else sorted(items, key=json.dumps)
    return value


# IAM's size quotas (characters other than whitespace) and the characters a policy may hold, with the error text
# IAM answers when one is exceeded; checked before anything is deployed, because moto does not check them.
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
SIZE_LIMITS: dict[str, tuple[int, str]] = {
    "managed": (6144, "LimitExceeded: Cannot exceed quota for PolicySize: 6144"),
    "trust": (2048, "LimitExceeded: Cannot exceed quota for ACLSizePerRole: 2048"),
    "inline role": (10240, "LimitExceeded: Maximum policy size of 10240 bytes exceeded for role {entity}"),
    "inline user": (2048, "LimitExceeded: Maximum policy size of 2048 bytes exceeded for user {entity}"),
    "inline group": (5120, "LimitExceeded: Maximum policy size of 5120 bytes exceeded for group {entity}"),
}
_ALLOWED_CHARACTERS = re.compile(r"[^\t\n\r\u0020-\u00ff]")


def size(text: str) -> int:
    """A policy's size as IAM counts it against its quotas: its characters other than whitespace."""
    return sum(1 for character in text if not character.isspace())


# S3's own quota for a bucket policy, in the words of its guide; S3 does not say whether whitespace counts, so it is
# not counted (as IAM does not): a policy refused here is over the limit however S3 counts.
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-iam-policies.html
BUCKET_POLICY_LIMIT = 20 * 1024


def check_bucket_policy_size(text: str, name: str) -> None:
    """Refuse a bucket policy over S3's 20 KB limit (its characters other than whitespace)."""
    if size(text) > BUCKET_POLICY_LIMIT:
        raise PolicyDocumentError(f"{name}: Bucket policies are limited to 20 KB in size ({size(text)} characters "
                                  f"without whitespace, over {BUCKET_POLICY_LIMIT})")


def check_limits(kind: str, text: str, name: str, entity: str = "") -> None:
    """Refuse a document IAM would refuse for its size (``kind`` is a key of ``SIZE_LIMITS``; for inline policies
    ``text`` is all of the entity's inline policies together) or for a character outside the allowed range."""
    odd = _ALLOWED_CHARACTERS.search(text)
    if odd:
        raise PolicyDocumentError(f"{name}: MalformedPolicyDocument: the character U+{ord(odd.group()):04X} at "
                                  f"offset {odd.start()} is not allowed (only tab, line feed, carriage return and "
                                  "U+0020 to U+00FF)")
    limit, message = SIZE_LIMITS[kind]
    if size(text) > limit:
        raise PolicyDocumentError(f"{name}: {message.format(entity=entity)} ({size(text)} characters without "
                                  "whitespace)")
