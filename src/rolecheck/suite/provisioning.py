"""How a scenario's Given steps come by the walkthrough's resources: by creating them, or by locating them.

The compliance suite proves the walkthrough by building it (``Creator``); audit mode proves an existing setup by
finding it (``rolecheck.audit.locate.Locator``). The steps call ``Deployment``, which calls the provisioner it was
given, so the same feature files run both ways and no step knows which. A provisioner sees only the account it
works in (``ProvisionContext``) and returns what it made or found (``Provisioned``): the scene records it.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from rolecheck.aws import operations
from rolecheck.aws.clients import AccessKey, Actor
from rolecheck.aws.operations import Role, User
from rolecheck.aws.registry import ResourceRegistry
from rolecheck.aws.secrets import generate_password
from rolecheck.moto_adapter.federation import saml_metadata
from rolecheck.policydoc import documents

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

    def mfa_device(self, ctx: ProvisionContext, user: User) -> str | None:
        """The serial of the user's MFA device (made and enabled, or found; None when an audited user has none)."""

    def objects(self, ctx: ProvisionContext, bucket: str, keys: Sequence[str]) -> Provisioned[None]:
        """The bucket holds each of ``keys`` (put, or found; a missing one is untried)."""

    def inline_policy(self, ctx: ProvisionContext, role: Role, logical: str, document: Mapping[str, Any]) -> None:
        """The role's inline policy ``logical`` with the reviewed ``document`` (put, or read back and compared)."""

    def queue(self, ctx: ProvisionContext, logical: str) -> Provisioned[tuple[str, str]]:
        """The SQS queue ``logical``: its name and URL."""

    def function(self, ctx: ProvisionContext, logical: str) -> Provisioned[tuple[str, str]]:
        """The Lambda function ``logical``: its name and ARN."""

    def oidc_provider(self, ctx: ProvisionContext, logical: str, issuer_url: str, audience: str) -> Provisioned[str]:
        """The ARN of the IAM OIDC provider ``logical`` for ``issuer_url``, admitting ``audience``."""

    def saml_provider(self, ctx: ProvisionContext, logical: str) -> Provisioned[str]:
        """The ARN of the IAM SAML provider ``logical``, whose identity provider is the suite's own (the target
        mints its assertions)."""

    def foreign_user(self, ctx: ProvisionContext, logical: str, foreign_admin: Any) -> Provisioned[User]:
        """The user ``logical`` of the other account: made by that account's administrator (``foreign_admin()``,
        called only when needed), allowed by its own account to assume this account's roles; or found by ARN."""


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

    def mfa_device(self, ctx: ProvisionContext, user: User) -> str | None:
        iam = ctx.admin.client("iam")
        serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=user.name)["VirtualMFADevice"]["SerialNumber"]
        iam.enable_mfa_device(UserName=user.name, SerialNumber=serial,
                              AuthenticationCode1=MFA_CODES[0], AuthenticationCode2=MFA_CODES[1])
        return serial

    def objects(self, ctx: ProvisionContext, bucket: str, keys: Sequence[str]) -> Provisioned[None]:
        for key in keys:
            operations.put_object(ctx.admin.client("s3"), bucket, key)
        return Provisioned(None)

    def inline_policy(self, ctx: ProvisionContext, role: Role, logical: str, document: Mapping[str, Any]) -> None:
        ctx.admin.client("iam").put_role_policy(RoleName=role.name, PolicyName=logical,
                                                PolicyDocument=documents.dumps(document))

    def queue(self, ctx: ProvisionContext, logical: str) -> Provisioned[tuple[str, str]]:
        name = ctx.registry.unique_name(logical)
        # Tagged with the run's tags: the sweeper finds it by tag on AWS.
        tags = {tag["Key"]: tag["Value"] for tag in ctx.registry.tags()}
        url = ctx.admin.client("sqs").create_queue(QueueName=name, tags=tags)["QueueUrl"]
        ctx.registry.track("queue", url)
        return Provisioned((name, url))

    def function(self, ctx: ProvisionContext, logical: str) -> Provisioned[tuple[str, str]]:
        # Its execution role is tracked but no entity of the scenario: no sentence names it.
        runs_as = operations.create_role(ctx.admin.client("iam"), ctx.registry, f"{logical}-runs-as", {
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "lambda.amazonaws.com"}}]})
        name = ctx.registry.unique_name(logical)
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as bundle:
            bundle.writestr("handler.py", FUNCTION_CODE)
        answer = ctx.admin.client("lambda").create_function(
            FunctionName=name, Runtime="python3.12", Role=runs_as.arn, Handler="handler.handler",
            Code={"ZipFile": archive.getvalue()})
        ctx.registry.track("function", name)
        return Provisioned((name, answer["FunctionArn"]))

    def oidc_provider(self, ctx: ProvisionContext, logical: str, issuer_url: str, audience: str) -> Provisioned[str]:
        # IAM keeps the certificate thumbprint for providers it cannot verify itself; the suite's tokens never reach
        # the issuer, so any well-formed thumbprint does.
        arn = ctx.admin.client("iam").create_open_id_connect_provider(
            Url=issuer_url, ClientIDList=[audience], ThumbprintList=["0" * 40],
            Tags=ctx.registry.tags())["OpenIDConnectProviderArn"]
        ctx.registry.track("oidc-provider", arn)
        return Provisioned(arn)

    def saml_provider(self, ctx: ProvisionContext, logical: str) -> Provisioned[str]:
        name = ctx.registry.unique_name(logical)
        arn = ctx.admin.client("iam").create_saml_provider(
            Name=name, SAMLMetadataDocument=saml_metadata(name), Tags=ctx.registry.tags())["SAMLProviderArn"]
        ctx.registry.track("saml-provider", arn)
        return Provisioned(arn)

    def foreign_user(self, ctx: ProvisionContext, logical: str, foreign_admin: Any) -> Provisioned[User]:
        iam = foreign_admin().client("iam")
        name = ctx.registry.unique_name(logical)
        answer = iam.create_user(UserName=name)["User"]
        iam.put_user_policy(UserName=name, PolicyName="assume-roles-of-the-customer",
                            PolicyDocument=documents.dumps(assume_roles_of(ctx.account_id)))
        return Provisioned(User(name, answer["Arn"], answer["UserId"]))


# moto accepts any six digits for a virtual MFA device; the codes stand for the user's authenticator app.
MFA_CODES = ("123456", "654321")
# A function's code: the probes never invoke it, so one line that returns is enough.
FUNCTION_CODE = b"def handler(event, context):\n    return None\n"


# What the other account's administrator gives its own user: assuming roles of the account under test. A
# cross-account AssumeRole needs the caller's own account to allow it as well as the role's trust policy
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html).
def assume_roles_of(account_id: str) -> dict[str, Any]:
    """The other account's policy for its own user: assume any role of ``account_id``."""
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Resource": f"arn:aws:iam::{account_id}:role/*"}]}
