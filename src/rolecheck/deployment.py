"""The state of one scenario: what it deployed, under which generated names, and who acts in it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rolecheck.clients import AccessKey, Actor
from rolecheck.registry import ResourceRegistry
from rolecheck.walkthrough import Role, User


@dataclass(eq=False)
class Deployment:
    """Everything a scenario created, keyed so that feature-file placeholders can be filled in."""

    registry: ResourceRegistry
    region: str
    account_id: str
    admin: Actor
    user_actor: Actor
    role_actor: Actor
    user: User | None = None
    role: Role | None = None
    policy_arn: str | None = None
    bucket: str | None = None
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    user_key: AccessKey | None = None
    role_key: AccessKey | None = None
    session_name: str | None = None
    names: dict[str, str] = field(default_factory=dict)

    def placeholders(self) -> dict[str, str]:
        """Values for the ``{{placeholders}}`` of the feature files' policy documents."""
        values = {"account_id": self.account_id, "region": self.region}
        if self.user:
            values |= {"user_name": self.user.name, "user_arn": self.user.arn}
        if self.role:
            values |= {"role_name": self.role.name, "role_arn": self.role.arn}
        if self.bucket:
            values["bucket"] = self.bucket
        return values

    def generated_name(self, logical: str) -> str:
        """The generated name of a resource the feature file calls ``logical``."""
        try:
            return self.names[logical]
        except KeyError:
            raise KeyError(f"no resource called {logical!r} was deployed in this scenario") from None

    def require_user(self) -> User:
        if self.user is None:
            raise RuntimeError("no IAM user was created before this step")
        return self.user

    def require_role(self) -> Role:
        if self.role is None:
            raise RuntimeError("no role was created before this step")
        return self.role

    def __repr__(self) -> str:
        # Allure shows step arguments through repr(): name what was deployed, never the credentials.
        parts = [f"account={self.account_id}"]
        parts += [f"{k}={v}" for k, v in (("user", self.user and self.user.name),
                                            ("role", self.role and self.role.name),
                                            ("bucket", self.bucket)) if v]
        return f"<deployment {' '.join(parts)}>"
