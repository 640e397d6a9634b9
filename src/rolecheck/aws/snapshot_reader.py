"""Reading an account snapshot (``rolecheck.analysis.snapshot``) through boto3, once, paginated.

IAM comes from ``GetAccountAuthorizationDetails``, the API made for this: users (inline and attached policies,
groups, permissions boundary, tags), groups, roles (trust, inline and attached policies, boundary, tags,
MaxSessionDuration) and every managed policy's versions, in a few paginated calls
(https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html). Resource-based
policies come from each service that has them: S3 bucket policies (plus Block Public Access, object ownership and
ACL grants, which the engine does not evaluate) and access point policies, SQS queue, SNS topic, Secrets Manager
secret, KMS key (and its grants) and Lambda function policies (and each alias's and version's), ECR repository and
DynamoDB table policies, with each resource's tags (and a tagged bucket's ABAC status, without which its tags are
not ``aws:ResourceTag``: ``rolecheck.analysis.abac``). S3 and SQS have readers of their own; the other services
list their resources and read each one's policy and tags the same way, so they are rows of ``RESOURCE_READERS``.

Regional services (SQS, SNS, Secrets Manager, KMS, Lambda, ECR, DynamoDB) are read in ``region`` only. Not read:
SCPs and RCPs (AWS Organizations policies are readable only from the management account or a delegated
administrator; neither ever grants, and a Deny there can only narrow access, so what the analysis reports as
possible is an upper bound), VPC endpoint policies, DynamoDB streams, object ACLs
(docs/account.md).

Whatever cannot be read is one line in ``Snapshot.unreadable``: an access-denied resource policy is a finding,
never a silent skip.

Concurrency (``read_sections``): every section starts at once, each in a thread of its own, and each service's
calls go through a bounded pool of that service's own (``Pools``, sized by the target). A listing's pages are
consumed as they arrive, each resource's calls submitted to the pool at once, and each answer parsed as it comes
back. The clients are made up front in the calling thread (a boto3 session is not thread-safe; its clients are).
Retries are botocore's (the client's retry mode), never a loop of ours. Results are assembled in listing order,
so a concurrent read gives the same snapshot as a serial one.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from rolecheck.analysis.snapshot import (
    GroupFacts,
    ResourceFacts,
    RoleFacts,
    Snapshot,
    UserFacts,
    acl_grants,
    acls_disabled,
    public_access_block_off,
)
from rolecheck.aws import readback
from rolecheck.engine import PARTITION, Policy, PolicyError, UnsupportedFeature
from rolecheck.policydoc import documents

# Error codes meaning "there is none" (no policy, no tags, no setting), not "you may not read it".
_ABSENT = {"NoSuchBucketPolicy", "NoSuchTagSet", "NoSuchTagSetError", "NoSuchPublicAccessBlockConfiguration",
           "OwnershipControlsNotFoundError", "ResourceNotFoundException", "NotFoundException",
           "RepositoryPolicyNotFoundException", "PolicyNotFoundException", "NoSuchAccessPointPolicy"}  # fmt: skip


IamFacts = tuple[Mapping[str, UserFacts], Mapping[str, GroupFacts], Mapping[str, RoleFacts], Mapping[str, Policy]]
# Fields of the IAM pages that change without changing any grant (using a role, paging): not in the fingerprint.
_UNFINGERPRINTED = frozenset({"RoleLastUsed", "ResponseMetadata", "Marker", "IsTruncated"})


@dataclass(frozen=True)
class SectionRead:
    """One section of a snapshot as read: its resources by ARN (IAM: ``iam``), and what could not be read.

    ``unreadable`` is keyed by the resource it is about (an S3 bucket's name; "" for the section as a whole), so that
    re-reading one bucket replaces that bucket's lines only. ``fingerprint`` (IAM only) is a digest of the pages as
    the reader keeps them: equal fingerprints are the same IAM state. ``read_at`` is the time it was read (epoch s).
    """

    section: str
    resources: Mapping[str, ResourceFacts]
    unreadable: Mapping[str, tuple[str, ...]]
    read_at: float
    iam: IamFacts | None = None
    fingerprint: str = ""


@dataclass(frozen=True)
class Pools:
    """How many calls of each service a snapshot read keeps in flight at once ("*": any other service).

    A pool is sized to about the service's request-rate quota times its median latency, times two: enough to keep
    the quota busy, not so many that throttling dominates.
    """

    sizes: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({"*": 1}))

    def of(self, service: str) -> int:
        """The pool size of ``service``, at least one."""
        return max(1, int(self.sizes.get(service, self.sizes.get("*", 1))))


# One call at a time, as before the pools: what the tests of the reader's logic use unless they ask for more.
SERIAL = Pools()
# ASSUMPTION: AWS publishes no request-rate quota for IAM's or most services' read APIs; S3 allows 5,500 reads per
# second per prefix (https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html), far
# more than one reader needs. These sizes keep a reader well under any account-wide throttling seen in practice.
AWS_POOLS = Pools(MappingProxyType({"iam": 4, "s3": 8, "*": 4}))


class ReadProgress:
    """What a snapshot read has done so far, per section, for the progress line; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listed: dict[str, int] = {}
        self._read: dict[str, int] = {}
        self._done: list[str] = []

    def listed(self, section: str) -> None:
        with self._lock:
            self._listed[section] = self._listed.get(section, 0) + 1

    def read(self, section: str) -> None:
        with self._lock:
            self._read[section] = self._read.get(section, 0) + 1

    def done(self, section: str) -> None:
        with self._lock:
            self._done.append(section)

    def describe(self) -> str:
        """e.g. "iam, sqs done; s3 412/1000 resources read"."""
        with self._lock:
            going = [f"{section} {self._read.get(section, 0)}/{count} resources read"
                     for section, count in self._listed.items() if section not in self._done]
            return "; ".join(filter(None, [", ".join(self._done) + " done" if self._done else "", *going])) \
                or "started"


def read_snapshot(client_for: Callable[[str], Any], account_id: str, region: str, *,
                  pools: Pools = SERIAL) -> Snapshot:
    """Read the account through ``client_for(service)`` (a boto3 client factory): IAM and each service's resources,
    all sections at once, ``pools`` calls of each service in flight.

    Read-only: only Get/List/Describe calls are made.
    """
    return assemble(account_id, region, read_sections(client_for, account_id, region, dict.fromkeys(SECTIONS),
                                                      pools=pools))


def read_sections(client_for: Callable[[str], Any], account_id: str, region: str,
                  wanted: Mapping[str, tuple[SectionRead, Collection[str] | None] | None], *,
                  pools: Pools = SERIAL, progress: ReadProgress | None = None) -> dict[str, SectionRead]:
    """Read the ``wanted`` sections concurrently: section -> None (read it afresh) or (the section as read before,
    the keys to re-read or None), as ``read_section`` takes them. Returns each section as read."""
    services = sorted({service for section in wanted for service in _SERVICES_OF.get(section, (section,))})
    # Made here, in the calling thread: a client factory (an Actor) creates clients lazily and is not thread-safe.
    clients = {service: client_for(service) for service in services}
    with ExitStack() as stack:
        executors = {service: stack.enter_context(ThreadPoolExecutor(pools.of(service),
                                                                     thread_name_prefix=f"rolecheck-{service}"))
                     for service in services}

        def one(section: str) -> SectionRead:
            previous, keys = wanted[section] or (None, None)
            read = read_section(clients.__getitem__, account_id, region, section, previous=previous, keys=keys,
                                pool=executors[_SERVICES_OF.get(section, (section,))[0]], progress=progress)
            if progress is not None:
                progress.done(section)
            return read

        if len(wanted) == 1:
            return {section: one(section) for section in wanted}
        with ThreadPoolExecutor(len(wanted), thread_name_prefix="rolecheck-section") as sections:
            futures = {section: sections.submit(one, section) for section in wanted}
            return {section: future.result() for section, future in futures.items()}


def read_section(client_for: Callable[[str], Any], account_id: str, region: str, section: str, *,
                 previous: SectionRead | None = None, keys: Collection[str] | None = None,
                 pool: Executor | None = None, progress: ReadProgress | None = None) -> SectionRead:
    """Read one of ``SECTIONS`` afresh, each resource's calls in ``pool`` (None: one after another, here).

    With ``previous`` (that section as read before): IAM whose pages are unchanged is ``previous`` itself, so that
    an unchanged account state stays the same object; S3 re-reads only the buckets named in ``keys`` (None: all)
    and those not in ``previous``, and keeps the rest as they were. The other sections are read whole.
    """
    started = time.time()
    fan = _FanOut(pool, section, progress)
    if section == "iam":
        return _read_iam_section(client_for("iam"), previous, started, fan)
    if section == "s3":
        return _read_s3_section(client_for, account_id, previous, keys, started, fan)
    unreadable: list[str] = []
    resources: dict[str, ResourceFacts] = {}
    if section == "sqs":
        read = _read_sqs(client_for, account_id, region, fan)
    else:
        read = _read_resources(next(r for r in RESOURCE_READERS if r.service == section), client_for, fan)
    try:
        for facts, lines in read:
            for one in facts:
                resources[one.arn] = one
            unreadable += lines
    except (ClientError, BotoCoreError) as exc:
        # What was read before a listing failed is kept.
        unreadable.append(f"{section}: could not list resources ({_why(exc)})")
    return SectionRead(section, resources, {"": tuple(unreadable)}, started)


T = TypeVar("T")


class _FanOut:
    """Submits per-resource work to a section's pool as its listing's pages arrive; results in listing order."""

    def __init__(self, pool: Executor | None, section: str, progress: ReadProgress | None) -> None:
        self.pool, self.section, self.progress = pool, section, progress

    def submit(self, work: Callable[[], T]) -> Future[T]:
        if self.progress is not None:
            self.progress.listed(self.section)
        if self.pool is not None:
            return self.pool.submit(self._counted, work)
        future: Future[T] = Future()
        try:
            future.set_result(self._counted(work))
        except (ClientError, BotoCoreError) as exc:
            future.set_exception(exc)
        return future

    def _counted(self, work: Callable[[], T]) -> T:
        try:
            return work()
        finally:
            if self.progress is not None:
                self.progress.read(self.section)

    def map(self, work: Callable[[Any], T], items: Iterable[Any]) -> Iterator[T]:
        """``work(item)`` for each item, submitted as ``items`` yields them; results yielded in order. A listing
        error is raised after the results of what was listed before it."""
        futures: list[Future[T]] = []
        failure: Exception | None = None
        try:
            for item in items:
                futures.append(self.submit(lambda item=item: work(item)))
        except (ClientError, BotoCoreError) as exc:
            failure = exc
        for future in futures:
            yield future.result()
        if failure is not None:
            raise failure


def assemble(account_id: str, region: str, sections: Mapping[str, SectionRead]) -> Snapshot:
    """The snapshot made of every one of ``SECTIONS`` as read."""
    iam = sections["iam"].iam
    assert iam is not None
    users, groups, roles, managed = iam
    resources: dict[str, ResourceFacts] = {}
    unreadable: list[str] = []
    for section in SECTIONS:
        read = sections[section]
        resources.update(read.resources)
        for key in sorted(read.unreadable):
            unreadable += read.unreadable[key]
    return Snapshot(account_id, users, groups, roles, managed, resources, tuple(unreadable), region)


def _why(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'error')}: {error.get('Message', '')}".rstrip(": ")
    return type(exc).__name__


