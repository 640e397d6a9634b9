"""Which (action, resource) requests of a subject are worth deciding: candidates, not every action on every resource.

Each Allow statement of the principal's identity policies is expanded against the action catalog and, per action,
against the resources its Resource matches: the pattern itself, and the snapshot's resources whose policy or tags
can make the verdict differ from the pattern's (a statement naming the principal or everyone that may apply, a
trust or key policy, tags a condition reads); the resource types of the Service Authorization Reference keep an
action to the resources it acts on. Every resource-policy statement that names the principal (itself, its role,
its account, or ``*``) adds its actions and resources. The engine then decides each candidate with the full
request (``rolecheck.analysis.decide``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from rolecheck.analysis.abac import reads_resource_tags
from rolecheck.analysis.action_resources import resource_types
from rolecheck.analysis.relaxation import known_of, request_supplied
from rolecheck.analysis.resources import ResourceView, request_strings
from rolecheck.analysis.subjects import DEFAULT_KEYS, Subject, request_context
from rolecheck.engine import (
    Principal,
    Request,
    Statement,
    UnsupportedFeature,
    build_context,
    context_lookup,
    plain,
    statement_actions,
)


def statement_names(statement: Statement, principal: Principal) -> bool:
    """True when the statement's Principal (or NotPrincipal) takes in the principal; a statement without one (an
    identity policy's) applies to whoever holds it."""
    spec = statement.principals
    if spec is None:
        return True
    return not spec.excludes(principal) if statement.not_principal else spec.level(principal) is not None


def resource_patterns(statement: Statement, lookup: Callable[[str], Any]) -> list[str]:
    """The statement's Resource values as request strings (variables substituted); ``*`` for NotResource or none."""
    if statement.resources is None or statement.not_resource:
        return ["*"]
    found = []
    for matcher in statement.resources:
        chunks = matcher.template.render(lookup)
        if chunks is not None:
            found.append(plain(chunks))
    return found


def identity_candidates(subject: Subject, views: Mapping[str, ResourceView],
                        lookup: Callable[[str], Any]) -> Iterator[tuple[str, str]]:
    """(action, resource) for each action of the subject's identity Allow statements: on the patterns they name,
    and on each resource view whose policy or tags can decide differently than the pattern."""
    uses_resource_tags = _reads_resource_tags(subject)
    by_service: dict[str, list[ResourceView]] = {}
    for view in views.values():
        if view.policy is not None or (_tag_dependent(view) and uses_resource_tags):
            by_service.setdefault(view.service, []).append(view)
    changers: dict[str, tuple[Statement, ...] | None] = {}
    for policy in subject.identity_policies:
        for statement in policy.statements:
            if statement.effect != "Allow":
                continue
            patterns = resource_patterns(statement, lookup)
            for action in statement_actions(statement):
                types = resource_types(action)
                if types is not None and not types:
                    if statement.matches_resource("*", lookup):
                        yield action, "*"
                    continue
                for pattern in patterns:
                    yield action, pattern
                for view in by_service.get(action.split(":", 1)[0].lower(), ()):
                    if view.arn not in changers:
                        changers[view.arn] = _verdict_changers(view, subject, uses_resource_tags)
                    found = changers[view.arn]
                    if found is not None and not any(st.matches_action(action.lower()) for st in found):
                        continue
                    for resource in request_strings(view, types):
                        if statement.matches_resource(resource, lookup):
                            yield action, resource


def resource_candidates(subject: Subject, views: Mapping[str, ResourceView],
                        lookup: Callable[[str], Any]) -> Iterator[tuple[str, str]]:
    """(action, resource) for each action of a resource policy's Allow statement naming the subject, on that
    resource (and, for a bucket, the object patterns inside it the statement names)."""
    for view in views.values():
        if view.policy is None:
            continue
        for statement in view.policy.statements:
            if statement.effect != "Allow" or not statement_names(statement, subject.principal):
                continue
            inside = [p for p in resource_patterns(statement, lookup)
                      if p == view.arn or p.startswith(view.arn + "/")]
            for action in statement_actions(statement):
                if action.split(":", 1)[0].lower() != view.service:
                    continue
                types = resource_types(action)
                for resource in request_strings(view, types):
                    if statement.matches_resource(resource, lookup):
                        yield action, resource
                if view.service == "s3" and (types is None or "object" in types):
                    yield from ((action, p) for p in inside if p != view.arn)


def _reads_resource_tags(subject: Subject) -> bool:
    return reads_resource_tags([*subject.identity_policies, *(subject.session_policies or ()),
                                subject.permissions_boundary])


def _conditions_may_hold(statement: Statement, subject: Subject, view: ResourceView) -> bool:
    """False only when the statement's conditions are all on keys the analysis decides, and do not hold."""
    keys = {condition.key_lower for condition in statement.conditions}
    if any(request_supplied(key, known_of(subject, view.tags_known)) and key not in DEFAULT_KEYS for key in keys):
        return True
    context = build_context(Request(subject.principal, "", view.arn, context=request_context(subject, view.context)))
    try:
        return statement.conditions_hold(context, context_lookup(context))
    except UnsupportedFeature:
        return True


def _tag_dependent(view: ResourceView) -> bool:
    """True when a condition on the resource's tags can decide differently than on a pattern's."""
    return bool(view.context) or not view.tags_known


def _verdict_changers(view: ResourceView, subject: Subject,
                      uses_resource_tags: bool) -> tuple[Statement, ...] | None:
    """What can make an identity grant on this resource differ from the grant on the statement's pattern.

    None when anything can: the resource's tags are in a condition, or its policy must allow explicitly (trust, key
    policy). Otherwise the statements of its policy that name the subject (or everyone) and may apply; for an
    action none of them matches, the pattern's row stands for the resource: a Deny that cannot apply changes
    nothing, an Allow for someone else neither.
    """
    if (_tag_dependent(view) and uses_resource_tags) or (view.policy and view.policy.kind in ("trust", "key")):
        return None
    if view.policy is None:
        return ()
    return tuple(statement for statement in view.policy.statements
                 if statement_names(statement, subject.principal)
                 and (not statement.conditions or _conditions_may_hold(statement, subject, view)))
