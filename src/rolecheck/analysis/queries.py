"""Access analysis over an account snapshot, decided by the policy engine: ``Analysis(snapshot)``.

Three questions, each about the whole account: what a principal can do (``Analysis.principal_access``), who can
assume a role (``Analysis.who_can_assume``) and which roles a principal can reach by assuming roles, transitively
(``Analysis.reachable_roles``). Every answer is a list of ``Grant`` rows naming the policy and statement that make
it, and an upper bound: what a principal can do is at most what is reported, never more.

The parts, in the order a question uses them: ``subjects`` (the principal as its requests carry it),
``resources`` (the snapshot's resources as requests on them are decided), ``candidates`` (the requests worth
deciding), ``decide`` (one request, with stand-ins for what another account holds) and ``relaxation`` (conditions
on what only the request supplies).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import cached_property
from typing import Any

from rolecheck.analysis.candidates import identity_candidates, resource_candidates, resource_patterns, statement_names
from rolecheck.analysis.choices import Mentions, mentions, session_names, session_tags
from rolecheck.analysis.decide import decide
from rolecheck.analysis.grants import OUTSIDE_ROLES, Grant
from rolecheck.analysis.relaxation import ConditionRelaxer
from rolecheck.analysis.resources import ResourceView, account_of, resource_views
from rolecheck.analysis.snapshot import Snapshot
from rolecheck.analysis.subjects import ACCOUNT_ID, ANALYSIS_SESSION, Subject, outsider, subject_of, variable_lookup
from rolecheck.engine import ALWAYS_ALLOWED, PARTITION, Policy, Principal, statement_actions

ASSUME_ROLE = "sts:AssumeRole"


class Analysis:
    """The access analysis of one snapshot: its questions, and what they derive from the snapshot once (the
    resource views, the relaxed policies), kept as long as this object."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._relaxer = ConditionRelaxer()

    @cached_property
    def resources(self) -> Mapping[str, ResourceView]:
        """The snapshot's resource views by ARN, built at the first question."""
        return resource_views(self.snapshot)

    def decide(self, subject: Subject, action: str, resource: str) -> Grant | None:
        """Whether the subject can perform ``action`` on ``resource``, as a Grant explaining why, or None
        (``rolecheck.analysis.decide``)."""
        return decide(subject, action, resource, account_id=self.snapshot.account_id, views=self.resources,
                      relaxer=self._relaxer)

    def principal_access(self, principal_arn: str, *, session_policies: Sequence[Policy] | None = None,
                         session_tags: Mapping[str, str] | None = None) -> list[Grant]:
        """Every (action, resource) the snapshot lets the user, or the sessions of the role, perform; each explained.

        Identity- and resource-based policies, permissions boundary, session policies and tags all apply. Resource
        strings are a snapshot resource's ARN (a bucket's objects as ``arn:aws:s3:::bucket/*``), or the pattern a
        statement names for resources outside the snapshot (``*``). ``sts:GetCallerIdentity``, which AWS allows
        without any policy, is not a grant. A role's sessions are also decided under each session name the
        account's policies mention and the trust lets an assumer pick (``rolecheck.analysis.choices``): a grant
        only such a name opens says so in ``condition`` ("the session is named nightly-export"); so are the session
        tags the trust lets an assumer pass ("it passes session tag team=platform").
        """
        grants: list[Grant] = []
        seen: set[tuple[str, str]] = set()
        for subject, chosen in self._sessions(principal_arn, session_policies=session_policies,
                                              session_tags=session_tags):
            for grant in self._access(subject):
                if (grant.action.lower(), grant.resource) not in seen:
                    seen.add((grant.action.lower(), grant.resource))
                    grants.append(_when(grant, chosen))
        return sorted(grants, key=lambda g: (g.action.lower(), g.resource))

    def _access(self, subject: Subject) -> list[Grant]:
        lookup = variable_lookup(subject)
        candidates = dict.fromkeys([*identity_candidates(subject, self.resources, lookup),
                                    *resource_candidates(subject, self.resources, lookup)])
        grants = []
        for action, resource in candidates:
            if action.lower() in ALWAYS_ALLOWED:
                continue
            grant = self.decide(subject, action, resource)
            if grant is not None:
                grants.append(grant)
        return grants

    @cached_property
    def _mentions(self) -> Mentions:
        return mentions(self.snapshot)

    def _sessions(self, principal_arn: str, **session: Any) -> list[tuple[Subject, str]]:
        """The subject for the principal, and for a role one per session name the caller may choose
        (``rolecheck.analysis.choices``), each with the choice it stands for ("" for the stand-in name)."""
        found = [(subject_of(self.snapshot, principal_arn, **session), "")]
        role = self.snapshot.roles.get(principal_arn)
        if role is not None:
            found += [(subject_of(self.snapshot, principal_arn, session_name=name, **session),
                       f"the session is named {name}")
                      for name in session_names(self.snapshot, role, self._mentions, ANALYSIS_SESSION)]
            given = session.get("session_tags") or {}
            found += [(subject_of(self.snapshot, principal_arn,
                                  **{**session, "session_tags": {**given, key: value}}),
                       f"it passes session tag {key}={value}")
                      for key, value in session_tags(self.snapshot, role, self._mentions) if key not in given]
        return found

    def who_can_assume(self, role_arn: str) -> list[Grant]:
        """Every principal that can assume the role: the snapshot's users and role sessions, and every outside,
        wildcard or service principal the trust policy admits, each decided by the engine.

        Service and federated principals are decided by the engine too: a federated one as the holder of any
        token of its provider, the token's claims taken as request-supplied, so that the grant's ``requires``
        says which subjects are admitted (``federated_subjects``); canonical-user principals, which the engine
        does not model, are listed from the trust policy's Allow statements with a note saying so.
        """
        snapshot = self.snapshot
        role = snapshot.roles[role_arn]
        grants = []
        for arn in [*snapshot.users, *snapshot.roles]:
            for subject, chosen in self._sessions(arn):
                if not any(s.effect == "Allow" and statement_names(s, subject.principal)
                           for s in role.trust.statements):
                    continue
                grant = self.decide(subject, ASSUME_ROLE, role_arn)
                if grant is not None:
                    grants.append(_when(grant, chosen))
                    break
        for name in _outsiders_named(snapshot, role.trust):
            grant = self.decide(outsider(name), ASSUME_ROLE, role_arn)
            if grant is not None:
                grants.append(grant)
        for kind, value in _others_named(role.trust):
            if kind == "Service":
                service = Subject(Principal.service(value), (), known=False, arn=value)
                grant = self.decide(service, ASSUME_ROLE, role_arn)
                if grant is not None:
                    grants.append(replace(grant, principal=f"Service:{value}"))
                continue
            if kind == "Federated":
                grants += self._federated(role_arn, value)
                continue
            grants += _listed_from_trust(role_arn, role.trust, kind, value)
        return grants

    def _federated(self, role_arn: str, provider: str) -> list[Grant]:
        saml = ":saml-provider/" in provider
        principal = Principal.saml(provider, "*") if saml else Principal.web_identity(provider, "*")
        action = "sts:AssumeRoleWithSAML" if saml else "sts:AssumeRoleWithWebIdentity"
        grant = self.decide(Subject(principal, (), known=False, arn=f"Federated:{provider}"), action, role_arn)
        if grant is None:
            return []
        subjects = federated_subjects(grant)
        note = "" if subjects != ("*",) else "no condition on the token's subject: every subject of the provider"
        return [replace(grant, note="; ".join(filter(None, (grant.note, note))))]

    def reachable_roles(self, principal_arn: str, *, session_tags: Mapping[str, str] | None = None) -> list[Grant]:
        """Every role the principal can reach by assuming roles, transitively (role chaining), with the shortest path.

        Each Grant is ``sts:AssumeRole`` on the reached role by the role before it (``path`` runs from the principal
        to the role); ``principal`` is the starting principal. Roles in other accounts, whose trust policies are not
        readable, are an open edge: a grant on the pattern the identity policy names (``*``, another account's
        role), its path ending in ``OUTSIDE_ROLES``; where those roles lead is not known.
        """
        snapshot = self.snapshot
        queue: list[tuple[Subject, tuple[str, ...], str]] = [
            (subject, (principal_arn,), chosen) for subject, chosen in self._sessions(principal_arn,
                                                                                      session_tags=session_tags)]
        reached: set[str] = set()
        outside: set[str] = set()
        grants = []
        while queue:
            subject, path, chosen = queue.pop(0)
            for pattern in _outside_role_patterns(snapshot, subject):
                grant = self.decide(subject, ASSUME_ROLE, pattern)
                if grant is not None and pattern not in outside:
                    outside.add(pattern)
                    grants.append(_when(replace(grant, principal=principal_arn, path=(*path, OUTSIDE_ROLES)), chosen))
            for role in snapshot.roles.values():
                if role.arn in reached:
                    continue
                if not any(s.effect == "Allow" and statement_names(s, subject.principal)
                           for s in role.trust.statements):
                    continue
                grant = self.decide(subject, ASSUME_ROLE, role.arn)
                if grant is None:
                    continue
                reached.add(role.arn)
                grants.append(_when(replace(grant, principal=principal_arn, path=(*path, role.arn)), chosen))
                queue += [(next_subject, (*path, role.arn), ", ".join(filter(None, (chosen, next_chosen))))
                          for next_subject, next_chosen in self._sessions(role.arn)]
        return grants


