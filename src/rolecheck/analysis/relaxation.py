"""Conditions on what only the request supplies, taken as met: the analysis' answers are upper bounds.

Conditions on what the request supplies (source IP, MFA, time, external id...) cannot be known from the account:
a candidate that is allowed only once those conditions are taken as met is still a grant, marked with the keys it
depends on in ``Grant.condition``. A Deny with such a condition is taken as not applying. Together with SCPs and
RCPs, which are not read (``rolecheck.aws.snapshot_reader``), this makes every answer an upper bound: what a
principal can do is at most what is reported, never more.

Which keys the request alone supplies depends on what the analysis knows of it (``Known``): a principal of the
snapshot has a known ARN, account and tags; a resource of the snapshot has known tags; a request string naming an
account has a known resource account.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from rolecheck.analysis.subjects import Subject
from rolecheck.engine import Policy, Request
from rolecheck.engine.keys import SERVICE, key_origin
from rolecheck.policydoc import documents

# Derived keys (engine/keys.py KEY_ORIGIN) the analysis knows for any request: the caller's account, and a direct
# call's aws:ViaAWSService (false). The clock's and the channel's (aws:CurrentTime, aws:SecureTransport) stay the
# request's, so that an answer holds at every time and over every channel.
_ALWAYS_KNOWN = frozenset({"aws:principalaccount", "kms:calleraccount", "aws:viaawsservice"})
# Derived keys known only for a principal of the snapshot.
_PRINCIPAL_KEYS = frozenset({"aws:principalarn", "aws:principaltype", "aws:userid", "aws:username",
                             "aws:principalisawsservice"})  # fmt: skip


@dataclass(frozen=True)
class Known:
    """What the analysis knows of a request: the principal (one of the snapshot's), the resource's tags, and the
    resource's account (named by the request string)."""

    subject: bool
    resource_tags: bool
    account: bool = True
    # False for an IAM user of the snapshot: its own requests never carry a source identity, which only a role
    # session assumed with one has (SOURCE_IDENTITY).
    session: bool = True


# Present only in a role session whose assumer set it, and in the requests of its chained sessions
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceidentity).
SOURCE_IDENTITY = frozenset({"aws:sourceidentity"})


def known_of(subject: Subject, resource_tags: bool, account: bool = True) -> Known:
    """What the analysis knows of the subject's request on a resource whose tags are known when ``resource_tags``."""
    return Known(subject.known, resource_tags, account, not (subject.known and subject.principal.type == "User"))


def request_supplied(key: str, known: Known, *, deny: bool = False) -> bool:
    """True when the condition key's value is the request's to supply, so the analysis cannot know it (in a Deny
    statement when ``deny``)."""
    lower = key.lower()
    if key_origin(lower) == SERVICE:
        # Absent from a principal's direct call (engine/keys.py KEY_ORIGIN): the engine decides it as missing, so
        # AWS:SourceOwner in SNS's default topic policy, or an access-point delegation, grants no direct caller.
        return False
    if lower == "aws:resourceaccount":
        # An unnamed other account: an Allow on it may hold for one of them; a Deny is decided on a value that is
        # no account, so that "not this account" applies and "that account" does not (others remain).
        return not known.account and not deny
    if known.resource_tags and lower.startswith(("aws:resourcetag/", "iam:resourcetag/")):
        return False
    if lower in _ALWAYS_KNOWN or (lower in SOURCE_IDENTITY and not known.session):
        return False
    return not (known.subject and (lower in _PRINCIPAL_KEYS or lower.startswith("aws:principaltag/")))


def request_supplied_keys(policy: Policy, index: int, known: Known) -> list[str]:
    """The request-supplied condition keys of the policy's statement at ``index``."""
    body = documents.statements(policy.document)[index]
    condition = body.get("Condition") or {}
    deny = body.get("Effect") == "Deny"
    return sorted({k for block in condition.values() if isinstance(block, Mapping) for k in block
                   if request_supplied(k, known, deny=deny)})


