"""Access analysis over an account snapshot, decided by the policy engine.

Three questions, each about the whole account: what a principal can do (``principal_access``), who can assume a
role (``who_can_assume``) and which roles a principal can reach by assuming roles, transitively
(``reachable_roles``). Every answer is a list of ``Grant`` rows naming the policy and statement that make it.

Candidates, not the product of every action and resource: each Allow statement of the principal's identity
policies is expanded against the action catalog and, per action, against the resources its Resource matches: the
pattern itself, and the snapshot's resources whose policy or tags can make the verdict differ from the pattern's
(a statement naming the principal or everyone that may apply, a trust or key policy, tags a condition reads); the
resource types of the Service Authorization Reference keep an action to the resources it acts on. Every
resource-policy statement that names the principal (itself, its role, its account, or ``*``) adds its actions and
resources. ``rolecheck.engine.evaluate`` then decides each candidate with the full request: identity policies,
permissions boundary, session policies, the resource's policy, principal and resource tags in the context.

A request string no snapshot resource stands for, and that does not name this account (``*``, a wildcard account,
another account's role, queue or key, a bucket the account does not own), may fall on another account's resource,
whose policy (for a role, its trust policy) cannot be read: it is decided with a stand-in that allows, as a
cross-account request, so that the principal's own policies, Deny statements, boundary, session policies and
conditions still decide, and the grant is noted as taken on trust. This account's roles are all in the snapshot
and are never given a stand-in.

Conditions on what the request supplies (source IP, MFA, time, external id...) cannot be known from the account:
a candidate that is allowed only once those conditions are taken as met is still a grant, marked with the keys it
depends on in ``Grant.condition``. A Deny with such a condition is taken as not applying. Together with SCPs and
RCPs, which are not read (see ``rolecheck.analysis.snapshot``), this makes every answer an upper bound: what a
principal can do is at most what is reported, never more.
"""

from __future__ import annotations

import functools
import re
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from rolecheck.analysis.abac import principal_tags, reads_resource_tags, resource_tags
from rolecheck.analysis.action_resources import resource_types
from rolecheck.analysis.snapshot import Snapshot
from rolecheck.engine import (
    ALWAYS_ALLOWED,
    PARTITION,
    UNSIGNED_FEDERATION,
    Decision,
    Policy,
    Principal,
    Request,
    Statement,
    UnsupportedFeature,
    build_context,
    context_lookup,
    evaluate,
    plain,
    statement_actions,
)
from rolecheck.policydoc import documents

ANALYSIS_SESSION = "rolecheck-analysis"
ASSUME_ROLE = "sts:AssumeRole"
# The caller's request is taken as signed over TLS, as every SDK call is, and as made by the principal itself, not
# by a service on its behalf: the question is what its own credentials can do. A grant only a service can use on
# its behalf (kms:ViaService, aws:CalledVia) also needs the principal to be allowed that service's action, which
# is reported in its own right. The rest of what a request supplies is unknown (see the module docstring).
_REQUEST_DEFAULTS = {"aws:SecureTransport": True, "aws:ViaAWSService": False}
_DEFAULT_KEYS = frozenset(key.lower() for key in _REQUEST_DEFAULTS)
_DIRECT_CALL_KEYS = frozenset({"aws:viaawsservice", "aws:calledvia", "aws:calledviafirst",
                               "aws:calledvialast", "kms:viaservice"})  # fmt: skip
_PRINCIPAL_KEYS = frozenset({"aws:principalarn", "aws:principalaccount", "aws:principaltype", "aws:userid",
                             "aws:username", "aws:principalisawsservice"})  # fmt: skip
