"""The sweeper deletes a deliberately leaked set, leaves everything else alone, and is safe to run twice.

What blocks deleting a user, role, policy or bucket, and so what the sweeper must remove first:
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_users_remove.html#id_users_deleting_cli ,
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_manage_delete.html ,
https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_manage-delete.html ,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/delete-bucket.html (a bucket must be empty, every version).

The other kinds the suite creates, and what marks them: IAM groups are not among the IAM resources that take tags
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html), so only a name can mark one; a KMS key has no
name and its deletion can only be scheduled, 7 days at the least
(https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html); ListQueues stops at 1,000 queues
unless paged (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/list-all-queues-pagination.html).
"""

from __future__ import annotations

import io
import json
import threading
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from target_helpers import MOTO_ACCOUNT, REGION, clients

from rolecheck import cli
from rolecheck.aws import sweeper
from rolecheck.aws.cleanup import DELETERS
from rolecheck.aws.clients import at_single_endpoint
from rolecheck.aws.sweeper import Selector, find_leftovers, spare_caller
from rolecheck.errors import TargetError
from rolecheck.moto_adapter import bootstrap_admin
from rolecheck.moto_adapter.federation import saml_metadata
from rolecheck.targets.moto_server import MotoServer

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{MOTO_ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]})
ALLOW_LIST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]})


def _tags(run_id: str) -> list[dict[str, str]]:
    return [{"Key": "rolecheck:run-id", "Value": run_id}]


def _code() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("index.py", "def handler(event, context):\n    return None\n")
    return archive.getvalue()


def _function(functions: Any, name: str, role: str, tags: dict[str, str] | None = None) -> None:
    functions.create_function(FunctionName=name, Runtime="python3.12", Handler="index.handler",
                              Role=f"arn:aws:iam::{MOTO_ACCOUNT}:role/{role}", Code={"ZipFile": _code()},
                              **({"Tags": tags} if tags else {}))


def _leak(aws: Any, run: str, name: str, tagged: bool = True) -> dict[str, str]:
    """One resource of every kind the suite creates, named ``name`` (plus a kind suffix), with everything that
    blocks its deletion; tagged with ``run`` unless ``tagged`` is false. IAM groups carry no tags and KMS keys no
    names, so a group is made only for a name and a key only for a tag. Returns the key's id, if one was made."""
    iam, s3 = aws("iam"), aws("s3")
    tags = _tags(run) if tagged else []
    pairs = {t["Key"]: t["Value"] for t in tags}
    policy = iam.create_policy(PolicyName=f"{name}3-policy", PolicyDocument=ALLOW_LIST, Tags=tags)["Policy"]
    for _ in range(2):
        iam.create_policy_version(PolicyArn=policy["Arn"], PolicyDocument=ALLOW_LIST, SetAsDefault=True)
    user = f"{name}1-user"
    iam.create_user(UserName=user, Tags=tags)
    iam.create_access_key(UserName=user)
    iam.create_login_profile(UserName=user, Password="Leaked-Passw0rd!", PasswordResetRequired=True)
    iam.put_user_policy(UserName=user, PolicyName="inline", PolicyDocument=ALLOW_LIST)
    iam.attach_user_policy(UserName=user, PolicyArn=policy["Arn"])
    iam.add_user_to_group(GroupName="keepers", UserName=user)
    role = f"{name}2-role"
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST, Tags=tags)
    iam.put_role_policy(RoleName=role, PolicyName="inline", PolicyDocument=ALLOW_LIST)
    iam.attach_role_policy(RoleName=role, PolicyArn=policy["Arn"])
    bucket = f"{name}4-bucket"
    s3.create_bucket(Bucket=bucket)
    if tagged:
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tags})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    for body in (b"one", b"two"):
        s3.put_object(Bucket=bucket, Key="report.csv", Body=body)
    s3.delete_object(Bucket=bucket, Key="report.csv")
    aws("sqs").create_queue(QueueName=f"{name}6-queue", tags=pairs)
    aws("sns").create_topic(Name=f"{name}7-topic", Tags=tags)
    aws("secretsmanager").create_secret(Name=f"{name}8-secret", SecretString="placeholder", Tags=tags)
    _function(aws("lambda"), f"{name}9-function", role, pairs)
    aws("ecr").create_repository(repositoryName=f"{name}11-repository", tags=tags)
    aws("dynamodb").create_table(TableName=f"{name}12-table", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                                 AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                                 BillingMode="PAY_PER_REQUEST", **({"Tags": tags} if tags else {}))
    if not tagged:
        # Access points carry no tags the suite gives: made only for a name, as a group is.
        aws("s3control").create_access_point(AccountId=MOTO_ACCOUNT, Name=f"{name}13-point", Bucket=bucket)
        group = f"{name}5-group"
        iam.create_group(GroupName=group)
        iam.put_group_policy(GroupName=group, PolicyName="inline", PolicyDocument=ALLOW_LIST)
        iam.attach_group_policy(GroupName=group, PolicyArn=policy["Arn"])
        iam.add_user_to_group(GroupName=group, UserName=user)
        return {}
    key = aws("kms").create_key(Description=f"{name}10-key", Tags=[{"TagKey": t["Key"], "TagValue": t["Value"]}
                                                                    for t in tags])
    return {"key": key["KeyMetadata"]["KeyId"]}


