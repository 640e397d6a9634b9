"""The authenticated caller of a request: an IAM user, a role session, an account root, a service or anonymous."""

from __future__ import annotations

from dataclasses import dataclass

# Every ARN the engine builds is in this partition; other partitions are not modelled.
PARTITION = "aws"


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
    def anonymous(cls) -> Principal:
        """An unsigned request."""
        return cls("Anonymous", "*", None, "anonymous")

    @property
    def account_root_arn(self) -> str | None:
        return f"arn:{PARTITION}:iam::{self.account}:root" if self.account else None
