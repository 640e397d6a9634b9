"""The snapshot lists every resource, past the first page of a listing that pages only when asked to.

ListQueues returns at most 1,000 queue URLs and no token for the rest unless MaxResults is given:
https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ListQueues.html
"""

from __future__ import annotations

import boto3
from moto.sqs.models import sqs_backends
from snapshot_data import ACCOUNT, REGION

from rolecheck.aws.snapshot_reader import read_snapshot


def test_every_queue_is_read_past_the_first_thousand(admin: boto3.Session) -> None:
    backend = sqs_backends[ACCOUNT][REGION]
    for number in range(1001):
        backend.create_queue(f"queue-{number:04d}")
    snapshot = read_snapshot(admin.client, ACCOUNT, REGION)
    queues = [facts.name for facts in snapshot.resources.values() if facts.service == "sqs"]
    assert len(queues) == 1001
    assert "queue-1000" in queues
