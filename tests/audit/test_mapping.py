"""The audit mapping: one clear line for every way it can be wrong, before any scenario runs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from rolecheck.audit import mapping
from rolecheck.audit.mapping import AuditMapping, MappingError

REPO = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"
NEEDED = {"iam-test-user": "user", "s3-list-role": "role", "s3-list-buckets": "policy", "demo-bucket": "bucket"}
GOOD = {"iam-test-user": "alice", "s3-list-role": f"arn:aws:iam::{ACCOUNT}:role/ops/ops-list",
        "s3-list-buckets": "list-buckets", "demo-bucket": "arn:aws:s3:::ops-reports"}


def test_the_feature_files_name_the_walkthroughs_four_resources() -> None:
    assert mapping.feature_resources(REPO / "features") == NEEDED


def test_yaml_and_json_mappings_read_alike(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text("".join(f"{k}: {v}\n" for k, v in GOOD.items()))
    (tmp_path / "m.json").write_text(json.dumps(GOOD))
    assert mapping.load(tmp_path / "m.yaml").entries == mapping.load(tmp_path / "m.json").entries == GOOD


def test_names_come_from_arns_or_stand_alone() -> None:
    managed = AuditMapping("m", {**GOOD, "s3-list-buckets": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"})
    managed.check_account(ACCOUNT)
    assert managed.name("s3-list-buckets", "policy") == "AmazonS3ReadOnlyAccess"
    loaded = AuditMapping("m", GOOD)
    assert loaded.name("s3-list-role", "role") == "ops-list"
    assert loaded.name("demo-bucket", "bucket") == "ops-reports"
    assert loaded.name("iam-test-user", "user") == "alice"
    assert loaded.policy_arn("s3-list-buckets", ACCOUNT) == f"arn:aws:iam::{ACCOUNT}:policy/list-buckets"


@pytest.mark.parametrize(("text", "message"), [
    ("iam-test-user: [alice", "not valid YAML"),
    ("- alice\n- bob\n", "expected a mapping"),
    ("", "expected a mapping"),
    ("iam-test-user:\n", "must map a logical name to a name or ARN"),
    ("iam-test-user: {name: alice}\n", "must map a logical name to a name or ARN"),
], ids=["syntax", "list", "empty", "no value", "nested"])
def test_a_malformed_file_is_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "mapping.yaml"
    path.write_text(text)
    with pytest.raises(MappingError, match=message) as caught:
        mapping.load(path)
    assert "\n" not in str(caught.value)


def test_malformed_json_and_a_missing_file_are_one_line(tmp_path: Path) -> None:
    (tmp_path / "m.json").write_text('{"iam-test-user": ')
    with pytest.raises(MappingError, match="not valid JSON"):
        mapping.load(tmp_path / "m.json")
    with pytest.raises(MappingError, match="cannot read the audit mapping"):
        mapping.load(tmp_path / "absent.yaml")


def test_an_unknown_logical_name_is_refused() -> None:
    with pytest.raises(MappingError, match=r"unknown logical name.*iam-test-usr"):
        mapping.check_names(AuditMapping("m", {**GOOD, "iam-test-usr": "bob"}), NEEDED)


def test_a_logical_name_the_features_need_must_be_mapped() -> None:
    entries = {k: v for k, v in GOOD.items() if k != "s3-list-role"}
    with pytest.raises(MappingError, match="no entry for s3-list-role \\(role"):
        mapping.check_names(AuditMapping("m", entries), NEEDED)


@pytest.mark.parametrize(("logical", "value", "message"), [
    ("s3-list-role", f"arn:aws:iam::{ACCOUNT}:user/alice", "expected an IAM role ARN"),
    ("demo-bucket", f"arn:aws:iam::{ACCOUNT}:role/x", "expected a bucket"),
    ("iam-test-user", "arn:aws:ec2:us-east-1:123456789012:instance/i-1", "not an IAM or S3 ARN"),
])
def test_an_arn_of_the_wrong_kind_is_refused(logical: str, value: str, message: str) -> None:
    with pytest.raises(MappingError, match=message):
        mapping.check_names(AuditMapping("m", {**GOOD, logical: value}), NEEDED)


@pytest.fixture
def account() -> Iterator[tuple[Any, Any]]:
    with mock_aws():
        iam, s3 = boto3.client("iam", region_name="us-east-1"), boto3.client("s3", region_name="us-east-1")
        iam.create_user(UserName="alice")
        iam.create_role(Path="/ops/", RoleName="ops-list", AssumeRolePolicyDocument="{}")
        iam.create_policy(PolicyName="list-buckets", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets",
                                                     "Resource": "*"}]}))
        s3.create_bucket(Bucket="ops-reports")
        yield iam, s3


def test_every_mapped_resource_is_found(account: tuple[Any, Any]) -> None:
    mapping.check_exists(AuditMapping("m", GOOD), NEEDED, *account, ACCOUNT)


@pytest.mark.parametrize(("logical", "value", "message"), [
    ("iam-test-user", "bob", "iam-test-user: user bob does not exist in account 123456789012"),
    ("s3-list-role", "ghost", "s3-list-role: role ghost does not exist"),
    ("s3-list-buckets", "no-such-policy", "s3-list-buckets: policy no-such-policy does not exist"),
    ("demo-bucket", "no-such-bucket", "demo-bucket: bucket no-such-bucket does not exist"),
    ("s3-list-role", "arn:aws:iam::111122223333:role/ops-list", "is in account 111122223333"),
])
def test_a_missing_resource_is_one_line(account: tuple[Any, Any], logical: str, value: str, message: str) -> None:
    with pytest.raises(MappingError, match=message):
        mapping.check_exists(AuditMapping("m", {**GOOD, logical: value}), NEEDED, *account, ACCOUNT)


@pytest.mark.parametrize(("logical", "value", "message"), [
    ("s3-list-role", f"arn:aws-evil:iam::{ACCOUNT}:role/ops-list", "partition 'aws-evil', which AWS does not have"),
    ("s3-list-role", f"arn:aws:iam:us-east-1:{ACCOUNT}:role/ops-list", "an IAM ARN has no region"),
    ("s3-list-role", "arn:aws:iam::12345:role/ops-list", "a 12-digit account"),
    ("s3-list-role", "arn:aws:iam::aws:role/ops-list", "a 12-digit account"),
    ("s3-list-role", f"arn:aws:iam::{ACCOUNT}:role/", "empty name or path segment"),
    ("s3-list-role", f"arn:aws:iam::{ACCOUNT}:role/ops//list", "empty name or path segment"),
    ("iam-test-user", f"arn:aws:s3:::{ACCOUNT}:user/alice", "expected an IAM user ARN"),
    ("demo-bucket", "arn:aws:s3:::ops-reports/secret.txt", "expected a bucket"),
    ("demo-bucket", f"arn:aws:s3:us-east-1:{ACCOUNT}:ops-reports", "expected a bucket"),
    ("demo-bucket", "arn:aws:s3:::", "expected a bucket"),
    ("iam-test-user", "team/alice", "neither a name nor an ARN"),
], ids=["foreign-partition", "iam-region", "short-account", "aws-role", "empty-name", "empty-path", "s3-as-user",
        "object-arn", "bucket-with-account", "empty-bucket", "slash-in-name"])
def test_an_arn_that_does_not_fit_its_kind_is_refused(logical: str, value: str, message: str) -> None:
    with pytest.raises(MappingError, match=message):
        mapping.check_names(AuditMapping("m", {**GOOD, logical: value}), NEEDED)


def test_an_arn_of_another_real_partition_is_refused_against_this_one(account: tuple[Any, Any]) -> None:
    """aws-cn's ops-list is not the aws partition's ops-list: https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html"""
    iam, s3 = account
    chinese = AuditMapping("m", {**GOOD, "s3-list-role": f"arn:aws-cn:iam::{ACCOUNT}:role/ops/ops-list"})
    mapping.check_names(chinese, NEEDED)
    with pytest.raises(MappingError, match="is in partition aws-cn, but the audited account is in aws"):
        mapping.check_exists(chinese, NEEDED, iam, s3, ACCOUNT)
