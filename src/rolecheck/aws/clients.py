"""Principals the suite acts as, each with boto3 clients created once and re-pointed at new credentials.

Creating a boto3 client costs tens of milliseconds while a moto call costs about one, so a client per step or per
scenario would dominate the run. An ``Actor`` owns one botocore session whose credential provider hands out a
mutable credentials object: signing in again changes what the existing clients sign with, and nothing is rebuilt.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import botocore.session
from botocore import UNSIGNED
from botocore.config import Config
from botocore.credentials import CredentialProvider, CredentialResolver, Credentials

from rolecheck.aws import consistency, snapshot_cache
from rolecheck.aws.call_log import CallRecorder
from rolecheck.aws.secrets import Secret, reveal_on_the_wire
from rolecheck.aws.snapshot_reader import AWS_POOLS, Pools
from rolecheck.errors import TargetError

# Throttling is retried by botocore's standard mode, never by hand.
DEFAULT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=30)


@dataclass(frozen=True)
class ReadSettings:
    """How a target's snapshot reads run: calls in flight per service, and botocore's retry mode for them.

    Adaptive mode (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html) adds a client-side
    rate limiter that backs off on every throttling answer and ramps up again slowly: it keeps a concurrent read
    within a rate-based quota, which is how AWS throttles. Against a simulator that throttles a random share of
    calls whatever the rate (``rolecheck.simulated_aws``), backing off lowers no rate that matters and only slows
    the read (measured: 1,000 calls on 16 threads, 35 s adaptive against 3.6 s standard), so there standard mode's
    retries are the right ones.
    """

    pools: Pools = AWS_POOLS
    retry_mode: str = "adaptive"
    max_attempts: int = 8

    def config(self, base: Config) -> Config:
        """``base`` with this retry mode and enough connections for the largest pool."""
        largest = max(self.pools.of(service) for service in (*self.pools.sizes, "*"))
        return base.merge(Config(retries={"mode": self.retry_mode, "max_attempts": self.max_attempts},
                                 max_pool_connections=max(10, largest)))


# A real account: adaptive retries, the assumed pool sizes.
AWS_READS = ReadSettings()
# moto, in process or as a server: a small pool (in process, the calls share this process's CPU; under the
# AWS-conditions profile, its latency sleeps overlap), standard retries (its throttling is random, not by rate).
SIMULATED_READS = ReadSettings(Pools({"*": 4}), retry_mode="standard")

# Audit mode's allow-list: every operation a read-only run may send, with the IAM action AWS authorizes it as
# (None: no permission needed). ``AUDITOR`` operations are the auditor's own read-back; ``PROBE`` operations are made
# only with the audited user's or its role session's credentials, so the auditor's policy need not grant them.
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
AUDITOR, PROBE = "auditor", "probe"
READ_ONLY_OPERATIONS: dict[str, dict[str, tuple[str | None, str]]] = {
    # The read-back of a principal and its policies (rolecheck.aws.readback) and the account snapshot
    # (rolecheck.aws.snapshot_reader: GetAccountAuthorizationDetails, ListRoles).
    "iam": {op: (f"iam:{op}", AUDITOR) for op in (
        "GetUser", "GetRole", "GetPolicy", "GetPolicyVersion", "GetLoginProfile", "GetUserPolicy", "GetRolePolicy",
        "GetGroupPolicy", "GetAccountAuthorizationDetails", "ListRoles", "ListUserPolicies", "ListRolePolicies",
        "ListGroupPolicies", "ListAttachedUserPolicies", "ListAttachedRolePolicies", "ListAttachedGroupPolicies",
        "ListGroupsForUser", "ListUserTags", "ListRoleTags",
        # The contracts' Givens in an audit: a user's MFA devices, an OIDC provider (rolecheck.audit.locate).
        "ListMFADevices", "GetOpenIDConnectProvider")},
    "s3": {
        "ListBuckets": ("s3:ListAllMyBuckets", AUDITOR),
        "GetBucketPolicy": ("s3:GetBucketPolicy", AUDITOR),
        "GetBucketTagging": ("s3:GetBucketTagging", AUDITOR),
        "GetBucketAbac": ("s3:GetBucketABAC", AUDITOR),
        "GetBucketAcl": ("s3:GetBucketAcl", AUDITOR),
        "GetBucketOwnershipControls": ("s3:GetBucketOwnershipControls", AUDITOR),
        "GetPublicAccessBlock": ("s3:GetBucketPublicAccessBlock", AUDITOR),
        "HeadBucket": ("s3:ListBucket", AUDITOR),
        "ListObjectsV2": ("s3:ListBucket", AUDITOR),
        "GetObject": ("s3:GetObject", PROBE),
    },
    # S3 Control's actions are s3: actions: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
    "s3control": {"GetPublicAccessBlock": ("s3:GetAccountPublicAccessBlock", AUDITOR),
                  "ListAccessPoints": ("s3:ListAccessPoints", AUDITOR),
                  "GetAccessPointPolicy": ("s3:GetAccessPointPolicy", AUDITOR)},
    "sts": {
        # GetCallerIdentity needs no permission and cannot be denied:
        # https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
        "GetCallerIdentity": (None, AUDITOR),
        # A session changes nothing in the account; the audited user makes it with its own credentials.
        "AssumeRole": ("sts:AssumeRole", PROBE),
        # Likewise a token's session (the audited provider's tokens, where the target can mint them).
        "AssumeRoleWithWebIdentity": ("sts:AssumeRoleWithWebIdentity", PROBE),
    },
    # The account snapshot's resource policies (rolecheck.aws.snapshot_reader); ListTopics is also a probe of the role.
    "sns": {"ListTopics": ("sns:ListTopics", AUDITOR), "GetTopicAttributes": ("sns:GetTopicAttributes", AUDITOR),
            "ListTagsForResource": ("sns:ListTagsForResource", AUDITOR)},
    "sqs": {op: (f"sqs:{op}", AUDITOR) for op in ("ListQueues", "GetQueueAttributes", "ListQueueTags",
                                                   "GetQueueUrl")},
    "secretsmanager": {op: (f"secretsmanager:{op}", AUDITOR) for op in ("ListSecrets", "GetResourcePolicy")},
    "kms": {op: (f"kms:{op}", AUDITOR) for op in ("ListKeys", "GetKeyPolicy", "ListResourceTags", "ListGrants")},
    # Each function's aliases and versions have policies of their own.
    "lambda": {op: (f"lambda:{op}", AUDITOR) for op in ("ListFunctions", "GetPolicy", "ListTags", "ListAliases",
                                                        "ListVersionsByFunction", "GetFunction")},
    # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerregistry.html
    "ecr": {op: (f"ecr:{op}", AUDITOR) for op in ("DescribeRepositories", "GetRepositoryPolicy",
                                                  "ListTagsForResource")},
    # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html
    "dynamodb": {op: (f"dynamodb:{op}", AUDITOR) for op in ("ListTables", "DescribeTable", "GetResourcePolicy",
                                                            "ListTagsOfResource")},
}


class WriteRefused(RuntimeError):
    """A read-only client was asked for an operation outside the allow-list; nothing was sent."""

    def __init__(self, service: str, operation: str) -> None:
        self.service, self.operation = service, operation
        super().__init__(f"audit mode is read-only: {service}:{operation} was refused before it was sent")


def read_only(service: str, operation: str) -> bool:
    """True when ``operation`` of ``service`` is on audit mode's read-only allow-list."""
    return operation in READ_ONLY_OPERATIONS.get(service, {})


