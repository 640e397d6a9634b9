"""The default target: moto in this process, every request decided by rolecheck's engine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rolecheck.aws.clients import SIMULATED_READS, AccessKey
from rolecheck.aws.secrets import Secret

from .base import MOTO_ACCOUNT, MOTO_ADMIN, Target


@dataclass
class MotoTarget(Target):
    """In-process moto, with every request decided by rolecheck's engine instead of moto's own checks."""

    name = "moto"
    reads = SIMULATED_READS
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

    def saml_assertion(self, provider_arn: str, role_arn: str, subject: str) -> str | None:
        from rolecheck.moto_adapter.federation import mint_saml

        return mint_saml(provider_arn, role_arn, subject)

    def stop(self) -> None:
        if self._mock is None:
            return
        from rolecheck import moto_adapter

        moto_adapter.uninstall()
        self._mock.stop()
        self._mock = None


@dataclass(frozen=True)
class MemberAccount:
    """A member account of a moto organisation: its id, and its own administrator's key (to deploy into it)."""

    name: str
    account_id: str
    admin_key: AccessKey


def moto_organisation(client_for: Any, members: Sequence[tuple[str, bool]], *, audit_role_name: str,
                      external_id: str | None) -> list[MemberAccount]:
    """An AWS Organization in moto, made by the management account's administrator (``client_for(service)``).

    ``members`` is (name, has the audit role) per member account: with it, the account holds ``audit_role_name``
    trusting the management account (behind ``external_id`` when given) with the auditor's read-only policy
    (``clients.auditor_policy``); without it the account cannot be entered, as an account whose role was never
    deployed. moto creates member accounts ACTIVE at once; each gets its own administrator through the adapter.
    """
    import json

    from rolecheck.aws.clients import auditor_policy
    from rolecheck.moto_adapter import bootstrap_admin

    organizations = client_for("organizations")
    organizations.create_organization(FeatureSet="ALL")
    management = client_for("sts").get_caller_identity()["Account"]
    condition = {"Condition": {"StringEquals": {"sts:ExternalId": external_id}}} if external_id else {}
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{management}:root"}, "Action": "sts:AssumeRole",
        **condition}]}
    made = []
    for name, with_role in members:
        status = organizations.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]
        account_id = status["AccountId"]
        key_id, secret = bootstrap_admin(account_id, f"{name}-admin")
        key = AccessKey(key_id, Secret(secret))
        if with_role:
            iam = _client(client_for, "iam", key)
            iam.create_role(RoleName=audit_role_name, AssumeRolePolicyDocument=json.dumps(trust))
            policy = auditor_policy()
            # The adapter authorizes S3 Control requests under the API's name, not IAM's
            # s3:GetAccountPublicAccessBlock (a gap of rolecheck.moto_adapter.actions, reported with issue 20): the
            # role is granted that name too, so that the audit can read the account's Block Public Access.
            policy["Statement"].append({"Sid": "MotoAdapterS3ControlName", "Effect": "Allow",
                                        "Action": "s3control:GetPublicAccessBlock", "Resource": "*"})
            iam.put_role_policy(RoleName=audit_role_name, PolicyName="rolecheck-audit-read-only",
                                PolicyDocument=json.dumps(policy))
        made.append(MemberAccount(name, account_id, key))
    return made


def _client(client_for: Any, service: str, key: AccessKey) -> Any:
    """A client of ``service`` where ``client_for``'s clients go, acting with ``key``."""
    import boto3

    reference = client_for(service)
    return boto3.client(service, region_name=reference.meta.region_name, endpoint_url=reference.meta.endpoint_url,
                        aws_access_key_id=key.access_key_id, aws_secret_access_key=key.secret_access_key.reveal())
