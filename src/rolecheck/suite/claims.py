"""The feature files' sentences as claims about the whole account, judged on the account-wide access analysis.

A sentence such as "the role's credentials can list the buckets and do nothing else" is true only if no policy
anywhere in the account grants the role more: its own policies, a bucket's policy, a queue's, a key's, another
role's trust policy. The claims here compare what the analysis (``rolecheck.analysis.queries``) found with what
the sentence allows, and a failure names every unexpected grant: principal, action, resource, the policy and
statement that make it, and the path for a chain of roles. The rows go to the report as a table; the message carries
them in short.

The Given steps' own words are claims too: "a customer-managed policy that allows only listing buckets" is checked
against the document it deploys, so a feature whose document contradicts its sentence fails.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rolecheck.analysis.grants import Grant, rows
from rolecheck.analysis.graph import edges_of
from rolecheck.analysis.queries import Analysis, federated_subjects
from rolecheck.analysis.snapshot import NOT_READ, PUBLIC_GRANTEES, Snapshot
from rolecheck.engine import Policy, Principal, catalog_source, effective_actions
from rolecheck.errors import ComplianceViolation
from rolecheck.policydoc import documents, lint
from rolecheck.report.access_picture import render_access_graph
from rolecheck.report.evidence import attach_picture, attach_table, attach_text
from rolecheck.suite.vocabulary import activity_actions as vocabulary_actions
from rolecheck.suite.vocabulary import known_activities, project_activities

# How many grants the failure message names before it points to the report's table.
_SHOWN_IN_MESSAGE = 5


@dataclass(frozen=True)
class Expected:
    """One grant a sentence allows: an action (case-insensitive, as in IAM) on a resource (exact), to a principal
    (any, unless named), needing exactly the request-supplied conditions ``condition`` (any, unless given; ``""``
    for none), written as ``Grant.requires`` is, ``key Operator value`` joined by ``; ``."""

    action: str
    resource: str
    principal: str | None = None
    condition: str | None = None

    def matches(self, grant: Grant) -> bool:
        return (grant.action.lower() == self.action.lower() and grant.resource == self.resource
                and self.principal in (None, grant.principal) and _condition_matches(self.condition, grant))

    def __str__(self) -> str:
        text = f"{self.principal + ' may ' if self.principal else ''}{self.action} on {self.resource}"
        return text + (f" when {self.condition}" if self.condition else "")


def condition_text(grant: Grant) -> str:
    """The request-supplied conditions a grant needs, as a table's condition cell reads them."""
    return "; ".join(grant.requires)


def _condition_matches(condition: str | None, grant: Grant) -> bool:
    if condition is None:
        return True
    wanted = sorted(part.strip() for part in condition.split(";") if part.strip())
    return wanted == sorted(grant.requires)


@dataclass(frozen=True)
class Assumer:
    """One row of "the only principals that can assume X are": a principal (an ARN, ``Service:<name>``) or, for a
    federated trust, the token subject admitted (``*`` for every subject of the provider), and the conditions the
    assumption needs (``Expected.condition``)."""

    principal: str | None
    condition: str | None = None
    subject: str | None = None
    # A condition key the assumption must need, whatever its operator and value (a role Given's "with MFA").
    needs: str | None = None

    def matches(self, grant: Grant) -> bool:
        if self.subject is not None:
            if not grant.principal.startswith("Federated:") or federated_subjects(grant) != (self.subject,):
                return False
            # The subject's own condition is the row's subject: the condition cell says the rest.
            requires = tuple(r for r in grant.requires if not r.split(" ", 1)[0].lower().endswith(":sub"))
            return _condition_matches(self.condition, Grant(grant.principal, "", "", "", "", requires=requires))
        if self.needs is not None and not any(r.lower().startswith(self.needs.lower() + " ") for r in grant.requires):
            return False
        return grant.principal == self.principal and _condition_matches(self.condition, grant)

    def __str__(self) -> str:
        who = f"a token for {self.subject}" if self.subject is not None else str(self.principal)
        needs = f" with {self.needs}" if self.needs else ""
        return who + needs + (f" when {self.condition}" if self.condition else "")


@dataclass(frozen=True)
class Comparison:
    """What the account grants beyond the sentence, and what the sentence promises that the account does not grant."""

    unexpected: tuple[Grant, ...]
    missing: tuple[Expected, ...]

    @property
    def holds(self) -> bool:
        return not self.unexpected and not self.missing

    def rows(self) -> list[dict[str, str]]:
        """The unexpected grants as table rows for the report."""
        return rows(self.unexpected)


