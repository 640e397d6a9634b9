"""Where the suite runs: in-process moto with the AWS-faithful engine (the default), and the targets to come.

A target starts its backend, hands out the administrator's credentials and stops cleanly. Everything above it
talks to AWS APIs through boto3 and cannot tell the targets apart, except for ``controllable_clock``: only a
target whose clock the suite can move runs the expiry checks without waiting.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from rolecheck.clients import AccessKey
from rolecheck.errors import TargetError
from rolecheck.secrets import Secret

DEFAULT_REGION = "us-east-1"
MOTO_ACCOUNT = "123456789012"


@dataclass
class Target(ABC):
    """A place to run the suite."""

    region: str = DEFAULT_REGION
    endpoint_url: str | None = None
    account_id: str | None = field(default=None, init=False)

    name = "abstract"
    controllable_clock = False

    @abstractmethod
    def start(self) -> AccessKey:
        """Start the backend and return the administrator's credentials."""

    @abstractmethod
    def stop(self) -> None:
        """Stop the backend; idempotent."""


@dataclass
class MotoTarget(Target):
    """In-process moto, with every request decided by rolecheck's engine instead of moto's own checks."""

    name = "moto"
    controllable_clock = True
    admin_user: str = "rolecheck-admin"

    def __post_init__(self) -> None:
        self._mock = None

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


TARGETS: dict[str, type[Target]] = {"moto": MotoTarget}


def make_target(name: str, region: str = DEFAULT_REGION, endpoint_url: str | None = None) -> Target:
    """Build a target by name, or fail with one line naming the known targets."""
    try:
        cls = TARGETS[name]
    except KeyError:
        raise TargetError(f"unknown target {name!r}; choose one of: {', '.join(sorted(TARGETS))}") from None
    return cls(region=region, endpoint_url=endpoint_url)
