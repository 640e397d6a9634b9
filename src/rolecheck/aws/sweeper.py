"""Finding and deleting what runs left behind: by the run-id tag, or by a name that carries the caller's run id.

The per-scenario teardown deletes what a scenario tracked; this is the backstop for everything else: a run
killed mid-scenario, a resource created but not yet tracked, a teardown that failed. The same code runs at the
end of every session (for that session's own names) and as ``rolecheck sweep`` (for one run, or all of them).
Deleting is idempotent (``cleanup``), so sweeping twice is safe.

A real account is not ours: what we did not create and tag, we never touch. So a name alone picks a resource only
when it has the exact shape the registry gives (``rolecheck-<run id>-<worker>-<n>-...``) with the run id the
caller named; ``--all-runs`` names no run id and therefore picks by the ``rolecheck:run-id`` tag alone. A
hand-made ``rolecheck-ci`` role is never a leftover, and neither is the principal the sweeper itself runs as.

Every kind the suite can create (``cleanup.DELETERS``) is swept, regional ones in the clients' region. Two kinds
lack one of the two marks: IAM groups cannot carry tags, so only a name with a given run id picks one (never
``--all-runs``). Two kinds carry no name the registry gave (``UNNAMED_KINDS``): KMS keys have none, and an OIDC
provider is named by its issuer's URL, which is the feature's, not the run's; only the tag picks one of those (never
a look by name alone), whatever its issuer's URL looks like.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import botocore.session
from botocore.exceptions import BotoCoreError, ClientError

from rolecheck.aws import readback
from rolecheck.aws.cleanup import DELETERS
from rolecheck.aws.registry import NAME_PREFIX, TAG_KEY, name_pattern
from rolecheck.errors import TargetError

# Lowercase letters and digits only: the run id goes into bucket names, and a hyphen would blur the prefix.
_RUN_ID = re.compile(r"^[a-z0-9]{1,16}$")


def valid_run_id(value: str) -> str:
    """``value`` if it can be a run id (1-16 lowercase letters or digits), else one ``TargetError`` line."""
    if not _RUN_ID.match(value):
        raise TargetError(f"invalid run id {value!r}: use 1 to 16 lowercase letters or digits")
    return value

@dataclass(frozen=True)
class Leftover:
    """A resource the sweeper will delete, and why it was picked (``name`` prefix or ``tag``)."""

    kind: str
    identifier: str
    found_by: str

    def __str__(self) -> str:
        return f"{self.kind} {self.identifier} (by {self.found_by})"


@dataclass(frozen=True)
class Selector:
    """Which resources are leftovers: those tagged with the run id (any run id when it is None), and those named
    by the registry for that run id, minus ``spare``.

    With ``worker`` set only that worker's names match; the tag carries only the run id, so it is not consulted.
    ``by_tag=False`` reads no tags at all: one listing per kind, for a cheap look before a run starts.
    """

    run_id: str | None = None
    worker: str | None = None
    by_tag: bool = True
    spare: frozenset[str] = frozenset()

    def name_matches(self, name: str) -> bool:
        if self.run_id is None or name in self.spare:
            return False
        return name_pattern(self.run_id, self.worker).match(name) is not None

    def tags_match(self, tags: Iterable[dict[str, str]]) -> bool:
        if self.worker or not self.by_tag:
            return False
        return any(t.get("Key") == TAG_KEY and (self.run_id is None or t.get("Value") == self.run_id) for t in tags)


@dataclass(frozen=True)
class _Listed:
    """One resource as its kind's listing shows it: the name the registry gave it (None for a kind of
    ``UNNAMED_KINDS``), the identifier its deleter takes, and how to read its tags (None for an IAM group, which
    has none)."""

    name: str | None
    identifier: str
    tags: Callable[[], list[dict[str, str]]] | None


def find_leftovers(client_for: Callable[[str], Any], selector: Selector) -> list[Leftover]:
    """Every resource of a kind the suite creates (``cleanup.DELETERS``) that the selector picks, in deletion order.

    Regional kinds are listed in the clients' region, the run's. A kind that can match neither by name nor by tag
    under this selector is not listed at all, so a look by name costs one listing per named kind.
    """
    found: list[Leftover] = []
    account = ""  # asked of STS only when a kind is listed per account
    for kind, (service, _) in DELETERS.items():
        if kind in UNNAMED_KINDS and not (selector.by_tag and not selector.worker):
            continue
        client = client_for(service)
        if kind in _ACCOUNT_LISTERS:
            account = account or client_for("sts").get_caller_identity()["Account"]
            items = _ACCOUNT_LISTERS[kind](client, account)
        else:
            items = _LISTERS[kind](client)
        for listed in items:
            found += _pick(kind, listed, selector)
    return found


def _users(iam: Any) -> Iterable[_Listed]:
    for user in _paginate(iam, "list_users", "Users"):
        name = user["UserName"]
        yield _Listed(name, name, lambda n=name: iam.list_user_tags(UserName=n)["Tags"])


def _groups(iam: Any) -> Iterable[_Listed]:
    # IAM groups cannot carry tags (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html): only their
    # name, with a run id given, can make one a leftover.
    for group in _paginate(iam, "list_groups", "Groups"):
        yield _Listed(group["GroupName"], group["GroupName"], None)


def _roles(iam: Any) -> Iterable[_Listed]:
    for role in _paginate(iam, "list_roles", "Roles"):
        if role.get("Path", "/").startswith("/aws-service-role/"):
            continue
        name = role["RoleName"]
        yield _Listed(name, name, lambda n=name: iam.list_role_tags(RoleName=n)["Tags"])


def _policies(iam: Any) -> Iterable[_Listed]:
    for policy in _paginate(iam, "list_policies", "Policies", Scope="Local"):
        arn = policy["Arn"]
        yield _Listed(policy["PolicyName"], arn, lambda a=arn: iam.list_policy_tags(PolicyArn=a)["Tags"])


def _buckets(s3: Any) -> Iterable[_Listed]:
    for bucket in s3.list_buckets().get("Buckets", []):
        name = bucket["Name"]
        yield _Listed(name, name, lambda n=name: s3.get_bucket_tagging(Bucket=n)["TagSet"])


def _queues(sqs: Any) -> Iterable[_Listed]:
    for url in readback.queue_urls(sqs):
        yield _Listed(url.rsplit("/", 1)[-1], url,
                      lambda u=url: _pairs(sqs.list_queue_tags(QueueUrl=u).get("Tags", {})))


def _topics(sns: Any) -> Iterable[_Listed]:
    for topic in _paginate(sns, "list_topics", "Topics"):
        arn = topic["TopicArn"]
        yield _Listed(arn.rsplit(":", 1)[-1], arn, lambda a=arn: sns.list_tags_for_resource(ResourceArn=a)["Tags"])


def _secrets(secretsmanager: Any) -> Iterable[_Listed]:
    for secret in _paginate(secretsmanager, "list_secrets", "SecretList"):
        tags = secret.get("Tags", [])
        yield _Listed(secret["Name"], secret["ARN"], lambda t=tags: t)


def _keys(kms: Any) -> Iterable[_Listed]:
    # KMS keys have no names, and the suite gives them no alias: only the tag can make one a leftover.
    for key in _paginate(kms, "list_keys", "Keys"):
        yield _Listed(None, key["KeyId"], lambda k=key["KeyId"]: _key_tags(kms, k))


def _key_tags(kms: Any, key_id: str) -> list[dict[str, str]]:
    """A key's tags, or none once its deletion is scheduled: it is as deleted as a key gets for seven days, and
    picking it again would make every later sweep report it anew."""
    tags = [{"Key": t["TagKey"], "Value": t["TagValue"]}
            for t in _paginate(kms, "list_resource_tags", "Tags", KeyId=key_id)]
    if not any(t["Key"] == TAG_KEY for t in tags):
        return tags
    state = kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"]
    return [] if state in {"PendingDeletion", "PendingReplicaDeletion"} else tags


def _functions(lambda_: Any) -> Iterable[_Listed]:
    for function in _paginate(lambda_, "list_functions", "Functions"):
        arn = function["FunctionArn"]
        yield _Listed(function["FunctionName"], function["FunctionName"],
                      lambda a=arn: _pairs(lambda_.list_tags(Resource=a).get("Tags", {})))


def _access_points(control: Any, account: str) -> Iterable[_Listed]:
    # The suite gives access points no tags: only a name with the run id makes one a leftover.
    # ListAccessPoints has no paginator in botocore: its NextToken is followed here.
    params = {"AccountId": account}
    while True:
        page = control.list_access_points(**params)
        for point in page.get("AccessPointList", []):
            yield _Listed(point["Name"], point["AccessPointArn"], None)
        if not page.get("NextToken"):
            return
        params["NextToken"] = page["NextToken"]


def _repositories(ecr: Any) -> Iterable[_Listed]:
    for repository in _paginate(ecr, "describe_repositories", "repositories"):
        arn = repository["repositoryArn"]
        yield _Listed(repository["repositoryName"], repository["repositoryName"],
                      lambda a=arn: ecr.list_tags_for_resource(resourceArn=a)["tags"])


def _tables(dynamodb: Any) -> Iterable[_Listed]:
    # ListTables names tables only: the ARN their tags are read by is asked for only when the name does not decide.
    for name in _paginate(dynamodb, "list_tables", "TableNames"):
        yield _Listed(name, name, lambda n=name: _table_tags(dynamodb, n))


def _table_tags(dynamodb: Any, name: str) -> list[dict[str, str]]:
    arn = dynamodb.describe_table(TableName=name)["Table"]["TableArn"]
    return dynamodb.list_tags_of_resource(ResourceArn=arn).get("Tags", [])


def _pairs(tags: dict[str, str]) -> list[dict[str, str]]:
    """SQS and Lambda give tags as a mapping; the others as Key/Value pairs."""
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def _oidc_providers(iam: Any) -> Iterable[_Listed]:
    # Named by its issuer's URL, never by the run: even an issuer that looks like a registry name is the
    # feature's, so only its tags can make one a leftover.
    for provider in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        arn = provider["Arn"]
        yield _Listed(None, arn,
                      lambda a=arn: iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=a)["Tags"])


def _saml_providers(iam: Any) -> Iterable[_Listed]:
    # Named by the registry (CreateSAMLProvider takes the name), so a look by name finds one as well as its tags.
    for provider in iam.list_saml_providers()["SAMLProviderList"]:
        arn = provider["Arn"]
        yield _Listed(arn.rsplit("/", 1)[-1], arn,
                      lambda a=arn: iam.list_saml_provider_tags(SAMLProviderArn=a)["Tags"])


_LISTERS: dict[str, Callable[[Any], Iterable[_Listed]]] = {
    "function": _functions, "user": _users, "group": _groups, "role": _roles, "policy": _policies,
    "bucket": _buckets, "queue": _queues, "topic": _topics, "secret": _secrets, "key": _keys,
    "oidc-provider": _oidc_providers, "saml-provider": _saml_providers, "repository": _repositories, "table": _tables,
}
# Kinds whose listing names the account (S3 Control takes it as a parameter).
_ACCOUNT_LISTERS: dict[str, Callable[[Any, str], Iterable[_Listed]]] = {"access-point": _access_points}
# The kinds whose listing shows no name the registry gave: found by tag only, so a look by name skips them.
UNNAMED_KINDS = frozenset({"key", "oidc-provider"})


def sweep(client_for: Callable[[str], Any], leftovers: Iterable[Leftover],
          report: Callable[[str], None] = lambda line: None) -> list[str]:
    """Delete the leftovers; returns one line per resource that could not be deleted (the others are reported)."""
    problems: list[str] = []
    for item in leftovers:
        service, delete = DELETERS[item.kind]
        try:
            delete(client_for(service), item.identifier)
        except Exception as exc:
            problems.append(f"{item.kind} {item.identifier}: {type(exc).__name__}: {exc}")
        else:
            report(f"deleted {item}")
    return problems


# The claim grants nothing: a policy attached to nothing, and one that denies everything even if attached.
_CLAIM_DOCUMENT = '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}'


def claim_name(run_id: str) -> str:
    """The name of run ``run_id``'s claim: in the registry's shape (worker ``main``, counter 0), so that a sweep of
    the run deletes it like anything else the run left."""
    return f"{NAME_PREFIX}-{run_id}-main-0-run-claim"


def claim_run_id(client_for: Callable[[str], Any], run_id: str, account: str, spare: frozenset[str], *,
                 resume: bool, retry: str) -> list[str]:
    """Before a run writes anything: no resource may carry its run id already, unless the run resumes that one; then
    the run claims its id, and looks again.

    Two runs with one run id (a copied CI variable) would sweep each other's resources. Looking alone is not
    enough, since two runs started together both find nothing; so after the look the run writes its claim, a
    managed policy named ``claim_name(run_id)``, which IAM creates once (the second CreatePolicy answers
    EntityAlreadyExists), and looks again for anything but its own claim. A run that finds another run's resources
    or claim is refused in one ``TargetError`` line; it writes nothing when the first look refuses it, and removes
    its own claim when the second does. A resumed run first deletes its earlier attempt's resources, that attempt's
    claim among them (by name only: one listing per kind). ``retry`` is the sweep command to name when that fails.
    The caller releases the claim at the end of the run (``release_run_id``). Returns lines to print.
    """
    existing = _look(client_for, run_id, account, spare)
    if existing and not resume:
        raise TargetError(_in_use(run_id, account, existing))
    problems = sweep(client_for, existing)
    if problems:
        raise TargetError(f"cannot resume run {run_id}: could not delete {problems[0]}; run `{retry}`")
    if not _claim(client_for("iam"), run_id, account):
        raise TargetError(f"run id {run_id} is already in use in account {account}: another run claimed it (policy "
                          f"{claim_name(run_id)}) while this one started; use another run id")
    try:
        others = _look(client_for, run_id, account, spare | {claim_name(run_id)})
    except TargetError:
        release_run_id(client_for, run_id, account)
        raise
    if others:
        release_run_id(client_for, run_id, account)
        raise TargetError(_in_use(run_id, account, others))
    if not existing:
        return []
    return [f"rolecheck: resuming run {run_id}: deleted {len(existing)} resource(s) of its earlier attempt"]


def _look(client_for: Callable[[str], Any], run_id: str, account: str, spare: frozenset[str]) -> list[Leftover]:
    try:
        return find_leftovers(client_for, Selector(run_id=run_id, by_tag=False, spare=spare))
    except (ClientError, BotoCoreError) as exc:
        # Listing every kind the suite creates needs its List permissions (sqs:ListQueues, lambda:ListFunctions...).
        raise TargetError(f"cannot check whether run id {run_id} is already in use in account {account} "
                          f"({type(exc).__name__}: {exc})") from None


def _in_use(run_id: str, account: str, existing: list[Leftover]) -> str:
    shown = ", ".join(f"{item.kind} {item.identifier}" for item in existing[:3])
    more = f" and {len(existing) - 3} more" if len(existing) > 3 else ""
    return (f"run id {run_id} is already in use in account {account}: {shown}{more} carry it; another run may be "
            "using it (a copied ROLECHECK_RUN_ID?). Use another run id, or --resume (ROLECHECK_RESUME=1) if this "
            "run continues that one")


def _claim(iam: Any, run_id: str, account: str) -> bool:
    """Create the run's claim; False when it exists already (another run's, or an earlier attempt's)."""
    try:
        iam.create_policy(PolicyName=claim_name(run_id), PolicyDocument=_CLAIM_DOCUMENT,
                          Description=f"rolecheck run {run_id} is running in this account; a sweep of the run "
                                      "deletes it", Tags=[{"Key": TAG_KEY, "Value": run_id}])
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "EntityAlreadyExists":
            return False
        raise TargetError(f"cannot claim run id {run_id} in account {account}: iam:CreatePolicy: "
                          f"{exc.response.get('Error', {}).get('Code')}") from None
    except BotoCoreError as exc:
        raise TargetError(f"cannot claim run id {run_id} in account {account} ({type(exc).__name__})") from None
    return True


