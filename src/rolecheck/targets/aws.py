"""A real AWS account as the target, with the credentials the options name (``rolecheck.aws.credentials``)."""

from __future__ import annotations

from dataclasses import dataclass

from rolecheck.aws.clients import AccessKey
from rolecheck.aws.consistency import DEFAULT_AWS_TIMEOUT
from rolecheck.aws.credentials import resolve

from .base import Target


@dataclass
class AwsTarget(Target):
    """A real account: boto3's standard credential chain (AWS_PROFILE, environment, SSO, instance role) or --profile,
    then the --role-arn session when one is named."""

    name = "aws"
    consistency_timeout = DEFAULT_AWS_TIMEOUT

    def start(self) -> AccessKey:
        return resolve(self.credentials, self.region, None, self.describe())

    def stop(self) -> None:
        """Nothing to stop: the account outlives the run."""