_RESOURCE_KEYS = frozenset({"aws:resourceaccount"})
_ACCOUNT = re.compile(r"^\d{12}$")
_STAND_IN = " (not readable: taken as allowing everything)"
# Actions a principal's credentials perform on a role's trust policy (AssumeRole with session tags or a source
# identity needs the latter two); the federation calls are made with an identity provider's token instead.
_TRUST_ACTIONS = frozenset({"sts:assumerole", "sts:tagsession", "sts:setsourceidentity"})
# The resource account of a request on another account's resource when the request string names none.
_ANOTHER_ACCOUNT = "another account"
_OUTSIDE_NOTE = "resources outside this account: their resource policies are not readable; taken as allowing"
_OUTSIDE_ROLES_NOTE = "roles outside this account: their trust policies are not readable; taken as allowing"
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


@dataclass(frozen=True)
class Subject:
    """A principal as a request carries it: identity, policies, tags; ``known`` False for one outside the snapshot."""

    arn: str
    principal: Principal
    identity: tuple[Policy, ...]
    boundary: Policy | None = None
    session_policies: tuple[Policy, ...] | None = None
    context: Mapping[str, Any] = field(default_factory=dict)
    known: bool = True


@dataclass(frozen=True)
class _Target:
    """Something a request acts on whose policy or tags can change the verdict."""

    arn: str
    service: str  # the service whose actions its policy governs (sts for a role's trust policy)
    resource_type: str
    policy: Policy | None
    context: Mapping[str, Any]
    # False when the resource's aws:ResourceTag keys are unknown (a tagged bucket whose ABAC status is unreadable):
    # conditions on them are then request-supplied, as for a resource outside the snapshot.
    tags_known: bool = True


# --- principals ---------------------------------------------------------------------------------------------------


def subject_of(snapshot: Snapshot, arn: str, *, session_policies: Sequence[Policy] | None = None,
               session_tags: Mapping[str, str] | None = None) -> Subject:
    """The user, or a session of the role, as the engine sees its requests."""
    if arn in snapshot.users:
        user = snapshot.users[arn]
        principal = Principal.user(snapshot.account_id, user.name, user.user_id or None, user.path)
        return Subject(arn, principal, snapshot.identity_policies(arn), user.boundary,
                       context=principal_tags(user.tags))
    if arn in snapshot.roles:
        role = snapshot.roles[arn]
        principal = Principal.assumed_role(snapshot.account_id, role.name, ANALYSIS_SESSION, role.role_id or None,
                                           role.path)
        return Subject(arn, principal, snapshot.identity_policies(arn), role.boundary,
                       tuple(session_policies) if session_policies else None,
                       principal_tags(role.tags, session_tags))
    raise KeyError(f"{arn} is neither a user nor a role in the snapshot of account {snapshot.account_id}")


def _outsider_identity(account: str) -> Policy:
    # What an identity in another account is allowed by its own policies is not readable from here: taken as
    # everything, so that the answer stays an upper bound.
    return Policy.parse(f"identity policies in account {account}{_STAND_IN}",
                        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})


def outsider(arn: str) -> Subject:
    """A principal a policy names that is not in the snapshot: another account's, an unknown id, or ``*``."""
    if arn == "*":
        principal = Principal("User", "*", "*")
        return Subject("*", principal, (_outsider_identity("any account"),), known=False)
    if _ACCOUNT.match(arn):
        arn = f"arn:{PARTITION}:iam::{arn}:root"
    parts = arn.split(":", 5)
    if len(parts) < 6 or not parts[4]:
        return Subject(arn, Principal("User", arn, None), (_outsider_identity("unknown"),), known=False)
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
    return Subject(arn, principal, (_outsider_identity(account),), known=False)


# --- targets ------------------------------------------------------------------------------------------------------


