"""The authenticated caller of a request: an IAM user, a role session, an account root, a service, a federated
identity (a web-identity or SAML token presented to STS) or anonymous."""

from __future__ import annotations

from dataclasses import dataclass

# Every ARN the engine builds is in this partition; other partitions are not modelled.
PARTITION = "aws"
# The callers of AssumeRoleWithWebIdentity and AssumeRoleWithSAML: a token's holder, named in a trust policy by
# its provider in {"Federated": ...}
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-federated-web-identity).
WEB_IDENTITY, SAML = "WebIdentityUser", "SAMLUser"
FEDERATED_TYPES = frozenset({WEB_IDENTITY, SAML})


@dataclass(frozen=True)
class Principal:
    """The authenticated caller; ``type`` takes the values of ``aws:PrincipalType`` (and ``"Service"``)."""

    type: str
    arn: str
    account: str | None
    user_id: str | None = None
    name: str | None = None
    role_arn: str | None = None

    @classmethod
    def user(cls, account: str, name: str, user_id: str | None = None, path: str = "/") -> Principal:
        """An IAM user; ``path`` is the user's IAM path and appears in its ARN."""
        return cls("User", f"arn:{PARTITION}:iam::{account}:user{path}{name}", account, user_id, name)

    @classmethod
    def assumed_role(
        cls,
        account: str,
        role_name: str,
        session_name: str,
        role_id: str | None = None,
        role_path: str = "/",
    ) -> Principal:
        """A role session; its ARN drops the role path, its ``role_arn`` keeps it."""
        return cls(
            "AssumedRole",
            f"arn:{PARTITION}:sts::{account}:assumed-role/{role_name}/{session_name}",
            account,
            f"{role_id}:{session_name}" if role_id else None,
            session_name,
            f"arn:{PARTITION}:iam::{account}:role{role_path}{role_name}",
        )

    @classmethod
    def root(cls, account: str) -> Principal:
        """The account's root user."""
        return cls("Account", f"arn:{PARTITION}:iam::{account}:root", account, account)

    @classmethod
    def service(cls, name: str) -> Principal:
        """An AWS service principal acting on its own (e.g. ``lambda.amazonaws.com``), as a resource-based or
        trust policy names it in ``{"Service": ...}``; it has no account and no identity-based policies."""
        return cls("Service", name, None, None, name)

    @classmethod
    def web_identity(cls, provider: str, subject: str) -> Principal:
        """The holder of an OIDC token for ``subject``; ``provider`` is the IAM OIDC provider's ARN, or a bare
        provider name a trust policy may use instead (``cognito-identity.amazonaws.com``, ``accounts.google.com``)."""
        return cls(WEB_IDENTITY, provider, _provider_account(provider), None, subject)

    @classmethod
    def saml(cls, provider_arn: str, subject: str) -> Principal:
        """The holder of a SAML assertion for ``subject`` issued by the IAM SAML provider ``provider_arn``."""
        return cls(SAML, provider_arn, _provider_account(provider_arn), None, subject)

    @classmethod
    def anonymous(cls) -> Principal:
        """An unsigned request."""
        return cls("Anonymous", "*", None, "anonymous")

    @property
    def account_root_arn(self) -> str | None:
        return f"arn:{PARTITION}:iam::{self.account}:root" if self.account else None


def _provider_account(provider: str) -> str | None:
    """The account of an IAM identity provider's ARN (``arn:aws:iam::<account>:oidc-provider/...``); a bare
    provider name belongs to no account."""
    parts = provider.split(":")
    return parts[4] if len(parts) > 5 and parts[0] == "arn" and parts[4] else None
