"""The sweeper deletes a deliberately leaked set, leaves everything else alone, and is safe to run twice.

What blocks deleting a user, role, policy or bucket, and so what the sweeper must remove first:
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_users_remove.html#id_users_deleting_cli ,
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_manage_delete.html ,
https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_manage-delete.html ,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/delete-bucket.html (a bucket must be empty, every version).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from target_helpers import MOTO_ACCOUNT, clients

from rolecheck import cli
from rolecheck.moto_adapter import bootstrap_admin
from rolecheck.sweeper import Selector, spare_caller
from rolecheck.targets import MotoServer

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{MOTO_ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]})
ALLOW_LIST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]})


def _tags(run_id: str) -> list[dict[str, str]]:
    return [{"Key": "rolecheck:run-id", "Value": run_id}]


def _leak(iam: Any, s3: Any, run: str) -> None:
    """A run's leftovers with everything that blocks their deletion."""
    prefix = f"rolecheck-{run}-main-"
    policy = iam.create_policy(PolicyName=f"{prefix}3-policy", PolicyDocument=ALLOW_LIST, Tags=_tags(run))["Policy"]
    for _ in range(2):
        iam.create_policy_version(PolicyArn=policy["Arn"], PolicyDocument=ALLOW_LIST, SetAsDefault=True)
    user = f"{prefix}1-user"
    iam.create_user(UserName=user, Tags=_tags(run))
    iam.create_access_key(UserName=user)
    iam.create_login_profile(UserName=user, Password="Leaked-Passw0rd!", PasswordResetRequired=True)
    iam.put_user_policy(UserName=user, PolicyName="inline", PolicyDocument=ALLOW_LIST)
    iam.attach_user_policy(UserName=user, PolicyArn=policy["Arn"])
    iam.add_user_to_group(GroupName="keepers", UserName=user)
    role = f"{prefix}2-role"
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST, Tags=_tags(run))
    iam.put_role_policy(RoleName=role, PolicyName="inline", PolicyDocument=ALLOW_LIST)
    iam.attach_role_policy(RoleName=role, PolicyArn=policy["Arn"])
    bucket = f"{prefix}4-bucket"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": _tags(run)})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    for body in (b"one", b"two"):
        s3.put_object(Bucket=bucket, Key="report.csv", Body=body)
    s3.delete_object(Bucket=bucket, Key="report.csv")
    iam.create_user(UserName=f"renamed-by-hand-{run}", Tags=_tags(run))


LOOK_ALIKES = {"users": {"rolecheck-auditor"}, "roles": {"rolecheck-ci"},
               "policies": {"rolecheck-ci-permissions"}, "buckets": {"rolecheck-evidence-archive"}}


def _hand_made_look_alikes(iam: Any, s3: Any) -> None:
    """What an account's owner may well call rolecheck-*, untagged: the CI role of docs/github-actions-example.yml,
    an auditor, and an evidence bucket with an object in it."""
    iam.create_role(RoleName="rolecheck-ci", AssumeRolePolicyDocument=TRUST)
    iam.create_policy(PolicyName="rolecheck-ci-permissions", PolicyDocument=ALLOW_LIST)
    iam.create_user(UserName="rolecheck-auditor")
    s3.create_bucket(Bucket="rolecheck-evidence-archive")
    s3.put_object(Bucket="rolecheck-evidence-archive", Key="2026/audit.pdf", Body=b"evidence")


@pytest.fixture(scope="module")
def world(server: MotoServer) -> tuple[Any, Any]:
    """Two runs' leftovers beside resources that are not the suite's."""
    iam, s3 = clients(server.url, *bootstrap_admin(MOTO_ACCOUNT, "sweeper-tests-admin"))
    iam.create_group(GroupName="keepers")
    iam.create_user(UserName="alice")
    iam.create_user(UserName="bob", Tags=[{"Key": "team", "Value": "data"}])
    s3.create_bucket(Bucket="unrelated-bucket")
    _hand_made_look_alikes(iam, s3)
    _leak(iam, s3, "leak1")
    _leak(iam, s3, "other1")
    return iam, s3


