"""The words the feature files may use, and what each means to the suite.

A sentence names an activity ("listing buckets", "reading "monthly/*" in the bucket "reports""), and the document
under it must allow exactly that activity's actions; a document refers to run-time values by placeholder. Both the
preflight and the claims read them here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rolecheck import project
from rolecheck.errors import FeatureFileError
from rolecheck.policydoc import decoding

# What a feature file's activity words mean as IAM actions. A sentence names an activity; the document under it
# must allow exactly these actions, over the whole action catalog.
ACTIVITIES: Mapping[str, frozenset[str]] = {
    "listing buckets": frozenset({"s3:ListAllMyBuckets"}),
}

# Activities that name what they act on ("in the bucket "reports""): a pattern and its actions. The quoted names
# are logical names of the scenario; the actions are checked over the whole catalog like ACTIVITIES'.
_NAME = r'"[^"]+"'
ACTIVITY_PATTERNS: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = tuple(
    (re.compile(pattern), frozenset(actions)) for pattern, actions in (
        (rf"reading {_NAME} in the bucket {_NAME}", {"s3:GetObject", "s3:ListBucket"}),
        (rf"reading objects in the bucket {_NAME}", {"s3:GetObject"}),
        (rf"writing objects in the bucket {_NAME}", {"s3:PutObject"}),
        (rf"assuming the role {_NAME}", {"sts:AssumeRole"}),
        (rf"receiving messages from the queue {_NAME}", {"sqs:ReceiveMessage", "sqs:GetQueueAttributes"}),
        (rf"sending messages to the queue {_NAME}", {"sqs:SendMessage"}),
        (rf"publishing to the topic {_NAME}", {"sns:Publish"}),
        (rf"reading the secret {_NAME}", {"secretsmanager:GetSecretValue"}),
        (rf"decrypting with the key {_NAME}", {"kms:Decrypt"}),
        (rf"invoking the function {_NAME}", {"lambda:InvokeFunction"}),
        (rf"deploying the function {_NAME}", {"lambda:UpdateFunctionCode", "lambda:GetFunction"}),
        (rf"reading the table {_NAME}", {"dynamodb:GetItem", "dynamodb:Query"}),
    )
)

# Everything a feature file's documents may refer to; Deployment.placeholders() fills them at run time. Besides these,
# ``{{<logical>.arn}}``, ``{{<logical>.name}}`` and ``{{<logical>.url}}`` name an entity the scenario introduced.
PLACEHOLDERS = ("account_id", "region", "user_name", "user_arn", "role_name", "role_arn", "bucket", "session_name")
ENTITY_ATTRIBUTES = ("arn", "name", "url")
_ENTITY_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_-]+)\.(arn|name|url)\s*\}\}")


@dataclass(frozen=True)
class ProjectGrant:
    """One grant a project's own activity stands for: an action, the resource it may be on (placeholders such as
    ``{{reports.name}}`` allowed; ``*`` for any), and the condition it needs (``key Operator value``, or none)."""

    action: str
    resource: str = "*"
    condition: str = ""


def _grant(entry: Any, where: str) -> ProjectGrant:
    if not isinstance(entry, Mapping) or not isinstance(entry.get("action"), str) \
            or set(entry) - {"action", "resource", "condition"} \
            or not all(isinstance(entry.get(k, ""), str) for k in ("resource", "condition")):
        raise FeatureFileError(f"{where}: each grant is a mapping of action, and optionally resource and "
                               "condition, all text")
    return ProjectGrant(entry["action"], entry.get("resource", "*"), entry.get("condition", ""))


def read_project_vocabulary(path: Path) -> dict[str, tuple[ProjectGrant, ...]]:
    """A project's ``rolecheck.yaml`` activities: ``activities: {phrase: [{action, resource, condition}, ...]}``;
    an empty or comments-only file has none. Anything else is one ``FeatureFileError`` line."""
    try:
        value = decoding.yaml_value(decoding.read_text(path, "vocabulary"), str(path))
    except decoding.DecodingError as exc:
        raise FeatureFileError(str(exc)) from None
    if value is None:
        return {}
    activities = value.get("activities", {}) if isinstance(value, Mapping) and set(value) <= {"activities"} \
        else None
    if not isinstance(activities, Mapping):
        raise FeatureFileError(f"{path}: write activities: followed by one phrase per line, each a list of grants")
    read = {}
    for phrase, grants in (activities or {}).items():
        where = f"{path}: activity {phrase!r}"
        if not isinstance(phrase, str) or not isinstance(grants, list) or not grants:
            raise FeatureFileError(f"{where}: a phrase names a non-empty list of grants")
        read[phrase] = tuple(_grant(entry, where) for entry in grants)
    return read


@functools.cache
def _project_vocabulary(cwd: str) -> dict[str, tuple[ProjectGrant, ...]]:
    try:
        config = project.locate(cwd).config
    except project.ProjectError:
        return {}
    return read_project_vocabulary(config) if config is not None else {}


def project_activities() -> dict[str, tuple[ProjectGrant, ...]]:
    """The activities of the project pytest runs in (its ``rolecheck.yaml``, found from the current folder)."""
    return _project_vocabulary(str(Path.cwd()))


def activity_actions(activity: str) -> frozenset[str] | None:
    """The actions an activity stands for, or None for words the vocabulary does not know."""
    if activity in ACTIVITIES:
        return ACTIVITIES[activity]
    own = project_activities().get(activity)
    if own is not None:
        return frozenset(grant.action for grant in own)
    return next((actions for pattern, actions in ACTIVITY_PATTERNS if pattern.fullmatch(activity)), None)


def known_activities() -> list[str]:
    """The activities a sentence may name, for the one-line refusal of an unknown one."""
    return sorted([*ACTIVITIES, *project_activities(),
                   *(pattern.pattern.replace(_NAME, '"..."') for pattern, _ in ACTIVITY_PATTERNS)])


def entity_stand_ins(text: str, account_id: str = "123456789012") -> dict[str, str]:
    """Stand-in values for the entity placeholders a document uses, for checks made before anything exists."""
    values = {}
    for match in _ENTITY_PLACEHOLDER.finditer(text):
        logical, attribute = match.groups()
        values[f"{logical}.{attribute}"] = {
            "arn": f"arn:aws:iam::{account_id}:user/rolecheck-{logical}",
            "name": f"rolecheck-{logical}",
            "url": f"rolecheck-{logical}.example.com",
        }[attribute]
    return values