def release_run_id(client_for: Callable[[str], Any], run_id: str, account: str) -> None:
    """Delete the run's claim (its owner does, at the end of the run; idempotent)."""
    service, delete = DELETERS["policy"]
    delete(client_for(service), f"arn:{_partition(client_for)}:iam::{account}:policy/{claim_name(run_id)}")


def _partition(client_for: Callable[[str], Any]) -> str:
    region = client_for("iam").meta.region_name or "us-east-1"
    return botocore.session.get_session().get_partition_for_region(region)


def spare_caller(arn: str) -> frozenset[str]:
    """The user or role behind the sweeper's own credentials: deleting it would cut the sweep off mid-way."""
    if ":user/" in arn:
        return frozenset({arn.rsplit("/", 1)[1]})
    if ":assumed-role/" in arn:
        return frozenset({arn.split(":assumed-role/", 1)[1].split("/", 1)[0]})
    return frozenset()


def _pick(kind: str, listed: _Listed, selector: Selector) -> list[Leftover]:
    if listed.name is not None:
        if listed.name in selector.spare:
            return []
        if selector.name_matches(listed.name):
            return [Leftover(kind, listed.identifier, "name")]
    if listed.tags is not None and selector.by_tag and not selector.worker:
        try:
            if selector.tags_match(listed.tags()):
                return [Leftover(kind, listed.identifier, "tag")]
        except ClientError:
            # No tags (S3 answers NoSuchTagSet), or not ours to read: either way not a leftover of ours.
            return []
    return []


def _paginate(client: Any, operation: str, key: str, **params: Any) -> Iterable[dict[str, Any]]:
    for page in client.get_paginator(operation).paginate(**params):
        yield from page.get(key, [])
