"""The words the feature files may use, and what each means to the suite.

A sentence names an activity ("listing buckets", "reading "monthly/*" in the bucket "reports""), and the document
under it must allow exactly that activity's actions; a document refers to run-time values by placeholder. Both the
preflight and the claims read them here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

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


def activity_actions(activity: str) -> frozenset[str] | None:
    """The actions an activity stands for, or None for words the vocabulary does not know."""
    if activity in ACTIVITIES:
        return ACTIVITIES[activity]
    return next((actions for pattern, actions in ACTIVITY_PATTERNS if pattern.fullmatch(activity)), None)


def known_activities() -> list[str]:
    """The activities a sentence may name, for the one-line refusal of an unknown one."""
    return sorted([*ACTIVITIES, *(pattern.pattern.replace(_NAME, '"..."') for pattern, _ in ACTIVITY_PATTERNS)])


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