def _tags(items: Any) -> dict[str, str]:
    if isinstance(items, Mapping):
        return {str(k): str(v) for k, v in items.items()}
    return {str(t.get("Key", t.get("TagKey"))): str(t.get("Value", t.get("TagValue"))) for t in items or ()}


def _parse(name: str, document: Any, kind: str, unreadable: list[str]) -> Policy | None:
    try:
        return Policy.parse(name, document, kind=kind)
    except (PolicyError, UnsupportedFeature) as exc:
        unreadable.append(f"{name}: cannot be evaluated ({exc})")
        return None


def _read_iam_section(iam: Any, previous: SectionRead | None, started: float, fan: _FanOut) -> SectionRead:
    unreadable: list[str] = []
    # ListRoles is paged in the pool while GetAccountAuthorizationDetails is paged here.
    roles_read = fan.submit(lambda: list(iam.get_paginator("list_roles").paginate()))
    pages = list(iam.get_paginator("get_account_authorization_details").paginate())
    try:
        role_pages = roles_read.result()
    except (ClientError, BotoCoreError) as exc:
        role_pages = None
        unreadable.append(f"iam: roles' MaxSessionDuration ({_why(exc)})")
    fingerprint = hashlib.sha256(json.dumps([_fingerprinted(pages), _fingerprinted(role_pages)], sort_keys=True,
                                            default=str).encode()).hexdigest()
    if previous is not None and previous.fingerprint == fingerprint:
        return previous
    users, groups, roles, managed = _read_iam(iam, pages, unreadable)
    if role_pages is not None:
        # GetAccountAuthorizationDetails leaves out MaxSessionDuration (AWS and moto alike); only roles allowing
        # more than the one-hour default matter, and ListRoles returns it for every role in a few pages.
        limits = {r["Arn"]: int(r.get("MaxSessionDuration", 3600)) for page in role_pages for r in page["Roles"]}
        roles = {arn: replace(role, max_session_duration=limits.get(arn, role.max_session_duration))
                 for arn, role in roles.items()}
    return SectionRead("iam", {}, {"": tuple(unreadable)}, started, (users, groups, roles, managed), fingerprint)


