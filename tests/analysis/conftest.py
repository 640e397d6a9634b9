"""One in-process moto account with the engine adapter, and an administrator's boto3 session."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws
from snapshot_data import ACCOUNT, REGION

from rolecheck.moto_adapter import bootstrap_admin, installed


@pytest.fixture(scope="module")
def admin() -> Iterator[boto3.Session]:
    with mock_aws(), installed():
        key_id, secret = bootstrap_admin(ACCOUNT)
        yield boto3.Session(aws_access_key_id=key_id, aws_secret_access_key=secret, region_name=REGION)