def auditor_policy() -> dict[str, Any]:
    """The identity policy an auditor needs for a read-only run, derived from the allow-list so they cannot disagree."""
    actions = sorted({action for operations in READ_ONLY_OPERATIONS.values()
                      for action, who in operations.values() if action is not None and who == AUDITOR})
    return {"Version": "2012-10-17",
            "Statement": [{"Sid": "RolecheckAuditReadOnly", "Effect": "Allow", "Action": actions, "Resource": "*"}]}


# Audit mode as the process inherits it: ``rolecheck audit`` sets it for the suite's process, and an audit run sets
# it for its xdist workers and any subprocess. Read when this module is imported, before any option is parsed, so
# no option, ini value or plugin of that process can turn it off; changing the variable later changes nothing.
READ_ONLY_ENV = "ROLECHECK_READ_ONLY"
_READ_ONLY_PROCESS = os.environ.get(READ_ONLY_ENV) == "1"


def enforce_read_only() -> None:
    """Make every client this process (and its children) creates from now on refuse writes; there is no way back."""
    global _READ_ONLY_PROCESS
    _READ_ONLY_PROCESS = True
    os.environ[READ_ONLY_ENV] = "1"


def read_only_process() -> bool:
    """True when this process is an audit's: every client it creates refuses writes."""
    return _READ_ONLY_PROCESS


