"""Errors of the adapter: moto's internals changed shape, and AWS-shaped error responses raised from the hook."""

from __future__ import annotations

import json
from typing import Any
from xml.sax.saxutils import escape

from werkzeug.exceptions import HTTPException


class MotoInternalsChanged(RuntimeError):
    """The moto internals the adapter hooks no longer have the shape it was written against."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


_QUERY_NAMESPACES = {
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
}


class AwsErrorResponse(HTTPException):
    """An error response shaped like the one AWS sends for ``protocol`` (query, ec2, s3, json).

    It is a werkzeug ``HTTPException`` because that is the one exception type every path through moto
    (service dispatch, botocore stubber, the Flask server) turns into a response without rewriting it.
    """

    def __init__(self, code: str, message: str, status: int, protocol: str, service: str = "",
                 with_body: bool = True) -> None:
        super().__init__(description=message)
        self.code = status
        self.error_code = code
        self.message = message
        self.protocol = protocol
        self.description = self._render(service) if with_body else ""

    def __str__(self) -> str:
        return f"{self.code} {self.error_code}: {self.message}"

    def _render(self, service: str) -> str:
        code, message = escape(self.error_code), escape(self.message)
        declaration = '<?xml version="1.0" encoding="UTF-8"?>\n'
        if self.protocol == "json":
            return json.dumps({"__type": self.error_code, "message": self.message})
        if self.protocol == "s3":
            return f"{declaration}<Error><Code>{code}</Code><Message>{message}</Message></Error>"
        if self.protocol == "ec2":
            return (f"{declaration}<Response><Errors><Error><Code>{code}</Code>"
                    f"<Message>{message}</Message></Error></Errors><RequestID>0</RequestID></Response>")
        namespace = _QUERY_NAMESPACES.get(service, "")
        xmlns = f' xmlns="{namespace}"' if namespace else ""
        return (f"<ErrorResponse{xmlns}><Error><Type>Sender</Type><Code>{code}</Code>"
                f"<Message>{message}</Message></Error><RequestId>0</RequestId></ErrorResponse>")

    def get_body(self, *args: Any, **kwargs: Any) -> str:
        return self.description or ""

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        content_type = "application/x-amz-json-1.1" if self.protocol == "json" else "text/xml"
        headers = [("x-amzn-ErrorType", self.error_code)]
        if self.description:
            headers.append(("Content-Type", content_type))
        return headers
