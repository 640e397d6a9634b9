"""How a scenario's Given steps come by the walkthrough's resources: by creating them, or by locating them.

The compliance suite proves the walkthrough by building it (``Creator``); audit mode proves an existing setup by
finding it (``rolecheck.audit.locate.Locator``). The steps call ``Deployment``, which calls the provisioner it was
given, so the same feature files run both ways and no step knows which.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from rolecheck.aws import operations
from rolecheck.aws.clients import AccessKey
from rolecheck.aws.operations import Role, User
from rolecheck.aws.secrets import generate_password

if TYPE_CHECKING:
    from rolecheck.suite.scene import Deployment


class Provisioner(Protocol):
    """The source of a scenario's user, role, policy and bucket."""

    # False when the provisioner writes nothing: the run is read-only, nothing is torn down or swept.
    writes: bool

    def user(self, deployment: Deployment, logical: str) -> User:
        """The IAM user the feature calls ``logical``."""

    def role(self, deployment: Deployment, logical: str, trust: Mapping[str, Any]) -> Role:
        """The role ``logical`` whose trust policy is the reviewed ``trust``."""

    def policy(self, deployment: Deployment, logical: str, document: Mapping[str, Any]) -> str:
        """The ARN of the customer-managed policy ``logical`` whose document is the reviewed ``document``."""

    def attach(self, deployment: Deployment, role: Role, policy_arn: str) -> None:
        """Make sure the policy is attached to the role (the step checks it afterwards)."""

    def bucket(self, deployment: Deployment, logical: str, object_key: str | None = None) -> str:
        """The bucket ``logical`` (holding ``object_key`` when given); returns its name."""

    def console_access(self, deployment: Deployment, user: User) -> None:
        """The user's console access (the step checks it afterwards)."""

    def user_key(self, deployment: Deployment, user: User) -> AccessKey | None:
        """Credentials that act as the user, or None when the run has none (probes are then the engine's)."""


class Creator:
    """Creates every resource, tagged and tracked for teardown: the compliance suite's own walkthrough."""

    writes = True

    def user(self, deployment: Deployment, logical: str) -> User:
        return operations.create_user(deployment.admin.client("iam"), deployment.registry, logical)

    def role(self, deployment: Deployment, logical: str, trust: Mapping[str, Any]) -> Role:
        return operations.create_role(deployment.admin.client("iam"), deployment.registry, logical, trust)

    def policy(self, deployment: Deployment, logical: str, document: Mapping[str, Any]) -> str:
        return operations.create_policy(deployment.admin.client("iam"), deployment.registry, logical, document)

    def attach(self, deployment: Deployment, role: Role, policy_arn: str) -> None:
        operations.attach_role_policy(deployment.admin.client("iam"), role, policy_arn)

    def bucket(self, deployment: Deployment, logical: str, object_key: str | None = None) -> str:
        s3 = deployment.admin.client("s3")
        name = operations.create_bucket(s3, deployment.registry, logical, deployment.region)
        if object_key is not None:
            operations.put_object(s3, name, object_key)
        return name

    def console_access(self, deployment: Deployment, user: User) -> None:
        operations.enable_console_access(deployment.admin.client("iam"), user, generate_password())

    def user_key(self, deployment: Deployment, user: User) -> AccessKey | None:
        return operations.create_access_key(deployment.admin.client("iam"), user)