# What an account's owner may well call rolecheck-*, untagged, of every kind the suite creates.
LOOK_ALIKES = {"users": {"rolecheck-auditor"}, "groups": {"rolecheck-admins", "rolecheck-ci-main-readers"},
               "roles": {"rolecheck-ci"}, "policies": {"rolecheck-ci-permissions"},
               "buckets": {"rolecheck-evidence-archive"}, "queues": {"rolecheck-ci-jobs"},
               "topics": {"rolecheck-alerts"}, "secrets": {"rolecheck-ci-token"},
               "functions": {"rolecheck-ci-main-archive"}, "keys": {"rolecheck-ci signing key", "team data key"}}


def _hand_made_look_alikes(aws: Any) -> None:
    """The CI role of docs/github-actions-example.yml, an auditor, an evidence bucket with an object in it, and
    their kin of the other kinds: none tagged rolecheck:run-id, none named in the registry's shape."""
    iam, s3 = aws("iam"), aws("s3")
    iam.create_role(RoleName="rolecheck-ci", AssumeRolePolicyDocument=TRUST)
    iam.create_policy(PolicyName="rolecheck-ci-permissions", PolicyDocument=ALLOW_LIST)
    iam.create_user(UserName="rolecheck-auditor")
    for group in LOOK_ALIKES["groups"]:
        iam.create_group(GroupName=group)
    s3.create_bucket(Bucket="rolecheck-evidence-archive")
    s3.put_object(Bucket="rolecheck-evidence-archive", Key="2026/audit.pdf", Body=b"evidence")
    aws("sqs").create_queue(QueueName="rolecheck-ci-jobs", tags={"team": "ci"})
    aws("sns").create_topic(Name="rolecheck-alerts")
    aws("secretsmanager").create_secret(Name="rolecheck-ci-token", SecretString="placeholder")
    _function(aws("lambda"), "rolecheck-ci-main-archive", "rolecheck-ci")
    kms = aws("kms")
    signing = kms.create_key(Description="rolecheck-ci signing key")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/rolecheck-ci-main-1-key", TargetKeyId=signing)
    KEYS["rolecheck-ci signing key"] = signing
    KEYS["team data key"] = kms.create_key(Description="team data key",
                                           Tags=[{"TagKey": "team", "TagValue": "data"}])["KeyMetadata"]["KeyId"]


# The leaked keys' ids by description: a key has no name to show.
KEYS: dict[str, str] = {}


@pytest.fixture(scope="module")
def world(server: MotoServer) -> Iterator[Any]:
    """Two runs' leftovers (tagged and named, tagged only, named only) beside resources that are not the suite's;
    a client factory for the server."""
    session = boto3.Session(*bootstrap_admin(MOTO_ACCOUNT, "sweeper-tests-admin"), region_name=REGION)

    def aws(service: str) -> Any:
        return at_single_endpoint(session.client(service, endpoint_url=server.url), server.url)

    iam, s3 = aws("iam"), aws("s3")
    iam.create_group(GroupName="keepers")
    iam.create_user(UserName="alice")
    iam.create_user(UserName="bob", Tags=[{"Key": "team", "Value": "data"}])
    s3.create_bucket(Bucket="unrelated-bucket")
    _hand_made_look_alikes(aws)
    for run in ("leak1", "other1"):
        for name in (f"rolecheck-{run}-main-", f"renamed-by-hand-{run}-"):
            KEYS[f"{name}10-key"] = _leak(aws, run, name)["key"]
        _leak(aws, run, f"rolecheck-{run}-gw3-", tagged=False)
    yield aws
    # moto's backends outlive this module's server: what is left here would show in other modules' account-wide
    # claims (a topic's default policy is a grant), so it all goes.
    for run in ("leak1", "other1"):
        assert sweeper.sweep(aws, find_leftovers(aws, Selector(run_id=run))) == []
    bystanders = {"users": {"alice", "bob"}, "groups": {"keepers"}, "buckets": {"unrelated-bucket"}}
    for kind, names in _union(LOOK_ALIKES, bystanders).items():
        service, delete = DELETERS[_KIND[kind]]
        for name in names:
            delete(aws(service), _identifier(aws, kind, name))
    aws("kms").delete_alias(AliasName="alias/rolecheck-ci-main-1-key")


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


