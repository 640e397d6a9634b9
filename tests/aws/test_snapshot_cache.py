"""One snapshot per account state (rolecheck.aws.snapshot_cache): reused while nothing changed, re-read where the
suite wrote, and IAM revalidated so that a change made outside the suite is seen by the next judging step.

GetAccountAuthorizationDetails: https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from rolecheck.aws.call_log import CallRecorder
from rolecheck.aws.clients import AccessKey, Actor, ClientFactory
from rolecheck.aws.secrets import Secret
from rolecheck.aws.snapshot_cache import SnapshotCache, Touches, touched
from rolecheck.moto_adapter import bootstrap_admin, installed
from rolecheck.suite import claims

ACCOUNT, OTHER, REGION = "123456789012", "210987654321", "us-east-1"
ALLOW_S3 = json.dumps({"Version": "2012-10-17",
                       "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]})


@pytest.fixture()
def world() -> Iterator[tuple[Actor, CallRecorder, boto3.Session]]:
    """The suite's administrator (through the client layer, calls recorded) and an outsider's plain boto3 session."""
    with mock_aws(), installed():
        key_id, secret = bootstrap_admin(ACCOUNT)
        recorder = CallRecorder(sinks=())
        factory = ClientFactory(REGION, recorder=recorder)
        admin = Actor("administrator", factory, account=ACCOUNT).sign_in(AccessKey(key_id, Secret(secret)))
        outside = boto3.Session(aws_access_key_id=key_id, aws_secret_access_key=secret, region_name=REGION)
        for name in ("bucket-a", "bucket-b"):
            admin.client("s3").create_bucket(Bucket=name)
        admin.client("iam").create_user(UserName="alice")
        yield admin, recorder, outside


def calls_of(recorder: CallRecorder, since: int) -> Counter[str]:
    return Counter(call.operation for call in recorder.calls[since:])


def test_two_judging_steps_on_one_state_make_one_read(world: tuple[Actor, CallRecorder, boto3.Session]) -> None:
    admin, recorder, _ = world
    cache = SnapshotCache()
    first = cache.get(admin.client, ACCOUNT, REGION, revalidate_iam=True)
    before = len(recorder.calls)
    second = cache.get(admin.client, ACCOUNT, REGION, revalidate_iam=True)
    assert second is first
    # Only IAM's pages are read again, to see outside changes; no resource is.
    assert set(calls_of(recorder, before)) == {"GetAccountAuthorizationDetails", "ListRoles"}
    assert (cache.stats.reads, cache.stats.states, cache.stats.iam_revalidations) == (1, 1, 1)


def test_a_suite_write_to_one_bucket_rereads_that_bucket_only(
        world: tuple[Actor, CallRecorder, boto3.Session]) -> None:
    admin, recorder, _ = world
    cache = SnapshotCache()
    first = cache.get(admin.client, ACCOUNT, REGION, revalidate_iam=True)
    admin.client("s3").put_bucket_tagging(Bucket="bucket-b", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    before = len(recorder.calls)
    second = cache.get(admin.client, ACCOUNT, REGION, revalidate_iam=True)
    asked = [call.request.get("Bucket") for call in recorder.calls[before:] if call.operation == "GetBucketPolicy"]
    assert asked == ["bucket-b"]
    assert "ListQueues" not in calls_of(recorder, before)  # untouched sections are not re-read
    assert second.resources["arn:aws:s3:::bucket-b"].tags == {"k": "v"}
    assert second.resources["arn:aws:s3:::bucket-a"] is first.resources["arn:aws:s3:::bucket-a"]
    assert (cache.stats.full_reads, cache.stats.partial_reads) == (1, 1)


def test_a_change_made_outside_the_suite_between_two_steps_is_seen_by_the_next_claim(
        world: tuple[Actor, CallRecorder, boto3.Session]) -> None:
    admin, _, outside = world
    cache = SnapshotCache()
    alice = f"arn:aws:iam::{ACCOUNT}:user/alice"
    claims.check_no_access(cache.get(admin.client, ACCOUNT, REGION, revalidate_iam=True), alice)
    # A plain boto3 client: the suite's client layer never sees this write.
    outside.client("iam").put_user_policy(UserName="alice", PolicyName="granted", PolicyDocument=ALLOW_S3)
    with pytest.raises(AssertionError):
        claims.check_no_access(cache.get(admin.client, ACCOUNT, REGION, revalidate_iam=True), alice)


def test_an_audit_reads_the_account_once(world: tuple[Actor, CallRecorder, boto3.Session]) -> None:
    admin, recorder, _ = world
    cache = SnapshotCache()
    first = cache.get(admin.client, ACCOUNT, REGION, revalidate_iam=False)
    before = len(recorder.calls)
    for _ in range(3):
        assert cache.get(admin.client, ACCOUNT, REGION, revalidate_iam=False) is first
    assert len(recorder.calls) == before
    assert cache.stats.reads == 1


def test_another_accounts_writes_leave_this_accounts_snapshot_alone(
        world: tuple[Actor, CallRecorder, boto3.Session]) -> None:
    admin, _, _ = world
    cache = SnapshotCache()
    first = cache.get(admin.client, ACCOUNT, REGION, revalidate_iam=False)
    key_id, secret = bootstrap_admin(OTHER, "other-admin")
    other = Actor("other admin", admin.factory, account=OTHER).sign_in(AccessKey(key_id, Secret(secret)))
    other.client("s3").create_bucket(Bucket="theirs")
    assert cache.get(admin.client, ACCOUNT, REGION, revalidate_iam=False) is first


def test_a_write_of_unknown_account_marks_every_account() -> None:
    touches = Touches()
    start = touches.position()
    touches.mark(None, "s3", "b")
    touches.mark(OTHER, "sqs", None)
    assert touches.since(ACCOUNT, start) == {"s3": {"b"}}
    assert touches.since(OTHER, start) == {"s3": {"b"}, "sqs": None}


def test_a_log_that_no_longer_reaches_back_means_everything() -> None:
    touches = Touches(limit=2)
    for key in "abc":
        touches.mark(ACCOUNT, "s3", key)
    assert touches.since(ACCOUNT, 0) is None
    assert touches.since(ACCOUNT, 1) == {"s3": {"b", "c"}}


@pytest.mark.parametrize(("service", "operation", "params", "expected"), [
    ("s3", "PutBucketPolicy", {"Bucket": "b"}, ("s3", "b")),
    ("s3", "CreateBucket", {"Bucket": "b"}, ("s3", "b")),
    ("s3", "PutObject", {"Bucket": "b", "Key": "k"}, None),
    ("s3", "GetBucketPolicy", {"Bucket": "b"}, None),
    ("s3control", "PutPublicAccessBlock", {"AccountId": ACCOUNT}, ("s3", None)),
    ("iam", "PutRolePolicy", {"RoleName": "r"}, ("iam", None)),
    ("iam", "CreateAccessKey", {"UserName": "u"}, None),
    ("sqs", "SetQueueAttributes", {"QueueUrl": "u"}, ("sqs", None)),
    ("sqs", "SendMessage", {"QueueUrl": "u"}, None),
    ("sts", "AssumeRole", {}, None),
    ("lambda", "SomeFutureWrite", {}, ("lambda", None)),  # unknown: the whole section, the safe side
])
def test_writes_are_classified_by_what_the_snapshot_reads(service: str, operation: str, params: dict[str, str],
                                                          expected: tuple[str, str | None] | None) -> None:
    assert touched(service, operation, params) == expected
