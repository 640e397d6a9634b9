"""Values the caller chooses, quantified: a role session's name is whatever its assumer picks.

Whoever assumes a role names the session (``RoleSessionName``,
https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html), and the name is part of the session's
ARN (``assumed-role/<role>/<name>``) and of its ``aws:userid`` (``<role id>:<name>``,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#principaltable). So a policy
naming one session of the role, or a condition on ``aws:userid`` with a prefix, grants the role's sessions that
much, for the assumer that picks the name. The analysis cannot try every name: it takes the names the account's
policies themselves mention (witnesses), keeps those the role's trust policy lets an assumer pick, and decides each
exactly with the engine; a grant only a chosen name opens is reported "when the session is named <name>".

Session tags are chosen the same way: an assumer passes them in AssumeRole when the role's trust allows
``sts:TagSession`` (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html), and they are the
session's ``aws:PrincipalTag/<key>`` in its later requests, over the role's own tag of that key. The pairs the
account's conditions on ``aws:PrincipalTag/<key>`` mention, which the trust's conditions on ``aws:RequestTag/<key>``
and ``aws:TagKeys`` let an assumer pass, are each decided; a grant only one opens is reported "when it passes
session tag <key>=<value>".
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from rolecheck.analysis.snapshot import RoleFacts, Snapshot
from rolecheck.engine import PARTITION, Policy, Principal, Request, build_context, context_lookup
from rolecheck.engine.conditions import Condition
from rolecheck.policydoc import documents

# STS's grammar for RoleSessionName (API_AssumeRole: "[\w+=,.@-]*", 2 to 64 characters).
SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}")
# How many chosen names are decided per role: the policies of an account mention few; beyond, the rest are dropped
# and the answer notes it (a witness search, not a proof that no other name opens more).
MAX_NAMES = 16
# What a wildcard of a name pattern is instantiated with: nothing, and one ordinary character.
_FILLS = ("", "x")


@dataclass(frozen=True)
class Mentions:
    """The session names the account's policies mention, by role name (Principal entries naming a session) and by
    role id (``aws:userid`` condition values): gathered once per snapshot."""

    by_role_name: Mapping[str, tuple[str, ...]]
    by_role_id: Mapping[str, tuple[str, ...]]
    # (key, value) of every condition on aws:PrincipalTag/<key>: the session tags worth passing.
    principal_tags: tuple[tuple[str, str], ...] = ()


def mentions(snapshot: Snapshot) -> Mentions:
    """Every session name a policy of the snapshot mentions (``session_names`` says which mentions count)."""
    session_prefix = f"arn:{PARTITION}:sts::{snapshot.account_id}:assumed-role/"
    by_name: dict[str, list[str]] = {}
    by_id: dict[str, list[str]] = {}
    tags: list[tuple[str, str]] = []
    for policy in _every_policy(snapshot):
        for body in documents.statements(policy.document):
            for entry in _aws_principals(body):
                role, _, tail = entry.removeprefix(session_prefix).partition("/")
                if entry.startswith(session_prefix) and tail:
                    by_name.setdefault(role, []).extend(_instances(tail))
            for key, value in _condition_values(body, keep_case=True):
                role_id, _, tail = value.partition(":")
                if key.lower() == "aws:userid" and tail:
                    by_id.setdefault(role_id, []).extend(_instances(tail))
                if key.lower().startswith("aws:principaltag/"):
                    tags += [(key.split("/", 1)[1], v) for v in _instances(value)]
    return Mentions({k: tuple(v) for k, v in by_name.items()}, {k: tuple(v) for k, v in by_id.items()},
                    tuple(dict.fromkeys(tags)))


def session_names(snapshot: Snapshot, role: RoleFacts, found: Mentions, default: str) -> list[str]:
    """The session names of ``role`` the account's policies mention, which its trust policy lets an assumer pick.

    Mentions: a Principal entry ``arn:aws:sts::<account>:assumed-role/<role>/<name>``, a condition value on
    ``aws:userid`` of the form ``<role id>:<name pattern>``, a value of ``sts:RoleSessionName`` in the role's trust;
    a pattern's ``*`` is tried as nothing and as ``x``, its ``?`` as ``x``. ``default`` (the analysis' own stand-in
    name) is left out: it is decided anyway.
    """
    names = [*found.by_role_name.get(role.name, ()), *found.by_role_id.get(role.role_id, ())]
    for body in documents.statements(role.trust.document):
        names += [n for key, value in _condition_values(body) if key == "sts:rolesessionname"
                  for n in _instances(value)]
    names = [name for name in dict.fromkeys(names) if name != default and SESSION_NAME.fullmatch(name)]
    return [name for name in names if may_pick(snapshot, role, name)][:MAX_NAMES]


def session_tags(snapshot: Snapshot, role: RoleFacts, found: Mentions) -> list[tuple[str, str]]:
    """The (key, value) session tags the account's policies mention (conditions on ``aws:PrincipalTag/<key>``),
    which the role's trust lets an assumer pass (``may_tag``); the role's own tags are left out: its sessions carry
    them anyway."""
    pairs = [(k, v) for k, v in found.principal_tags if role.tags.get(k) != v]
    return [(k, v) for k, v in pairs if may_tag(snapshot, role, k, v)][:MAX_NAMES]


def may_tag(snapshot: Snapshot, role: RoleFacts, key: str, value: str) -> bool:
    """True when some Allow statement of the role's trust for ``sts:TagSession`` lets an assumer pass the session
    tag ``key=value``: its conditions on ``aws:RequestTag/...`` and ``aws:TagKeys`` hold for it, for one of the
    principals the trust can name. Its other conditions are the assumer's to meet."""
    assumers = [_principal_of(snapshot, arn) for arn in (*snapshot.users, *snapshot.roles)]
    passed = {f"aws:RequestTag/{key}": value, "aws:TagKeys": [key]}
    for statement in role.trust.statements:
        if statement.effect != "Allow" or not statement.matches_action("sts:tagsession"):
            continue
        on_tags = [c for c in statement.conditions
                   if c.key_lower.startswith("aws:requesttag/") or c.key_lower == "aws:tagkeys"]
        if not on_tags or any(_holds(on_tags, principal, passed, "sts:TagSession") for principal in assumers):
            return True
    return False