def _targets(snapshot: Snapshot) -> dict[str, _Target]:
    cached = _TARGETS.get(id(snapshot))
    if cached is not None and cached[0] is snapshot:
        return cached[1]
    targets = {arn: _Target(arn, r.service, r.resource_type, r.policy,
                            resource_tags(r.service, r.resource_type, r.tags, bucket_abac=bool(r.bucket_abac)),
                            r.bucket_abac is not None)
               for arn, r in snapshot.resources.items()}
    for arn, role in snapshot.roles.items():
        targets[arn] = _Target(arn, "sts", "role", role.trust, resource_tags("iam", "role", role.tags))
    _TARGETS.clear()  # one snapshot at a time is analysed; keeping more would only hold memory
    _TARGETS[id(snapshot)] = (snapshot, targets)
    return targets


_TARGETS: dict[int, tuple[Snapshot, dict[str, _Target]]] = {}


def _target_for(targets: Mapping[str, _Target], action: str, resource: str) -> _Target | None:
    """The snapshot resource a request string falls on, when its policy governs the action's service."""
    service = action.split(":", 1)[0].lower()
    if service == "s3" and resource.startswith("arn:aws:s3:::"):
        resource = resource.split("/", 1)[0]
    elif service == "lambda" and ":function:" in resource:
        resource = ":".join(resource.split(":")[:7])  # drop a version or alias qualifier
    target = targets.get(resource)
    return target if target is not None and target.service == service else None


def _target_resources(target: _Target, types: frozenset[str] | None) -> list[str]:
    """The request strings that stand for a target, for an action acting on ``types``."""
    if target.service != "s3":
        return [target.arn] if types is None or target.resource_type in types else []
    found = []
    if types is None or "bucket" in types:
        found.append(target.arn)
    if types is None or "object" in types:
        found.append(f"{target.arn}/*")
    return found


# --- relaxing request-supplied conditions -------------------------------------------------------------------------


def _free(key: str, subject_known: bool, resource_known: bool, account_known: bool = True,
          deny: bool = False) -> bool:
    lower = key.lower()
    if lower in _RESOURCE_KEYS:
        # An unnamed other account: an Allow on it may hold for one of them; a Deny is decided on a value that is
        # no account, so that "not this account" applies and "that account" does not (others remain).
        return not account_known and not deny
    if resource_known and lower.startswith(("aws:resourcetag/", "iam:resourcetag/")):
        return False
    if lower in ("aws:principalaccount", "kms:calleraccount") or lower in _DIRECT_CALL_KEYS:
        return False
    return not (subject_known and (lower in _PRINCIPAL_KEYS or lower.startswith("aws:principaltag/")))


def _nothing(kind: str) -> dict[str, Any]:
    # Keeps the statement's place (and so every other statement's index) while matching no request.
    statement: dict[str, Any] = {"Effect": "Deny", "NotAction": "*"}
    if kind != "trust":
        statement["Resource"] = "*"
    if kind in ("resource", "trust", "key"):
        statement["Principal"] = "*"
    return statement


# Per policy, kept only as long as the policy itself (a run reads many snapshots).
_RELAXED: weakref.WeakKeyDictionary[Policy, dict[tuple[bool, bool, bool], Policy | None]] = weakref.WeakKeyDictionary()


def _relaxed(policy: Policy, subject_known: bool, resource_known: bool, account_known: bool) -> Policy | None:
    """The policy with conditions on request-supplied keys taken as met (Allow) or as not met (Deny); None if same."""
    known = _RELAXED.setdefault(policy, {})
    if (subject_known, resource_known, account_known) in known:
        return known[subject_known, resource_known, account_known]
    changed = False
    statements = []
    for body in documents.statements(policy.document):
        condition = body.get("Condition")
        if not isinstance(condition, Mapping) or not condition:
            statements.append(body)
            continue
        deny = body.get("Effect") == "Deny"
        free = {k for block in condition.values() if isinstance(block, Mapping) for k in block
                if _free(k, subject_known, resource_known, account_known, deny)}
        if not free:
            statements.append(body)
        elif deny:
            statements.append(_nothing(policy.kind))
            changed = True
        else:
            kept = {op: {k: v for k, v in block.items() if k not in free} for op, block in condition.items()}
            kept = {op: block for op, block in kept.items() if block}
            statements.append({**{k: v for k, v in body.items() if k != "Condition"},
                               **({"Condition": kept} if kept else {})})
            changed = True
    relaxed = None
    if changed:
        relaxed = Policy.parse(policy.name, {"Version": policy.document.get("Version", "2008-10-17"),
                                             "Statement": statements}, kind=policy.kind)
    known[subject_known, resource_known, account_known] = relaxed
    return relaxed


