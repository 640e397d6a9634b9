"""The API call that exercises an IAM action, derived from botocore's service models.

An IAM action ``service:Name`` is usually exercised by the same-named operation of the service whose signing name
is the action's prefix; ``ALIASES`` lists where AWS names them differently, ``ENGINE_ONLY`` the actions no single
call exercises. ``derive_call`` builds the call's minimal parameters: the required members only, those that name
a resource (``Bucket``, ``QueueUrl``, ``TableName``...) taken from the caller's binding, the rest shape stand-ins
that pass botocore's own validation, so the request reaches authorization.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import botocore.session
from botocore import xform_name
from botocore.model import OperationModel, Shape
from botocore.validate import ParamValidator

# IAM action (lower-cased) -> botocore operation, where the names differ
# (https://docs.aws.amazon.com/service-authorization/latest/reference/ lists each action's API operation).
ALIASES: Mapping[str, str] = {
    "s3:listallmybuckets": "ListBuckets",
    "s3:listbucket": "ListObjectsV2",
    "s3:listbucketversions": "ListObjectVersions",
    "s3:getobjectversion": "GetObject",
    "s3:deleteobjectversion": "DeleteObject",
    "lambda:invokefunction": "Invoke",
}
# Actions no single API call exercises: the engine decides them alone, and the step says why.
ENGINE_ONLY: Mapping[str, str] = {
    "iam:passrole": "no single API call exercises iam:PassRole: AWS checks it when a role is handed to a service",
    "s3:bypassgovernanceretention": "AWS checks it as a header of another call, not as a call of its own",
    "sts:tagsession": "AWS checks it within AssumeRole when session tags are passed",
    "sts:setsourceidentity": "AWS checks it within AssumeRole when a source identity is passed",
}
# Members that name the resource a call acts on: the binding supplies them when the step names a resource.
RESOURCE_MEMBERS = frozenset({"Bucket", "Key", "Prefix", "QueueUrl", "TopicArn", "SecretId", "KeyId", "FunctionName",
                              "TableName", "RoleName", "UserName", "PolicyArn", "GroupName"})
_BLOB = b"rolecheck-probe"
_NAME = "rolecheck-probe"


class NotProbeable(Exception):
    """No API call can exercise the action as asked; the message says why."""


@dataclass(frozen=True)
class DerivedCall:
    """One API call: the boto3 client's service name, its method, and the parameters to pass."""

    action: str
    service: str
    operation: str
    method: str
    params: Mapping[str, Any]

    def make(self, client: Any) -> Any:
        """Make the call with ``client`` (a boto3 client of ``service``)."""
        return getattr(client, self.method)(**self.params)


@functools.cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@functools.cache
def _service_for_prefix(prefix: str) -> str | None:
    """The botocore service whose requests an IAM prefix governs: the same name, else the service whose signing
    name (or endpoint prefix) it is."""
    session = _session()
    available = session.get_available_services()
    if prefix in available:
        return prefix
    for name in available:
        metadata = session.get_service_model(name).metadata
        if prefix in (metadata.get("signingName"), metadata.get("endpointPrefix")):
            return name
    return None


def operation_for(action: str) -> OperationModel | None:
    """The botocore operation that exercises the IAM action, or None when there is none."""
    prefix, _, name = action.partition(":")
    service = _service_for_prefix(prefix.lower())
    if service is None:
        return None
    model = _session().get_service_model(service)
    wanted = ALIASES.get(action.lower(), name)
    by_lower = {op.lower(): op for op in model.operation_names}
    found = by_lower.get(wanted.lower())
    return model.operation_model(found) if found else None


def _stand_in(shape: Shape, depth: int = 0) -> Any:
    """A value of the shape that passes botocore's validation (enum first value, minimum length and count)."""
    kind = shape.type_name
    minimum = shape.metadata.get("min", 0)
    if kind == "string":
        if shape.enum:
            return shape.enum[0]
        return _NAME[: shape.metadata.get("max", len(_NAME))].ljust(int(minimum), "x")
    if kind in ("integer", "long"):
        return max(int(minimum), 1)
    if kind in ("float", "double"):
        return float(max(minimum, 1))
    if kind == "boolean":
        return False
    if kind == "blob":
        return _BLOB
    if kind == "timestamp":
        return "2020-01-01T00:00:00Z"
    if kind == "list":
        return [_stand_in(shape.member, depth + 1) for _ in range(max(int(minimum), 1))]
    if kind == "map":
        return {_NAME: _stand_in(shape.value, depth + 1)}
    if kind == "structure":
        if depth > 6:
            raise NotProbeable(f"the parameter {shape.name} nests too deep for a stand-in")
        return {member: _stand_in(sub, depth + 1) for member, sub in shape.members.items()
                if member in shape.required_members}
    raise NotProbeable(f"no stand-in for a {kind} parameter ({shape.name})")


def derive_call(action: str, binding: Mapping[str, Any] | None = None) -> DerivedCall:
    """The call that exercises ``action``, aimed at what ``binding`` names (``{"TableName": "orders"}``).

    Required members come from the binding, else stand-ins; bound optional members are passed too (KMS ``KeyId``,
    S3 ``Prefix``); ``DryRun=True`` where the operation has it, so an allowed call changes nothing.
    ``NotProbeable`` for an engine-only action, an action with no operation, or parameters botocore refuses.
    """
    binding = dict(binding or {})
    if action.lower() in ENGINE_ONLY:
        raise NotProbeable(f"{action}: {ENGINE_ONLY[action.lower()]}")
    operation = operation_for(action)
    if operation is None:
        raise NotProbeable(f"{action}: no API operation of botocore's service models exercises it")
    shape = operation.input_shape
    params: dict[str, Any] = {}
    if shape is not None:
        for member, sub in shape.members.items():
            if member in binding:
                params[member] = binding[member]
            elif member in shape.required_members:
                params[member] = _stand_in(sub)
        if "DryRun" in shape.members:
            params["DryRun"] = True
        report = ParamValidator().validate(params, shape)
        if report.has_errors():
            raise NotProbeable(f"{action}: the derived parameters of {operation.name} are not valid: "
                               f"{report.generate_report()}")
    service = operation.service_model.service_name
    return DerivedCall(action, service, operation.name, xform_name(operation.name), params)
