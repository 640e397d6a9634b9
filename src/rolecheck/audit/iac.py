"""Infrastructure-as-code audited before deployment: what was deployed into moto, and the mapping it yields.

``cloudformation`` and ``terraform`` each deploy into a moto server this process runs and return the resources they
made, plus one line for everything they could not deploy (an unsupported resource type, intrinsic function,
property or unknown value): listed, never dropped in silence. The mapping from the feature files' logical names to
those resources is then taken from ``--mapping`` (whose values may name template logical ids or Terraform
addresses) or derived when the template has exactly one resource of each kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from rolecheck.audit.mapping import OTHER_ACCOUNT_USER, AuditMapping


class IacError(ValueError):
    """The template or plan cannot be audited; the message is one line for the terminal (exit status 4)."""


@dataclass(frozen=True)
class Deployed:
    """One resource deployed from a template or a plan: its kind for the audit (None: not one the features name)."""

    source_id: str
    kind: str | None
    physical: str


@dataclass
class Applied:
    """What a template or plan deployed, and what it could not."""

    resources: list[Deployed] = field(default_factory=list)
    not_deployed: list[str] = field(default_factory=list)


def derive_mapping(deployed: Applied, needed: Mapping[str, str], given: AuditMapping | None,
                   source: str) -> dict[str, str]:
    """The audit mapping for what was deployed.

    A logical name ``given`` maps is taken from it, and a value that names a template logical id (or Terraform
    address) becomes that resource's real name. Any other logical name of the feature files takes the one deployed
    resource of its kind (every kind of ``suite.kinds``); two or none of a kind is one line asking for
    ``--mapping``, and a user of another account always needs it (no template of this account deploys one).
    """
    by_source = {r.source_id: r.physical for r in deployed.resources}
    entries = given.entries if given is not None else {}
    mapping = {}
    for logical, kind in sorted(needed.items()):
        if logical in entries:
            mapping[logical] = by_source.get(entries[logical], entries[logical])
            continue
        if kind == OTHER_ACCOUNT_USER:
            raise IacError(f"{source}: {logical!r} is a user of another account, which no template of this account "
                           f"deploys; give its ARN with --mapping ({logical}: arn:aws:iam::<account>:user/<name>)")
        candidates = [r for r in deployed.resources if r.kind == kind]
        if len(candidates) != 1:
            found = ", ".join(r.source_id for r in candidates) or "none"
            raise IacError(f"{source}: {len(candidates)} {kind} resource(s) ({found}) for {logical!r}; "
                           f"name the one under audit with --mapping ({logical}: <logical id>)")
        mapping[logical] = candidates[0].physical
    return mapping