def _free_keys(policy: Policy, index: int, subject_known: bool, resource_known: bool,
               account_known: bool) -> list[str]:
    body = documents.statements(policy.document)[index]
    condition = body.get("Condition") or {}
    deny = body.get("Effect") == "Deny"
    return sorted({k for block in condition.values() if isinstance(block, Mapping) for k in block
                   if _free(k, subject_known, resource_known, account_known, deny)})


# --- deciding one candidate ---------------------------------------------------------------------------------------


def _attribution(decision: Decision, policies: Sequence[Policy]) -> tuple[Policy, Statement] | None:
    """The policy statement the engine names as allowing the request.

    An outsider's identity is a stand-in (see ``outsider``): what admits it is the resource-based policy.
    """
    labels = [decision.message.removeprefix("Allowed by ")]
    labels += [label for stage in decision.stages if stage.stage == "resource-based policy"
               for label in stage.statements]
    for label in labels:
        for policy in policies:
            if policy.name.endswith(_STAND_IN):
                continue
            for statement in policy.statements:
                if statement.label(policy.name) == label:
                    return policy, statement
    return None


def decide(snapshot: Snapshot, subject: Subject, action: str, resource: str,
           targets: Mapping[str, _Target] | None = None) -> Grant | None:
    """Whether the subject can perform ``action`` on ``resource``, as a Grant explaining why, or None.

    A snapshot resource is decided with its own policy and tags. A request string no snapshot resource stands for
    is decided first as the account's own resources (those without a policy, or not read: another region), then,
    unless it names this account, as another account's: their policies are not readable, so a stand-in that
    allows stands for them (``_outside_policy``) and the principal's own policies, Deny statements, boundary,
    session policies and conditions decide. Same-account roles are all in the snapshot: a pattern naming this
    account's roles is never given a stand-in trust policy.
    """
    targets = _targets(snapshot) if targets is None else targets
    target = _target_for(targets, action, resource)
    if target is not None:
        return _decide(subject, action, resource, snapshot.account_id, target.policy, target.context,
                       target.tags_known, account_known=True)
    account = _account_of(resource)
    if account == snapshot.account_id or (account is None and not _named_bucket(resource)):
        grant = _decide(subject, action, resource, snapshot.account_id, None, {}, False, account_known=True)
        if grant is not None or account == snapshot.account_id:
            return grant
    if action.lower() in UNSIGNED_FEDERATION:
        # Made with an identity provider's token, not with the principal's credentials: its policies grant
        # nothing there (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html).
        return None
    stand_in = _outside_policy("trust" if action.lower() in _TRUST_ACTIONS else "resource")
    grant = _decide(subject, action, resource, account or _ANOTHER_ACCOUNT, stand_in, {}, False,
                    account_known=account is not None)
    if grant is None:
        return None
    note = _OUTSIDE_ROLES_NOTE if action.lower() in _TRUST_ACTIONS else _OUTSIDE_NOTE
    return replace(grant, note="; ".join(filter(None, (grant.note, note))))


def _account_of(resource: str) -> str | None:
    """The account a request string names, or None when it can fall in any account (``*``, a wildcard, S3)."""
    parts = resource.split(":", 5)
    return parts[4] if len(parts) == 6 and _ACCOUNT.match(parts[4]) else None