def _state(aws: Any) -> dict[str, set[str]]:
    """Every resource of every kind the suite creates, by name (a KMS key by its description, unless its deletion
    is scheduled)."""
    iam, kms = aws("iam"), aws("kms")
    described = [kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"] for k in kms.list_keys()["Keys"]]
    return {
        "users": {u["UserName"] for u in iam.list_users()["Users"]},
        "groups": {g["GroupName"] for g in iam.list_groups()["Groups"]},
        "roles": {r["RoleName"] for r in iam.list_roles()["Roles"]},
        "policies": {p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]},
        "buckets": {b["Name"] for b in aws("s3").list_buckets()["Buckets"]},
        "queues": {u.rsplit("/", 1)[-1] for u in aws("sqs").list_queues().get("QueueUrls", [])},
        "topics": {t["TopicArn"].rsplit(":", 1)[-1] for t in aws("sns").list_topics()["Topics"]},
        "secrets": {s["Name"] for s in aws("secretsmanager").list_secrets()["SecretList"]},
        "functions": {f["FunctionName"] for f in aws("lambda").list_functions()["Functions"]},
        "repositories": {r["repositoryName"] for r in aws("ecr").describe_repositories()["repositories"]},
        "tables": set(aws("dynamodb").list_tables()["TableNames"]),
        "access points": {p["Name"] for p in
                          aws("s3control").list_access_points(AccountId=MOTO_ACCOUNT)["AccessPointList"]},
        "keys": {k["Description"] for k in described if k["KeyState"] != "PendingDeletion"},
    }


def _gone(before: dict[str, set[str]], after: dict[str, set[str]]) -> dict[str, set[str]]:
    return {kind: before[kind] - after[kind] for kind in before if before[kind] - after[kind]}


def _every_kind(name: str, *, groups: bool, keys: bool) -> dict[str, set[str]]:
    """The names ``_leak`` gives, by kind."""
    made = {"users": {f"{name}1-user"}, "roles": {f"{name}2-role"}, "policies": {f"{name}3-policy"},
            "buckets": {f"{name}4-bucket"}, "queues": {f"{name}6-queue"}, "topics": {f"{name}7-topic"},
            "secrets": {f"{name}8-secret"}, "functions": {f"{name}9-function"},
            "repositories": {f"{name}11-repository"}, "tables": {f"{name}12-table"}}
    unnamed = {"groups": {f"{name}5-group"}, "access points": {f"{name}13-point"}} if groups else {}
    return made | unnamed | ({"keys": {f"{name}10-key"}} if keys else {})


def _union(*states: dict[str, set[str]]) -> dict[str, set[str]]:
    return {kind: set().union(*(s.get(kind, set()) for s in states)) for kind in {k for s in states for k in s}}


def _leftovers_of(run: str) -> dict[str, set[str]]:
    """What sweeping ``run`` by its id must delete: its tagged resources whatever their names, and its untagged
    ones named in the registry's shape (among them the one IAM group, which no tag can mark)."""
    return _union(_every_kind(f"rolecheck-{run}-main-", groups=False, keys=True),
                  _every_kind(f"renamed-by-hand-{run}-", groups=False, keys=True),
                  _every_kind(f"rolecheck-{run}-gw3-", groups=True, keys=False))


