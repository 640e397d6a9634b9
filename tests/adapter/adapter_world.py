"""Helpers for the adapter tests: one moto world per module, signed boto3 sessions, policy builders."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

import boto3

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
REGION = "us-east-1"
_names = itertools.count(1)


def unique(prefix: str) -> str:
    """A name no other test in the module uses (moto state is shared per module)."""
    return f"{prefix}-{next(_names)}"


def document(*statements: dict[str, Any]) -> str:
    """A policy document with the given statements."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def trust(principal: Any, effect: str = "Allow", condition: dict | None = None) -> dict[str, Any]:
    """One trust-policy statement for sts:AssumeRole."""
    statement: dict[str, Any] = {"Effect": effect, "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return statement


def allow(action: Any, resource: Any = "*", condition: dict | None = None, effect: str = "Allow") -> dict:
    """One identity-policy statement."""
    statement: dict[str, Any] = {"Effect": effect, "Action": action, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return statement


def session_of(access_key_id: str, secret: str, token: str | None = None) -> boto3.Session:
    return boto3.Session(
        aws_access_key_id=access_key_id, aws_secret_access_key=secret, aws_session_token=token, region_name=REGION
    )


def from_credentials(credentials: dict[str, Any]) -> boto3.Session:
    """A boto3 session for the Credentials block AssumeRole returned."""
    return session_of(credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])


@dataclass
class World:
    """Administrator clients per account, and helpers to create principals through signed requests."""

    admins: dict[str, boto3.Session] = field(default_factory=dict)

    def iam(self, account: str = ACCOUNT) -> Any:
        return self.admins[account].client("iam")

    def s3(self, account: str = ACCOUNT) -> Any:
        return self.admins[account].client("s3")

    def user(self, *statements: dict, account: str = ACCOUNT, boundary: str | None = None) -> tuple[str, boto3.Session]:
        """A new user with an inline policy of ``statements`` (none if empty): (ARN, its boto3 session)."""
        iam, name = self.iam(account), unique("user")
        kwargs = {"PermissionsBoundary": boundary} if boundary else {}
        arn = iam.create_user(UserName=name, **kwargs)["User"]["Arn"]
        if statements:
            iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=document(*statements))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return arn, session_of(key["AccessKeyId"], key["SecretAccessKey"])

    def role(self, *trust_statements: dict, account: str = ACCOUNT, policy: list[dict] | None = None,
             max_session: int | None = None, boundary: str | None = None) -> str:
        """A new role with the given trust statements and inline ``policy``; returns its ARN."""
        iam, name = self.iam(account), unique("role")
        kwargs: dict[str, Any] = {}
        if max_session:
            kwargs["MaxSessionDuration"] = max_session
        if boundary:
            kwargs["PermissionsBoundary"] = boundary
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=document(*trust_statements), **kwargs)
        if policy:
            iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=document(*policy))
        return arn["Role"]["Arn"]

    def managed_policy(self, *statements: dict, account: str = ACCOUNT) -> str:
        """A new customer managed policy; returns its ARN."""
        name = unique("policy")
        return self.iam(account).create_policy(PolicyName=name, PolicyDocument=document(*statements))["Policy"]["Arn"]

    def bucket(self, policy: list[dict] | None = None, account: str = ACCOUNT) -> str:
        """A new bucket with an optional bucket policy; returns its name."""
        name = unique("rolecheck-bucket")
        self.s3(account).create_bucket(Bucket=name)
        if policy:
            self.s3(account).put_bucket_policy(Bucket=name, Policy=document(*policy))
        return name


def error_code(error: Any) -> str:
    """The AWS error code of a botocore ClientError."""
    return error.value.response["Error"]["Code"]


def status(error: Any) -> int:
    """The HTTP status of a botocore ClientError."""
    return error.value.response["ResponseMetadata"]["HTTPStatusCode"]
