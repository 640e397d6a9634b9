"""The decision procedure.

Specification:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html ,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html ,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html ,
https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html .

https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html .

Choices where the pages are silent are listed, with the cases that pin them, in the package docstring
(``rolecheck/engine/__init__.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rolecheck.engine.catalog import has_resource_type, rcp_services
from rolecheck.engine.context import build_context
from rolecheck.engine.patterns import context_lookup
from rolecheck.engine.policy import Policy
from rolecheck.engine.principal import FEDERATED_TYPES, Principal
from rolecheck.engine.request import Decision, Request, StageResult, Verdict

ASSUME_ROLE_ACTIONS = frozenset({"sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity"})
ALWAYS_ALLOWED = frozenset({"sts:getcalleridentity"})
# IAM and STS answer an unsigned request with MissingAuthenticationToken before any policy is read; only the
# federation calls, whose proof is the token they carry, are made unsigned.
# https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html
SIGNED_ONLY_SERVICES = ("iam:", "sts:")
UNSIGNED_FEDERATION = frozenset({"sts:assumerolewithsaml", "sts:assumerolewithwebidentity"})
MISSING_AUTHENTICATION = "Request is missing Authentication Token"
_DENY_TYPES = {
    "identity": "an identity-based policy",
    "resource": "a resource-based policy",
    "trust": "a resource-based policy",
    "key": "a resource-based policy",
    "boundary": "a permissions boundary",
    "session": "a session policy",
    "scp": "a service control policy",
    "rcp": "a resource control policy",
}
SCP_EVALUATION = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html"
RCP_EVALUATION = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_evaluation.html"
_LEVEL_NOTES = {
    "direct": "names the caller itself",
    "role": "names the caller's role",
    "account": "names the caller's account, so identity-based policies must allow too",
}


@dataclass
class _Scan:
    """Matching statements of one group of policies."""

    allows: list[tuple[str, str]] = field(default_factory=list)  # (level, label)
    denies: list[tuple[str, str]] = field(default_factory=list)  # (policy kind, label)

    def levels(self) -> set[str]:
        return {level for level, _ in self.allows}

    def allow_labels(self, levels: set[str] | None = None) -> tuple[str, ...]:
        return tuple(label for level, label in self.allows if levels is None or level in levels)


def _scan(
    policies: Sequence[Policy],
    request: Request,
    action_lower: str,
    context: Mapping[str, Any],
    lookup: Callable[[str], Any],
) -> _Scan:
    scan = _Scan()
    principal = request.principal
    for policy in policies:
        for statement in policy.statements:
            if not statement.matches_action(action_lower):
                continue
            if not statement.matches_resource(request.resource, lookup):
                continue
            level: str | None = "direct"
            if statement.principals is not None:
                level = _principal_level(statement, request, principal)
                if level is None:
                    continue
            if not statement.conditions_hold(context, lookup):
                continue
            if statement.effect == "Deny":
                scan.denies.append((policy.kind, statement.label(policy.name)))
            else:
                scan.allows.append((level, statement.label(policy.name)))
    return scan


def _principal_level(statement: Any, request: Request, principal: Principal) -> str | None:
    spec = statement.principals
    if not statement.not_principal:
        return spec.level(principal)
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html : NotPrincipal with Deny
    # always denies an IAM principal that has a permissions boundary, whatever NotPrincipal lists.
    boundary_override = (
        statement.effect == "Deny"
        and request.permissions_boundary is not None
        and principal.type in ("User", "AssumedRole")
    )
    return "direct" if boundary_override or not spec.excludes(principal) else None


def _prefix(principal: Principal) -> str:
    return "User: anonymous" if principal.type == "Anonymous" else f"User: {principal.arn}"


def _denied(request: Request, reason: str = "") -> str:
    text = f"{_prefix(request.principal)} is not authorized to perform: {request.action} on resource: "
    text += request.resource
    return f"{text} {reason}" if reason else text


def _because(request: Request, what: str) -> str:
    return _denied(request, f"because no {what} allows the {request.action} action")


def evaluate(request: Request) -> Decision:
    """Decide one request the way AWS's enforcement code does; see the module docstring for sources."""
    action_lower = request.action.lower()
    principal = request.principal
    if (principal.type == "Anonymous" and action_lower.startswith(SIGNED_ONLY_SERVICES)
            and action_lower not in UNSIGNED_FEDERATION):
        stage = StageResult("authentication", "denies", (), "the service accepts only signed requests")
        return Decision(Verdict.IMPLICIT_DENY, request, (stage,), MISSING_AUTHENTICATION)
    if action_lower in ALWAYS_ALLOWED:
        stage = StageResult("always allowed", "allows", (), "AWS allows sts:GetCallerIdentity without a policy")
        return Decision(Verdict.ALLOWED, request, (stage,), f"Allowed: {request.action} needs no permission")

    context = build_context(request)
    lookup = context_lookup(context)
    iam_principal = principal.type in ("User", "AssumedRole")
    identity = list(request.identity_policies) if iam_principal else []
    boundary = [request.permissions_boundary] if iam_principal and request.permissions_boundary else []
    sessions = list(request.session_policies or ()) if iam_principal else []
    resource = [request.resource_policy] if request.resource_policy else []

    rcp_levels = _rcp_levels(request, action_lower)
    scp_levels = _scp_levels(request)
    rcp_scans = [_scan(level, request, action_lower, context, lookup) for level in rcp_levels]
    scp_scans = [_scan(level, request, action_lower, context, lookup) for level in scp_levels]
    idn = _scan(identity, request, action_lower, context, lookup)
    res = _scan(resource, request, action_lower, context, lookup)
    bnd = _scan(boundary, request, action_lower, context, lookup)
    ses = _scan(sessions, request, action_lower, context, lookup)

    # Every action decided on a role trust policy (sts:AssumeRole, and sts:TagSession / sts:SetSourceIdentity
    # that AssumeRole with session tags or a source identity also needs) follows the trust-policy rules.
    is_trust = action_lower in ASSUME_ROLE_ACTIONS or (
        request.resource_policy is not None and request.resource_policy.kind == "trust"
    )
    # https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html : the key policy is the primary
    # control; an identity-based policy has effect only when the key policy allows the account to use them.
    is_key = request.resource_policy is not None and request.resource_policy.kind == "key"
    # The organization's policies come first, as in the flowchart of the evaluation logic page.
    org_denies = [deny for scan in rcp_scans + scp_scans for deny in scan.denies]
    denies = org_denies + idn.denies + res.denies + bnd.denies + ses.denies
    if denies:
        stage = StageResult("explicit deny", "denies", tuple(label for _, label in denies))
        kind = denies[0][0]
        message = (
            _denied(request) if kind == "trust" else _denied(request, f"with an explicit deny in {_DENY_TYPES[kind]}")
        )
        return Decision(Verdict.EXPLICIT_DENY, request, (stage,), message)

    no_deny = StageResult("explicit deny", "no match", ())
    for what, scans in (("resource control policy", rcp_scans), ("service control policy", scp_scans)):
        if scans and not all(scan.allows for scan in scans):
            # "An explicit Allow statement [is required] at every level from the root through each OU in the
            # direct path to the account" (SCP_EVALUATION; RCPs likewise, RCP_EVALUATION).
            missing = sum(1 for scan in scans if not scan.allows)
            stage = StageResult("organization policies", "denies", (),
                                f"no {what} allows it at {missing} of {len(scans)} levels")
            return Decision(Verdict.IMPLICIT_DENY, request, (no_deny, stage), _because(request, what))
    res_stage = _resource_stage(request, res, is_trust)
    if principal.type in ("Anonymous", "Service", *FEDERATED_TYPES):
        # None has identity-based policies: only a resource-based (or trust) policy naming it can allow.
        return _anonymous(request, no_deny, res_stage, res)
    if principal.type == "Account":
        return _root(request, no_deny, res_stage, res, is_trust, is_key)

    cross = request.resource_account is not None and request.resource_account != principal.account
    levels = res.levels()
    id_ok = bool(idn.allows)
    b_ok = not boundary or bool(bnd.allows)
    s_ok = not sessions or bool(ses.allows)
    identity_path = id_ok and b_ok and s_ok

    if cross:
        allowed = bool(levels) and identity_path
        limited = True
    elif is_trust:
        # A trust policy must allow explicitly; the caller's permissions boundary must still allow AssumeRole.
        allowed = (
            ("direct" in levels and b_ok)
            or ("role" in levels and b_ok and s_ok)
            or ("account" in levels and identity_path)
        )
        limited = "direct" not in levels or not b_ok
    else:
        delegated = "account" in levels if is_key else True
        allowed = "direct" in levels or ("role" in levels and b_ok and s_ok) or (identity_path and delegated)
        limited = "direct" not in levels

    stages = (
        no_deny,
        res_stage,
        _stage("identity-based policy", idn, bool(identity), needed=limited or cross),
        _stage("permissions boundary", bnd, bool(boundary), needed=limited or cross or is_trust),
        _stage("session policy", ses, bool(sessions), needed=limited or cross),
    )
    if allowed:
        if "direct" in levels and not cross:
            label = res.allow_labels({"direct"})[0]
        elif "role" in levels and not cross and b_ok and s_ok:
            label = res.allow_labels({"role"})[0]
        else:
            label = idn.allow_labels()[0]
        return Decision(Verdict.ALLOWED, request, stages, f"Allowed by {label}")

    if is_trust:
        # STS reports every implicit denial of AssumeRole in this bare form; the stages say which policy failed.
        message = _denied(request)
    elif (cross and identity_path) or (is_key and not levels):
        message = _because(request, "resource-based policy")
    elif not id_ok and (cross or "role" not in levels):
        message = _because(request, "identity-based policy")
    elif not b_ok:
        message = _because(request, "permissions boundary")
    else:
        message = _because(request, "session policy")
    return Decision(Verdict.IMPLICIT_DENY, request, stages, message)


