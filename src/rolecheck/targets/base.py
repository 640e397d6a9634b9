"""Where the suite runs: in-process moto (the default), a moto server over HTTP, or a real AWS account.

A target starts its backend, hands out the administrator's credentials and stops cleanly. Everything above it
talks to AWS APIs through boto3 and cannot tell the targets apart, except for ``controllable_clock``: only a
target whose clock the suite can move runs the expiry checks without waiting.

``connect`` is the only way the fixtures and the sweeper open a target: it starts it and refuses (``TargetError``)
before any write unless ``safety.check_caller`` accepts the caller.
"""

from __future__ import annotations

import functools
import io
import re
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlparse

from rolecheck.aws import safety
from rolecheck.aws.clients import AccessKey, Actor, ClientFactory
from rolecheck.aws.consistency import DEFAULT_AWS_TIMEOUT
from rolecheck.aws.identity import Identity
from rolecheck.aws.secrets import Secret
from rolecheck.errors import TargetError

DEFAULT_REGION = "us-east-1"
MOTO_ACCOUNT = "123456789012"
MOTO_ADMIN = "rolecheck-admin"

_READ_OPERATIONS = re.compile(r"^(Get|List|Describe|Head|Simulate)")
_UNSIGNED_SERVICE = "rolecheck.unsigned_service"
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")


@dataclass
class Target(ABC):
    """A place to run the suite."""

    region: str = DEFAULT_REGION
    endpoint_url: str | None = None
    account_id: str | None = field(default=None, init=False)

    name = "abstract"
    consistency_timeout = 0.0

    @abstractmethod
    def start(self) -> AccessKey:
        """Start the backend and return the administrator's credentials."""

    @abstractmethod
    def stop(self) -> None:
        """Stop the backend; idempotent."""

    @property
    def own_account(self) -> str | None:
        """The account of a backend this target simulates itself; None when it may be a real account."""
        return None

    @property
    def in_process(self) -> bool:
        """True when the backend's state lives in this process, so principals can be made without a request."""
        return self.own_account is not None

    @property
    def controllable_clock(self) -> bool:
        """A backend in this process reads this process's clock, which the suite can move (time-machine)."""
        return self.in_process

    def describe(self) -> str:
        """Where requests go, for one-line messages and the report's environment."""
        return f"target {self.name} ({self.endpoint_url or 'AWS ' + self.region})"


@dataclass
class MotoTarget(Target):
    """In-process moto, with every request decided by rolecheck's engine instead of moto's own checks."""

    name = "moto"
    admin_user: str = MOTO_ADMIN

    def __post_init__(self) -> None:
        self._mock: Any = None

    @property
    def own_account(self) -> str | None:
        return MOTO_ACCOUNT

    def start(self) -> AccessKey:
        from moto import mock_aws

        from rolecheck import moto_adapter

        self.account_id = MOTO_ACCOUNT
        self._mock = mock_aws()
        self._mock.start()
        moto_adapter.install()
        key_id, secret = moto_adapter.bootstrap_admin(self.account_id, self.admin_user)
        return AccessKey(key_id, Secret(secret))

    def stop(self) -> None:
        if self._mock is None:
            return
        from rolecheck import moto_adapter

        moto_adapter.uninstall()
        self._mock.stop()
        self._mock = None