def compare(actual: Iterable[Grant], expected: Collection[Expected]) -> Comparison:
    """Split the account's grants into those the sentence allows and the rest; note what the sentence lacks."""
    grants = list(actual)
    unexpected = tuple(g for g in grants if not any(e.matches(g) for e in expected))
    missing = tuple(e for e in expected if not any(e.matches(g) for g in grants))
    return Comparison(unexpected, missing)


def _summary(comparison: Comparison) -> str:
    parts = []
    if comparison.unexpected:
        shown = [g.line() for g in comparison.unexpected[:_SHOWN_IN_MESSAGE]]
        more = len(comparison.unexpected) - len(shown)
        parts.append(f"{len(comparison.unexpected)} unexpected grant(s): " + "; ".join(shown)
                     + (f"; and {more} more (see the table in the report)" if more else ""))
    if comparison.missing:
        parts.append("not granted: " + ", ".join(str(e) for e in comparison.missing))
    return " | ".join(parts)


def check(comparison: Comparison, claim: str) -> None:
    """Raise a violation stating the claim and, in short, every grant that breaks it."""
    if not comparison.holds:
        raise ComplianceViolation(f"\"{claim}\" does not hold: {_summary(comparison)}",
                                  grants=tuple(comparison.rows()))


def check_readable(snapshot: Snapshot, claim: str) -> None:
    """A claim about the whole account cannot hold if part of the account could not be read."""
    if snapshot.unreadable:
        raise ComplianceViolation(f"\"{claim}\" cannot be established: could not read "
                                  f"{'; '.join(snapshot.unreadable)}")


def judge(snapshot: Snapshot, grants: Sequence[Grant], expected: Collection[Expected], claim: str,
          focus: Sequence[str], *, picture: bool = True) -> Comparison:
    """The account's grants must be exactly ``expected``: attach them, the unexpected ones and the picture; check.

    The report gets every grant found as a table, the unexpected ones as a table of their own, and the access graph
    around ``focus`` (the principals the claim is about) with the unexpected grants' edges in red. With ``picture``
    False (a Given's check, made in every scenario) the picture is drawn only for a failure.
    """
    comparison = compare(grants, expected)
    attach_text("claim", f"{claim}\nallowed: {', '.join(str(e) for e in expected) or 'nothing'}")
    attach_text("what the analysis did not read", "\n".join((*NOT_READ, f"action catalog: {catalog_source()}")))
    attach_table(f"grants found in the account ({len(grants)})", rows(grants))
    attach_table(f"unexpected grants ({len(comparison.unexpected)})", comparison.rows())
    if picture or not comparison.holds:
        attach_picture("who can reach what",
                   lambda: render_access_graph(snapshot, focus, edges_of(snapshot, comparison.unexpected)))
    check_readable(snapshot, claim)
    check(comparison, claim)
    return comparison


def public_acl_grants(snapshot: Snapshot) -> list[Grant]:
    """Bucket ACL grants to everyone or to any AWS account: access the engine does not evaluate, which every
    principal of the account has too, so each is a grant no sentence about a principal's access allows.
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#specifying-grantee-predefined-groups
    """
    public = set(PUBLIC_GRANTEES.values())
    return [Grant(grantee, f"s3 ACL {permission}", facts.arn, f"ACL of bucket {facts.name}", "",
                  note="ACLs are not evaluated by the engine")
            for facts in snapshot.resources.values() for grantee, permission in facts.acl_grants if grantee in public]


def access_of(snapshot: Snapshot, principal_arn: str) -> list[Grant]:
    """What the principal can do: every grant the analysis finds, and the public ACL grants it cannot evaluate."""
    return Analysis(snapshot).principal_access(principal_arn) + public_acl_grants(snapshot)


def check_session_access(snapshot: Snapshot, role_arn: str, expected: Collection[Expected]) -> Comparison:
    """The role session's account-wide access is exactly ``expected``: every policy in the account that names it."""
    allowed = ", ".join(str(e) for e in expected) or "nothing"
    return judge(snapshot, access_of(snapshot, role_arn), expected,
                 f"the role session's account-wide access is exactly {allowed}", [role_arn])


