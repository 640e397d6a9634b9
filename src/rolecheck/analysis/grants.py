"""What the access analysis answers with: one ``Grant`` per thing a principal can do, each explained."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# The last step of a role chain's path when it leads out of the account, to roles whose trust policies are not
# readable (``Analysis.reachable_roles``).
OUTSIDE_ROLES = "roles outside the account"


@dataclass(frozen=True)
class Grant:
    """One thing a principal can do, and the policy statement that makes it possible."""

    principal: str
    action: str
    resource: str
    granted_by: str
    statement: str
    path: tuple[str, ...] = ()
    condition: str = ""
    note: str = ""
    # The request-supplied conditions the grant needs, each "key Operator value" (``relaxation.supplied_conditions``).
    requires: tuple[str, ...] = ()

    def row(self) -> dict[str, str]:
        """The grant as a report row."""
        return {"principal": self.principal, "action": self.action, "resource": self.resource,
                "granted by": self.granted_by, "statement": self.statement, "path": " -> ".join(self.path),
                "condition": self.condition, "note": self.note}

    def line(self) -> str:
        """The grant in one line, for failure messages."""
        text = f"{self.principal} can {self.action} on {self.resource} ({self.granted_by}, {self.statement})"
        if self.path:
            text += " via " + " -> ".join(self.path)
        if self.condition:
            text += f" when {self.condition}"
        if self.note:
            text += f" [{self.note}]"
        return text


def rows(grants: Iterable[Grant]) -> list[dict[str, str]]:
    """Report rows for a list of grants."""
    return [grant.row() for grant in grants]
