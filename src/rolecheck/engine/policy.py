"""Policy documents: grammar validation and one-time compilation.

Grammar: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html and
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rolecheck.engine.conditions import Condition, ValueFormatError, compile_condition
from rolecheck.engine.errors import PolicyError
from rolecheck.engine.patterns import Matcher, parse_resource_template
from rolecheck.engine.principal import FEDERATED_TYPES, Principal

# "key" is an AWS KMS key policy: a resource-based policy that must allow explicitly, as a trust policy must.
# "scp" and "rcp" are AWS Organizations' service and resource control policies (``Request.organization``).
KINDS = ("identity", "boundary", "session", "resource", "trust", "key", "scp", "rcp")
# https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_syntax.html : "The effect of
# Allow is only supported for the RCPFullAWSAccess policy", whose one statement is this.
_RCP_FULL_ACCESS = {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}
_VERSIONS = ("2012-10-17", "2008-10-17")
_TOP_KEYS = {"Version", "Id", "Statement"}
_STATEMENT_KEYS = {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal",
                   "Condition"}  # fmt: skip
_PRINCIPAL_TYPES = {"AWS", "Service", "Federated", "CanonicalUser"}
_UNIQUE_ID = re.compile(r"A(?:IDA|ROA)[A-Z0-9]{12,}")
_ACTION = re.compile(r"^(\*|[A-Za-z0-9*?-]+:[A-Za-z0-9*?_.-]+)$")


@dataclass(frozen=True)
class PrincipalSpec:
    """The principals a Principal/NotPrincipal element names."""

    everyone: bool
    aws: frozenset[str]
    others: tuple[tuple[str, str], ...]

    def level(self, principal: Principal) -> str | None:
        """How specifically this element names the caller.

        ``"direct"``: the caller itself (user ARN, session ARN, root ARN for the root user, a service principal's
        name) or ``"*"``;
        ``"role"``: the role whose session is calling; ``"account"``: the caller's account; None: not named.
        """
        if self.everyone:
            return "direct"
        if principal.type == "Service":
            return "direct" if ("Service", principal.arn) in self.others else None
        if principal.type in FEDERATED_TYPES:
            return "direct" if ("Federated", principal.arn) in self.others else None
        if principal.type == "Anonymous":
            return None
        if principal.arn in self.aws:
            return "direct"
        if principal.role_arn and principal.role_arn in self.aws:
            return "role"
        if principal.account and (principal.account in self.aws or principal.account_root_arn in self.aws):
            return "account"
        return None

    def excludes(self, principal: Principal) -> bool:
        """For NotPrincipal: True only if every identity of the caller is listed.

        https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html : a
        session is excluded only if its session ARN, its role ARN and its account are all listed.
        """
        if self.everyone:
            return True
        if principal.type == "Service":
            return ("Service", principal.arn) in self.others
        if principal.type in FEDERATED_TYPES:
            return ("Federated", principal.arn) in self.others
        if principal.type == "Anonymous":
            return False
        identities = [principal.arn]
        if principal.role_arn:
            identities.append(principal.role_arn)
        if principal.type != "Account":
            identities.append("account")
        listed_account = principal.account in self.aws or principal.account_root_arn in self.aws
        return all(listed_account if ident == "account" else ident in self.aws for ident in identities)


@dataclass(frozen=True)
class Statement:
    """One compiled statement."""

    index: int
    sid: str | None
    effect: str
    action_patterns: tuple[str, ...]
    not_action: bool
    action_regex: re.Pattern[str]
    resources: tuple[Matcher, ...] | None
    not_resource: bool
    principals: PrincipalSpec | None
    not_principal: bool
    conditions: tuple[Condition, ...]

    def label(self, policy_name: str) -> str:
        if self.sid:
            return f'{policy_name} statement "{self.sid}" (#{self.index})'
        return f"{policy_name} statement #{self.index}"

    def matches_action(self, action_lower: str) -> bool:
        return (self.action_regex.fullmatch(action_lower) is not None) != self.not_action

    def matches_resource(self, resource: str, lookup: Callable[[str], Any]) -> bool:
        if self.resources is None:
            return True
        hit = any(matcher.matches(resource, lookup) for matcher in self.resources)
        return hit != self.not_resource

    def conditions_hold(self, context: Mapping[str, Any], lookup: Callable[[str], Any]) -> bool:
        return all(condition.holds(context, lookup) for condition in self.conditions)


@dataclass(frozen=True, eq=False)
class Policy:
    """A named policy document of one kind; compiled on first use and cached on the instance."""

    name: str
    kind: str
    document: Mapping[str, Any]
    _statements: list[tuple[Statement, ...]] = field(default_factory=list, init=False, repr=False, compare=False)

    @classmethod
    def parse(cls, name: str, document: str | Mapping[str, Any], kind: str = "identity") -> Policy:
        """Parse JSON text (also URL-encoded, as IAM returns it) or a dict and validate its grammar.

        Raises PolicyError (malformed document) or UnsupportedFeature (unknown condition operator).
        """
        if isinstance(document, str):
            return _parse_text(name, document, kind)
        policy = cls(name, kind, document)
        policy.statements  # noqa: B018 - validates now rather than at the first evaluation
        return policy

    @property
    def statements(self) -> tuple[Statement, ...]:
        if not self._statements:
            self._statements.append(_compile(self.name, self.kind, self.document))
        return self._statements[0]


@lru_cache(maxsize=1024)
def _parse_text(name: str, text: str, kind: str) -> Policy:
    stripped = text.strip()
    if stripped.startswith("%"):
        stripped = urllib.parse.unquote(stripped)
    try:
        document = json.loads(stripped)
    except json.JSONDecodeError as error:
        raise PolicyError(f"policy {name}: not valid JSON ({error.msg} at line {error.lineno})") from None
    return Policy.parse(name, document, kind)


def _compile(name: str, kind: str, document: Any) -> tuple[Statement, ...]:
    if kind not in KINDS:
        raise PolicyError(f"policy {name}: kind {kind!r} is not one of {', '.join(KINDS)}")
    if not isinstance(document, Mapping):
        raise PolicyError(f"policy {name}: the document must be a JSON object")
    unknown = set(document) - _TOP_KEYS
    if unknown:
        raise PolicyError(f"policy {name}: unknown top-level element {sorted(unknown)[0]!r}")
    version = document.get("Version", "2008-10-17")
    if version not in _VERSIONS:
        raise PolicyError(f"policy {name}: Version {version!r} is not 2012-10-17 or 2008-10-17")
    raw = document.get("Statement")
    statements = [raw] if isinstance(raw, Mapping) else raw
    if not isinstance(statements, list) or not statements:
        raise PolicyError(f"policy {name}: Statement must be an object or a non-empty list of objects")
    variables = version == "2012-10-17"
    return tuple(_statement(name, kind, index, body, variables) for index, body in enumerate(statements))


def _statement(name: str, kind: str, index: int, body: Any, variables: bool) -> Statement:
    where = f"policy {name}: statement #{index}"
    if not isinstance(body, Mapping):
        raise PolicyError(f"{where} must be a JSON object")
    unknown = set(body) - _STATEMENT_KEYS
    if unknown:
        raise PolicyError(f"{where}: unknown element {sorted(unknown)[0]!r}")
    sid = body.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise PolicyError(f"{where}: Sid must be a string")
    if sid:
        where = f'policy {name}: statement "{sid}" (#{index})'
    effect = body.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f'{where}: Effect must be "Allow" or "Deny", not {effect!r}')

    action_key, actions = _one_of(where, body, "Action", "NotAction", required=True)
    for action in actions:
        if not _ACTION.match(action):
            raise PolicyError(f"{where}: {action_key} {action!r} must be '*' or 'service:action'")
    patterns = tuple(action.lower() for action in actions)
    action_regex = re.compile("|".join(f"(?:{_glob(p)})" for p in patterns))

    if kind == "rcp":
        _check_rcp(where, body, effect)
    takes_principal = kind in ("resource", "trust", "key", "rcp")
    resource_key, resources = _one_of(where, body, "Resource", "NotResource", required=kind != "trust")
    if kind == "trust" and resource_key:
        raise PolicyError(f"{where}: a role trust policy must not have a {resource_key} element")
    for resource in resources:
        if resource != "*" and not resource.startswith("arn:"):
            raise PolicyError(f"{where}: {resource_key} {resource!r} must be an ARN or '*'")

    principal_key = None
    spec = None
    if takes_principal:
        present = [key for key in ("Principal", "NotPrincipal") if key in body]
        if len(present) != 1:
            raise PolicyError(f"{where}: a {kind} policy statement needs exactly one of Principal or NotPrincipal")
        principal_key = present[0]
        if principal_key == "NotPrincipal":
            _check_not_principal(where, kind, effect)
        spec = _principal(where, principal_key, body[principal_key])
    else:
        for key in ("Principal", "NotPrincipal"):
            if key in body:
                raise PolicyError(f"{where}: a {kind} policy must not have a {key} element")

    return Statement(
        index=index,
        sid=sid or None,
        effect=effect,
        action_patterns=patterns,
        not_action=action_key == "NotAction",
        action_regex=action_regex,
        resources=tuple(
            Matcher(parse_resource_template(r, variables), ignore_case=False, arn_segments=True) for r in resources
        )
        if resource_key
        else None,
        not_resource=resource_key == "NotResource",
        principals=spec,
        not_principal=principal_key == "NotPrincipal",
        conditions=_conditions(where, body.get("Condition"), variables),
    )


def _check_rcp(where: str, body: Mapping[str, Any], effect: str) -> None:
    # https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_syntax.html : Principal
    # must be "*" (NotPrincipal is not among the elements), Action only (no NotAction), Allow only as
    # RCPFullAWSAccess.
    if body.get("Principal") != "*":
        raise PolicyError(f'{where}: a resource control policy statement needs "Principal": "*"')
    if "NotAction" in body:
        raise PolicyError(f"{where}: a resource control policy must not use NotAction")
    if effect == "Allow" and {k: v for k, v in body.items() if k != "Sid"} != _RCP_FULL_ACCESS:
        raise PolicyError(f"{where}: a resource control policy allows only as RCPFullAWSAccess does "
                          '(Principal, Action and Resource "*", no condition)')


def _check_not_principal(where: str, kind: str, effect: str) -> None:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html :
    # NotPrincipal must be used with "Effect": "Deny", and not in an IAM role trust policy.
    if kind == "trust":
        raise PolicyError(f"{where}: a role trust policy must not use NotPrincipal")
    if effect != "Deny":
        raise PolicyError(f'{where}: NotPrincipal must be used with "Effect": "Deny"')


def _glob(pattern: str) -> str:
    return re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")


def _one_of(where: str, body: Mapping[str, Any], key: str, negated: str, required: bool) -> tuple[str, list]:
    present = [name for name in (key, negated) if name in body]
    if len(present) > 1:
        raise PolicyError(f"{where}: has both {key} and {negated}")
    if not present:
        if required:
            raise PolicyError(f"{where}: needs {key} or {negated}")
        return "", []
    chosen = present[0]
    values = body[chosen]
    values = [values] if isinstance(values, str) else values
    if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
        raise PolicyError(f"{where}: {chosen} must be a non-empty string or list of non-empty strings")
    return chosen, values


def _principal(where: str, key: str, value: Any) -> PrincipalSpec:
    if value == "*":
        return PrincipalSpec(True, frozenset(), ())
    if not isinstance(value, Mapping) or not value:
        raise PolicyError(f'{where}: {key} must be "*" or an object such as {{"AWS": ...}}')
    aws: set[str] = set()
    others: list[tuple[str, str]] = []
    for kind, names in value.items():
        if kind not in _PRINCIPAL_TYPES:
            raise PolicyError(f"{where}: {key} type {kind!r} is not AWS, Service, Federated or CanonicalUser")
        listed = [names] if isinstance(names, str) else names
        if not isinstance(listed, list) or not listed or not all(isinstance(n, str) and n for n in listed):
            raise PolicyError(f"{where}: {key}.{kind} must be a non-empty string or list of strings")
        for entry in listed:
            if kind == "AWS":
                # A deleted user's or role's unique id (AIDA.../AROA...) is what AWS returns in its place, and it
                # matches no caller: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_policy-examples.html
                if entry != "*" and not (re.fullmatch(r"\d{12}", entry) or entry.startswith("arn:")
                                         or _UNIQUE_ID.fullmatch(entry)):
                    raise PolicyError(f"{where}: {key}.AWS {entry!r} must be '*', an account id or an ARN")
                aws.add(entry)
            else:
                others.append((kind, entry))
    return PrincipalSpec("*" in aws, frozenset(aws), tuple(others))


def _conditions(where: str, block: Any, variables: bool) -> tuple[Condition, ...]:
    if block is None:
        return ()
    if not isinstance(block, Mapping):
        raise PolicyError(f"{where}: Condition must be an object of operator -> {{key: values}}")
    compiled = []
    for operator, pairs in block.items():
        if not isinstance(pairs, Mapping) or not pairs:
            raise PolicyError(f"{where}: Condition operator {operator!r} must map keys to values")
        for key, values in pairs.items():
            try:
                compiled.append(compile_condition(operator, key, values, variables))
            except ValueFormatError as error:
                raise PolicyError(f"{where}: Condition {operator} on {key!r}: {error}") from None
    return tuple(compiled)
