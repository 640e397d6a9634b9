"""A self-test that the moto internals the adapter hooks still have the shape it was written against."""

from __future__ import annotations

import inspect

from .errors import MotoInternalsChanged


def _require(condition: bool, what: str) -> None:
    if not condition:
        raise MotoInternalsChanged(f"moto internals changed: {what}; rolecheck.moto_adapter needs updating")


def _parameters(function: object) -> list[str]:
    return list(inspect.signature(inspect.unwrap(function)).parameters)  # type: ignore[arg-type]


def check_moto_internals() -> None:
    """Raise MotoInternalsChanged (one line) when a hooked moto name, signature or attribute has changed."""
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.core.responses import ActionResult, BaseResponse
    from moto.iam.access_control import IAMRequest, S3IAMRequest
    from moto.iam.models import AccessKey, IAMBackend, Role, User, iam_backends
    from moto.iam.responses import IamResponse
    from moto.s3.models import FakeBucket, s3_backends
    from moto.sts.models import AssumedRole, STSBackend, sts_backends
    from moto.sts.responses import TokenResponse

    hook = getattr(ActionAuthenticatorMixin, "_authenticate_and_authorize_action", None)
    _require(hook is not None, "ActionAuthenticatorMixin._authenticate_and_authorize_action is gone")
    _require(_parameters(hook) == ["self", "iam_request_cls", "resource"],
             "_authenticate_and_authorize_action(self, iam_request_cls, resource) changed its signature")
    _require(isinstance(getattr(ActionAuthenticatorMixin, "PUBLIC_OPERATIONS", None), list),
             "ActionAuthenticatorMixin.PUBLIC_OPERATIONS is gone")
    for request_cls in (IAMRequest, S3IAMRequest):
        _require(callable(getattr(request_cls, "check_signature", None)), f"{request_cls.__name__}.check_signature")
        _require(_parameters(request_cls.__init__)[1:] == ["account_id", "method", "path", "data", "body",
                                                           "headers", "action"],
                 f"{request_cls.__name__}.__init__ changed its signature")
    for name in ("get_access_key", "_get_action", "_get_param", "_get_int_param", "setup_class"):
        _require(callable(getattr(BaseResponse, name, None)), f"BaseResponse.{name} is gone")
    _require(callable(getattr(TokenResponse, "assume_role", None)), "TokenResponse.assume_role is gone")
    _require(callable(getattr(IamResponse, "create_user", None)), "IamResponse.create_user is gone")
    _require(callable(getattr(FakeBucket, "get_permission", None)), "FakeBucket.get_permission is gone")
    _require(_parameters(FakeBucket.get_permission) == ["self", "action", "resource"],
             "FakeBucket.get_permission changed its signature")
    _require(callable(getattr(STSBackend, "get_assumed_role_from_access_key", None)),
             "STSBackend.get_assumed_role_from_access_key is gone")
    _require(hasattr(s3_backends, "bucket_accounts"), "s3_backends.bucket_accounts is gone")
    _require(callable(getattr(ActionResult, "result", None)) or isinstance(ActionResult.result, property),
             "ActionResult.result is gone")
    setup_names = frozenset(inspect.unwrap(BaseResponse.setup_class).__code__.co_names)
    _require({"raw_body", "form_data", "data", "querystring"} <= setup_names,
             "BaseResponse.setup_class no longer sets raw_body, form_data, data or querystring")
    for cls, attributes in (
        (AssumedRole, ("role_arn", "session_name", "expiration", "policy", "access_key_id", "session_token")),
        (AccessKey, ("user_name", "access_key_id", "status", "secret_access_key")),
        (User, ("policies", "managed_policies", "path", "id", "arn")),
        (Role, ("tags", "arn", "assume_role_policy_document", "permissions_boundary_arn", "max_session_duration")),
    ):
        _require(_has_attributes(cls, attributes), f"{cls.__name__} lacks one of {', '.join(attributes)}")
    backend_names = _assigned_in_init(IAMBackend)
    for name in ("access_keys", "users", "roles", "groups", "managed_policies", "instance_profiles", "tagger"):
        _require(name in backend_names, f"IAMBackend.{name} is gone")
    _require(hasattr(iam_backends, "items") and hasattr(sts_backends, "items"), "moto backends are not dicts")


def check_service_internals(service: str) -> None:
    """The moto internals ``resources`` reads for one service (checked on its first request, so start-up imports
    no service it does not use); raises MotoInternalsChanged like check_moto_internals."""
    _SERVICE_CHECKS[service]()


def _check_sqs() -> None:
    from moto.sqs.models import Queue, SQSBackend, sqs_backends

    _require(hasattr(sqs_backends, "items") and "queues" in _assigned_in_init(SQSBackend), "SQSBackend.queues")
    _require(_has_attributes(Queue, ("queue_arn", "policy", "tags")), "Queue lacks queue_arn, policy or tags")


def _check_sns() -> None:
    from moto.sns.models import SNSBackend, Topic, sns_backends

    _require(hasattr(sns_backends, "items") and "topics" in _assigned_in_init(SNSBackend), "SNSBackend.topics")
    _require(_has_attributes(Topic, ("policy", "_tags")), "Topic lacks policy or _tags")


def _check_secretsmanager() -> None:
    from moto.secretsmanager.models import FakeSecret, SecretsManagerBackend, secretsmanager_backends

    _require(hasattr(secretsmanager_backends, "items") and "secrets" in _assigned_in_init(SecretsManagerBackend),
             "SecretsManagerBackend.secrets")
    _require(_has_attributes(FakeSecret, ("arn", "policy", "tags")), "FakeSecret lacks arn, policy or tags")


def _check_kms() -> None:
    from moto.kms.models import Key, KmsBackend, kms_backends

    _require(hasattr(kms_backends, "items") and {"keys", "tagger"} <= _assigned_in_init(KmsBackend),
             "KmsBackend.keys or .tagger")
    _require(callable(getattr(KmsBackend, "any_id_to_key_id", None)), "KmsBackend.any_id_to_key_id")
    _require(_has_attributes(Key, ("arn", "policy", "id")), "Key lacks arn, policy or id")
    from moto.kms import utils

    _require(callable(getattr(utils, "_deserialize_ciphertext_blob", None))
             and _parameters(utils._deserialize_ciphertext_blob) == ["ciphertext_blob"],
             "moto.kms.utils._deserialize_ciphertext_blob(ciphertext_blob) changed")


def _check_awslambda() -> None:
    from moto.awslambda.models import LambdaBackend, LambdaFunction, lambda_backends
    from moto.awslambda.policy import Policy

    _require(hasattr(lambda_backends, "items") and callable(getattr(LambdaBackend, "get_function", None)),
             "LambdaBackend.get_function")
    _require(_has_attributes(LambdaFunction, ("function_arn", "tags", "policy")),
             "LambdaFunction lacks function_arn, tags or policy")
    _require("statements" in _assigned_in_init(Policy), "awslambda Policy.statements")


_SERVICE_CHECKS = {
    "sqs": _check_sqs, "sns": _check_sns, "secretsmanager": _check_secretsmanager, "kms": _check_kms,
    "awslambda": _check_awslambda,
}


def _assigned_in_init(cls: type) -> frozenset[str]:
    # The names __init__'s bytecode stores or loads: reading them is instant, where inspect.getsource parses files
    # and cost most of a start-up's self-test.
    return frozenset(inspect.unwrap(cls.__init__).__code__.co_names)


def _has_attributes(cls: type, attributes: tuple[str, ...]) -> bool:
    assigned = _assigned_in_init(cls)
    return all(name in assigned or hasattr(cls, name) for name in attributes)