def _named_bucket(resource: str) -> bool:
    """True for a request string naming one bucket (or its objects): every bucket of the account is in the
    snapshot, as a target, so a bucket named here is another account's."""
    if not resource.startswith("arn:aws:s3:::"):
        return False
    name = resource.removeprefix("arn:aws:s3:::").split("/", 1)[0]
    return bool(name) and not any(char in name for char in "*?$")


@functools.cache
def _outside_policy(kind: str) -> Policy:
    # What another account's resource policy (or role trust policy) allows is not readable from here: taken as
    # allowing everyone, so that the answer stays an upper bound. The request is cross-account, so the engine
    # still needs the principal's identity policies, boundary and session policies to allow, and applies every
    # Deny. The counterpart, for identities in other accounts, is ``_outsider_identity``.
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "*"}
    if kind != "trust":
        statement["Resource"] = "*"
    what = "trust policies of roles" if kind == "trust" else "resource policies"
    return Policy.parse(f"{what} outside this account{_STAND_IN}", {"Version": "2012-10-17",
                                                                    "Statement": [statement]}, kind=kind)


def _decide(subject: Subject, action: str, resource: str, resource_account: str, resource_policy: Policy | None,
            resource_context: Mapping[str, Any], resource_known: bool, *, account_known: bool) -> Grant | None:
    context = {**_REQUEST_DEFAULTS, "kms:CallerAccount": subject.principal.account, **subject.context,
               **resource_context}
    request = Request(subject.principal, action, resource, resource_account=resource_account,
                      identity_policies=subject.identity, permissions_boundary=subject.boundary,
                      session_policies=subject.session_policies, resource_policy=resource_policy,
                      context=context)
    originals = [*request.identity_policies, *([request.resource_policy] if request.resource_policy else [])]
    undecided: UnsupportedFeature | None = None
    try:
        decision = evaluate(request)
        if decision.allowed:
            return _grant(subject, decision, originals, "")
    except UnsupportedFeature as exc:
        undecided = exc
    relaxed = _relaxed_request(request, subject.known, resource_known, account_known)
    try:
        if relaxed is None:
            if undecided is not None:
                raise undecided
            return None
        decision = evaluate(relaxed)
    except UnsupportedFeature as exc:
        # What the engine cannot decide may be allowed: reported, so that the answer stays an upper bound.
        return Grant(subject.arn, action, resource, "undecided", "", note=f"the engine cannot decide: {exc}")
    if not decision.allowed:
        return None
    found = _attribution(decision, originals)
    keys = _free_keys(found[0], found[1].index, subject.known, resource_known, account_known) if found else []
    keys += [f"{key} (in a Deny taken as not applying)"
             for key in _dropped_deny_keys(request, subject.known, resource_known, account_known)
             if key not in keys]
    # Allowed only once request-supplied conditions are taken as met: never reported as unconditional.
    return _grant(subject, decision, originals, ", ".join(keys) or "request-supplied conditions")


def _dropped_deny_keys(request: Request, subject_known: bool, resource_known: bool,
                       account_known: bool) -> list[str]:
    """Request-supplied condition keys of the Deny statements for this action that the relaxed request drops."""
    policies = [*request.identity_policies, *(request.session_policies or ()),
                *(p for p in (request.permissions_boundary, request.resource_policy) if p is not None)]
    action = request.action.lower()
    found: list[str] = []
    for policy in policies:
        for statement in policy.statements:
            if statement.effect == "Deny" and statement.conditions and statement.matches_action(action):
                found += _free_keys(policy, statement.index, subject_known, resource_known, account_known)
    return sorted(set(found))