class MotoServer:
    """moto's server application with rolecheck's engine, on a free local port in a background thread.

    It does what moto's ``ThreadedMotoServer`` does, and also notes the operation of every request it receives,
    so that tests can count the writes a refused run made: zero.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.operations: list[str] = []
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> str:
        """Install the adapter, start serving and return the endpoint URL."""
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
        from werkzeug.serving import make_server

        from rolecheck import moto_adapter

        class QuietHandler(MotoRequestHandler):
            def log_request(self, *args: Any, **kwargs: Any) -> None:
                """One access-log line per API call would drown the test output."""

        class Dispatcher(DomainDispatcherApplication):
            def infer_service_region_host(self, environ: dict[str, Any], path: str) -> str | None:
                """An unsigned STS or IAM call goes to its service, as it would by host name on AWS."""
                service = environ.get(_UNSIGNED_SERVICE)
                return f"{service}.amazonaws.com" if service else super().infer_service_region_host(environ, path)

        moto_adapter.install()
        app = Dispatcher(create_backend_app)
        self._server = make_server(self.host, self.port, self._noting(app), threaded=True,
                                   request_handler=QuietHandler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto-server", daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        """Stop serving and remove the adapter; idempotent."""
        if self._server is None:
            return
        from rolecheck import moto_adapter

        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = None
        moto_adapter.uninstall()

    def writes(self) -> list[str]:
        """The operations received so far that can change state (everything but Get/List/Describe/Head)."""
        return [op for op in self.operations if not _READ_OPERATIONS.match(op.split(":", 1)[1])]

    def _noting(self, app: Any) -> Any:
        def noted(environ: dict[str, Any], start_response: Any) -> Any:
            self.operations.append(_route(environ))
            return app(environ, start_response)

        return noted


def _route(environ: dict[str, Any]) -> str:
    """``service:Operation`` of a request (``s3:<METHOD>`` for S3's REST API), pointing unsigned ones at their service.

    moto's server tells the services apart by the signature's credential scope. Real AWS tells them apart by
    host name (sts.amazonaws.com), so an unsigned STS or IAM call must reach that service and be refused there,
    not land in S3, moto's guess for an unsigned request.
    """
    scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    action = parse_qs(environ.get("QUERY_STRING", "")).get("Action")
    if not action and environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        # The application reads the body again after us.
        environ["wsgi.input"] = io.BytesIO(body)
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
    service = scope.group(1) if scope else None
    if service is None and action:
        service = _query_service_of(action[0])
        environ[_UNSIGNED_SERVICE] = service
    service = service or "unsigned"
    if action:
        return f"{service}:{action[0]}"
    # JSON-protocol services (SQS, KMS, Secrets Manager...) name the operation in a header: "AmazonSQS.ListQueues".
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return f"{service}:{target.rsplit('.', 1)[-1]}"
    method = environ.get("REQUEST_METHOD", "GET")
    return f"{service}:{'Head' if method == 'HEAD' else 'Get' if method == 'GET' else method}"


@functools.cache
def _query_operations() -> dict[str, str]:
    import botocore.session

    loader = botocore.session.get_session().get_component("data_loader")
    return {operation: service for service in ("iam", "sts")
            for operation in loader.load_service_model(service, "service-2")["operations"]}


def _query_service_of(action: str) -> str | None:
    return _query_operations().get(action)


@dataclass
class MotoServerTarget(Target):
    """moto over HTTP, exactly as a remote endpoint is used: started locally, or any endpoint given by URL.

    Without ``endpoint_url`` it starts a ``MotoServer`` in this process with its own administrator, and its
    account is the suite's own simulation. With ``endpoint_url`` it is someone else's endpoint: the credentials
    come from boto3's standard chain and the account must be allowlisted like a real one.
    """

    name = "moto-server"
    admin_user: str = MOTO_ADMIN

    def __post_init__(self) -> None:
        self.server: MotoServer | None = None
        self._external = self.endpoint_url is not None

    @property
    def own_account(self) -> str | None:
        return None if self._external else MOTO_ACCOUNT

    def start(self) -> AccessKey:
        if self._external:
            return chain_credentials(self.region, self.describe())
        from rolecheck import moto_adapter

        self.server = MotoServer()
        self.endpoint_url = self.server.start()
        self.account_id = MOTO_ACCOUNT
        key_id, secret = moto_adapter.bootstrap_admin(self.account_id, self.admin_user)
        return AccessKey(key_id, Secret(secret))

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


@dataclass
class AwsTarget(Target):
    """A real account, through boto3's standard credential chain (AWS_PROFILE, environment, SSO, instance role)."""

    name = "aws"
    consistency_timeout = DEFAULT_AWS_TIMEOUT

    def start(self) -> AccessKey:
        return chain_credentials(self.region, self.describe())

    def stop(self) -> None:
        """Nothing to stop: the account outlives the run."""


def chain_credentials(region: str, where: str) -> AccessKey:
    """The credentials boto3 would use by default, frozen; one ``TargetError`` line when there are none."""
    import botocore.session
    from botocore.exceptions import BotoCoreError

    try:
        credentials = botocore.session.get_session().get_credentials()
        frozen = credentials.get_frozen_credentials() if credentials is not None else None
    except BotoCoreError as exc:
        raise TargetError(f"cannot load AWS credentials for {where}: {exc}") from None
    if frozen is None or not frozen.access_key:
        raise TargetError(f"no AWS credentials for {where}: set AWS_PROFILE or AWS_ACCESS_KEY_ID and "
                          "AWS_SECRET_ACCESS_KEY, or sign in with `aws sso login`")
    return AccessKey(frozen.access_key, Secret(frozen.secret_key), Secret(frozen.token) if frozen.token else None)


TARGETS: dict[str, type[Target]] = {"moto": MotoTarget, "moto-server": MotoServerTarget, "aws": AwsTarget}


@functools.cache
def known_regions() -> frozenset[str]:
    """Every region of every partition in botocore's own endpoint data (aws, aws-cn, aws-us-gov, ...)."""
    import botocore.session

    data = botocore.session.get_session().get_component("data_loader").load_data("endpoints")
    return frozenset(region for partition in data["partitions"] for region in partition["regions"])


def check_region(region: str) -> None:
    """Refuse a region botocore does not know, in one line with the closest known names."""
    if region in known_regions():
        return
    import difflib

    import botocore

    close = difflib.get_close_matches(region, sorted(known_regions()), n=3, cutoff=0.5)
    hint = f"did you mean {' or '.join(close)}? " if close else ""
    raise TargetError(f"unknown AWS region {region!r}: {hint}(the regions botocore {botocore.__version__} knows; "
                      "a region newer than that needs a newer botocore)")


def make_target(name: str, region: str = DEFAULT_REGION, endpoint_url: str | None = None) -> Target:
    """Build a target by name, or fail with one line naming the known targets."""
    try:
        cls = TARGETS[name]
    except KeyError:
        raise TargetError(f"unknown target {name!r}; choose one of: {', '.join(sorted(TARGETS))}") from None
    check_region(region)
    if endpoint_url is not None:
        parsed = urlparse(endpoint_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise TargetError(f"not an endpoint URL: {endpoint_url!r} (expected http://host:port or https://host)")
        if cls is MotoTarget:
            raise TargetError("the moto target runs in-process; use --target moto-server with --endpoint-url")
        if cls is AwsTarget:
            # The aws target is AWS's own endpoints, chosen by region: an endpoint URL there is a typo or a copied
            # ROLECHECK_ENDPOINT_URL, and would send a run the user believes is on AWS somewhere else.
            raise TargetError("--endpoint-url is for --target moto-server; the aws target uses AWS's own endpoints "
                              "for --region (unset ROLECHECK_ENDPOINT_URL, or use --target moto-server)")
    return cls(region=region, endpoint_url=endpoint_url)


@dataclass
class Connection:
    """A started target whose caller passed the safety check."""

    target: Target
    admin_key: AccessKey
    identity: Identity


def connect(target: Target, allowed: frozenset[str]) -> Connection:
    """Start ``target`` and check its caller before anything is written; stop it again if the check fails."""
    try:
        key = target.start()
        factory = ClientFactory(target.region, target.endpoint_url, config=safety.PREFLIGHT_CONFIG)
        sts = Actor("safety check", factory).sign_in(key).client("sts")
        identity = safety.resolve_identity(sts, target.describe())
        safety.check_caller(identity, allowed, implicitly_allowed=target.own_account)
    except BaseException:
        target.stop()
        raise
    target.account_id = identity.account
    return Connection(target, key, identity)
