"""The resource a request to SQS, SNS, Secrets Manager, KMS or Lambda names, with its resource-based policy and tags.

AWS decides these services with the resource's own policy as well as the caller's
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html); each service's page
on its resource policy: SQS
https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-using-identity-based-policies.html ,
SNS https://docs.aws.amazon.com/sns/latest/dg/sns-using-identity-based-policies.html ,
Secrets Manager https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_resource-policies.html ,
KMS https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html (a key policy: ``kind="key"``),
Lambda https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html .
Resource tags become ``aws:ResourceTag/<key>`` for these services, which all support the key for their resources
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_aws-services-that-work-with-iam.html).

moto's backends are imported when a request for the service arrives, so start-up pays only for what a run uses.
"""

from __future__ import annotations

import base64
import json
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import unquote

from rolecheck.engine import Policy, tag_context

from . import state
from .hooks_check import check_service_internals
from .params import first_param

SERVICES = frozenset({"sqs", "sns", "secretsmanager", "kms", "awslambda"})
# moto's name for a service where it differs from the IAM action prefix.
_PREFIX = {"awslambda": "lambda"}


@dataclass(frozen=True)
class AuthorizedAs:
    """What a request is authorized as: action, resource ARN, owning account, resource policy, service keys."""

    action: str
    resource: str
    account: str | None = None
    policy: Policy | None = None
    context: dict[str, Any] = field(default_factory=dict)


def param(call: Any, name: str) -> str | None:
    """A request parameter in any protocol: query string first, then the parsed JSON or form body."""
    value = first_param(call.params, name)
    if value is not None:
        return value
    try:
        value = call.response._get_param(name)
    except (ValueError, TypeError, AttributeError, KeyError):
        return None
    return value if isinstance(value, str) and value else None


@cache
def _checked(service: str) -> None:
    check_service_internals(service)


def authorized_as(call: Any, default_account: str) -> AuthorizedAs:
    """What a request to one of SERVICES; ``default_account`` owns resources named without an ARN."""
    _checked(call.service)
    action = f"{_PREFIX.get(call.service, call.service)}:{call.operation}"
    region = call.response.region
    found = _RESOLVERS[call.service](call, region, default_account)
    if found is None:
        return AuthorizedAs(action, "*")
    resource, account, policy, tags = found
    context = tag_context("aws:ResourceTag", tags) if policy is not _MISSING else {}
    return AuthorizedAs(action, resource, account, None if policy is _MISSING else policy, context)


_MISSING: Any = object()  # the resource does not exist: its ARN is still the resource, with no policy or tags
_Found = tuple[str, str, Any, Mapping[str, str]] | None


def _document(name: str, text: Any, kind: str = "resource") -> Policy | None:
    if not text:
        return None
    return state.parsed(name, text if isinstance(text, str) else json.dumps(text), kind)


def _sqs(call: Any, region: str, account: str) -> _Found:
    from moto.sqs.models import sqs_backends

    url = param(call, "QueueUrl")
    if url:
        parts = url.rstrip("/").split("/")
        name, owner = parts[-1], parts[-2] if len(parts) > 1 and parts[-2].isdigit() else account
    elif param(call, "QueueName"):
        name, owner = param(call, "QueueName") or "", param(call, "QueueOwnerAWSAccountId") or account
    else:
        return None
    arn = f"arn:aws:sqs:{region}:{owner}:{name}"
    queue = dict.get(sqs_backends[owner], region)
    queue = queue.queues.get(name) if queue is not None else None
    if queue is None:
        return arn, owner, _MISSING, {}
    return queue.queue_arn, owner, _document(f"{queue.queue_arn} queue policy", queue.policy), queue.tags or {}


def _sns(call: Any, region: str, account: str) -> _Found:
    from moto.sns.models import sns_backends

    arn = param(call, "TopicArn") or param(call, "TargetArn") or param(call, "ResourceArn")
    if arn is None and param(call, "SubscriptionArn"):
        arn = (param(call, "SubscriptionArn") or "").rsplit(":", 1)[0]
    if arn is None and call.operation == "CreateTopic" and param(call, "Name"):
        arn = f"arn:aws:sns:{region}:{account}:{param(call, 'Name')}"
    if arn is None or arn.count(":") < 5:
        return None
    owner, topic_region = arn.split(":")[4], arn.split(":")[3]
    backend = dict.get(sns_backends[owner], topic_region)
    topic = backend.topics.get(arn) if backend is not None else None
    if topic is None:
        return arn, owner, _MISSING, {}
    return arn, owner, _document(f"{arn} topic policy", topic.policy), topic._tags or {}


