"""The audit provisioner: the Given steps find the mapped resources instead of creating them, and compare them.

Each reviewed document in a feature file is compared with the one read back, semantically (statement order, a
single value or a one-element list, and Sids do not matter). The difference is attached to the Given step, and the
Then-steps that claim "the ... read back from the account is the reviewed document" fail with it; the Given itself
goes on, so that a misconfigured role is still judged by every other check (who can assume it, what its session
can do), which is the audit's point.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
    """Finds the user, role, policy and bucket the mapping names; writes nothing."""

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