@pytest.fixture
def sweep(server: MotoServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """``rolecheck sweep`` against the server as an administrator named ``caller``: (exit status, stdout, stderr)."""
    for name in ("AWS_PROFILE", "ROLECHECK_ALLOWED_ACCOUNTS", "ROLECHECK_TARGET", "ROLECHECK_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)

    def run(*args: str, caller: str = "sweeper-tests-admin", account: str = MOTO_ACCOUNT) -> tuple[int, str, str]:
        key_id, secret = bootstrap_admin(account, caller)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", key_id)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
        status = cli.main(["sweep", "--target", "moto-server", "--endpoint-url", server.url, *args])
        iam, _ = clients(server.url, key_id, secret)
        iam.delete_access_key(UserName=caller, AccessKeyId=key_id)
        out, err = capsys.readouterr()
        return status, out, err

    return run


def _users(iam: Any) -> set[str]:
    return {u["UserName"] for u in iam.list_users()["Users"]}


def _state(iam: Any, s3: Any) -> dict[str, set[str]]:
    return {
        "users": _users(iam),
        "roles": {r["RoleName"] for r in iam.list_roles()["Roles"]},
        "policies": {p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]},
        "buckets": {b["Name"] for b in s3.list_buckets()["Buckets"]},
    }


def test_a_dry_run_lists_the_runs_leftovers_and_deletes_nothing(world: tuple[Any, Any], sweep: Any,
                                                                server: MotoServer) -> None:
    before = _state(*world)

    status, out, _ = sweep("--run-id", "leak1", "--allow-account", MOTO_ACCOUNT, "--dry-run")

    assert status == 0
    assert out.splitlines() == [
        "would delete user rolecheck-leak1-main-1-user (by name)",
        "would delete user renamed-by-hand-leak1 (by tag)",
        "would delete role rolecheck-leak1-main-2-role (by name)",
        f"would delete policy arn:aws:iam::{MOTO_ACCOUNT}:policy/rolecheck-leak1-main-3-policy (by name)",
        "would delete bucket rolecheck-leak1-main-4-bucket (by name)",
        f"5 leftover(s) of leak1 in account {MOTO_ACCOUNT} (target moto-server ({server.url})); dry run, "
        "nothing deleted",
    ]
    assert _state(*world) == before


def test_sweeping_a_run_deletes_its_leftovers_and_nothing_else_twice(world: tuple[Any, Any], sweep: Any) -> None:
    iam, s3 = world
    before = _state(iam, s3)

    status, out, err = sweep("--run-id", "leak1", "--allow-account", MOTO_ACCOUNT)
    again = sweep("--run-id", "leak1", "--allow-account", MOTO_ACCOUNT)

    assert (status, err) == (0, ""), err
    assert out.splitlines()[-1].startswith("deleted 5 of 5 leftover(s) of leak1")
    after = _state(iam, s3)
    assert before["users"] - after["users"] == {"rolecheck-leak1-main-1-user", "renamed-by-hand-leak1"}
    assert before["roles"] - after["roles"] == {"rolecheck-leak1-main-2-role"}
    assert before["policies"] - after["policies"] == {"rolecheck-leak1-main-3-policy"}
    assert before["buckets"] - after["buckets"] == {"rolecheck-leak1-main-4-bucket"}
    assert {"alice", "bob", "rolecheck-other1-main-1-user", "renamed-by-hand-other1"} <= after["users"]
    assert {"unrelated-bucket", "rolecheck-other1-main-4-bucket"} <= after["buckets"]
    assert iam.get_group(GroupName="keepers")["Group"]["GroupName"] == "keepers"
    assert again[0] == 0 and again[1].splitlines()[-1].startswith("deleted 0 of 0 leftover(s) of leak1")


def test_sweeping_every_run_spares_the_caller_and_what_is_not_ours(world: tuple[Any, Any], sweep: Any) -> None:
    iam, s3 = world

    status, _, err = sweep("--all-runs", "--allow-account", MOTO_ACCOUNT, caller="rolecheck-operator")

    assert (status, err) == (0, ""), err
    after = _state(iam, s3)
    assert not [name for kind in after.values() for name in kind if "leak1" in name or "other1" in name]
    assert {"alice", "bob", "rolecheck-operator"} <= after["users"]
    assert "unrelated-bucket" in after["buckets"]


@pytest.mark.parametrize("scope", [["--all-runs"], ["--run-id", "ci"], ["--run-id", "evidence"],
                                   ["--run-id", "auditor"]], ids=" ".join)
def test_hand_made_look_alikes_are_never_swept(world: tuple[Any, Any], sweep: Any, scope: list[str]) -> None:
    iam, s3 = world

    status, out, err = sweep(*scope, "--allow-account", MOTO_ACCOUNT)

    assert (status, err) == (0, ""), err
    after = _state(iam, s3)
    assert {kind: names & after[kind] for kind, names in LOOK_ALIKES.items()} == LOOK_ALIKES, out
    assert s3.get_object(Bucket="rolecheck-evidence-archive", Key="2026/audit.pdf")["Body"].read() == b"evidence"


def test_names_pick_a_resource_only_in_the_registry_shape_with_the_callers_run_id() -> None:
    run = Selector(run_id="ci")
    assert run.name_matches("rolecheck-ci-main-1-iam-test-user")
    assert run.name_matches("rolecheck-ci-gw12-3-demo-bucket")
    assert not run.name_matches("rolecheck-ci")
    assert not run.name_matches("rolecheck-ci-deploy")
    assert not run.name_matches("rolecheck-ci-main-archive")
    assert not Selector().name_matches("rolecheck-ci-main-1-iam-test-user")


def test_the_sweeper_refuses_an_account_outside_the_allowlist_with_zero_writes(server: MotoServer,
                                                                               sweep: Any) -> None:
    writes_before = len(server.writes())

    status, out, err = sweep("--all-runs", "--allow-account", MOTO_ACCOUNT, account="111122223333",
                             caller="foreign-sweeper")

    assert status == 2 and out == ""
    assert err.startswith("rolecheck: account 111122223333 is not in the allowlist")
    assert len(err.splitlines()) == 1
    # The one write afterwards is the fixture deleting the key it made for the attempt.
    assert server.writes()[writes_before:] == ["iam:DeleteAccessKey"]


def test_the_sweeper_has_nothing_to_sweep_on_a_backend_of_its_own(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["sweep", "--target", "moto", "--all-runs"]) == 2
    assert "nothing to sweep on target moto" in capsys.readouterr().err
    assert cli.main(["sweep", "--target", "aws", "--run-id", "Bad-Id"]) == 2
    assert capsys.readouterr().err == "rolecheck: invalid run id 'Bad-Id': use 1 to 16 lowercase letters or digits\n"


def test_a_worker_sweeps_only_its_own_names() -> None:
    worker = Selector(run_id="r1", worker="gw0")
    assert worker.name_matches("rolecheck-r1-gw0-3-user")
    assert not worker.name_matches("rolecheck-r1-gw1-3-user")
    assert not worker.name_matches("rolecheck-r10-gw0-3-user")
    assert not worker.tags_match(_tags("r1"))
    assert Selector(run_id="r1").tags_match(_tags("r1")) and not Selector(run_id="r1").tags_match(_tags("r2"))


def test_the_caller_is_spared_whether_a_user_or_a_role_session() -> None:
    assert spare_caller("arn:aws:iam::123456789012:user/rolecheck-operator") == {"rolecheck-operator"}
    assert spare_caller("arn:aws:sts::123456789012:assumed-role/rolecheck-ci/run-7") == {"rolecheck-ci"}
    assert spare_caller("arn:aws:iam::123456789012:root") == frozenset()


def test_the_sweeper_needs_a_run_id_or_all_runs_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as usage:
        cli.main(["sweep", "--target", "aws"])
    assert usage.value.code == 2
    assert "--run-id" in capsys.readouterr().err


def test_a_bucket_whose_tagging_fails_is_deleted_at_once(server: MotoServer) -> None:
    """The only untagged moment of a bucket is between CreateBucket and PutBucketTagging: if tagging fails, the
    bucket goes at once instead of waiting, untagged, for a sweep that goes by tag."""
    from botocore.exceptions import ClientError

    from rolecheck.registry import ResourceRegistry
    from rolecheck.walkthrough import create_bucket

    _, s3 = clients(server.url, *bootstrap_admin(MOTO_ACCOUNT, "bucket-window-admin"))
    real_tagging = s3.put_bucket_tagging

    def refused(**kwargs: Any) -> None:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no s3:PutBucketTagging"}},
                          "PutBucketTagging")

    s3.put_bucket_tagging = refused
    registry = ResourceRegistry("window1")
    with pytest.raises(ClientError, match="PutBucketTagging"):
        create_bucket(s3, registry, "demo-bucket", "us-east-1")
    s3.put_bucket_tagging = real_tagging

    assert not [b for b in s3.list_buckets()["Buckets"] if b["Name"].startswith("rolecheck-window1-")]
    name = create_bucket(s3, registry, "demo-bucket", "us-east-1")
    assert s3.get_bucket_tagging(Bucket=name)["TagSet"] == [{"Key": "rolecheck:run-id", "Value": "window1"}]
