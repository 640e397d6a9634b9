"""Where the suite runs: in-process moto (the default), a moto server over HTTP, or a real AWS account.

A target starts its backend, hands out the administrator's credentials and stops cleanly. Everything above it
talks to AWS APIs through boto3 and cannot tell the targets apart, except for ``controllable_clock``: only a
target whose clock the suite can move runs the expiry checks without waiting. The targets themselves are in
``moto``, ``moto_server`` and ``aws``; ``connect`` builds one by name and opens it.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from rolecheck.aws.clients import AWS_READS, AccessKey
from rolecheck.aws.credentials import CredentialOptions
from rolecheck.errors import TargetError

DEFAULT_REGION = "us-east-1"
MOTO_ACCOUNT = "123456789012"
MOTO_ADMIN = "rolecheck-admin"


@dataclass
class Target(ABC):
    """A place to run the suite."""

    region: str = DEFAULT_REGION
    endpoint_url: str | None = None
    # How a target that does not make its own administrator (aws, an external endpoint) finds its credentials.
    credentials: CredentialOptions = field(default_factory=CredentialOptions)
    account_id: str | None = field(default=None, init=False)

    name = "abstract"
    consistency_timeout = 0.0
    # How the snapshot is read here (pools, retry mode): a real account's by default, moto's on the moto targets.
    reads = AWS_READS

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

    def web_identity_token(self, issuer_url: str, subject: str, audience: str) -> str | None:
        """An OIDC token from ``issuer_url`` for ``subject`` that this target's STS verifies, or None where the suite
        cannot mint one (a real account: only the provider holds its signing key); the engine then decides."""
        return None

    def saml_assertion(self, provider_arn: str, role_arn: str, subject: str) -> str | None:
        """A SAML assertion of the IAM SAML provider ``provider_arn`` letting ``subject`` take ``role_arn``, that this
        target's STS verifies, or None where the suite cannot mint one (a real account: only the identity provider
        holds its signing key); the engine then decides."""
        return None

    def describe(self) -> str:
        """Where requests go, for one-line messages and the report's environment."""
        return f"target {self.name} ({self.endpoint_url or 'AWS ' + self.region})"


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