def _relaxed_request(request: Request, subject_known: bool, resource_known: bool,
                     account_known: bool) -> Request | None:
    def swap(policy: Policy | None) -> Policy | None:
        if policy is None:
            return None
        return _relaxed(policy, subject_known, resource_known, account_known) or policy

    identity = tuple(swap(p) for p in request.identity_policies)
    sessions = tuple(swap(p) for p in request.session_policies) if request.session_policies else None
    relaxed = replace(request, identity_policies=identity, permissions_boundary=swap(request.permissions_boundary),
                      session_policies=sessions, resource_policy=swap(request.resource_policy))
    unchanged = (all(a is b for a, b in zip(identity, request.identity_policies, strict=True))
                 and relaxed.permissions_boundary is request.permissions_boundary
                 and relaxed.resource_policy is request.resource_policy
                 and (sessions is None or all(a is b for a, b in zip(sessions, request.session_policies or (),
                                                                      strict=True))))
    return None if unchanged else relaxed


def _grant(subject: Subject, decision: Decision, originals: Sequence[Policy], condition: str) -> Grant:
    found = _attribution(decision, originals)
    request = decision.request
    if found is None:
        return Grant(subject.arn, request.action, request.resource, decision.message, "", condition=condition)
    policy, statement = found
    return Grant(subject.arn, request.action, request.resource, policy.name,
                 statement.sid or f"#{statement.index}", condition=condition)


# --- what a principal can do --------------------------------------------------------------------------------------


def _names(statement: Statement, principal: Principal) -> bool:
    spec = statement.principals
    if spec is None:
        return True
    return not spec.excludes(principal) if statement.not_principal else spec.level(principal) is not None


def _patterns(statement: Statement, lookup: Callable[[str], Any]) -> list[str]:
    """The statement's Resource values as request strings (variables substituted); ``*`` for NotResource or none."""
    if statement.resources is None or statement.not_resource:
        return ["*"]
    found = []
    for matcher in statement.resources:
        chunks = matcher.template.render(lookup)
        if chunks is not None:
            found.append(plain(chunks))
    return found


def _mentions_resource_tags(subject: Subject) -> bool:
    return reads_resource_tags([*subject.identity, *(subject.session_policies or ()), subject.boundary])


def _may_hold(statement: Statement, subject: Subject, target: _Target) -> bool:
    """False only when the statement's conditions are all on keys the analysis decides, and do not hold."""
    keys = {condition.key_lower for condition in statement.conditions}
    if any(_free(key, subject.known, target.tags_known) and key not in _DEFAULT_KEYS for key in keys):
        return True
    context = build_context(Request(subject.principal, "", target.arn, context={
        **_REQUEST_DEFAULTS, "kms:CallerAccount": subject.principal.account, **subject.context, **target.context}))
    try:
        return statement.conditions_hold(context, context_lookup(context))
    except UnsupportedFeature:
        return True


def _tag_dependent(target: _Target) -> bool:
    """True when a condition on the target's resource tags can decide differently than on a pattern's."""
    return bool(target.context) or not target.tags_known


def _verdict_changers(target: _Target, subject: Subject, uses_resource_tags: bool) -> tuple[Statement, ...] | None:
    """What can make an identity grant on this target differ from the grant on the statement's pattern.

    None when anything can: the target's tags are in a condition, or its policy must allow explicitly (trust, key
    policy). Otherwise the statements of its policy that name the subject (or everyone) and may apply; for an
    action none of them matches, the pattern's row stands for the target: a Deny that cannot apply changes nothing,
    an Allow for someone else neither.
    """
    if (_tag_dependent(target) and uses_resource_tags) or (target.policy and target.policy.kind in ("trust", "key")):
        return None
    if target.policy is None:
        return ()
    return tuple(statement for statement in target.policy.statements
                 if _names(statement, subject.principal)
                 and (not statement.conditions or _may_hold(statement, subject, target)))


