"""Deciding one request of a subject with the policy engine, as a ``Grant`` naming what allows it, or None.

A snapshot resource is decided with its own policy and tags. A request string no snapshot resource stands for,
and that does not name this account (``*``, a wildcard account, another account's role, queue or key, a bucket the
account does not own), may fall on another account's resource, whose policy (for a role, its trust policy) cannot
be read: it is decided with a stand-in that allows, as a cross-account request, so that the principal's own
policies, Deny statements, boundary, session policies and conditions still decide, and the grant is noted as taken
on trust. This account's roles are all in the snapshot and are never given a stand-in.

What is allowed only once request-supplied conditions are taken as met is a grant too, marked with those keys
(``rolecheck.analysis.relaxation``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from rolecheck.analysis.grants import Grant
from rolecheck.analysis.relaxation import (
    ConditionRelaxer,
    Known,
    dropped_deny_keys,
    known_of,
    request_supplied_keys,
    supplied_conditions,
)
from rolecheck.analysis.resources import ResourceView, account_of, names_a_bucket, through_access_point, view_for
from rolecheck.analysis.subjects import STAND_IN, Subject, is_stand_in, request_keys, subject_request
from rolecheck.engine import (
    UNSIGNED_FEDERATION,
    Decision,
    Policy,
    Statement,
    UnsupportedFeature,
    catalog_source,
    evaluate,
    is_known_action,
)

# Actions a principal's credentials perform on a role's trust policy (AssumeRole with session tags or a source
# identity needs the latter two); the federation calls are made with an identity provider's token instead.
_TRUST_ACTIONS = frozenset({"sts:assumerole", "sts:tagsession", "sts:setsourceidentity"})
# The resource account of a request on another account's resource when the request string names none.
_ANOTHER_ACCOUNT = "another account"
_OUTSIDE_NOTE = "resources outside this account: their resource policies are not readable; taken as allowing"
_OUTSIDE_ROLES_NOTE = "roles outside this account: their trust policies are not readable; taken as allowing"


def decide(subject: Subject, action: str, resource: str, *, account_id: str, views: Mapping[str, ResourceView],
           relaxer: ConditionRelaxer) -> Grant | None:
    """Whether the subject can perform ``action`` on ``resource`` in account ``account_id``, as a Grant explaining
    why, or None.

    A request string that falls on one of ``views`` is decided with its policy and tags. Any other is decided first
    as the account's own resources (those without a policy, or not read: another region), then, unless it names
    this account, as another account's, with a stand-in that allows (``_outside_policy``).
    """
    grant = _decide_anywhere(subject, action, resource, account_id=account_id, views=views, relaxer=relaxer)
    if grant is None or is_known_action(action):
        return grant
    # A name the catalog lacks still grants whatever AWS knows by it; the report says which catalog it was.
    source = catalog_source()
    note = f"not in the action catalog ({source.package} of {source.updated})"
    return replace(grant, note="; ".join(filter(None, (grant.note, note))))


def _decide_anywhere(subject: Subject, action: str, resource: str, *, account_id: str,
                     views: Mapping[str, ResourceView], relaxer: ConditionRelaxer) -> Grant | None:
    view = view_for(views, action, resource)
    if view is not None:
        grant = _decide(subject, action, resource, account_id, view.policy, view.context,
                        known_of(subject, view.tags_known), relaxer)
        if grant is None or view.bucket is None:
            return grant
        # Through an access point: its bucket must allow the request too (its policy, or the identity's).
        bucket_resource, supplied = through_access_point(view, resource, account_id)
        bucket = views.get(view.bucket)
        through = _decide(subject, action, bucket_resource, account_id, bucket.policy if bucket else None,
                          {**(bucket.context if bucket else {}), **supplied},
                          known_of(subject, bucket.tags_known if bucket else False), relaxer)
        if through is None:
            return None
        also = f"the bucket allows it too: {through.granted_by} {through.statement}".rstrip()
        return replace(grant, condition=", ".join(filter(None, (grant.condition, through.condition))),
                       requires=(*grant.requires, *through.requires),
                       note="; ".join(filter(None, (grant.note, also))))
    account = account_of(resource)
    if account == account_id or (account is None and not names_a_bucket(resource)):
        grant = _decide(subject, action, resource, account_id, None, {}, known_of(subject, False), relaxer)
        if grant is not None or account == account_id:
            return grant
    if action.lower() in UNSIGNED_FEDERATION:
        # Made with an identity provider's token, not with the principal's credentials: its policies grant
        # nothing there (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html).
        return None
    stand_in = _outside_policy("trust" if action.lower() in _TRUST_ACTIONS else "resource")
    grant = _decide(subject, action, resource, account or _ANOTHER_ACCOUNT, stand_in, {},
                    known_of(subject, False, account is not None), relaxer)
    if grant is None:
        return None
    note = _OUTSIDE_ROLES_NOTE if action.lower() in _TRUST_ACTIONS else _OUTSIDE_NOTE
    return replace(grant, note="; ".join(filter(None, (grant.note, note))))


@functools.cache
def _outside_policy(kind: str) -> Policy:
    # What another account's resource policy (or role trust policy) allows is not readable from here: taken as
    # allowing everyone, so that the answer stays an upper bound. The request is cross-account, so the engine
    # still needs the principal's identity policies, boundary and session policies to allow, and applies every
    # Deny. The counterpart, for identities in other accounts, is ``subjects.outsider``.
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "*"}
    if kind != "trust":
        statement["Resource"] = "*"
    what = "trust policies of roles" if kind == "trust" else "resource policies"
    return Policy.parse(f"{what} outside this account{STAND_IN}", {"Version": "2012-10-17",
                                                                   "Statement": [statement]}, kind=kind)


def _decide(subject: Subject, action: str, resource: str, resource_account: str, resource_policy: Policy | None,
            resource_context: Mapping[str, Any], known: Known, relaxer: ConditionRelaxer) -> Grant | None:
    request = subject_request(subject, action, resource, resource_account=resource_account,
                              resource_policy=resource_policy, request_keys=request_keys(subject),
                              resource_context=resource_context)
    originals = [*request.identity_policies, *([request.resource_policy] if request.resource_policy else [])]
    undecided: UnsupportedFeature | None = None
    try:
        decision = evaluate(request)
        if decision.allowed:
            return _grant(subject, decision, originals, "")
    except UnsupportedFeature as exc:
        undecided = exc
    relaxed = relaxer.relaxed_request(request, known)
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
    keys = request_supplied_keys(found[0], found[1].index, known) if found else []
    keys += [f"{key} (in a Deny taken as not applying)" for key in dropped_deny_keys(request, known)
             if key not in keys]
    # Allowed only once request-supplied conditions are taken as met: never reported as unconditional.
    grant = _grant(subject, decision, originals, ", ".join(keys) or "request-supplied conditions")
    return replace(grant, requires=supplied_conditions(found[0], found[1].index, known)) if found else grant


def _attribution(decision: Decision, policies: Sequence[Policy]) -> tuple[Policy, Statement] | None:
    """The policy statement the engine names as allowing the request.

    An outsider's identity is a stand-in (``subjects.outsider``): what admits it is the resource-based policy.
    """
    labels = [decision.message.removeprefix("Allowed by ")]
    labels += [label for stage in decision.stages if stage.stage == "resource-based policy"
               for label in stage.statements]
    for label in labels:
        for policy in policies:
            if is_stand_in(policy):
                continue
            for statement in policy.statements:
                if statement.label(policy.name) == label:
                    return policy, statement
    return None


def _grant(subject: Subject, decision: Decision, originals: Sequence[Policy], condition: str) -> Grant:
    found = _attribution(decision, originals)
    request = decision.request
    if found is None:
        return Grant(subject.arn, request.action, request.resource, decision.message, "", condition=condition)
    policy, statement = found
    return Grant(subject.arn, request.action, request.resource, policy.name,
                 statement.sid or f"#{statement.index}", condition=condition)
