"""The default target: moto in this process, every request decided by rolecheck's engine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rolecheck.aws.clients import AccessKey
from rolecheck.aws.secrets import Secret

from .base import MOTO_ACCOUNT, MOTO_ADMIN, Target


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

    def web_identity_token(self, issuer_url: str, subject: str, audience: str) -> str | None:
        from rolecheck.moto_adapter.federation import mint_web_identity

        return mint_web_identity(issuer_url, subject, audience)

    def stop(self) -> None:
        if self._mock is None:
            return
        from rolecheck import moto_adapter

        moto_adapter.uninstall()
        self._mock.stop()
        self._mock = None
