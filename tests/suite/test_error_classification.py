"""An error answer is a verdict only when authorization gave it; credential and engine errors are target problems."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from rolecheck.aws import operations
from rolecheck.aws.registry import ResourceRegistry
from rolecheck.errors import ComplianceViolation, NotEstablished, TargetError
from rolecheck.suite import probing


def _raising(code: str) -> Any:
    def call(client: Any, ctx: Any) -> None:
        raise ClientError({"Error": {"Code": code, "Message": f"{code} message"}}, "Op")
    return call


CTX = probing.ProbeContext(account_id="123456789012", bucket="b", object_key="k", role_name="r",
                          registry=ResourceRegistry("r"), region="us-east-1")


@pytest.mark.parametrize(("code", "allowed"), [("AccessDenied", False), ("403", False),
                                               ("MissingAuthenticationToken", False), ("NoSuchKey", True),
                                               ("BucketNotEmpty", True)])
def test_probe_outcomes(code: str, allowed: bool) -> None:
    probe = probing.Probe("s3:GetObject", "s3", _raising(code), lambda x: "arn:aws:s3:::b/k")
    assert probing.attempt(probe, None, CTX).allowed is allowed


@pytest.mark.parametrize("code", ["InvalidClientTokenId", "SignatureDoesNotMatch", "RolecheckUnsupportedFeature"])
def test_probe_never_reads_a_credential_or_engine_error_as_a_verdict(code: str) -> None:
    probe = probing.Probe("s3:GetObject", "s3", _raising(code), lambda x: "arn:aws:s3:::b/k")
    with pytest.raises(TargetError, match=code):
        probing.attempt(probe, None, CTX)


class _Sts:
    def __init__(self, code: str) -> None:
        self.code = code

    def assume_role(self, **_: Any) -> None:
        raise ClientError({"Error": {"Code": self.code, "Message": "no"}}, "AssumeRole")


@pytest.mark.parametrize(("code", "raised"), [("AccessDenied", ComplianceViolation),
                                               ("RolecheckPolicyError", TargetError),
                                               # still throttled after botocore's retries: no verdict (issue 22)
                                               ("Throttling", NotEstablished)])
def test_switching_to_the_role_classifies_its_failure(code: str, raised: type[Exception]) -> None:
    with pytest.raises(raised):
        operations.assume_role(_Sts(code), "arn:aws:iam::123456789012:role/r", "s")