def _when(grant: Grant, chosen: str) -> Grant:
    """The grant, noted with the caller's choice that opens it (``"the session is named nightly-export"``)."""
    if not chosen:
        return grant
    return replace(grant, condition=", ".join(filter(None, (chosen, grant.condition))))


def federated_subjects(grant: Grant) -> tuple[str, ...]:
    """The token subjects a federated grant admits: the values of its conditions on ``<provider>:sub`` (or
    ``saml:sub``); ``("*",)`` when it puts none on the subject, i.e. every subject of the provider."""
    found = []
    for text in grant.requires:
        key, _operator, values = text.split(" ", 2)
        if key.lower().endswith(":sub"):
            found += values.split("|")
    return tuple(found) or ("*",)


def _listed_from_trust(role_arn: str, trust: Policy, kind: str, value: str) -> list[Grant]:
    """The actions the trust policy's Allow statements grant a principal the engine does not model."""
    note = f"a {kind} principal: listed from the trust policy, not decided by the engine"
    return [Grant(f"{kind}:{value}", action, role_arn, trust.name, statement.sid or f"#{statement.index}", note=note)
            for statement in trust.statements
            if statement.effect == "Allow" and statement.principals and (kind, value) in statement.principals.others
            for action in sorted(statement_actions(statement))]