def _identifier(aws: Any, kind: str, name: str) -> str:
    """The identifier the sweeper reports for the resource ``_state`` calls ``name``."""
    return {
        "policies": lambda: f"arn:aws:iam::{MOTO_ACCOUNT}:policy/{name}",
        "queues": lambda: aws("sqs").get_queue_url(QueueName=name)["QueueUrl"],
        "topics": lambda: f"arn:aws:sns:{REGION}:{MOTO_ACCOUNT}:{name}",
        "secrets": lambda: aws("secretsmanager").describe_secret(SecretId=name)["ARN"],
        "keys": lambda: KEYS[name],
        "access points": lambda: f"arn:aws:s3:{REGION}:{MOTO_ACCOUNT}:accesspoint/{name}",
    }.get(kind, lambda: name)()


_KIND = {"users": "user", "groups": "group", "roles": "role", "policies": "policy", "buckets": "bucket",
         "queues": "queue", "topics": "topic", "secrets": "secret", "functions": "function", "keys": "key",
         "repositories": "repository", "tables": "table", "access points": "access-point"}


def test_a_dry_run_lists_the_runs_leftovers_of_every_kind_in_deletion_order_and_deletes_nothing(
        world: Any, sweep: Any, server: MotoServer) -> None:
    before = _state(world)
    expected = {f"would delete {_KIND[kind]} {_identifier(world, kind, name)} "
                f"(by {'tag' if name.startswith('renamed') or kind == 'keys' else 'name'})"
                for kind, names in _leftovers_of("leak1").items() for name in names}

    status, out, _ = sweep("--run-id", "leak1", "--allow-account", MOTO_ACCOUNT, "--dry-run")

    assert status == 0
    *lines, summary = out.splitlines()
    assert set(lines) == expected and len(lines) == len(expected) == 34
    order = [list(DELETERS).index(line.split()[2]) for line in lines]
    assert order == sorted(order), "dependents first: functions before roles, principals before policies"
    assert summary == (f"34 leftover(s) of leak1 in account {MOTO_ACCOUNT} (target moto-server ({server.url})); "
                       "dry run, nothing deleted")
    assert _state(world) == before


def test_sweeping_a_run_deletes_its_leftovers_of_every_kind_and_nothing_else_twice(world: Any, sweep: Any) -> None:
    before = _state(world)

    status, out, err = sweep("--run-id", "leak1", "--allow-account", MOTO_ACCOUNT)
    again = sweep("--run-id", "leak1", "--allow-account", MOTO_ACCOUNT)

    assert (status, err) == (0, ""), err
    assert out.splitlines()[-1].startswith("deleted 34 of 34 leftover(s) of leak1")
    after = _state(world)
    assert _gone(before, after) == _leftovers_of("leak1")
    assert all(_leftovers_of("other1")[kind] <= after[kind] for kind in _leftovers_of("other1"))
    assert {"alice", "bob"} <= after["users"] and {"unrelated-bucket"} <= after["buckets"]
    assert "keepers" in after["groups"]
    assert again[0] == 0 and again[1].splitlines()[-1].startswith("deleted 0 of 0 leftover(s) of leak1")


def test_sweeping_every_run_goes_by_tag_alone_and_spares_the_caller_and_what_is_not_ours(world: Any,
                                                                                          sweep: Any) -> None:
    status, _, err = sweep("--all-runs", "--allow-account", MOTO_ACCOUNT, caller="rolecheck-operator")

    assert (status, err) == (0, ""), err
    after = _state(world)
    left = {kind: {name for name in names if "leak1" in name or "other1" in name} for kind, names in after.items()}
    untagged = _union(*(_every_kind(f"rolecheck-{run}-gw3-", groups=True, keys=False) for run in ("leak1", "other1")))
    # Untagged names in the registry's shape (a bucket whose tagging never happened, every IAM group) wait for a
    # sweep that names their run id.
    assert all(names <= untagged.get(kind, set()) for kind, names in left.items()), left
    assert {kind: names for kind, names in left.items() if names} == \
        _every_kind("rolecheck-other1-gw3-", groups=True, keys=False)
    assert {"alice", "bob", "rolecheck-operator"} <= after["users"]
    assert "unrelated-bucket" in after["buckets"] and "keepers" in after["groups"]


@pytest.mark.parametrize("scope", [["--all-runs"], ["--run-id", "ci"], ["--run-id", "evidence"],
                                   ["--run-id", "auditor"], ["--run-id", "admins"]], ids=" ".join)