def check_user_access(snapshot: Snapshot, user_arn: str, role_arn: str, *, picture: bool = True) -> Comparison:
    """The user's account-wide access is exactly assuming the reviewed role (through its trust policy), and it holds
    no policy of its own that allows anything (``check_no_own_policies``)."""
    claim = "the user's account-wide access is exactly assuming the reviewed role"
    comparison = judge(snapshot, access_of(snapshot, user_arn), [Expected("sts:AssumeRole", role_arn)], claim,
                       [user_arn, role_arn], picture=picture)
    check_no_own_policies(snapshot, user_arn, claim)
    return comparison


def check_no_access(snapshot: Snapshot, user_arn: str) -> Comparison:
    """Nothing in the account grants the user anything, and it holds no policy of its own that allows anything."""
    claim = f"user {user_arn} has no permissions of its own"
    comparison = judge(snapshot, access_of(snapshot, user_arn), [], claim, [user_arn], picture=False)
    check_no_own_policies(snapshot, user_arn, claim)
    return comparison


def check_no_own_policies(snapshot: Snapshot, principal_arn: str, claim: str) -> None:
    """"Of its own" means its own policies: an inline, attached or group policy with an Allow statement breaks the
    claim even when what it allows is granted anyway today (it outlives a later change of the trust policy). A
    Deny-only policy grants nothing and passes."""
    holding = [f"{how} policy {policy.name} (allowing {_allowed(policy)})"
               for policy, how in snapshot.own_policies(principal_arn)
               if any(statement.effect == "Allow" for statement in policy.statements)]
    if holding:
        attach_text("policies of its own", "\n".join(holding))
        raise ComplianceViolation(
            f"\"{claim}\" does not hold: {principal_arn} has {len(holding)} policy(ies) of its own: "
            + "; ".join(holding) + "; a permission of its own, even one the role path gives anyway, outlives a "
            "change of the trust policy: remove it")


def _allowed(policy: Policy) -> str:
    actions = sorted({("all but " if statement.not_action else "") + pattern for statement in policy.statements
                      if statement.effect == "Allow" for pattern in statement.action_patterns})
    return ", ".join(actions[:3]) + (f" and {len(actions) - 3} more" if len(actions) > 3 else "")


def check_only_assumer(snapshot: Snapshot, role_arn: str, user_arn: str, *, picture: bool = True) -> Comparison:
    """The only principal that can assume the role is the user: every principal the engine admits, not a pattern."""
    return judge(snapshot, Analysis(snapshot).who_can_assume(role_arn),
                 [Expected("sts:AssumeRole", role_arn, user_arn)],
                 f"the only principal that can assume {role_arn} is {user_arn}", [user_arn, role_arn], picture=picture)


def check_principal_access(snapshot: Snapshot, principal_arn: str, expected: Collection[Expected],
                           claim: str) -> Comparison:
    """The user's, or the role sessions', account-wide access is exactly ``expected`` (conditions included where the
    rows give them)."""
    return judge(snapshot, access_of(snapshot, principal_arn), expected, claim, [principal_arn])


def check_assumers(snapshot: Snapshot, role_arn: str, expected: Sequence[Assumer], claim: str, *,
                   picture: bool = True) -> None:
    """The principals the engine admits to the role are exactly ``expected``: every grant of ``who_can_assume``
    matches a row, and every row matches a grant."""
    grants = Analysis(snapshot).who_can_assume(role_arn)
    unexpected = tuple(g for g in grants if not any(a.matches(g) for a in expected))
    missing = [a for a in expected if not any(a.matches(g) for g in grants)]
    attach_text("claim", f"{claim}\nallowed: {', '.join(str(a) for a in expected) or 'no one'}")
    table = [{**row, "condition": condition_text(g)} for g, row in zip(grants, rows(grants), strict=True)]
    attach_table(f"principals that can assume the role ({len(grants)})", table)
    if picture or unexpected or missing:
        attach_picture("who can reach what",
                   lambda: render_access_graph(snapshot, [role_arn], edges_of(snapshot, unexpected)))
    check_readable(snapshot, claim)
    findings = []
    if unexpected:
        findings.append(f"{len(unexpected)} unexpected principal(s): "
                        + "; ".join(f"{g.line()} (needs: {condition_text(g) or 'nothing'})" for g in unexpected))
    if missing:
        findings.append("cannot assume it: " + ", ".join(str(a) for a in missing))
    if findings:
        raise ComplianceViolation(f"\"{claim}\" does not hold: " + " | ".join(findings))


