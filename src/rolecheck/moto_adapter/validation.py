"""Policy documents are checked when written, as AWS checks them, so a document AWS would refuse never deploys offline.

IAM answers ``MalformedPolicyDocument`` (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html,
API_PutRolePolicy.html, ...), STS the same for a session policy (API_AssumeRole.html), S3 ``MalformedPolicy``
(https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html), SQS ``InvalidAttributeValue``, SNS
``InvalidParameter``, Secrets Manager and KMS ``MalformedPolicyDocumentException`` (their API references). The
grammar is the engine's (``Policy.parse``); a principal naming an IAM user or role that does not exist in an account
the target holds is refused too ("Invalid principal in policy",
https://repost.aws/knowledge-center/iam-trust-policy-error). The error codes are AWS's; the messages name the
problem in the engine's words, not AWS's exact text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from moto.iam.models import iam_backends

from rolecheck.engine import Policy, PolicyError, UnsupportedFeature

from .params import first_param

# (service, operation) -> (parameter, policy kind)
_IAM_DOCUMENTS = {
    ("iam", "CreateRole"): ("AssumeRolePolicyDocument", "trust"),
    ("iam", "UpdateAssumeRolePolicy"): ("PolicyDocument", "trust"),
    ("iam", "CreatePolicy"): ("PolicyDocument", "identity"),
    ("iam", "CreatePolicyVersion"): ("PolicyDocument", "identity"),
    ("iam", "PutRolePolicy"): ("PolicyDocument", "identity"),
    ("iam", "PutUserPolicy"): ("PolicyDocument", "identity"),
    ("iam", "PutGroupPolicy"): ("PolicyDocument", "identity"),
    ("sts", "AssumeRole"): ("Policy", "session"),
}
# service -> (error code, message prefix)
_ERRORS = {
    "iam": ("MalformedPolicyDocument", ""),
    "sts": ("MalformedPolicyDocument", ""),
    "s3": ("MalformedPolicy", ""),
    "sqs": ("InvalidAttributeValue", "Invalid value for the parameter Policy. "),
    "sns": ("InvalidParameter", "Invalid parameter: Policy Error: "),
    "secretsmanager": ("MalformedPolicyDocumentException", ""),
    "kms": ("MalformedPolicyDocumentException", ""),
}


def check_request(call: Any) -> None:
    """Raise the service's AWS error when the request writes a policy document AWS would refuse."""
    found = _written_document(call)
    if found is None:
        return
    text, kind = found
    try:
        policy = Policy.parse(f"{call.operation} policy document", text, kind=kind)
        if kind == "trust":
            _check_trust_actions(policy)
        _check_principals(policy)
    except (PolicyError, UnsupportedFeature) as error:
        code, prefix = _ERRORS[call.service]
        raise call.error(code, f"{prefix}{error}", 400) from None


def _written_document(call: Any) -> tuple[str, str] | None:
    """(document text, policy kind) of a policy the request writes, or None."""
    known = _IAM_DOCUMENTS.get((call.service, call.operation))
    if known is not None:
        text = first_param(call.params, known[0])
        return (text, known[1]) if text is not None else None
    reader = _RESOURCE_WRITES.get(call.service)
    text = reader(call) if reader else None
    return (text, "key" if call.service == "kms" else "resource") if text else None


def _s3(call: Any) -> str | None:
    if call.response.method != "PUT" or "policy" not in call.query or call.response.path.strip("/").count("/"):
        return None
    body = call.response.body
    return body.decode("utf-8") if isinstance(body, bytes) else body


def _json_param(call: Any, name: str) -> Any:
    try:
        return call.response._get_param(name)
    except (ValueError, TypeError, AttributeError, KeyError):
        return None


def _sqs(call: Any) -> str | None:
    if call.operation not in ("CreateQueue", "SetQueueAttributes"):
        return None
    attributes = _json_param(call, "Attributes")
    return attributes.get("Policy") if isinstance(attributes, dict) else None


def _sns(call: Any) -> str | None:
    if call.operation == "SetTopicAttributes" and first_param(call.params, "AttributeName") == "Policy":
        return first_param(call.params, "AttributeValue")
    if call.operation == "CreateTopic":
        for name, value in call.params.items():
            if name.startswith("Attributes.entry.") and name.endswith(".key") and _first(value) == "Policy":
                return first_param(call.params, name[: -len("key")] + "value")
    return None


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _secretsmanager(call: Any) -> str | None:
    return _json_param(call, "ResourcePolicy") if call.operation == "PutResourcePolicy" else None


def _kms(call: Any) -> str | None:
    return _json_param(call, "Policy") if call.operation in ("CreateKey", "PutKeyPolicy") else None


_RESOURCE_WRITES: dict[str, Callable[[Any], str | None]] = {
    "s3": _s3, "sqs": _sqs, "sns": _sns, "secretsmanager": _secretsmanager, "kms": _kms,
}


def _check_trust_actions(policy: Policy) -> None:
    # IAM refuses a trust policy granting anything but STS actions (sts:AssumeRole*, sts:TagSession, ...).
    for statement in policy.statements:
        if statement.not_action or not all(pattern.startswith("sts:") for pattern in statement.action_patterns):
            raise PolicyError("Trust Policy statement actions can only be sts:AssumeRole, sts:AssumeRoleWithSAML, "
                              "and sts:AssumeRoleWithWebIdentity")


def _check_principals(policy: Policy) -> None:
    for statement in policy.statements:
        if statement.principals is None:
            continue
        for entry in sorted(statement.principals.aws):
            if not _exists(entry):
                raise PolicyError(f'Invalid principal in policy: "AWS":{json.dumps(entry)}')


def _exists(entry: str) -> bool:
    """False only for an IAM user or role ARN in an account the target holds, when no such entity exists there."""
    parts = entry.split(":", 5)
    if len(parts) < 6 or parts[2] != "iam" or parts[4] not in iam_backends:
        return True
    kind = parts[5].split("/", 1)[0]
    if kind not in ("user", "role") or "*" in entry or "?" in entry:
        return True
    backend = iam_backends[parts[4]][parts[1]]
    if kind == "user":
        user = backend.users.get(entry.rsplit("/", 1)[-1])
        return user is not None and user.arn == entry
    return any(role.arn == entry for role in backend.roles.values())
