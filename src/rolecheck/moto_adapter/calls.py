"""The request at the adapter's hook, and the AWS-shaped answers the hook raises for it.

Whatever wraps or replaces moto's authorization hook (the adapter's authorizer, the simulated AWS conditions, the
mutants' misbehaving endpoints) reads the request and answers it through this module, so every answer has the shape
AWS gives for that service's protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlparse

from .errors import AwsErrorResponse


@dataclass(frozen=True)
class Call:
    """What the hook knows about the request being authorized."""

    response: Any
    service: str
    protocol: str
    operation: str
    query: dict[str, list[str]]
    params: dict[str, Any]
    is_head: bool

    def error(self, code: str, message: str, status: int) -> AwsErrorResponse:
        """An error answer to this request, shaped for its protocol (no body for a HEAD request)."""
        return AwsErrorResponse(code, message, status, self.protocol, self.service, with_body=not self.is_head)


# The error code and status of an access denial where the service differs from the protocol's default: SNS
# (AuthorizationErrorException), SQS (query-compatible AccessDenied) and Lambda (rest-json, 403), per botocore's
# service models.
_DENIAL = {
    "sns": ("AuthorizationError", 403), "sqs": ("AccessDenied", 403), "awslambda": ("AccessDeniedException", 403),
}


def _protocol(response: Any, service: str) -> str:
    if service in ("s3", "ec2"):
        return service
    if service == "awslambda":
        return "json"
    content_type = response.headers.get("Content-Type") or ""
    if response.headers.get("X-Amz-Target") or "json" in content_type:
        return "json"
    return "query"


def call_of(response: Any) -> Call:
    """The request behind moto's ``response`` object (a ``BaseResponse`` about to dispatch)."""
    service = response.service_name
    query = parse_qs(urlparse(response.uri).query, keep_blank_values=True)
    params = response.querystring if service != "s3" else {}
    return Call(
        response=response, service=service, protocol=_protocol(response, service),
        operation=response._get_action() or "", query=query, params=params, is_head=response.method == "HEAD",
    )


def denied(call: Call, message: str) -> AwsErrorResponse:
    """The access-denied answer AWS gives ``call``'s service, carrying ``message``."""
    if call.service in _DENIAL:
        code, status = _DENIAL[call.service]
        return call.error(code, message, status)
    if call.protocol == "ec2":
        return call.error("UnauthorizedOperation", f"You are not authorized to perform this operation. {message}", 403)
    if call.protocol == "json":
        return call.error("AccessDeniedException", message, 400)
    return call.error("AccessDenied", message, 403)
