"""Who a set of credentials belongs to: the one question STS answers for any caller."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Identity:
    """Who a set of credentials belongs to, as STS GetCallerIdentity says."""

    arn: str
    account: str
    user_id: str

    @property
    def is_root(self) -> bool:
        return self.arn.endswith(":root")


def caller_identity(sts: Any) -> Identity:
    """Ask STS who the caller is (always allowed, whatever the caller's policies say)."""
    answer = sts.get_caller_identity()
    return Identity(arn=answer["Arn"], account=answer["Account"], user_id=answer["UserId"])
