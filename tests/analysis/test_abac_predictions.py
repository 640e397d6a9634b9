"""ABAC in the live probes' predictions: the principal's and the resource's tags, read back from the target, are in
the engine's request context.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principaltag
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-resourcetag
"""

from __future__ import annotations

import json
from typing import Any

import boto3
from snapshot_data import ACCOUNT, REGION

from rolecheck.aws.registry import ResourceRegistry
from rolecheck.suite import probing


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _context(bucket: str, role_name: str) -> probing.ProbeContext:
    return probing.ProbeContext(account_id=ACCOUNT, bucket=bucket, object_key="k", role_name=role_name,
                               registry=ResourceRegistry("0123abcd"), region=REGION)


def _tagged_role(iam: Any, name: str, tags: dict[str, str]) -> Any:
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=doc(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}),
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()])["Role"]
    iam.put_role_policy(RoleName=name, PolicyName="abac", PolicyDocument=doc(
        {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*",
         "Condition": {"StringEquals": {"aws:PrincipalTag/team": "storage"}}},
        {"Effect": "Allow", "Action": "s3:GetBucketPolicy", "Resource": "*",
         "Condition": {"StringEquals": {"aws:ResourceTag/data": "shared"}}}))
    return role


def test_role_tags_decide_a_principal_tag_condition(admin: boto3.Session) -> None:
    iam, s3 = admin.client("iam"), admin.client("s3")
    s3.create_bucket(Bucket="abac-bucket")
    predictions = {}
    for name, tags in (("tagged", {"team": "storage"}), ("untagged", {"team": "web"})):
        role = _tagged_role(iam, f"abac-{name}", tags)
        subject = probing.role_session_subject(iam, ACCOUNT, role["RoleName"], role["RoleId"], "s")
        assert subject.context == {"aws:PrincipalTag/team": tags["team"]}
        decision = probing.predict(probing.PROBES["s3:ListAllMyBuckets"], subject, _context("abac-bucket", name),
                                  iam, s3)
        predictions[name] = decision.allowed
    assert predictions == {"tagged": True, "untagged": False}


def test_role_tags_decide_a_resource_tag_condition_on_assume_role(admin: boto3.Session) -> None:
    """A role's tags are aws:ResourceTag/<key> when AssumeRole acts on it. (A bucket's tags count only once ABAC is
    enabled on it: test_bucket_abac.py.)"""
    iam, s3 = admin.client("iam"), admin.client("s3")
    s3.create_bucket(Bucket="abac-assume")
    caller = _tagged_role(iam, "abac-caller", {"team": "storage"})
    iam.put_role_policy(RoleName="abac-caller", PolicyName="assume", PolicyDocument=doc(
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*",
         "Condition": {"StringEquals": {"aws:ResourceTag/data": "shared"}}}))
    subject = probing.role_session_subject(iam, ACCOUNT, caller["RoleName"], caller["RoleId"], "s")
    found = {}
    for name, tags in (("shared", {"data": "shared"}), ("private", {"data": "private"})):
        target = _tagged_role(iam, f"abac-{name}-target", tags)
        found[name] = probing.predict(probing.assume_role_probe(target["Arn"]), subject,
                                     _context("abac-assume", "abac-caller"), iam, s3).allowed
    assert found == {"shared": True, "private": False}