def _others_named(policy: Policy) -> list[tuple[str, str]]:
    """Service, federated and canonical-user principals the policy's Allow statements name."""
    found = [other for statement in policy.statements if statement.effect == "Allow" and statement.principals
             for other in statement.principals.others]
    return list(dict.fromkeys(found))


def _outsiders_named(snapshot: Snapshot, policy: Policy) -> list[str]:
    """Principals an Allow statement admits that are not the snapshot's users, roles or account."""
    ours = {*snapshot.users, *snapshot.roles, snapshot.account_id, f"arn:{PARTITION}:iam::{snapshot.account_id}:root"}
    found: list[str] = []
    for statement in policy.statements:
        if statement.effect != "Allow" or statement.principals is None:
            continue
        if statement.principals.everyone or statement.not_principal:
            found.append("*")
        if not statement.not_principal:
            # A unique id stands for a deleted user or role: it matches no caller, so it admits no one.
            found += sorted(arn for arn in statement.principals.aws
                            if arn not in ours and (arn.startswith(("arn:", "*")) or ACCOUNT_ID.match(arn)))
    return list(dict.fromkeys(found))


def _outside_role_patterns(snapshot: Snapshot, subject: Subject) -> list[str]:
    """The Resource patterns of the subject's identity Allow statements for AssumeRole that can name a role in
    another account (all of this account's roles are in the snapshot, and decided with their trust policies)."""
    lookup = variable_lookup(subject)
    found = [pattern for policy in subject.identity_policies for statement in policy.statements
             if statement.effect == "Allow" and statement.matches_action(ASSUME_ROLE.lower())
             for pattern in resource_patterns(statement, lookup) if account_of(pattern) != snapshot.account_id]
    return list(dict.fromkeys(found))
