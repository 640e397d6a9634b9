"""What the engine reads about the account, frozen at one moment: the state a lagging decision still sees.

Only what decisions read is recorded (access keys, each user's and role's policies and boundary, each role's trust
policy), computed by the adapter's own readers, so the view can never disagree with a live decision on what
"the state" means. Policies are the engine's parsed ``Policy`` objects, immutable and cached, so a view is cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rolecheck.engine import Policy, Principal


@dataclass(frozen=True)
class KeyView:
    """A long-term access key as authentication sees it (the attributes the adapter reads on moto's AccessKey)."""

    account: str
    partition: str
    user_name: str
    status: str


@dataclass(frozen=True)
class PrincipalView:
    """A user's or a role's permissions as of the view."""

    principal: Principal
    identity_policies: tuple[Policy, ...]
    boundary: Policy | None
    trust: Policy | None = None
    # A user's principal tags; a role's own tags as moto keeps them (its sessions add their session tags).
    tags: Any = ()


@dataclass(frozen=True)
class IamView:
    """IAM as decisions read it at one moment: keys by id, users by (account, name), roles by ARN, and the accounts
    that existed then."""

    keys: Mapping[str, KeyView]
    users: Mapping[tuple[str, str], PrincipalView]
    roles: Mapping[str, PrincipalView]
    accounts: frozenset[str]


@dataclass(frozen=True)
class Readers:
    """The adapter's live policy readers (not the lagged ones installed over them)."""

    identity_policies: Callable[[Any], tuple[Policy, ...]]
    permissions_boundary: Callable[[Any], Policy | None]
    trust_policy: Callable[[Any], Policy]
    principal_tags: Callable[[Any], dict[str, str]]


def capture(readers: Readers) -> IamView:
    """Read the authorization-relevant state of every account moto holds, as the adapter would decide on it now."""
    from moto.iam.models import iam_backends

    from rolecheck.moto_adapter.identity import Caller

    keys: dict[str, KeyView] = {}
    users: dict[tuple[str, str], PrincipalView] = {}
    roles: dict[str, PrincipalView] = {}
    accounts = []
    for account, partitions in list(iam_backends.items()):
        accounts.append(account)
        for partition, backend in list(dict.items(partitions)):
            for key_id, key in list(backend.access_keys.items()):
                if key.user_name is not None:
                    keys[key_id] = KeyView(account, partition, key.user_name, key.status)
            for user in list(backend.users.values()):
                caller = Caller(Principal.user(account, user.name, user_id=user.id, path=user.path), account,
                                partition, user=user)
                tags = tuple(readers.principal_tags(caller).items())
                users[(account, user.name)] = _principal_view(caller, readers, tags=tags)
            for role in list(backend.roles.values()):
                caller = Caller(Principal.assumed_role(account, role.name, "snapshot", role_id=role.id), account,
                                partition, role=role)
                roles[role.arn] = _principal_view(caller, readers, trust=readers.trust_policy(role),
                                        tags=tuple(dict(tag) if isinstance(tag, dict) else tag
                                                   for tag in (role.tags or ())))
    return IamView(keys, users, roles, frozenset(accounts))


def _principal_view(caller: Any, readers: Readers, trust: Policy | None = None, tags: Any = ()) -> PrincipalView:
    return PrincipalView(caller.principal, tuple(readers.identity_policies(caller)),
                         readers.permissions_boundary(caller), trust, tags)
