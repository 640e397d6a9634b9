"""The audit provisioner: the Given steps find the mapped resources instead of creating them, and compare them.

Each reviewed document in a feature file is compared with the one read back, semantically (statement order, a
single value or a one-element list, and Sids do not matter). The difference is attached to the Given step, and the
Then-steps that claim "the ... read back from the account is the reviewed document" fail with it; the Given itself
goes on, so that a misconfigured role is still judged by every other check (who can assume it, what its session
can do), which is the audit's point.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from rolecheck.audit.mapping import AuditMapping
from rolecheck.aws import readback
from rolecheck.aws.clients import AccessKey
from rolecheck.aws.operations import Role, User
from rolecheck.policydoc import documents
from rolecheck.report.evidence import attach_text
from rolecheck.suite.provisioning import ProvisionContext, Provisioned


def report_difference(name: str, deployed: Mapping[str, Any], reviewed: Mapping[str, Any]) -> None:
    """Attach what sets the deployed document apart from the reviewed one (or that nothing does) to the step."""
    found = documents.differences(deployed, reviewed)
    attach_text(f"deployed {name} compared with the reviewed document",
                "\n".join(found) if found else "equivalent to the reviewed document")


class Locator:
    """Finds what the mapping names (or, for the parts of a role and the kinds named by their own name, what the
    logical name names); writes nothing."""

    writes = False

    def __init__(self, mapping: AuditMapping, user_key: AccessKey | None = None) -> None:
        self.mapping = mapping
        self._user_key = user_key

    def user(self, ctx: ProvisionContext, logical: str) -> Provisioned[User]:
        answer = ctx.admin.client("iam").get_user(UserName=self.mapping.name(logical, "user"))["User"]
        return Provisioned(User(name=answer["UserName"], arn=answer["Arn"], user_id=answer["UserId"]))

    def role(self, ctx: ProvisionContext, logical: str, trust: Mapping[str, Any]) -> Provisioned[Role]:
        iam = ctx.admin.client("iam")
        answer = iam.get_role(RoleName=self.mapping.name(logical, "role"))["Role"]
        role = Role(name=answer["RoleName"], arn=answer["Arn"], role_id=answer["RoleId"],
                    max_session_duration=int(answer.get("MaxSessionDuration", 3600)))
        deployed = documents.from_api(answer["AssumeRolePolicyDocument"])
        report_difference("trust policy", deployed, trust)
        return Provisioned(role)

    def policy(self, ctx: ProvisionContext, logical: str, document: Mapping[str, Any]) -> Provisioned[str]:
        arn = self.mapping.policy_arn(logical, ctx.account_id)
        deployed = readback.managed_policy(ctx.admin.client("iam"), arn).document
        report_difference("permission policy", deployed, document)
        return Provisioned(arn)

    def attach(self, ctx: ProvisionContext, role: Role, policy_arn: str) -> None:
        """Nothing to do: the step reads the attachment back and checks it."""

    def bucket(self, ctx: ProvisionContext, logical: str, object_key: str | None = None) -> Provisioned[str]:
        name = self.mapping.name(logical, "bucket")
        s3 = ctx.admin.client("s3")
        s3.head_bucket(Bucket=name)
        if object_key is not None and not s3.list_objects_v2(Bucket=name, Prefix=object_key, MaxKeys=1).get("Contents"):
            # S3 answers AccessDenied for a missing key to a caller without s3:ListBucket, so a live GetObject could
            # not tell "refused" from "no such object": the engine decides the object's probes instead.
            return Provisioned(name, {f"arn:aws:s3:::{name}/{object_key}":
                                      f"the audited bucket {name} holds no object {object_key} to try"})
        return Provisioned(name)

    def console_access(self, ctx: ProvisionContext, user: User) -> None:
        """Nothing to do: the step reads the login profile back and checks it."""

    def user_key(self, ctx: ProvisionContext, user: User) -> AccessKey | None:
        return self._user_key

    def mfa_device(self, ctx: ProvisionContext, user: User) -> str | None:
        devices = ctx.admin.client("iam").list_mfa_devices(UserName=user.name)["MFADevices"]
        attach_text("MFA devices of the audited user", "\n".join(d["SerialNumber"] for d in devices) or
                    "none: the user cannot sign in with MFA")
        # An audit never holds the device's seed: the trials that need its code are the engine's (the step says so).
        return devices[0]["SerialNumber"] if devices else None

    def objects(self, ctx: ProvisionContext, bucket: str, keys: Sequence[str]) -> Provisioned[None]:
        s3 = ctx.admin.client("s3")
        missing = [key for key in keys
                   if not s3.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1).get("Contents")]
        # As for the walkthrough's object: a refusal of a missing key cannot be told from a denial.
        return Provisioned(None, {f"arn:aws:s3:::{bucket}/{key}": f"the audited bucket {bucket} holds no object "
                                  f"{key} to try" for key in missing})

    def inline_policy(self, ctx: ProvisionContext, role: Role, logical: str, document: Mapping[str, Any]) -> None:
        name = self.mapping.entries.get(logical, logical)
        try:
            answer = ctx.admin.client("iam").get_role_policy(RoleName=role.name, PolicyName=name)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "NoSuchEntity":
                raise
            attach_text(f"deployed inline policy {name} compared with the reviewed document",
                        f"the role {role.name} has no inline policy {name}")
            return
        report_difference(f"inline policy {name}", documents.from_api(answer["PolicyDocument"]), document)

    def queue(self, ctx: ProvisionContext, logical: str) -> Provisioned[tuple[str, str]]:
        name = self.mapping.name(logical, "queue")
        return Provisioned((name, ctx.admin.client("sqs").get_queue_url(QueueName=name)["QueueUrl"]))

    def function(self, ctx: ProvisionContext, logical: str) -> Provisioned[tuple[str, str]]:
        name = self.mapping.name(logical, "function")
        answer = ctx.admin.client("lambda").get_function(FunctionName=name)["Configuration"]
        return Provisioned((answer["FunctionName"], answer["FunctionArn"]))

    def oidc_provider(self, ctx: ProvisionContext, logical: str, issuer_url: str, audience: str) -> Provisioned[str]:
        path = issuer_url.split("://", 1)[-1].rstrip("/")
        arn = self.mapping.entries.get(logical) or f"arn:aws:iam::{ctx.account_id}:oidc-provider/{path}"
        answer = ctx.admin.client("iam").get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
        found = []
        if answer.get("Url", "").split("://", 1)[-1].rstrip("/") != path:
            found.append(f"issuer {answer.get('Url')} where the feature says {issuer_url}")
        if audience not in answer.get("ClientIDList", []):
            found.append(f"audiences {answer.get('ClientIDList')} lack {audience}")
        attach_text("deployed OIDC provider compared with the sentence",
                    "\n".join(found) if found else f"issuer {issuer_url}, audience {audience}")
        return Provisioned(arn)

    def saml_provider(self, ctx: ProvisionContext, logical: str) -> Provisioned[str]:
        arn = self.mapping.entries.get(logical) or f"arn:aws:iam::{ctx.account_id}:saml-provider/{logical}"
        answer = ctx.admin.client("iam").get_saml_provider(SAMLProviderArn=arn)
        attach_text("deployed SAML provider found", f"{arn}, metadata valid until {answer.get('ValidUntil')}")
        return Provisioned(arn)

    def foreign_user(self, ctx: ProvisionContext, logical: str, foreign_admin: Any) -> Provisioned[User]:
        """The user the mapping names by ARN: the other account is not the audited one, so nothing of it is read."""
        arn = self.mapping.value(logical)
        return Provisioned(User(name=arn.rsplit("/", 1)[-1], arn=arn, user_id=""))
