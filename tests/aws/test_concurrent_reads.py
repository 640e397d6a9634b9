"""Concurrent snapshot reads (rolecheck.aws.snapshot_reader.read_sections): a bounded pool per service, the same
snapshot as a serial read, botocore's retries counted, and the calls handed to the report by the asking thread.

Retry behaviour (standard and adaptive modes): https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
GetAccountAuthorizationDetails: https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from rolecheck import simulated_aws
from rolecheck.aws.call_log import CallRecord, CallRecorder
from rolecheck.aws.clients import AWS_READS, SIMULATED_READS, AccessKey, Actor, ClientFactory, ReadSettings
from rolecheck.aws.secrets import Secret
from rolecheck.aws.snapshot_cache import SnapshotCache, Touches
from rolecheck.aws.snapshot_reader import Pools, ReadProgress, read_snapshot
from rolecheck.moto_adapter import bootstrap_admin, installed

ACCOUNT, REGION = "123456789012", "us-east-1"
BUCKETS = 12


def _policy(bucket: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{bucket}/*"}]})


@pytest.fixture()
def admin() -> Iterator[Actor]:
    """An administrator on in-process moto with buckets (each with a policy and tags), queues, a topic and a user."""
    with mock_aws(), installed():
        key_id, secret = bootstrap_admin(ACCOUNT)
        factory = ClientFactory(REGION, recorder=CallRecorder(sinks=()))
        actor = Actor("administrator", factory, account=ACCOUNT).sign_in(AccessKey(key_id, Secret(secret)))
        s3 = actor.client("s3")
        for n in range(BUCKETS):
            name = f"bucket-{n:02d}"
            s3.create_bucket(Bucket=name)
            s3.put_bucket_policy(Bucket=name, Policy=_policy(name))
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "n", "Value": str(n)}]})
        for n in range(3):
            actor.client("sqs").create_queue(QueueName=f"queue-{n}")
        actor.client("sns").create_topic(Name="topic")
        actor.client("iam").create_user(UserName="alice")
        yield actor


def _in_flight(client: Any, seen: dict[str, int], lock: threading.Lock, delay: float) -> None:
    """Count the calls of ``client`` in flight at once (the most seen in ``seen``); each one waits ``delay``, as a
    call to AWS waits for the network."""
    service = client.meta.service_model.service_name
    now = {"n": 0}

    def before(**_: Any) -> None:
        with lock:
            now["n"] += 1
            seen[service] = max(seen.get(service, 0), now["n"])
        time.sleep(delay)

    def after(**_: Any) -> None:
        with lock:
            now["n"] -= 1

    client.meta.events.register("before-call", before)
    client.meta.events.register("after-call", after)


def test_a_concurrent_read_is_the_serial_read_with_each_service_within_its_pool(admin: Actor) -> None:
    serial = read_snapshot(admin.client, ACCOUNT, REGION)
    seen: dict[str, int] = {}
    lock = threading.Lock()
    clients: dict[str, Any] = {}

    def client_for(service: str) -> Any:
        if service not in clients:
            clients[service] = admin.reader(service)
            _in_flight(clients[service], seen, lock, 0.01)
        return clients[service]

    concurrent = read_snapshot(client_for, ACCOUNT, REGION, pools=Pools({"s3": 3, "*": 2}))
    assert concurrent.resources == serial.resources
    # A policy parsed twice is not the same object; its rendering names its name, kind and document.
    assert repr(sorted(concurrent.users.items())) == repr(sorted(serial.users.items()))
    assert repr(sorted(concurrent.roles.items())) == repr(sorted(serial.roles.items()))
    assert concurrent.unreadable == serial.unreadable
    # The bucket calls overlapped, never more than the pool (the section's own listing thread adds none: it waits).
    assert 2 <= seen["s3"] <= 3, seen
    assert seen["sqs"] <= 2 and seen["iam"] <= 2, seen


def test_the_calls_of_a_read_are_handed_to_the_report_once_by_the_asking_thread(admin: Actor) -> None:
    handed: list[tuple[str, int, str]] = []
    one_by_one: list[CallRecord] = []
    recorder = CallRecorder(sinks=(one_by_one.append,), batch_sinks=(
        lambda name, records: handed.append((name, len(records), threading.current_thread().name)),))
    factory = ClientFactory(REGION, recorder=recorder)
    reader = Actor("administrator", factory, account=ACCOUNT).sign_in(admin.key)  # type: ignore[arg-type]
    cache = SnapshotCache(Touches(), pools=Pools({"*": 4}), recorder=recorder)
    cache.get(reader.reader, ACCOUNT, REGION, revalidate_iam=True)
    assert one_by_one == []  # no call reached a per-call sink from a pool thread
    [(name, count, thread)] = handed
    assert thread == threading.main_thread().name
    assert count == len(recorder.calls) == cache.stats.calls
    assert name == f"the snapshot of account {ACCOUNT} ({count} calls, 0 retried)"


def test_under_throttling_a_read_finishes_and_says_how_many_calls_were_retried(admin: Actor) -> None:
    calm = read_snapshot(admin.client, ACCOUNT, REGION)
    recorder = CallRecorder(sinks=())
    factory = ClientFactory(REGION, recorder=recorder, reads=SIMULATED_READS)
    reader = Actor("administrator", factory, account=ACCOUNT).sign_in(admin.key)  # type: ignore[arg-type]
    cache = SnapshotCache(Touches(), pools=SIMULATED_READS.pools, recorder=recorder)
    # One call in seven throttled: botocore's standard mode retries each (five attempts), none by hand.
    simulated_aws.install(simulated_aws.Conditions(simulated_aws.parse(
        "default,seed=3,latency=0,throttle=0.15,fault=0,drop=0")))
    try:
        snapshot = cache.get(reader.reader, ACCOUNT, REGION, revalidate_iam=False)
    finally:
        simulated_aws.uninstall()
    assert snapshot.unreadable == calm.unreadable and snapshot.resources == calm.resources
    assert cache.stats.retried == recorder.retried > 0
    assert sum(1 for call in recorder.calls if call.retries) == recorder.retried


def test_the_targets_read_settings() -> None:
    # A real account's reads back off by rate (adaptive); moto's throttling is random, so standard retries there.
    assert AWS_READS.retry_mode == "adaptive" and SIMULATED_READS.retry_mode == "standard"
    config = ReadSettings(Pools({"s3": 16, "*": 4})).config(ClientFactory(REGION).config)
    assert config.retries == {"mode": "adaptive", "max_attempts": 8}
    assert config.max_pool_connections == 16
    assert Pools({"*": 0}).of("kms") == 1


def test_the_progress_of_a_read_names_what_is_done_and_what_is_under_way() -> None:
    done = ReadProgress()
    assert done.describe() == "started"
    done.done("iam")
    for _ in range(3):
        done.listed("s3")
    done.read("s3")
    assert done.describe() == "iam done; s3 1/3 resources read"
