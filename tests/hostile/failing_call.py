"""A pytest plugin for the tests of failing calls: one operation answers with an error, as the service would.

``FAIL_OPERATION`` (``iam.CreateLoginProfile``), ``FAIL_CODE``, ``FAIL_STATUS`` and ``FAIL_MESSAGE`` give the
answer; it comes from botocore's ``before-call`` event, so the failure goes through botocore's own frames exactly as
an answer from AWS does, without its retries (which would only make the test slow). With ``PLANTED_PASSWORD`` the
suite's console password is that one, so a test can search every output for it.
"""

from __future__ import annotations

import os
from typing import Any

from botocore.awsrequest import AWSResponse

from rolecheck.aws import clients
from rolecheck.aws.secrets import Secret
from rolecheck.suite import provisioning

_guard = clients.guard


def _answer(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
    status = int(os.environ.get("FAIL_STATUS", "400"))
    return AWSResponse("https://aws.example/", status, {}, None), {
        "Error": {"Code": os.environ["FAIL_CODE"], "Message": os.environ.get("FAIL_MESSAGE", "")},
        "ResponseMetadata": {"HTTPStatusCode": status}}


def _guard_and_fail(client: Any, **kwargs: Any) -> Any:
    client.meta.events.register(f"before-call.{os.environ['FAIL_OPERATION']}", _answer)
    return _guard(client, **kwargs)


def pytest_configure(config: Any) -> None:
    if os.environ.get("PLANTED_PASSWORD"):
        provisioning.generate_password = lambda: Secret(os.environ["PLANTED_PASSWORD"])
    clients.guard = _guard_and_fail