def _refuse_writes(model: Any, **_: Any) -> None:
    service = model.service_model.service_name
    if not read_only(service, model.name):
        raise WriteRefused(service, model.name)


def guard(client: Any, *, read_only: bool = False) -> Any:
    """Register rolecheck's request hooks on any botocore client: ``Secret`` parameters go on the wire masked in
    every traceback, and an audit's process (or ``read_only``) refuses writes before anything is built."""
    # register_first is last-in, first-run: the refusal, registered after, runs before a secret is unwrapped.
    # A unique id each, so guarding a client twice (a caller's, then the applier's) registers each hook once.
    client.meta.events.register_first("before-parameter-build", reveal_on_the_wire,
                                      unique_id="rolecheck-reveal-on-the-wire")
    if read_only or _READ_ONLY_PROCESS:
        client.meta.events.register_first("before-parameter-build", _refuse_writes, unique_id="rolecheck-read-only")
    return client


@dataclass(frozen=True)
class AccessKey:
    """Long-term or temporary credentials; the secret parts are masked in every rendering."""

    access_key_id: str
    secret_access_key: Secret
    session_token: Secret | None = None
    expiration: datetime | None = None

    @property
    def temporary(self) -> bool:
        return self.session_token is not None


def profile_key(profile: str, whose: str) -> AccessKey:
    """The credentials of a named AWS profile (``whose``: "the audited user's"...), frozen; one ``TargetError`` line
    when the profile is unknown or holds none."""
    from botocore.exceptions import BotoCoreError

    try:
        credentials = botocore.session.Session(profile=profile).get_credentials()
        frozen = credentials.get_frozen_credentials() if credentials is not None else None
    except BotoCoreError as exc:
        raise TargetError(f"cannot load {whose} credentials from profile {profile!r}: {exc}") from None
    if frozen is None or not frozen.access_key:
        raise TargetError(f"profile {profile!r} holds no credentials ({whose} were expected)")
    return AccessKey(frozen.access_key, Secret(frozen.secret_key), Secret(frozen.token) if frozen.token else None)


class _SwitchableCredentials(Credentials):
    """Credentials whose values change on sign-in; botocore reads them afresh for every request it signs."""

    def __init__(self) -> None:
        super().__init__("", "", None, method="rolecheck-actor")

    def switch(self, key: AccessKey) -> None:
        self.access_key = key.access_key_id
        self.secret_key = key.secret_access_key.reveal()
        self.token = key.session_token.reveal() if key.session_token else None

    def __repr__(self) -> str:
        return f"<credentials {self.access_key or 'none'}>"


class _ActorProvider(CredentialProvider):
    METHOD = "rolecheck-actor"

    def __init__(self, credentials: Credentials) -> None:
        self._credentials = credentials

    def load(self) -> Credentials:
        return self._credentials


def at_single_endpoint(client: Any, endpoint: str) -> Any:
    """``client``, made with ``endpoint_url=endpoint``, kept at that one endpoint for every operation.

    One endpoint (a moto server) serves every service, but S3 Control's endpoint rules put the account id in front
    of its host ("123456789012.localhost"), which does not resolve; its requests go to the endpoint itself. Other
    services are left as they are."""
    if client.meta.service_model.service_name == "s3control":
        client.meta.events.register("before-sign.s3-control", functools.partial(_to_endpoint, endpoint=endpoint))
    return client


def _to_endpoint(request: Any, endpoint: str, **_: Any) -> None:
    """Point a request at ``endpoint``'s own host, keeping its path and query."""
    url, target = urlsplit(request.url), urlsplit(endpoint)
    request.url = urlunsplit((target.scheme, target.netloc, url.path, url.query, url.fragment))


@functools.cache
def _shared_loader() -> Any:
    """One service-model loader per process: every factory and actor reuses the models it has parsed."""
    return botocore.session.get_session().get_component("data_loader")