def supplied_conditions(policy: Policy, index: int, known: Known) -> tuple[str, ...]:
    """The statement's conditions on request-supplied keys, each ``"key Operator value"`` (several values joined by
    ``|``), sorted: what a request must carry for the statement to apply."""
    body = documents.statements(policy.document)[index]
    condition = body.get("Condition") or {}
    found = []
    for operator, block in condition.items():
        if not isinstance(block, Mapping):
            continue
        for key, value in block.items():
            if request_supplied(key, known):
                values = value if isinstance(value, list) else [value]
                found.append(f"{key} {operator} {'|'.join(str(v) for v in values)}")
    return tuple(sorted(found))


def dropped_deny_keys(request: Request, known: Known) -> list[str]:
    """Request-supplied condition keys of the Deny statements for this action, which a relaxed request drops."""
    policies = [*request.identity_policies, *(request.session_policies or ()),
                *(p for p in (request.permissions_boundary, request.resource_policy) if p is not None)]
    action = request.action.lower()
    found: list[str] = []
    for policy in policies:
        for statement in policy.statements:
            if statement.effect == "Deny" and statement.conditions and statement.matches_action(action):
                found += request_supplied_keys(policy, statement.index, known)
    return sorted(set(found))


def _statement_matching_nothing(kind: str) -> dict[str, Any]:
    # Keeps the statement's place (and so every other statement's index) while matching no request.
    statement: dict[str, Any] = {"Effect": "Deny", "NotAction": "*"}
    if kind != "trust":
        statement["Resource"] = "*"
    if kind in ("resource", "trust", "key"):
        statement["Principal"] = "*"
    return statement


class ConditionRelaxer:
    """Makes the relaxed form of policies and requests, each policy's once for what is known: one per analysis,
    so that what it keeps lives as long as the analysis of that snapshot."""

    def __init__(self) -> None:
        self._relaxed: dict[tuple[Policy, Known], Policy | None] = {}

    def relaxed_policy(self, policy: Policy, known: Known) -> Policy | None:
        """The policy with conditions on request-supplied keys taken as met (Allow) or as not met (Deny); None when
        that changes nothing."""
        if (policy, known) not in self._relaxed:
            self._relaxed[policy, known] = self._relax(policy, known)
        return self._relaxed[policy, known]

    @staticmethod
    def _relax(policy: Policy, known: Known) -> Policy | None:
        changed = False
        statements = []
        for body in documents.statements(policy.document):
            condition = body.get("Condition")
            if not isinstance(condition, Mapping) or not condition:
                statements.append(body)
                continue
            deny = body.get("Effect") == "Deny"
            supplied = {k for block in condition.values() if isinstance(block, Mapping) for k in block
                        if request_supplied(k, known, deny=deny)}
            if not supplied:
                statements.append(body)
            elif deny:
                statements.append(_statement_matching_nothing(policy.kind))
                changed = True
            else:
                kept = {op: {k: v for k, v in block.items() if k not in supplied} for op, block in condition.items()}
                kept = {op: block for op, block in kept.items() if block}
                statements.append({**{k: v for k, v in body.items() if k != "Condition"},
                                   **({"Condition": kept} if kept else {})})
                changed = True
        if not changed:
            return None
        return Policy.parse(policy.name, {"Version": policy.document.get("Version", "2008-10-17"),
                                          "Statement": statements}, kind=policy.kind)

    def relaxed_request(self, request: Request, known: Known) -> Request | None:
        """The request with every policy relaxed (``relaxed_policy``); None when no policy changes."""
        def swap(policy: Policy | None) -> Policy | None:
            if policy is None:
                return None
            return self.relaxed_policy(policy, known) or policy

        identity = tuple(swap(p) for p in request.identity_policies)
        sessions = tuple(swap(p) for p in request.session_policies) if request.session_policies else None
        relaxed = replace(request, identity_policies=identity,
                          permissions_boundary=swap(request.permissions_boundary),
                          session_policies=sessions, resource_policy=swap(request.resource_policy))
        unchanged = (all(a is b for a, b in zip(identity, request.identity_policies, strict=True))
                     and relaxed.permissions_boundary is request.permissions_boundary
                     and relaxed.resource_policy is request.resource_policy
                     and (sessions is None or all(a is b for a, b in zip(sessions, request.session_policies or (),
                                                                          strict=True))))
        return None if unchanged else relaxed
