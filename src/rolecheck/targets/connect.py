"""How the fixtures, the CLI and the sweeper open a target: build it by name, start it, check its caller.

``connect`` is the only way to open one: it refuses (``TargetError``) before any write unless
``safety.check_caller`` accepts the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from rolecheck.aws import safety
from rolecheck.aws.clients import AccessKey, Actor, ClientFactory
from rolecheck.aws.credentials import CredentialOptions
from rolecheck.aws.identity import Identity
from rolecheck.errors import TargetError

from .aws import AwsTarget
from .base import DEFAULT_REGION, Target, check_region
from .moto import MotoTarget
from .moto_server import MotoServerTarget

TARGETS: dict[str, type[Target]] = {"moto": MotoTarget, "moto-server": MotoServerTarget, "aws": AwsTarget}


def make_target(name: str, region: str = DEFAULT_REGION, endpoint_url: str | None = None,
                credentials: CredentialOptions | None = None) -> Target:
    """Build a target by name, or fail with one line naming the known targets."""
    try:
        cls = TARGETS[name]
    except KeyError:
        raise TargetError(f"unknown target {name!r}; choose one of: {', '.join(sorted(TARGETS))}") from None
    check_region(region)
    if endpoint_url is not None:
        parsed = urlparse(endpoint_url)
        try:
            parsed.port  # noqa: B018 - urllib checks the port's range only when it is read
        except ValueError:
            parsed = parsed._replace(netloc="")
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise TargetError(f"not an endpoint URL: {endpoint_url!r} (expected http://host:port or https://host)")
        if cls is MotoTarget:
            raise TargetError("the moto target runs in-process; use --target moto-server with --endpoint-url")
        if cls is AwsTarget:
            # The aws target is AWS's own endpoints, chosen by region: an endpoint URL there is a typo or a copied
            # ROLECHECK_ENDPOINT_URL, and would send a run the user believes is on AWS somewhere else.
            raise TargetError("--endpoint-url is for --target moto-server; the aws target uses AWS's own endpoints "
                              "for --region (unset ROLECHECK_ENDPOINT_URL, or use --target moto-server)")
    credentials = credentials or CredentialOptions()
    if credentials.given and (cls is MotoTarget or (cls is MotoServerTarget and endpoint_url is None)):
        raise TargetError(f"the credential options (--profile, --role-arn, ...) are for --target aws or an "
                          f"--endpoint-url; target {name} makes its own administrator")
    return cls(region=region, endpoint_url=endpoint_url, credentials=credentials)


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