def test_hand_made_look_alikes_of_every_kind_are_never_swept(world: Any, sweep: Any, scope: list[str]) -> None:
    status, out, err = sweep(*scope, "--allow-account", MOTO_ACCOUNT)

    assert (status, err) == (0, ""), err
    after = _state(world)
    assert {kind: names & after[kind] for kind, names in LOOK_ALIKES.items()} == LOOK_ALIKES, out
    assert world("s3").get_object(Bucket="rolecheck-evidence-archive", Key="2026/audit.pdf")["Body"].read() == \
        b"evidence"


def _recording(aws: Any, calls: list[str]) -> Any:
    """``aws`` with every API call's name appended to ``calls``."""
    def client(service: str) -> Any:
        made = aws(service)
        made.meta.events.register("before-call", lambda model, **_: calls.append(model.name))
        return made
    return client


def test_the_run_id_check_and_the_end_of_run_sweep_look_at_every_named_kind_by_listing_alone(world: Any) -> None:
    """The look before a run (``by_tag=False``) and each worker's end-of-run sweep read no tags: one listing per
    kind the registry names. The kinds it cannot name (``UNNAMED_KINDS``: KMS keys have no name, an OIDC provider is
    named by its issuer) are found by tag alone, even an untagged provider whose issuer looks like a run's name."""
    iam = world("iam")
    for name in ("rolecheck-look1-gw0-", "rolecheck-look1-gw1-"):
        _leak(world, "look1", name, tagged=False)
        # A SAML provider is named by the registry; moto keeps no tags of one, so it is leaked here only.
        iam.create_saml_provider(Name=f"{name}13-idp", SAMLMetadataDocument=saml_metadata(f"{name}13-idp"))
    look_alike = iam.create_open_id_connect_provider(Url="https://rolecheck-look1-gw1-13-issuer.example",
                                                     ClientIDList=["sts.amazonaws.com"],
                                                     ThumbprintList=["0" * 40])["OpenIDConnectProviderArn"]
    tagged = iam.create_open_id_connect_provider(Url="https://issuer.example/look1", ClientIDList=["sts.amazonaws.com"],
                                                 ThumbprintList=["0" * 40],
                                                 Tags=_tags("look1"))["OpenIDConnectProviderArn"]
    calls: list[str] = []

    existing = find_leftovers(_recording(world, calls), Selector(run_id="look1", by_tag=False))
    worker = find_leftovers(world, Selector(run_id="look1", worker="gw1"))
    by_tag = find_leftovers(world, Selector(run_id="look1"))

    named = set(DELETERS) - sweeper.UNNAMED_KINDS
    assert {item.kind for item in existing} == named
    assert {item.found_by for item in existing} == {"name"} and len(existing) == 26
    assert sorted(calls) == sorted(["ListFunctions", "ListUsers", "ListGroups", "ListRoles", "ListPolicies",
                                    "ListSAMLProviders",
                                    "ListBuckets", "ListQueues", "ListTopics", "ListSecrets",
                                    "DescribeRepositories", "ListTables", "GetCallerIdentity", "ListAccessPoints"])
    assert {item.kind for item in worker} == named and len(worker) == 13
    assert all("-gw1-" in item.identifier for item in worker)
    assert [item for item in by_tag if item.kind in sweeper.UNNAMED_KINDS] == \
        [sweeper.Leftover("oidc-provider", tagged, "tag")]
    assert sweeper.sweep(world, by_tag) == []
    assert not find_leftovers(world, Selector(run_id="look1"))
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=look_alike)


def test_a_run_id_in_use_is_refused_and_a_resumed_run_deletes_its_earlier_attempt(world: Any) -> None:
    """A run whose id the account's resources already carry (a copied ROLECHECK_RUN_ID) would sweep another run's
    resources: it is refused in one line, unless it resumes that run, which first deletes the earlier attempt."""
    _leak(world, "claim1", "rolecheck-claim1-main-", tagged=False)

    with pytest.raises(TargetError, match=r"^run id claim1 is already in use in account \d+: function "
                                          r"rolecheck-claim1-main-.* and 9 more carry it; .* or --resume"):
        sweeper.claim_run_id(world, "claim1", MOTO_ACCOUNT, frozenset(), resume=False, retry="rolecheck sweep")
    assert find_leftovers(world, Selector(run_id="claim1", by_tag=False))

    lines = sweeper.claim_run_id(world, "claim1", MOTO_ACCOUNT, frozenset(), resume=True, retry="rolecheck sweep")

    assert lines == ["rolecheck: resuming run claim1: deleted 12 resource(s) of its earlier attempt"]
    assert find_leftovers(world, Selector(run_id="claim1", by_tag=False)) == [_claim("claim1")]
    sweeper.release_run_id(world, "claim1", MOTO_ACCOUNT)
    assert not find_leftovers(world, Selector(run_id="claim1"))
    assert sweeper.claim_run_id(world, "claim2", MOTO_ACCOUNT, frozenset(), resume=False, retry="") == []
    sweeper.release_run_id(world, "claim2", MOTO_ACCOUNT)


