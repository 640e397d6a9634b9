"""How a scenario's Given steps come by the walkthrough's resources: by creating them, or by locating them.

The compliance suite proves the walkthrough by building it (``Creator``); audit mode proves an existing setup by
finding it (``rolecheck.audit.locate.Locator``). The steps call ``Deployment``, which calls the provisioner it was
given, so the same feature files run both ways and no step knows which. A provisioner sees only the account it
works in (``ProvisionContext``) and returns what it made or found (``Provisioned``): the scene records it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from rolecheck.aws import operations
from rolecheck.aws.clients import AccessKey, Actor
from rolecheck.aws.operations import Role, User
from rolecheck.aws.registry import ResourceRegistry
from rolecheck.aws.secrets import generate_password

Entity = TypeVar("Entity")


@dataclass(frozen=True)
class ProvisionContext:
    """The account a provisioner works in: the administrator's clients, the run's names and tags, where it runs."""

    admin: Actor
    registry: ResourceRegistry
    region: str
    account_id: str


@dataclass(frozen=True)
class Provisioned(Generic[Entity]):
    """What a provisioner made or found, and the resources (by ARN) that no probe can try for real, with why.

    An audited bucket without the object a probe would read is one: the engine decides that probe instead.
    """

    entity: Entity
    untried: Mapping[str, str] = field(default_factory=dict)


class Provisioner(Protocol):
    """The source of a scenario's user, role, policy and bucket."""

    # False when the provisioner writes nothing: the run is read-only, nothing is torn down or swept.
    writes: bool

    def user(self, ctx: ProvisionContext, logical: str) -> Provisioned[User]:
        """The IAM user the feature calls ``logical``."""

    def role(self, ctx: ProvisionContext, logical: str, trust: Mapping[str, Any]) -> Provisioned[Role]:
        """The role ``logical`` whose trust policy is the reviewed ``trust``."""

    def policy(self, ctx: ProvisionContext, logical: str, document: Mapping[str, Any]) -> Provisioned[str]:
        """The ARN of the customer-managed policy ``logical`` whose document is the reviewed ``document``."""

    def attach(self, ctx: ProvisionContext, role: Role, policy_arn: str) -> None:
        """Make sure the policy is attached to the role (the step checks it afterwards)."""

    def bucket(self, ctx: ProvisionContext, logical: str, object_key: str | None = None) -> Provisioned[str]:
        """The name of the bucket ``logical`` (holding ``object_key`` when given)."""

    def console_access(self, ctx: ProvisionContext, user: User) -> None:
        """The user's console access (the step checks it afterwards)."""

    def user_key(self, ctx: ProvisionContext, user: User) -> AccessKey | None:
        """Credentials that act as the user, or None when the run has none (probes are then the engine's)."""


class Creator:
    """Creates every resource, tagged and tracked for teardown: the compliance suite's own walkthrough."""

    writes = True

    def user(self, ctx: ProvisionContext, logical: str) -> Provisioned[User]:
        return Provisioned(operations.create_user(ctx.admin.client("iam"), ctx.registry, logical))

    def role(self, ctx: ProvisionContext, logical: str, trust: Mapping[str, Any]) -> Provisioned[Role]:
        return Provisioned(operations.create_role(ctx.admin.client("iam"), ctx.registry, logical, trust))

    def policy(self, ctx: ProvisionContext, logical: str, document: Mapping[str, Any]) -> Provisioned[str]:
        return Provisioned(operations.create_policy(ctx.admin.client("iam"), ctx.registry, logical, document))

    def attach(self, ctx: ProvisionContext, role: Role, policy_arn: str) -> None:
        operations.attach_role_policy(ctx.admin.client("iam"), role, policy_arn)

    def bucket(self, ctx: ProvisionContext, logical: str, object_key: str | None = None) -> Provisioned[str]:
        s3 = ctx.admin.client("s3")
        name = operations.create_bucket(s3, ctx.registry, logical, ctx.region)
        if object_key is not None:
            operations.put_object(s3, name, object_key)
        return Provisioned(name)

    def console_access(self, ctx: ProvisionContext, user: User) -> None:
        operations.enable_console_access(ctx.admin.client("iam"), user, generate_password())

    def user_key(self, ctx: ProvisionContext, user: User) -> AccessKey | None:
        return operations.create_access_key(ctx.admin.client("iam"), user)