def check_reaches_only(snapshot: Snapshot, role_arn: str, reachable: Collection[str], claim: str) -> Comparison:
    """The role's sessions can reach, by assuming roles (chains included), exactly the roles ``reachable``."""
    return judge(snapshot, Analysis(snapshot).reachable_roles(role_arn),
                 [Expected("sts:AssumeRole", arn) for arn in reachable], claim, [role_arn, *reachable])


def check_assumes_no_role(snapshot: Snapshot, role_arn: str) -> Comparison:
    """The role's sessions can assume no role, directly or through a chain of roles."""
    return judge(snapshot, Analysis(snapshot).reachable_roles(role_arn), [], "the role session can assume no role",
                 [role_arn])


def check_trusted_user(snapshot: Snapshot, role_arn: str, user_arn: str) -> None:
    """Once the role trusts the user: the user alone can assume it, and assuming it is all the user can do."""
    check_only_assumer(snapshot, role_arn, user_arn, picture=False)
    check_user_access(snapshot, user_arn, role_arn, picture=False)


# --- the Given steps' own words -----------------------------------------------------------------------------------

def activity_actions(activity: str) -> frozenset[str]:
    """The actions an activity of a feature sentence stands for, or one clear error naming the known ones."""
    actions = vocabulary_actions(activity)
    if actions is None:
        raise KeyError(f"no actions are defined for the activity {activity!r}; known: "
                       f"{', '.join(known_activities())}")
    return actions


def check_document_allows_only(document: Mapping[str, Any], activity: str, name: str, account_id: str,
                               placeholders: Mapping[str, str] | None = None) -> None:
    """A permission policy said to allow only ``activity`` must allow exactly its actions over the whole catalog,
    and, for an activity of the project's ``rolecheck.yaml``, each only on the resources the activity names
    (``placeholders`` fill them).

    The engine decides what the document allows for a session of a role in the account, on any resource:
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
    """
    _check_project_resources(document, activity, name, placeholders or {})
    expected = activity_actions(activity)
    policy = Policy.parse(name, document)
    principal = Principal.assumed_role(account_id, "rolecheck-reviewer", "review")
    allowed = effective_actions(principal, [policy], resource=None)
    extra = sorted(a for a in allowed if a.lower() not in {e.lower() for e in expected})
    missing = sorted(e for e in expected if e.lower() not in {a.lower() for a in allowed})
    findings = []
    if extra:
        shown = ", ".join(extra[:_SHOWN_IN_MESSAGE]) + (f" and {len(extra) - _SHOWN_IN_MESSAGE} more"
                                                        if len(extra) > _SHOWN_IN_MESSAGE else "")
        findings.append(f"it also allows {len(extra)} action(s): {shown}")
    if missing:
        findings.append(f"it does not allow {', '.join(missing)}")
    if findings:
        raise ComplianceViolation(f"{name} is said to allow only {activity}, but " + "; ".join(findings))


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _check_project_resources(document: Mapping[str, Any], activity: str, name: str,
                             placeholders: Mapping[str, str]) -> None:
    """Each Allow of one of a project activity's actions names only resources within that action's patterns: a
    document resource is within a pattern when the pattern, read with IAM's wildcards, matches it as written."""
    grants = project_activities().get(activity)
    if grants is None:
        return
    patterns: dict[str, list[str]] = {}
    for grant in grants:
        patterns.setdefault(grant.action.lower(), []).append(
            documents.fill(grant.resource, placeholders, name=f"the activity {activity!r}"))
    wider = []
    for statement in documents.statements(document):
        if statement.get("Effect") != "Allow":
            continue
        for action in _listed(statement.get("Action")):
            allowed = patterns.get(action.lower())
            for resource in _listed(statement.get("Resource")) if allowed else []:
                if not any(fnmatch.fnmatchcase(resource, pattern) for pattern in allowed):
                    wider.append(f"{action} on {resource}")
    if wider:
        raise ComplianceViolation(f"{name} is said to allow only {activity}, but it allows {', '.join(wider)}, "
                                  "beyond the resources the project's vocabulary gives that activity")


def check_document_names_only(document: Mapping[str, Any], principal_arn: str, name: str) -> None:
    """A trust policy said to name only the user must name that user and no other principal."""
    lint.check_trusts_only(document, principal_arn, name)
    if f"AWS:{principal_arn}" not in lint.trusted_principals(document):
        raise ComplianceViolation(f"{name} is said to name {principal_arn}, but it does not")