def _claim(run_id: str) -> sweeper.Leftover:
    return sweeper.Leftover("policy", f"arn:aws:iam::{MOTO_ACCOUNT}:policy/rolecheck-{run_id}-main-0-run-claim",
                            "name")


_MAKING = threading.Lock()


def _one_at_a_time(aws: Any) -> Any:
    """``aws`` for one thread: a session makes clients one at a time (making them is not thread-safe, using them
    is), each once."""
    made: dict[str, Any] = {}

    def client(service: str) -> Any:
        with _MAKING:
            if service not in made:
                made[service] = aws(service)
            return made[service]
    return client


@pytest.mark.parametrize("runs", [3])
def test_runs_started_together_with_one_run_id_never_both_start(world: Any, runs: int) -> None:
    """Both looks find nothing when two runs start at once; the claim written after the look decides: IAM creates a
    policy name once, so exactly one run starts, the others are refused in one line and leave no claim behind. A
    run started while the claim is held is refused by its first look, and once the owner releases it the id is
    free again."""
    for attempt in range(2):
        run_id = f"race{runs}x{attempt}"
        start = threading.Barrier(runs)
        made = [_one_at_a_time(world) for _ in range(runs)]

        def claim(own: Any, run_id: str = run_id, start: threading.Barrier = start) -> str:
            start.wait()
            try:
                sweeper.claim_run_id(own, run_id, MOTO_ACCOUNT, frozenset(), resume=False, retry="")
            except TargetError as exc:
                return str(exc)
            return "started"

        with ThreadPoolExecutor(runs) as pool:
            outcomes = list(pool.map(claim, made))

        assert outcomes.count("started") == 1, outcomes
        assert all(o.startswith(f"run id {run_id} is already in use in account {MOTO_ACCOUNT}: ")
                   for o in outcomes if o != "started"), outcomes
        assert find_leftovers(world, Selector(run_id=run_id)) == [_claim(run_id)]
        with pytest.raises(TargetError, match=rf"^run id {run_id} is already in use .*: policy .*-run-claim carry it"):
            sweeper.claim_run_id(world, run_id, MOTO_ACCOUNT, frozenset(), resume=False, retry="")
        sweeper.release_run_id(world, run_id, MOTO_ACCOUNT)
        assert not find_leftovers(world, Selector(run_id=run_id))


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

    assert status == 4 and out == ""
    assert err.startswith("ERROR: rolecheck: account 111122223333 is not in the allowlist")
    assert len(err.splitlines()) == 1
    # The one write afterwards is the fixture deleting the key it made for the attempt.
    assert server.writes()[writes_before:] == ["iam:DeleteAccessKey"]


def test_the_sweeper_has_nothing_to_sweep_on_a_backend_of_its_own(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["sweep", "--target", "moto", "--all-runs"]) == 4
    assert "nothing to sweep on target moto" in capsys.readouterr().err
    assert cli.main(["sweep", "--target", "aws", "--run-id", "Bad-Id"]) == 4
    assert capsys.readouterr().err == ("ERROR: rolecheck: invalid run id 'Bad-Id': use 1 to 16 lowercase letters or "
                                       "digits\n")


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
    assert usage.value.code == 4
    err = capsys.readouterr().err
    assert "--run-id" in err and err.startswith("ERROR: rolecheck: ") and len(err.splitlines()) == 1


def test_a_bucket_whose_tagging_fails_is_deleted_at_once(server: MotoServer) -> None:
    """The only untagged moment of a bucket is between CreateBucket and PutBucketTagging: if tagging fails, the
    bucket goes at once instead of waiting, untagged, for a sweep that goes by tag."""
    from botocore.exceptions import ClientError

    from rolecheck.aws.operations import create_bucket
    from rolecheck.aws.registry import ResourceRegistry

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