def _service_linked(principal: Principal) -> bool:
    # Neither SCPs nor RCPs restrict service-linked roles (their path is /aws-service-role/).
    return bool(principal.role_arn) and ":role/aws-service-role/" in (principal.role_arn or "")


def _rcp_levels(request: Request, action_lower: str) -> list[Sequence[Policy]]:
    """The RCP levels that apply: the resource owner's, when it is a member account (not the management account),
    the action's service is one RCPs apply to and the action has a resource type, and the caller is not a
    service-linked role (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html)."""
    organization = request.organization
    principal = request.principal
    if organization is None or _service_linked(principal):
        return []
    account = request.resource_account or principal.account
    if account is None or account == organization.management_account or account not in organization.rcps:
        return []
    if action_lower.split(":", 1)[0] not in rcp_services() or not has_resource_type(action_lower):
        return []
    return [list(level) for level in organization.rcps[account]]


def _scp_levels(request: Request) -> list[Sequence[Policy]]:
    """The SCP levels that apply: the caller's account's, when the caller is a user, a role session or the root
    user of a member account (not the management account) and not a service-linked role
    (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html)."""
    organization = request.organization
    principal = request.principal
    if organization is None or principal.type not in ("User", "AssumedRole", "Account") or _service_linked(principal):
        return []
    account = principal.account
    if account is None or account == organization.management_account or account not in organization.scps:
        return []
    return [list(level) for level in organization.scps[account]]