def _secretsmanager(call: Any, region: str, account: str) -> _Found:
    from moto.secretsmanager.models import secretsmanager_backends

    secret_id = param(call, "SecretId") or param(call, "Name")
    if secret_id is None:
        return None
    owner = secret_id.split(":")[4] if secret_id.startswith("arn:") else account
    backend = dict.get(secretsmanager_backends[owner], region)
    secret = backend.secrets.get(secret_id) if backend is not None else None
    if secret is None:
        # A secret's ARN ends in "-" and six random characters
        # (https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_iam-permissions.html#iam-resources):
        # a new secret is authorized as such an ARN, so "NAME-*" patterns match it.
        name = secret_id.split(":secret:", 1)[-1]
        return f"arn:aws:secretsmanager:{region}:{owner}:secret:{name}-??????", owner, _MISSING, {}
    tags = {tag["Key"]: tag["Value"] for tag in secret.tags or ()}
    return secret.arn, owner, _document(f"{secret.arn} resource policy", secret.policy), tags


def _kms(call: Any, region: str, account: str) -> _Found:
    from moto.kms.models import kms_backends

    key_id = (param(call, "KeyId") or param(call, "TargetKeyId") or param(call, "SourceKeyId")
              or _key_of_ciphertext(call))
    if key_id is None:
        return None
    owner = key_id.split(":")[4] if key_id.startswith("arn:") else account
    backend = dict.get(kms_backends[owner], region)
    key = None
    if backend is not None:
        try:
            key = backend.keys.get(backend.any_id_to_key_id(key_id))
        except Exception:  # moto raises its NotFoundException for an unknown alias
            key = None
    if key is None:
        return f"arn:aws:kms:{region}:{owner}:key/{key_id.rsplit('/', 1)[-1]}", owner, _MISSING, {}
    tags = {tag["TagKey"]: tag["TagValue"] for tag in backend.tagger.list_tags_for_resource(key.id)["Tags"]}
    return key.arn, owner, _document(f"{key.arn} key policy", key.policy, kind="key"), tags


def _key_of_ciphertext(call: Any) -> str | None:
    """The key a symmetric ciphertext names: https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html
    "the KeyId parameter is optional. AWS KMS can get this information from metadata that it adds to the symmetric
    ciphertext blob"; moto writes the key id into its blob's header. None for a blob that is not moto's."""
    from moto.kms.utils import _deserialize_ciphertext_blob

    try:
        # moto's KmsResponse._get_param decodes a blob parameter; another parser would hand over the base64 text.
        blob = call.response._get_param("CiphertextBlob")
        if isinstance(blob, str):
            blob = base64.b64decode(blob, validate=True)
        if not isinstance(blob, bytes):
            return None
        return _deserialize_ciphertext_blob(blob).key_id or None
    except (ValueError, TypeError, AttributeError, KeyError, struct.error):
        return None


def _function_name(call: Any) -> str | None:
    parts = call.response.path.split("?", 1)[0].split("/")
    if "functions" not in parts:
        return param(call, "FunctionName")
    index = parts.index("functions") + 1
    if index < len(parts) and parts[index]:
        return unquote(parts[index])
    return param(call, "FunctionName")  # CreateFunction names it in the body


def _awslambda(call: Any, region: str, account: str) -> _Found:
    from moto.awslambda.models import lambda_backends

    name = _function_name(call)
    if name is None:
        return None
    owner = name.split(":")[4] if name.startswith("arn:") else account
    function_name = name.split(":function:", 1)[-1].split(":", 1)[0]
    arn = f"arn:aws:lambda:{region}:{owner}:function:{function_name}"
    backend = dict.get(lambda_backends[owner], region)
    try:
        function = backend.get_function(function_name) if backend is not None else None
    except Exception:  # moto raises its own UnknownFunctionException
        function = None
    if function is None:
        return arn, owner, _MISSING, {}
    statements = [_aws_principal(statement) for statement in function.policy.statements]
    document = {"Version": "2012-10-17", "Statement": statements} if statements else None
    return arn, owner, _document(f"{arn} function policy", document), function.tags or {}


def _aws_principal(statement: dict[str, Any]) -> dict[str, Any]:
    """moto keeps AddPermission's ``Principal`` as passed; AWS stores an account or ARN as ``{"AWS": ...}``
    (https://docs.aws.amazon.com/lambda/latest/dg/API_AddPermission.html)."""
    principal = statement.get("Principal")
    if isinstance(principal, str) and principal != "*":
        arn = f"arn:aws:iam::{principal}:root" if principal.isdigit() else principal
        return {**statement, "Principal": {"AWS": arn}}
    return statement


_RESOLVERS: dict[str, Callable[[Any, str, str], _Found]] = {
    "sqs": _sqs,
    "sns": _sns,
    "secretsmanager": _secretsmanager,
    "kms": _kms,
    "awslambda": _awslambda,
}
