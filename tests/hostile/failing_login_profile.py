"""A pytest plugin for the secret tests: the suite's console password is the planted one, and IAM refuses it.

CreateLoginProfile answers as IAM does when the account's password policy refuses a password (409
PasswordPolicyViolation, https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateLoginProfile.html), so the
failure goes through botocore's own frames exactly as on AWS.
"""

from __future__ import annotations

import os
from typing import Any

from botocore.awsrequest import AWSResponse

from rolecheck.aws import clients
from rolecheck.aws.secrets import Secret
from rolecheck.suite import provisioning

_guard = clients.guard


def _refuse_the_password(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
    return AWSResponse("https://iam.amazonaws.com/", 409, {}, None), {
        "Error": {"Code": "PasswordPolicyViolation", "Message": "Password does not conform to the account password "
                                                                "policy."},
        "ResponseMetadata": {"HTTPStatusCode": 409}}


def _guard_and_refuse(client: Any, **kwargs: Any) -> Any:
    client.meta.events.register("before-call.iam.CreateLoginProfile", _refuse_the_password)
    return _guard(client, **kwargs)


def pytest_configure(config: Any) -> None:
    provisioning.generate_password = lambda: Secret(os.environ["PLANTED_PASSWORD"])
    clients.guard = _guard_and_refuse