def _fingerprinted(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _fingerprinted(v) for k, v in value.items() if k not in _UNFINGERPRINTED}
    if isinstance(value, list):
        return [_fingerprinted(v) for v in value]
    return value


def _read_iam(iam: Any, pages: list[Any], unreadable: list[str]) -> tuple[dict, dict, dict, dict]:
    managed: dict[str, Policy] = {}
    boundaries: dict[str, Policy] = {}
    for page in pages:
        for detail in page.get("Policies", ()):
            default = next((v for v in detail.get("PolicyVersionList", ()) if v.get("IsDefaultVersion")), None)
            if default is None:
                unreadable.append(f"managed policy {detail['Arn']}: no default version returned")
                continue
            policy = _parse(detail["Arn"], default["Document"], "identity", unreadable)
            if policy is not None:
                managed[detail["Arn"]] = policy

    def attached(items: Any, owner: str) -> tuple[Policy, ...]:
        found = []
        for item in items or ():
            arn = item["PolicyArn"]
            if arn not in managed:
                _fetch_managed(iam, arn, managed, unreadable, owner)
            if arn in managed:
                found.append(managed[arn])
        return tuple(found)

    def boundary(detail: Mapping[str, Any], owner: str) -> tuple[Policy | None, str | None]:
        arn = (detail.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        if not arn:
            return None, None
        if arn not in managed:
            _fetch_managed(iam, arn, managed, unreadable, owner)
        policy = managed.get(arn)
        # A boundary that cannot be read still limits: without it we would report too much, which is the safe
        # side, and the unreadable line says so.
        if policy is not None and arn not in boundaries:
            boundaries[arn] = Policy.parse(policy.name, policy.document, kind="boundary")
        return boundaries.get(arn), arn

    groups: dict[str, GroupFacts] = {}
    group_arns: dict[str, str] = {}
    for page in pages:
        for g in page.get("GroupDetailList", ()):
            inline = tuple(p for p in (_parse(f"inline policy {i['PolicyName']} of group {g['GroupName']}",
                                              i["PolicyDocument"], "identity", unreadable)
                                       for i in g.get("GroupPolicyList", ())) if p)
            groups[g["Arn"]] = GroupFacts(g["Arn"], g["GroupName"], g.get("GroupId", ""), g.get("Path", "/"), inline,
                                          attached(g.get("AttachedManagedPolicies"), f"group {g['GroupName']}"))
            group_arns[g["GroupName"]] = g["Arn"]
    users: dict[str, UserFacts] = {}
    roles: dict[str, RoleFacts] = {}
    for page in pages:
        for u in page.get("UserDetailList", ()):
            owner = f"user {u['UserName']}"
            inline = tuple(p for p in (_parse(f"inline policy {i['PolicyName']} of {owner}", i["PolicyDocument"],
                                              "identity", unreadable) for i in u.get("UserPolicyList", ())) if p)
            bound, bound_arn = boundary(u, owner)
            member_of = []
            for name in u.get("GroupList", ()):
                if name in group_arns:
                    member_of.append(group_arns[name])
                else:
                    unreadable.append(f"{owner}: group {name} was not returned")
            users[u["Arn"]] = UserFacts(u["Arn"], u["UserName"], u.get("UserId", ""), u.get("Path", "/"), inline,
                                        attached(u.get("AttachedManagedPolicies"), owner), tuple(member_of), bound,
                                        _tags(u.get("Tags")), bound_arn)
        for r in page.get("RoleDetailList", ()):
            owner = f"role {r['RoleName']}"
            trust = _parse(f"trust policy of {owner}", r["AssumeRolePolicyDocument"], "trust", unreadable)
            if trust is None:
                continue
            inline = tuple(p for p in (_parse(f"inline policy {i['PolicyName']} of {owner}", i["PolicyDocument"],
                                              "identity", unreadable) for i in r.get("RolePolicyList", ())) if p)
            bound, bound_arn = boundary(r, owner)
            roles[r["Arn"]] = RoleFacts(r["Arn"], r["RoleName"], r.get("RoleId", ""), r.get("Path", "/"), trust,
                                        inline, attached(r.get("AttachedManagedPolicies"), owner), bound,
                                        _tags(r.get("Tags")), int(r.get("MaxSessionDuration", 3600)), bound_arn)
    return users, groups, roles, managed


def _fetch_managed(iam: Any, arn: str, managed: dict[str, Policy], unreadable: list[str], owner: str) -> None:
    # An attached AWS managed policy may be missing from the Policies list; read its default version alone.
    try:
        meta = iam.get_policy(PolicyArn=arn)["Policy"]
        version = iam.get_policy_version(PolicyArn=arn, VersionId=meta["DefaultVersionId"])["PolicyVersion"]
    except (ClientError, BotoCoreError) as exc:
        unreadable.append(f"managed policy {arn} (attached to {owner}): {_why(exc)}")
        return
    policy = _parse(arn, version["Document"], "identity", unreadable)
    if policy is not None:
        managed[arn] = policy


def _optional(call: Callable[..., Any], what: str, unreadable: list[str], **kwargs: Any) -> Any:
    """The call's answer; None when the thing does not exist; an unreadable line (and None) when refused."""
    try:
        return call(**kwargs)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _ABSENT:
            return None
        unreadable.append(f"{what}: {_why(exc)}")
        return None
    except BotoCoreError as exc:
        unreadable.append(f"{what}: {_why(exc)}")
        return None


def _pages(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[Any]:
    if client.can_paginate(operation):
        for page in client.get_paginator(operation).paginate(**kwargs):
            yield from page.get(key, ())
    else:
        yield from getattr(client, operation)(**kwargs).get(key, ())


def _read_s3_section(client_for: Callable[[str], Any], account_id: str, previous: SectionRead | None,
                     keys: Collection[str] | None, started: float, fan: _FanOut) -> SectionRead:
    s3 = client_for("s3")
    account_wide: list[str] = []
    account_block = _account_public_access_block(client_for, account_id, account_wide)
    resources: dict[str, ResourceFacts] = {}
    unreadable: dict[str, tuple[str, ...]] = {}

    def bucket(item: Mapping[str, Any]) -> tuple[str, ResourceFacts, tuple[str, ...]]:
        name = item["Name"]
        arn = f"arn:{PARTITION}:s3:::{name}"
        if previous is not None and keys is not None and name not in keys and arn in previous.resources:
            return name, previous.resources[arn], previous.unreadable.get(name, ())
        lines: list[str] = []
        return name, _read_bucket(s3, name, account_block, lines), tuple(lines)

    try:
        for name, facts, lines in fan.map(bucket, _pages(s3, "list_buckets", "Buckets")):
            resources[facts.arn] = facts
            unreadable[name] = lines
    except (ClientError, BotoCoreError) as exc:
        account_wide.append(f"s3: could not list resources ({_why(exc)})")
    try:
        for facts in _read_access_points(client_for("s3control"), account_id, account_wide):
            resources[facts.arn] = facts
    except (ClientError, BotoCoreError) as exc:
        account_wide.append(f"s3: could not list access points ({_why(exc)})")
    unreadable[""] = tuple(account_wide)
    return SectionRead("s3", resources, unreadable, started)


def _read_access_points(control: Any, account_id: str, unreadable: list[str]) -> Iterator[ResourceFacts]:
    """The account's S3 access points in the client's region, each with its policy and its bucket: a request
    through one must be allowed by both
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-policies.html). Read whole at every read
    of the section: one listing, and a policy per access point."""
    for point in _pages(control, "list_access_points", "AccessPointList", AccountId=account_id):
        name = point["Name"]
        answer = _optional(control.get_access_point_policy, f"s3 access point {name}: policy", unreadable,
                           AccountId=account_id, Name=name)
        text = (answer or {}).get("Policy")
        policy = _parse(f"access point policy of {name}", text, "resource", unreadable) if text else None
        yield ResourceFacts(point["AccessPointArn"], "s3", name, "accesspoint", policy, bucket=point.get("Bucket"))


def _read_bucket(s3: Any, name: str, account_block: Mapping[str, bool], unreadable: list[str]) -> ResourceFacts:
    arn = f"arn:{PARTITION}:s3:::{name}"
    what = f"s3 bucket {name}"
    answer = _optional(s3.get_bucket_policy, f"{what}: bucket policy", unreadable, Bucket=name)
    policy = answer and _parse(f"bucket policy of {name}", answer["Policy"], "resource", unreadable)
    tagging = _optional(s3.get_bucket_tagging, f"{what}: tags", unreadable, Bucket=name)
    tags = _tags((tagging or {}).get("TagSet"))
    off = _public_access_block_off(s3, name, account_block, unreadable)
    acl = _acl_grants(s3, name, unreadable)
    findings = [f"s3 bucket {name}: Block Public Access is off ({', '.join(off)})"] if off else []
    findings += [f"s3 bucket {name}: ACL grants {permission} to {grantee} (ACLs are not evaluated by the engine)"
                 for grantee, permission in acl]
    return ResourceFacts(arn, "s3", name, "bucket", policy or None, tags, tuple(findings), acl, off,
                         _bucket_abac(s3, name, unreadable) if tags else False)


def _bucket_abac(s3: Any, name: str, unreadable: list[str]) -> bool | None:
    # Asked of tagged buckets only: without tags the switch changes no request's context.
    try:
        return readback.bucket_abac(s3, name)
    except (ClientError, BotoCoreError) as exc:
        unreadable.append(f"s3 bucket {name}: ABAC status: {_why(exc)} (conditions on its tags are taken as unknown)")
        return None


def _account_public_access_block(client_for: Callable[[str], Any], account_id: str,
                                 unreadable: list[str]) -> Mapping[str, bool]:
    control = client_for("s3control")
    answer = _optional(control.get_public_access_block, "s3: account Block Public Access", unreadable,
                       AccountId=account_id)
    return (answer or {}).get("PublicAccessBlockConfiguration", {})


def _public_access_block_off(s3: Any, name: str, account_block: Mapping[str, bool],
                             unreadable: list[str]) -> tuple[str, ...]:
    if not public_access_block_off(account_block, {}):
        return ()  # the account's settings block everything: the bucket's cannot loosen them
    answer = _optional(s3.get_public_access_block, f"s3 bucket {name}: Block Public Access", unreadable, Bucket=name)
    return public_access_block_off(account_block, (answer or {}).get("PublicAccessBlockConfiguration", {}))


def _acl_grants(s3: Any, name: str, unreadable: list[str]) -> tuple[tuple[str, str], ...]:
    # With ACLs disabled the bucket's ACL is not asked for: it grants nothing.
    controls = _optional(s3.get_bucket_ownership_controls, f"s3 bucket {name}: object ownership", unreadable,
                         Bucket=name)
    if acls_disabled(controls):
        return ()
    acl = _optional(s3.get_bucket_acl, f"s3 bucket {name}: ACL", unreadable, Bucket=name)
    return () if acl is None else acl_grants(acl)


def _read_sqs(client_for: Callable[[str], Any], account_id: str, region: str,
              fan: _FanOut) -> Iterator[tuple[list[ResourceFacts], list[str]]]:
    # Not a row of RESOURCE_READERS: SQS lists URLs, not ARNs, and names a queue's ARN only among its attributes.
    sqs = client_for("sqs")

    def queue(url: str) -> tuple[list[ResourceFacts], list[str]]:
        unreadable: list[str] = []
        name = url.rstrip("/").rsplit("/", 1)[-1]
        what = f"sqs queue {name}"
        attributes = _optional(sqs.get_queue_attributes, f"{what}: policy", unreadable, QueueUrl=url,
                               AttributeNames=["Policy", "QueueArn"])
        values = (attributes or {}).get("Attributes", {})
        arn = values.get("QueueArn") or f"arn:{PARTITION}:sqs:{region}:{account_id}:{name}"
        policy = _parse(f"queue policy of {name}", values["Policy"], "resource", unreadable) \
            if values.get("Policy") else None
        tags = _optional(sqs.list_queue_tags, f"{what}: tags", unreadable, QueueUrl=url)
        return [ResourceFacts(arn, "sqs", name, "queue", policy, _tags((tags or {}).get("Tags", {})))], unreadable

    return fan.map(queue, readback.queue_urls(sqs))


@dataclass(frozen=True)
class Call:
    """A per-resource call: the client's operation, and its arguments from the resource's ARN and name."""

    operation: str
    arguments: Callable[[str, str], Mapping[str, Any]]

    def answer(self, client: Any, arn: str, name: str, what: str, unreadable: list[str]) -> Any:
        """The call's answer, or None when there is nothing (an unreadable line says why when it was refused)."""
        return _optional(getattr(client, self.operation), what, unreadable, **self.arguments(arn, name))


@dataclass(frozen=True)
class ResourceReader:
    """How to read one service's resources: list them, then read each one's resource policy and tags.

    ``service`` is the boto3 client's name and ``ResourceFacts.service``; ``resource_type`` the Service
    Authorization Reference's key. The listing is the ``list_key`` items of ``list_operation``, each naming the
    resource's ARN in ``arn_field`` and its name in ``name_field`` (None: the ARN's last part). The answer of
    ``policy_call`` holds the policy text under ``policy_field``; it is parsed as a policy of ``policy_kind`` named
    ``policy_name`` (formatted with the resource's name), once ``document``, when given, has put it in the grammar's
    form (it takes the text and the resource's ARN). ``tags_call``'s answer holds the tags under ``tags_field``;
    without it the listing's items carry them. ``arn_of``, when given, names a listed item's (ARN, name) instead of
    the two fields (a listing of bare names). ``qualifiers``, when given, names the resource's qualified ARNs and
    names (a function's aliases and versions), each of which has a policy of its own read with ``policy_call``.
    ``grants``, when given, reads what grants beside the policy (a KMS key's grants) as Allow statements, which are
    decided as statements of the policy.
    """

    service: str
    resource_type: str
    list_operation: str
    list_key: str
    arn_field: str
    name_field: str | None
    policy_call: Call
    policy_field: tuple[str, ...]
    policy_name: str
    policy_what: str  # the policy's word in an unreadable line: "policy", "resource policy", "key policy"
    tags_call: Call | None
    policy_kind: str = "resource"
    document: Callable[[str, str], Any] | None = None
    tags_field: str = "Tags"
    arn_of: Callable[[Any, Any], tuple[str, str]] | None = None
    qualifiers: Callable[[Any, str], Iterable[tuple[str, str]]] | None = None
    grants: Callable[[Any, str, str, list[str]], list[dict[str, Any]]] | None = None


def _principals_as_objects(text: str, arn: str) -> Any:
    """A Lambda policy with every Principal in the grammar's object form.

    AWS returns ``{"AWS": arn}`` / ``{"Service": name}``
    (https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html); moto 5.2 returns the bare
    string given to AddPermission, which the policy grammar allows only for ``"*"``.
    """
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        return text
    for statement in documents.statements(document):
        principal = statement.get("Principal")
        if isinstance(principal, str) and principal != "*":
            statement["Principal"] = {"Service" if principal.endswith(".amazonaws.com") else "AWS": principal}
    return document


def _function_qualifiers(client: Any, name: str) -> Iterator[tuple[str, str]]:
    """A function's aliases and published versions, (qualified ARN, ``name:qualifier``): each has a policy of its
    own, which grants on that qualified ARN only
    (https://docs.aws.amazon.com/lambda/latest/dg/using-aliases.html#versioning-permissions-alias).
    ``$LATEST`` is the unqualified function's."""
    for alias in _pages(client, "list_aliases", "Aliases", FunctionName=name):
        yield alias["AliasArn"], f"{name}:{alias['Name']}"
    for version in _pages(client, "list_versions_by_function", "Versions", FunctionName=name):
        if version["Version"] != "$LATEST":
            yield version["FunctionArn"], f"{name}:{version['Version']}"


def _statements_on_the_repository(text: str, arn: str) -> Any:
    """An ECR repository policy with the repository as each statement's Resource: the policy has no Resource
    element and governs the repository it is set on
    (https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-policies.html)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        return text
    for statement in documents.statements(document):
        if "Resource" not in statement and "NotResource" not in statement:
            statement["Resource"] = arn
    return document


def _key_grants(client: Any, arn: str, name: str, unreadable: list[str]) -> list[dict[str, Any]]:
    """A KMS key's grants as key-policy statements: each allows its grantee its operations on the key, with no
    identity policy needed, as a key policy statement naming the grantee does
    (https://docs.aws.amazon.com/kms/latest/developerguide/grants.html). An encryption-context constraint is a
    condition on ``kms:EncryptionContext:<key>``; EncryptionContextEquals is read as Subset (the pairs must be
    there, others may be too), which can only report more than AWS allows."""
    try:
        grants = list(_pages(client, "list_grants", "Grants", KeyId=name))
    except (ClientError, BotoCoreError) as exc:
        unreadable.append(f"kms key {name}: grants: {_why(exc)}")
        return []
    statements = []
    for grant in grants:
        grantee = str(grant.get("GranteePrincipal", ""))
        constraints = grant.get("Constraints") or {}
        context = constraints.get("EncryptionContextEquals") or constraints.get("EncryptionContextSubset") or {}
        statement: dict[str, Any] = {
            "Sid": f"grant {grant.get('GrantId', '')}", "Effect": "Allow",
            "Principal": {"Service" if grantee.endswith(".amazonaws.com") else "AWS": grantee},
            "Action": [f"kms:{operation}" for operation in grant.get("Operations", ())], "Resource": arn}
        if context:
            statement["Condition"] = {"StringEquals": {f"kms:EncryptionContext:{k}": v for k, v in context.items()}}
        if grantee and statement["Action"]:
            statements.append(statement)
    return statements


def _table(client: Any, name: str) -> tuple[str, str]:
    # ListTables names tables only; DescribeTable gives the ARN its resource policy is read by.
    return client.describe_table(TableName=name)["Table"]["TableArn"], name


RESOURCE_READERS: tuple[ResourceReader, ...] = (
    ResourceReader(
        service="sns", resource_type="topic", list_operation="list_topics", list_key="Topics",
        arn_field="TopicArn", name_field=None,
        policy_call=Call("get_topic_attributes", lambda arn, name: {"TopicArn": arn}),
        policy_field=("Attributes", "Policy"), policy_name="topic policy of {name}", policy_what="policy",
        tags_call=Call("list_tags_for_resource", lambda arn, name: {"ResourceArn": arn})),
    ResourceReader(
        service="secretsmanager", resource_type="secret", list_operation="list_secrets", list_key="SecretList",
        arn_field="ARN", name_field="Name",
        policy_call=Call("get_resource_policy", lambda arn, name: {"SecretId": arn}),
        policy_field=("ResourcePolicy",), policy_name="resource policy of secret {name}",
        policy_what="resource policy",
        tags_call=None),  # ListSecrets gives each secret's tags
    ResourceReader(
        service="kms", resource_type="key", list_operation="list_keys", list_key="Keys",
        arn_field="KeyArn", name_field="KeyId",
        policy_call=Call("get_key_policy", lambda arn, name: {"KeyId": name, "PolicyName": "default"}),
        policy_field=("Policy",), policy_name="key policy of {name}", policy_what="key policy",
        tags_call=Call("list_resource_tags", lambda arn, name: {"KeyId": name}),
        # A key policy must allow explicitly, as a trust policy must: the engine's "key" kind.
        policy_kind="key", grants=_key_grants),
    ResourceReader(
        service="lambda", resource_type="function", list_operation="list_functions", list_key="Functions",
        arn_field="FunctionArn", name_field="FunctionName",
        policy_call=Call("get_policy", lambda arn, name: {"FunctionName": name}),
        policy_field=("Policy",), policy_name="resource policy of function {name}", policy_what="resource policy",
        tags_call=Call("list_tags", lambda arn, name: {"Resource": arn}),
        document=_principals_as_objects, qualifiers=_function_qualifiers),
    ResourceReader(
        service="ecr", resource_type="repository", list_operation="describe_repositories", list_key="repositories",
        arn_field="repositoryArn", name_field="repositoryName",
        policy_call=Call("get_repository_policy", lambda arn, name: {"repositoryName": name}),
        policy_field=("policyText",), policy_name="repository policy of {name}", policy_what="repository policy",
        tags_call=Call("list_tags_for_resource", lambda arn, name: {"resourceArn": arn}), tags_field="tags",
        document=_statements_on_the_repository),
    ResourceReader(
        # https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/access-control-resource-based.html
        service="dynamodb", resource_type="table", list_operation="list_tables", list_key="TableNames",
        arn_field="", name_field=None, arn_of=_table,
        policy_call=Call("get_resource_policy", lambda arn, name: {"ResourceArn": arn}),
        policy_field=("Policy",), policy_name="resource policy of table {name}", policy_what="resource policy",
        tags_call=Call("list_tags_of_resource", lambda arn, name: {"ResourceArn": arn})),
)

# The parts of a snapshot that are read (and re-read) as units: IAM, S3, SQS, then each row of RESOURCE_READERS.
SECTIONS: tuple[str, ...] = ("iam", "s3", "sqs", *(reader.service for reader in RESOURCE_READERS))


# The clients each section's reader uses; the first is the one whose pool its per-resource calls go to.
_SERVICES_OF: Mapping[str, tuple[str, ...]] = MappingProxyType({"s3": ("s3", "s3control")})


def _read_resources(reader: ResourceReader, client_for: Callable[[str], Any],
                    fan: _FanOut) -> Iterator[tuple[list[ResourceFacts], list[str]]]:
    client = client_for(reader.service)

    def resource(item: Any) -> tuple[list[ResourceFacts], list[str]]:
        unreadable: list[str] = []
        if reader.arn_of is not None:
            arn, name = reader.arn_of(client, item)
        else:
            arn = item[reader.arn_field]
            name = item[reader.name_field] if reader.name_field else arn.rsplit(":", 1)[-1]
        what = f"{reader.service} {reader.resource_type} {name}"
        if reader.tags_call is None:
            tags = item.get(reader.tags_field)
        else:
            tags = (reader.tags_call.answer(client, arn, name, f"{what}: tags", unreadable) or {}).get(
                reader.tags_field)
        read = [_read_policy(reader, client, arn, name, _tags(tags), unreadable)]
        # A qualifier carries the resource's tags (Lambda tags the function) and a policy of its own.
        for qualified_arn, qualified in reader.qualifiers(client, name) if reader.qualifiers else ():
            read.append(_read_policy(reader, client, qualified_arn, qualified, _tags(tags), unreadable))
        return read, unreadable

    return fan.map(resource, _pages(client, reader.list_operation, reader.list_key))


def _read_policy(reader: ResourceReader, client: Any, arn: str, name: str, tags: Mapping[str, str],
                 unreadable: list[str]) -> ResourceFacts:
    what = f"{reader.service} {reader.resource_type} {name}"
    text = _field(reader.policy_call.answer(client, arn, name, f"{what}: {reader.policy_what}", unreadable),
                  reader.policy_field)
    document = reader.document(text, arn) if reader.document and text else text
    granted = reader.grants(client, arn, name, unreadable) if reader.grants else []
    if granted:
        document = _with_statements(document, granted)
    policy = _parse(reader.policy_name.format(name=name), document, reader.policy_kind,
                    unreadable) if document else None
    return ResourceFacts(arn, reader.service, name, reader.resource_type, policy, tags)


def _with_statements(document: Any, statements: list[dict[str, Any]]) -> Any:
    """The policy document (text or parsed, or None) with ``statements`` added."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError:
            return document  # refused by the parser, with its reason, as the policy alone would be
    base = dict(document or {"Version": "2012-10-17"})
    base["Statement"] = [*documents.statements(base), *statements]
    return base


def _field(answer: Mapping[str, Any] | None, path: Iterable[str]) -> Any:
    for key in path:
        answer = (answer or {}).get(key)
    return answer
