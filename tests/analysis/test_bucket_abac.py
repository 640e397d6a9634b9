"""S3 bucket tags are ``aws:ResourceTag/<key>`` only on a bucket whose ABAC is enabled: in the live probes'
predictions, in the snapshot read back from the target, and in the access analysis.

https://docs.aws.amazon.com/AmazonS3/latest/userguide/buckets-tagging-enable-abac.html : ABAC is disabled for every
general purpose bucket until it is enabled (PutBucketAbac).
https://docs.aws.amazon.com/AmazonS3/latest/userguide/buckets-tagging.html : S3 evaluates aws:ResourceTag only after
ABAC is enabled on the bucket.
https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketAbac.html : the status reads Enabled or Disabled.
https://docs.aws.amazon.com/AmazonS3/latest/userguide/tagging-and-policies.html : an object's own tags are
s3:ExistingObjectTag/<key>, never the bucket's.

moto has no PutBucketAbac (the adapter refuses it) and answers GetBucketAbac with no status: ABAC is off on every
bucket there, so "on" is simulated by answering GetBucketAbac on the client, or by the snapshot's data.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from snapshot_data import ACCOUNT, REGION, allow, arn, bucket, policy, role, snapshot, trusting

from rolecheck.analysis import abac
from rolecheck.analysis.queries import Analysis
from rolecheck.aws import readback
from rolecheck.aws.registry import ResourceRegistry
from rolecheck.aws.snapshot_reader import read_snapshot
from rolecheck.suite import probing

TAGGED, UNTAGGED = "abac-tagged", "abac-untagged"
ENV_DEV = {"StringEquals": {"aws:ResourceTag/env": "dev"}}


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _answer(s3: Any, parsed: dict[str, Any], status: int = 200) -> None:
    """Answer GetBucketAbac on this client, as a target with the given ABAC state would (moto cannot enable it)."""
    s3.meta.events.register("before-call.s3.GetBucketAbac",
                            lambda **_: (SimpleNamespace(status_code=status), parsed))


def _count_abac_reads(s3: Any) -> list[str]:
    asked: list[str] = []
    s3.meta.events.register("before-parameter-build.s3.GetBucketAbac",
                            lambda params, **_: asked.append(params["Bucket"]))
    return asked


def _context(bucket_name: str) -> probing.ProbeContext:
    return probing.ProbeContext(account_id=ACCOUNT, bucket=bucket_name, object_key="k", role_name="abac-role",
                               registry=ResourceRegistry("0123abcd"), region=REGION)


@pytest.fixture(scope="module")
def account(admin: boto3.Session) -> dict[str, Any]:
    """A bucket tagged env=dev, an untagged one, and a user granted bucket and object actions on env=dev."""
    iam, s3 = admin.client("iam"), admin.client("s3")
    for name in (TAGGED, UNTAGGED):
        s3.create_bucket(Bucket=name)
        s3.put_object(Bucket=name, Key="k", Body=b"data")
    s3.put_bucket_tagging(Bucket=TAGGED, Tagging={"TagSet": [{"Key": "env", "Value": "dev"}]})
    user = iam.create_user(UserName="abac-user")["User"]
    iam.put_user_policy(UserName="abac-user", PolicyName="abac", PolicyDocument=doc(
        {"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetObject"], "Resource": "*", "Condition": ENV_DEV},
        # A bucket tag is never an object tag: this grant must not follow from the bucket's env=dev.
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*",
         "Condition": {"StringEquals": {"s3:ExistingObjectTag/env": "dev"}}}))
    key = iam.create_access_key(UserName="abac-user")["AccessKey"]
    session = boto3.Session(aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"],
                            region_name=REGION)
    return {"user": user, "client": session.client("s3")}


def _predict(admin: boto3.Session, account: dict[str, Any], action: str, bucket_name: str,
             s3: Any | None = None) -> bool:
    iam = admin.client("iam")
    subject = probing.user_subject(iam, ACCOUNT, "abac-user", account["user"]["UserId"])
    return probing.predict(probing.PROBES[action], subject, _context(bucket_name), iam,
                          s3 or admin.client("s3")).allowed


# --- the rule ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("answer", "enabled"), [
    ({"AbacStatus": {"Status": "Enabled"}}, True),
    ({"AbacStatus": {"Status": "Disabled"}}, False),
    ({"AbacStatus": {}}, False),  # moto's answer
    ({}, False),
    (None, False),
])
def test_only_an_enabled_status_turns_bucket_abac_on(answer: Any, enabled: bool) -> None:
    assert abac.bucket_abac_enabled(answer) is enabled


@pytest.mark.parametrize("resource_type", ["bucket", "object"])
def test_bucket_tags_are_resource_tags_only_with_abac_on(resource_type: str) -> None:
    assert abac.resource_tags("s3", resource_type, {"env": "dev"}) == {}
    assert abac.resource_tags("s3", resource_type, {"env": "dev"}, bucket_abac=True) == {
        "aws:ResourceTag/env": "dev"}
    # Other services' tags need no switch.
    assert abac.resource_tags("sqs", "queue", {"env": "dev"}) == {"aws:ResourceTag/env": "dev"}


def test_only_a_condition_on_resource_tags_makes_the_switch_worth_reading() -> None:
    plain = policy("plain", allow("s3:ListBucket"))
    by_resource = policy("bucket policy", allow("s3:ListBucket", Principal="*", Condition=ENV_DEV), kind="resource")
    by_object_tag = policy("object tags", allow("s3:GetObject", Condition={
        "StringEquals": {"s3:ExistingObjectTag/env": "dev"}}))
    assert not abac.reads_resource_tags([plain, None, by_object_tag])
    assert abac.reads_resource_tags([plain, None, by_resource])


# --- the live probes' predictions ---------------------------------------------------------------------------------


def test_with_abac_off_a_tag_conditioned_grant_is_predicted_denied_as_moto_denies_it(
        admin: boto3.Session, account: dict[str, Any]) -> None:
    for action in ("s3:ListBucket", "s3:GetObject"):
        probe = probing.PROBES[action]
        outcome = probing.attempt(probe, account["client"], _context(TAGGED))
        decision = probing.predict(probe, probing.user_subject(admin.client("iam"), ACCOUNT, "abac-user",
                                                             account["user"]["UserId"]),
                                  _context(TAGGED), admin.client("iam"), admin.client("s3"))
        assert (outcome.allowed, decision.allowed) == (False, False), action
        probing.check_agrees(probe, outcome, decision)  # no engine drift on the moto target


def test_with_abac_on_the_bucket_tags_decide_bucket_and_object_requests(admin: boto3.Session,
                                                                        account: dict[str, Any]) -> None:
    s3 = admin.client("s3")
    _answer(s3, {"AbacStatus": {"Status": "Enabled"}})
    assert _predict(admin, account, "s3:ListBucket", TAGGED, s3)
    assert _predict(admin, account, "s3:GetObject", TAGGED, s3)
    assert not _predict(admin, account, "s3:ListBucket", UNTAGGED, s3)
    # The bucket's env=dev is not the object's tag.
    assert not _predict(admin, account, "s3:PutObject", TAGGED, s3)


def test_abac_is_read_only_where_it_can_change_the_verdict(admin: boto3.Session, account: dict[str, Any]) -> None:
    """Once per prediction on a tagged bucket when a policy reads resource tags; never otherwise."""
    iam, s3 = admin.client("iam"), admin.client("s3")
    asked = _count_abac_reads(s3)
    _predict(admin, account, "s3:ListBucket", TAGGED, s3)
    _predict(admin, account, "s3:ListBucket", UNTAGGED, s3)
    assert asked == [TAGGED]
    plain = iam.create_user(UserName="abac-plain")["User"]
    iam.put_user_policy(UserName="abac-plain", PolicyName="plain", PolicyDocument=doc(
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}))
    subject = probing.user_subject(iam, ACCOUNT, "abac-plain", plain["UserId"])
    assert probing.predict(probing.PROBES["s3:ListBucket"], subject, _context(TAGGED), iam, s3).allowed
    assert asked == [TAGGED]


def test_an_endpoint_without_bucket_abac_has_it_off_and_a_refusal_is_raised(admin: boto3.Session) -> None:
    s3 = admin.client("s3")
    _answer(s3, {"Error": {"Code": "NotImplemented", "Message": "not implemented"}}, 501)
    assert readback.bucket_abac(s3, TAGGED) is False
    refused = admin.client("s3")
    _answer(refused, {"Error": {"Code": "AccessDenied", "Message": "no s3:GetBucketABAC"}}, 403)
    with pytest.raises(ClientError, match="AccessDenied"):
        readback.bucket_abac(refused, TAGGED)


# --- the snapshot and the analysis --------------------------------------------------------------------------------


def _client_for(session: boto3.Session, hook: Callable[[Any], Any] | None = None) -> Callable[[str], Any]:
    def client_for(service: str) -> Any:
        client = session.client(service)
        if service == "s3" and hook is not None:
            hook(client)
        return client
    return client_for


def test_the_snapshot_reads_abac_of_tagged_buckets_only(admin: boto3.Session, account: dict[str, Any]) -> None:
    asked: list[list[str]] = []
    read = read_snapshot(_client_for(admin, lambda c: asked.append(_count_abac_reads(c))), ACCOUNT, REGION)
    assert [name for calls in asked for name in calls] == [TAGGED]
    assert read.resources[f"arn:aws:s3:::{TAGGED}"].bucket_abac is False
    assert read.unreadable == ()
    user_arn = account["user"]["Arn"]
    resources = {g.resource for g in Analysis(read).principal_access(user_arn)}
    assert f"arn:aws:s3:::{TAGGED}" not in resources and f"arn:aws:s3:::{TAGGED}/*" not in resources
    enabled = read_snapshot(_client_for(admin, lambda c: _answer(c, {"AbacStatus": {"Status": "Enabled"}})),
                            ACCOUNT, REGION)
    assert enabled.resources[f"arn:aws:s3:::{TAGGED}"].bucket_abac is True
    grants = {(g.action, g.resource) for g in Analysis(enabled).principal_access(user_arn) if not g.condition}
    assert {("s3:ListBucket", f"arn:aws:s3:::{TAGGED}"), ("s3:GetObject", f"arn:aws:s3:::{TAGGED}/*")} <= grants
    assert not any(action == "s3:PutObject" for action, _ in grants)


def test_an_unreadable_abac_status_is_a_finding_and_leaves_tag_conditions_open(admin: boto3.Session,
                                                                                account: dict[str, Any]) -> None:
    iam = admin.client("iam")
    iam.create_user(UserName="abac-reader")
    iam.put_user_policy(UserName="abac-reader", PolicyName="no-abac", PolicyDocument=doc(
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:GetBucketABAC", "Resource": "*"}))
    key = iam.create_access_key(UserName="abac-reader")["AccessKey"]
    reader = boto3.Session(aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"],
                           region_name=REGION)
    read = read_snapshot(reader.client, ACCOUNT, REGION)
    lines = [line for line in read.unreadable if "ABAC status" in line]
    assert len(lines) == 1 and TAGGED in lines[0] and "AccessDenied" in lines[0]
    assert read.resources[f"arn:aws:s3:::{TAGGED}"].bucket_abac is None
    # Not known to be off: the grant is reported, marked with the tag it depends on (an upper bound).
    grants = [g for g in Analysis(read).principal_access(account["user"]["Arn"])
              if g.resource == f"arn:aws:s3:::{TAGGED}"]
    assert [(g.action, g.condition) for g in grants] == [("s3:ListBucket", "aws:ResourceTag/env")]


READER = arn("role", "reader")


def _reader_account(*, abac_status: bool | None, statements: tuple[dict[str, Any], ...] = ()) -> Any:
    grant = policy("reader", allow(["s3:ListBucket", "s3:GetObject"], Condition=ENV_DEV))
    data = replace(bucket("data", *statements, tags={"env": "dev"}), bucket_abac=abac_status)
    return snapshot(roles=[role("reader", trusting(arn("user", "u")), grant)], resources=[data])


@pytest.mark.parametrize("bucket_policy", [(), ({"Effect": "Allow", "Principal": {"AWS": READER},
                                                "Action": "s3:GetBucketTagging", "Resource": "arn:aws:s3:::data"},)])
def test_the_analysis_grants_on_a_tagged_bucket_only_with_abac_on(bucket_policy: tuple[dict[str, Any], ...]) -> None:
    """With or without a bucket policy (which makes the bucket a resource the analysis decides on its own)."""
    off = Analysis(_reader_account(abac_status=False, statements=bucket_policy)).principal_access(READER)
    assert not [g for g in off if g.action in ("s3:ListBucket", "s3:GetObject")
                and g.resource in ("arn:aws:s3:::data", "arn:aws:s3:::data/*")]
    on = Analysis(_reader_account(abac_status=True, statements=bucket_policy)).principal_access(READER)
    assert {(g.action, g.resource) for g in on if not g.condition} >= {
        ("s3:ListBucket", "arn:aws:s3:::data"), ("s3:GetObject", "arn:aws:s3:::data/*")}