def _resource_stage(request: Request, res: _Scan, is_trust: bool) -> StageResult:
    name = "resource-based policy"
    note = "role trust policy" if is_trust else ""
    if request.resource_policy is not None and request.resource_policy.kind == "key":
        note = "KMS key policy: identity-based policies count only if it allows the account"
    if request.resource_policy is None:
        return StageResult(name, "not present", (), "a role must have a trust policy" if is_trust else "")
    if not res.allows:
        return StageResult(name, "no match", (), note)
    best = next(level for level in ("direct", "role", "account") if level in res.levels())
    notes = ", ".join(filter(None, (note, _LEVEL_NOTES[best])))
    return StageResult(name, "allows", res.allow_labels(), notes)


def _stage(name: str, scan: _Scan, present: bool, needed: bool) -> StageResult:
    if not present:
        return StageResult(name, "not present", ())
    note = "" if needed else "not required: a resource-based policy names the caller itself"
    return StageResult(name, "allows" if scan.allows else "no match", scan.allow_labels(), note)


def _anonymous(request: Request, no_deny: StageResult, res_stage: StageResult, res: _Scan) -> Decision:
    stages = (no_deny, res_stage)
    if res.allows:
        return Decision(Verdict.ALLOWED, request, stages, f"Allowed by {res.allow_labels()[0]}")
    return Decision(Verdict.IMPLICIT_DENY, request, stages, _because(request, "resource-based policy"))


def _root(request: Request, no_deny: StageResult, res_stage: StageResult, res: _Scan, is_trust: bool,
          is_key: bool) -> Decision:
    principal = request.principal
    if is_trust:
        # https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html : root user credentials
        # cannot call AssumeRole.
        stage = StageResult("root user", "denies", (), "the root user cannot assume roles")
        return Decision(Verdict.IMPLICIT_DENY, request, (no_deny, stage), "Roles may not be assumed by root accounts.")
    cross = request.resource_account is not None and request.resource_account != principal.account
    if is_key and not cross:
        # https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html : no principal, the account's
        # root user included, may use a KMS key unless a key policy statement allows it.
        if res.allows:
            return Decision(Verdict.ALLOWED, request, (no_deny, res_stage), f"Allowed by {res.allow_labels()[0]}")
        return Decision(Verdict.IMPLICIT_DENY, request, (no_deny, res_stage),
                        _because(request, "resource-based policy"))
    if not cross:
        stage = StageResult("root user", "allows", (), "the root user has full access to its own account")
        message = "Allowed: the root user has full access to its own account"
        return Decision(Verdict.ALLOWED, request, (no_deny, stage), message)
    if res.allows:
        return Decision(Verdict.ALLOWED, request, (no_deny, res_stage), f"Allowed by {res.allow_labels()[0]}")
    return Decision(Verdict.IMPLICIT_DENY, request, (no_deny, res_stage), _because(request, "resource-based policy"))
