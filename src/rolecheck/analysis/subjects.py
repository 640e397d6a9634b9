"""The principals whose requests the analysis decides: the snapshot's users and role sessions, and outsiders.

A ``Subject`` is a principal as its requests carry it: the engine's ``Principal``, its identity policies,
permissions boundary, session policies and tags. A principal a policy names that is not in the snapshot (another
account's, an unknown id, ``*``) is an ``outsider``: its own policies are not readable, so a stand-in that allows
everything stands for them, marked ``STAND_IN``, and the answer stays an upper bound.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rolecheck.analysis.abac import principal_tags
from rolecheck.analysis.snapshot import Snapshot
from rolecheck.engine import PARTITION, Policy, Principal, Request, build_context, context_lookup

ANALYSIS_SESSION = "rolecheck-analysis"
ACCOUNT_ID = re.compile(r"^\d{12}$")
# The end of the name of every policy that stands for one the analysis cannot read.
STAND_IN = " (not readable: taken as allowing everything)"
# The caller's request is taken as signed over TLS, as every SDK call is, and as made by the principal itself, not
# by a service on its behalf: the question is what its own credentials can do. A grant only a service can use on
# its behalf (kms:ViaService, aws:CalledVia) also needs the principal to be allowed that service's action, which
# is reported in its own right. The rest of what a request supplies is unknown (``rolecheck.analysis.relaxation``).
REQUEST_DEFAULTS: Mapping[str, Any] = {"aws:SecureTransport": True, "aws:ViaAWSService": False}
DEFAULT_KEYS = frozenset(key.lower() for key in REQUEST_DEFAULTS)


@dataclass(frozen=True)
class Subject:
    """A principal as a request carries it: who it is, every policy that applies to it, its tags.

    ``arn`` is what grants are reported under: the user or role (not the session) for one in the snapshot, the
    principal's own ARN when not given. ``known`` is False for one outside the snapshot (``outsider``).
    """

    principal: Principal
    identity_policies: tuple[Policy, ...]
    permissions_boundary: Policy | None = None
    session_policies: tuple[Policy, ...] | None = None
    # aws:PrincipalTag/<key> for the principal's tags (ABAC), read with its policies.
    context: Mapping[str, Any] = field(default_factory=dict)
    known: bool = True
    arn: str = ""

    def __post_init__(self) -> None:
        if not self.arn:
            object.__setattr__(self, "arn", self.principal.arn)


def subject_request(subject: Subject, action: str, resource: str, *, resource_account: str | None,
                    resource_policy: Policy | None, request_keys: Mapping[str, Any],
                    resource_context: Mapping[str, Any]) -> Request:
    """The engine's request of ``subject`` for ``action`` on ``resource``: its policies, then a context of what the
    request itself carries (``request_keys``: aws:SecureTransport...), the principal's tags, and the resource's keys
    (``resource_context``: its tags, the call's own keys), later ones winning."""
    return Request(subject.principal, action, resource, resource_account=resource_account,
                   identity_policies=subject.identity_policies, permissions_boundary=subject.permissions_boundary,
                   session_policies=subject.session_policies, resource_policy=resource_policy,
                   context={**request_keys, **subject.context, **resource_context})


def request_keys(subject: Subject) -> dict[str, Any]:
    """What the analysis takes every request of the subject to carry (``REQUEST_DEFAULTS``, its caller account)."""
    return {**REQUEST_DEFAULTS, "kms:CallerAccount": subject.principal.account}


def request_context(subject: Subject, resource_context: Mapping[str, Any]) -> dict[str, Any]:
    """The context of the subject's request on a resource whose own keys (its tags) are ``resource_context``."""
    return {**request_keys(subject), **subject.context, **resource_context}


def variable_lookup(subject: Subject) -> Callable[[str], Any]:
    """The values of policy variables (``${aws:username}``...) in the subject's requests."""
    context = build_context(Request(subject.principal, "", "*", context={**REQUEST_DEFAULTS, **subject.context}))
    return context_lookup({key.lower(): value for key, value in context.items()})


def is_stand_in(policy: Policy) -> bool:
    """True for a policy standing for one the analysis cannot read (``outsider``'s identity, another account's
    resource policy): it is never what a grant is attributed to."""
    return policy.name.endswith(STAND_IN)


def subject_of(snapshot: Snapshot, arn: str, *, session_policies: Sequence[Policy] | None = None,
               session_tags: Mapping[str, str] | None = None, session_name: str | None = None) -> Subject:
    """The user, or a session of the role (named ``session_name``, by default the analysis' own stand-in name), as
    the engine sees its requests."""
    if arn in snapshot.users:
        user = snapshot.users[arn]
        principal = Principal.user(snapshot.account_id, user.name, user.user_id or None, user.path)
        return Subject(principal, snapshot.identity_policies(arn), user.boundary,
                       context=principal_tags(user.tags), arn=arn)
    if arn in snapshot.roles:
        role = snapshot.roles[arn]
        principal = Principal.assumed_role(snapshot.account_id, role.name, session_name or ANALYSIS_SESSION,
                                           role.role_id or None, role.path)
        return Subject(principal, snapshot.identity_policies(arn), role.boundary,
                       tuple(session_policies) if session_policies else None,
                       principal_tags(role.tags, session_tags), arn=arn)
    raise KeyError(f"{arn} is neither a user nor a role in the snapshot of account {snapshot.account_id}")


def _outsider_identity(account: str) -> Policy:
    # What an identity in another account is allowed by its own policies is not readable from here: taken as
    # everything, so that the answer stays an upper bound.
    return Policy.parse(f"identity policies in account {account}{STAND_IN}",
                        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})


def outsider(arn: str) -> Subject:
    """A principal a policy names that is not in the snapshot: another account's, an unknown id, or ``*``."""
    if arn == "*":
        principal = Principal("User", "*", "*")
        return Subject(principal, (_outsider_identity("any account"),), known=False, arn="*")
    if ACCOUNT_ID.match(arn):
        arn = f"arn:{PARTITION}:iam::{arn}:root"
    parts = arn.split(":", 5)
    if len(parts) < 6 or not parts[4]:
        return Subject(Principal("User", arn, None), (_outsider_identity("unknown"),), known=False, arn=arn)
    account, resource = parts[4], parts[5]
    if resource.startswith("user/"):
        path, _, name = resource[4:].rpartition("/")
        principal = Principal.user(account, name, path=f"{path}/")
    elif resource.startswith("role/"):
        path, _, name = resource[4:].rpartition("/")
        principal = Principal.assumed_role(account, name, ANALYSIS_SESSION, role_path=f"{path}/")
    elif resource.startswith("assumed-role/"):
        role, _, session = resource[len("assumed-role/"):].partition("/")
        principal = Principal("AssumedRole", arn, account, name=session,
                              role_arn=f"arn:{PARTITION}:iam::{account}:role/{role}")
    else:
        principal = Principal("User", arn, account)
    return Subject(principal, (_outsider_identity(account),), known=False, arn=arn)
