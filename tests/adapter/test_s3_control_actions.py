"""S3 Control's operations are authorized as s3: actions: the account's Block Public Access is read with
s3:GetAccountPublicAccessBlock, and there is no s3control: action prefix in IAM
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html, the
GetAccountPublicAccessBlock row naming the S3 Control GetPublicAccessBlock API)."""

from __future__ import annotations

import pytest
from adapter_world import ACCOUNT, World, allow
from botocore.exceptions import ClientError

from rolecheck.moto_adapter.actions import service_action


def _read_account_block(session: object) -> str:
    try:
        session.client("s3control").get_public_access_block(AccountId=ACCOUNT)  # type: ignore[attr-defined]
    except ClientError as exc:
        return str(exc.response["Error"]["Code"])
    return "ok"


def test_the_accounts_block_public_access_is_read_with_its_s3_action(world: World) -> None:
    _, allowed = world.user(allow("s3:GetAccountPublicAccessBlock"))
    # Allowed: the account has no configuration to return, which is not a refusal.
    assert _read_account_block(allowed) == "NoSuchPublicAccessBlockConfiguration"


def test_an_s3control_action_grants_nothing(world: World) -> None:
    _, misnamed = world.user(allow("s3control:GetPublicAccessBlock"))
    assert _read_account_block(misnamed) == "AccessDenied"


@pytest.mark.parametrize(("operation", "action"), [
    ("GetPublicAccessBlock", "s3:GetAccountPublicAccessBlock"),
    ("PutPublicAccessBlock", "s3:PutAccountPublicAccessBlock"),
    ("DeletePublicAccessBlock", "s3:PutAccountPublicAccessBlock"),
    ("ListAccessPoints", "s3:ListAccessPoints"),
])
def test_s3_control_operations_are_s3_actions(operation: str, action: str) -> None:
    assert service_action("s3control", operation) == action
    assert service_action("sqs", "GetQueueAttributes") == "sqs:GetQueueAttributes"