def may_pick(snapshot: Snapshot, role: RoleFacts, name: str) -> bool:
    """True when some Allow statement of the role's trust for ``sts:AssumeRole`` lets an assumer name the session
    ``name``: its conditions on ``sts:RoleSessionName`` hold for it, for one of the principals the trust can name
    (its variables, such as ``${aws:username}``, are the assumer's). Its other conditions are the assumer's to meet
    and are not looked at here: the whole request is decided by the engine afterwards."""
    assumers = [_principal_of(snapshot, arn) for arn in (*snapshot.users, *snapshot.roles)]
    for statement in role.trust.statements:
        if statement.effect != "Allow" or not statement.matches_action("sts:assumerole"):
            continue
        on_name = [c for c in statement.conditions if c.key_lower == "sts:rolesessionname"]
        if not on_name:
            return True
        if any(_holds(on_name, principal, {"sts:RoleSessionName": name}) for principal in assumers):
            return True
    return False


def _holds(conditions: list[Condition], principal: Principal, supplied: Mapping[str, Any],
           action: str = "sts:AssumeRole") -> bool:
    context = build_context(Request(principal, action, "*", context=dict(supplied)))
    lookup = context_lookup(context)
    return all(condition.holds(context, lookup) for condition in conditions)


def _principal_of(snapshot: Snapshot, arn: str) -> Principal:
    if arn in snapshot.users:
        user = snapshot.users[arn]
        return Principal.user(snapshot.account_id, user.name, user.user_id or None, user.path)
    role = snapshot.roles[arn]
    return Principal.assumed_role(snapshot.account_id, role.name, "assumer", role.role_id or None, role.path)


def _every_policy(snapshot: Snapshot) -> Iterator[Policy]:
    for role in snapshot.roles.values():
        yield role.trust
        yield from role.inline_policies + role.attached_policies
    for user in snapshot.users.values():
        yield from user.inline_policies + user.attached_policies
    for group in snapshot.groups.values():
        yield from group.inline_policies + group.attached_policies
    for resource in snapshot.resources.values():
        if resource.policy is not None:
            yield resource.policy


def _aws_principals(body: Mapping[str, Any]) -> list[str]:
    principal = body.get("Principal")
    if not isinstance(principal, Mapping):
        return []
    entries = principal.get("AWS", [])
    return [e for e in ([entries] if isinstance(entries, str) else entries) if isinstance(e, str)]


def _condition_values(body: Mapping[str, Any], *, keep_case: bool = False) -> Iterator[tuple[str, str]]:
    condition = body.get("Condition")
    if not isinstance(condition, Mapping):
        return
    for operator, block in condition.items():
        if not isinstance(block, Mapping) or "string" not in operator.lower():
            continue
        for key, values in block.items():
            for value in values if isinstance(values, list) else [values]:
                if isinstance(value, str) and "${" not in value:
                    yield (key if keep_case else key.lower()), value


def _instances(pattern: str) -> list[str]:
    """Names a pattern admits: each ``*`` as nothing and as ``x``, each ``?`` as ``x``."""
    if "*" not in pattern and "?" not in pattern:
        return [pattern]
    return [re.sub(r"\*", fill, pattern).replace("?", "x") for fill in _FILLS]
