"""A real AWS account as the target, and the credentials boto3's standard chain finds."""

from __future__ import annotations

from dataclasses import dataclass

from rolecheck.aws.clients import AccessKey
from rolecheck.aws.consistency import DEFAULT_AWS_TIMEOUT
from rolecheck.aws.secrets import Secret
from rolecheck.errors import TargetError

from .base import Target


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