def _identity_candidates(subject: Subject, targets: Mapping[str, _Target],
                         lookup: Callable[[str], Any]) -> Iterator[tuple[str, str]]:
    uses_resource_tags = _mentions_resource_tags(subject)
    by_service: dict[str, list[_Target]] = {}
    for target in targets.values():
        if target.policy is not None or (_tag_dependent(target) and uses_resource_tags):
            by_service.setdefault(target.service, []).append(target)
    changers: dict[str, tuple[Statement, ...] | None] = {}
    for policy in subject.identity:
        for statement in policy.statements:
            if statement.effect != "Allow":
                continue
            patterns = _patterns(statement, lookup)
            for action in statement_actions(statement):
                types = resource_types(action)
                if types is not None and not types:
                    if statement.matches_resource("*", lookup):
                        yield action, "*"
                    continue
                for pattern in patterns:
                    yield action, pattern
                for target in by_service.get(action.split(":", 1)[0].lower(), ()):
                    if target.arn not in changers:
                        changers[target.arn] = _verdict_changers(target, subject, uses_resource_tags)
                    found = changers[target.arn]
                    if found is not None and not any(st.matches_action(action.lower()) for st in found):
                        continue
                    for resource in _target_resources(target, types):
                        if statement.matches_resource(resource, lookup):
                            yield action, resource


def _resource_candidates(subject: Subject, targets: Mapping[str, _Target],
                         lookup: Callable[[str], Any]) -> Iterator[tuple[str, str]]:
    for target in targets.values():
        if target.policy is None:
            continue
        for statement in target.policy.statements:
            if statement.effect != "Allow" or not _names(statement, subject.principal):
                continue
            inside = [p for p in _patterns(statement, lookup) if p == target.arn or p.startswith(target.arn + "/")]
            for action in statement_actions(statement):
                if action.split(":", 1)[0].lower() != target.service:
                    continue
                types = resource_types(action)
                for resource in _target_resources(target, types):
                    if statement.matches_resource(resource, lookup):
                        yield action, resource
                if target.service == "s3" and (types is None or "object" in types):
                    yield from ((action, p) for p in inside if p != target.arn)


def principal_access(snapshot: Snapshot, principal_arn: str, *, session_policies: Sequence[Policy] | None = None,
                     session_tags: Mapping[str, str] | None = None) -> list[Grant]:
    """Every (action, resource) the snapshot lets the user, or the sessions of the role, perform; each explained.

    Identity- and resource-based policies, permissions boundary, session policies and tags all apply. Resource
    strings are a snapshot resource's ARN (a bucket's objects as ``arn:aws:s3:::bucket/*``), or the pattern a
    statement names for resources outside the snapshot (``*``). ``sts:GetCallerIdentity``, which AWS allows without
    any policy, is not a grant.
    """
    subject = subject_of(snapshot, principal_arn, session_policies=session_policies, session_tags=session_tags)
    targets = _targets(snapshot)
    lookup = context_lookup({k.lower(): v for k, v in _context_for_variables(subject).items()})
    candidates = dict.fromkeys([*_identity_candidates(subject, targets, lookup),
                                *_resource_candidates(subject, targets, lookup)])
    grants = []
    for action, resource in candidates:
        if action.lower() in ALWAYS_ALLOWED:
            continue
        grant = decide(snapshot, subject, action, resource, targets)
        if grant is not None:
            grants.append(grant)
    return sorted(grants, key=lambda g: (g.action.lower(), g.resource))


def _context_for_variables(subject: Subject) -> dict[str, Any]:
    return build_context(Request(subject.principal, "", "*", context={**_REQUEST_DEFAULTS, **subject.context}))


# --- who can assume a role, and where a principal can go ---------------------------------------------------------