class ClientFactory:
    """Shared by every actor of a target: region, endpoint and one service-model loader for all sessions."""

    def __init__(self, region: str, endpoint_url: str | None = None, recorder: CallRecorder | None = None,
                 config: Config = DEFAULT_CONFIG, *, read_only: bool = False,
                 reads: ReadSettings = SIMULATED_READS) -> None:
        self.region = region
        self.endpoint_url = endpoint_url
        self.recorder = recorder
        self.config = config
        # Audit mode: every client refuses any operation outside READ_ONLY_OPERATIONS before building the request.
        # The process-wide mode is asked again in create(), so a factory made before it was enforced obeys it too.
        self.read_only = read_only
        self._loader = _shared_loader()
        self.clients_created = 0
        self.reads = reads
        # One target's snapshots, shared by its actors; the suite's writes through any factory mark them stale.
        self.snapshots = snapshot_cache.SnapshotCache(pools=reads.pools, recorder=recorder)

    def new_session(self, credentials: Credentials | None) -> botocore.session.Session:
        session = botocore.session.get_session()
        session.register_component("data_loader", self._loader)
        if credentials is not None:
            session.register_component("credential_provider", CredentialResolver([_ActorProvider(credentials)]))
        return session

    def create(self, session: botocore.session.Session, service: str, actor: str, unsigned: bool = False, *,
               account: Callable[[], str | None] = lambda: None, config: Config | None = None) -> Any:
        """A client of ``service`` for ``session``, watched: its calls recorded, its writes noted (``account()``:
        whose account they change, None when unknown: every account's snapshot is then re-read). ``config``
        replaces the factory's (a snapshot reader's retry mode)."""
        config = config or self.config
        config = config.merge(Config(signature_version=UNSIGNED)) if unsigned else config
        client = session.create_client(service, region_name=self.region, endpoint_url=self.endpoint_url,
                                       config=config)
        self.clients_created += 1
        if self.endpoint_url is not None:
            at_single_endpoint(client, self.endpoint_url)
        guard(client, read_only=self.read_only)
        consistency.watch(client)
        snapshot_cache.watch(client, account)
        if self.recorder is not None:
            self.recorder.watch(client, actor)
        return client


class Actor:
    """A principal the suite acts as: the administrator, the user, the user's role session, an outsider."""

    def __init__(self, label: str, factory: ClientFactory, *, anonymous: bool = False,
                 account: str | None = None) -> None:
        self.label = label
        self.anonymous = anonymous
        # The account this actor writes to, when known: its writes mark only that account's snapshot stale.
        self.account = account
        self.factory = factory
        self._credentials = _SwitchableCredentials()
        self._session = factory.new_session(None if anonymous else self._credentials)
        self._clients: dict[str, Any] = {}
        self._readers: dict[str, Any] = {}
        self.key: AccessKey | None = None

    def another(self, label: str, *, anonymous: bool = False) -> Actor:
        """A new, signed-out (or anonymous) actor with the same client settings (endpoint, region, recorder)."""
        return Actor(label, self.factory, anonymous=anonymous)

    def sign_in(self, key: AccessKey) -> Actor:
        """Act with these credentials from now on; existing clients follow."""
        if self.anonymous:
            raise ValueError("an anonymous actor has no credentials")
        self.key = key
        self._credentials.switch(key)
        return self

    def client(self, service: str) -> Any:
        """The actor's client for ``service``, created on first use and reused for the rest of the run."""
        if service not in self._clients:
            self._clients[service] = self.factory.create(self._session, service, self.label, self.anonymous,
                                                          account=lambda: self.account)
        return self._clients[service]

    def reader(self, service: str) -> Any:
        """The actor's client for concurrent snapshot reads of ``service``: the target's retry mode
        (``ReadSettings``), a connection per call in flight; created on first use, in the calling thread."""
        if service not in self._readers:
            self._readers[service] = self.factory.create(self._session, service, self.label, self.anonymous,
                                                          account=lambda: self.account,
                                                          config=self.factory.reads.config(self.factory.config))
        return self._readers[service]

    def __repr__(self) -> str:
        key_id = self.key.access_key_id if self.key else "signed out"
        return f"<actor {self.label} ({key_id})>"