def who_can_assume(snapshot: Snapshot, role_arn: str) -> list[Grant]:
    """Every principal that can assume the role: the snapshot's users and role sessions, and every outside,
    wildcard or service principal the trust policy admits, each decided by the engine.

    Service principals are decided by the engine too; federated and canonical-user principals, which it does not
    model, are listed from the trust policy's Allow statements with a note saying so.
    """
    role = snapshot.roles[role_arn]
    targets = _targets(snapshot)
    grants = []
    for arn in [*snapshot.users, *snapshot.roles]:
        subject = subject_of(snapshot, arn)
        if any(s.effect == "Allow" and _names(s, subject.principal) for s in role.trust.statements):
            grant = decide(snapshot, subject, ASSUME_ROLE, role_arn, targets)
            if grant is not None:
                grants.append(grant)
    for name in _outsiders_named(snapshot, role.trust):
        grant = decide(snapshot, outsider(name), ASSUME_ROLE, role_arn, targets)
        if grant is not None:
            grants.append(grant)
    for kind, value in _others_named(role.trust):
        if kind == "Service":
            grant = decide(snapshot, Subject(value, Principal.service(value), (), known=False), ASSUME_ROLE,
                           role_arn, targets)
            if grant is not None:
                grants.append(replace(grant, principal=f"Service:{value}"))
            continue
        for statement in role.trust.statements:
            if statement.effect == "Allow" and statement.principals and (kind, value) in statement.principals.others:
                grants += [Grant(f"{kind}:{value}", action, role_arn, role.trust.name,
                                 statement.sid or f"#{statement.index}",
                                 note=f"a {kind} principal: listed from the trust policy, not decided by the engine")
                           for action in sorted(statement_actions(statement))]
    return grants


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
                            if arn not in ours and (arn.startswith(("arn:", "*")) or _ACCOUNT.match(arn)))
    return list(dict.fromkeys(found))


def reachable_roles(snapshot: Snapshot, principal_arn: str, *, session_tags: Mapping[str, str] | None = None
                    ) -> list[Grant]:
    """Every role the principal can reach by assuming roles, transitively (role chaining), with the shortest path.

    Each Grant is ``sts:AssumeRole`` on the reached role by the role before it (``path`` runs from the principal to
    the role); ``principal`` is the starting principal. Roles in other accounts, whose trust policies are not
    readable, are an open edge: a grant on the pattern the identity policy names (``*``, another account's role),
    its path ending in ``OUTSIDE_ROLES``; where those roles lead is not known.
    """
    targets = _targets(snapshot)
    start = subject_of(snapshot, principal_arn, session_tags=session_tags)
    queue: list[tuple[Subject, tuple[str, ...]]] = [(start, (principal_arn,))]
    reached: set[str] = set()
    grants = []
    while queue:
        subject, path = queue.pop(0)
        for pattern in _outside_role_patterns(snapshot, subject):
            grant = decide(snapshot, subject, ASSUME_ROLE, pattern, targets)
            if grant is not None:
                grants.append(replace(grant, principal=principal_arn, path=(*path, OUTSIDE_ROLES)))
        for role in snapshot.roles.values():
            if role.arn in reached:
                continue
            if not any(s.effect == "Allow" and _names(s, subject.principal) for s in role.trust.statements):
                continue
            grant = decide(snapshot, subject, ASSUME_ROLE, role.arn, targets)
            if grant is None:
                continue
            reached.add(role.arn)
            grants.append(replace(grant, principal=principal_arn, path=(*path, role.arn)))
            queue.append((subject_of(snapshot, role.arn), (*path, role.arn)))
    return grants


def _outside_role_patterns(snapshot: Snapshot, subject: Subject) -> list[str]:
    """The Resource patterns of the subject's identity Allow statements for AssumeRole that can name a role in
    another account (all of this account's roles are in the snapshot, and decided with their trust policies)."""
    lookup = context_lookup({k.lower(): v for k, v in _context_for_variables(subject).items()})
    found = [pattern for policy in subject.identity for statement in policy.statements
             if statement.effect == "Allow" and statement.matches_action(ASSUME_ROLE.lower())
             for pattern in _patterns(statement, lookup) if _account_of(pattern) != snapshot.account_id]
    return list(dict.fromkeys(found))


def rows(grants: Iterable[Grant]) -> list[dict[str, str]]:
    """Report rows for a list of grants."""
    return [grant.row() for grant in grants]
