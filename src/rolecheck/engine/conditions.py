"""Condition operators, as specified by
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
and the set qualifiers of
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html

Keys within one operator, and operators within one Condition block, are ANDed; the values of one key are ORed.
A negated operator is true when the request value matches none of the policy values. With the key missing from
the request: ``...IfExists`` is true, ``ForAllValues:`` is true, ``ForAnyValue:`` is false, negated operators are
true and every other operator is false.
"""

from __future__ import annotations

import base64
import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from rolecheck.engine.errors import UnsupportedFeature
from rolecheck.engine.keys import check_determined, check_known
from rolecheck.engine.patterns import Matcher, Template, parse_template, plain

_FAMILIES: dict[str, tuple[str, bool, str]] = {
    # name -> (family, negated, comparison)
    "stringequals": ("string", False, "eq"),
    "stringnotequals": ("string", True, "eq"),
    "stringequalsignorecase": ("string", False, "ieq"),
    "stringnotequalsignorecase": ("string", True, "ieq"),
    "stringlike": ("string", False, "like"),
    "stringnotlike": ("string", True, "like"),
    "numericequals": ("numeric", False, "eq"),
    "numericnotequals": ("numeric", True, "eq"),
    "numericlessthan": ("numeric", False, "lt"),
    "numericlessthanequals": ("numeric", False, "le"),
    "numericgreaterthan": ("numeric", False, "gt"),
    "numericgreaterthanequals": ("numeric", False, "ge"),
    "dateequals": ("date", False, "eq"),
    "datenotequals": ("date", True, "eq"),
    "datelessthan": ("date", False, "lt"),
    "datelessthanequals": ("date", False, "le"),
    "dategreaterthan": ("date", False, "gt"),
    "dategreaterthanequals": ("date", False, "ge"),
    "bool": ("bool", False, "eq"),
    "binaryequals": ("binary", False, "eq"),
    "ipaddress": ("ip", False, "in"),
    "notipaddress": ("ip", True, "in"),
    "arnequals": ("arn", False, "like"),
    "arnlike": ("arn", False, "like"),
    "arnnotequals": ("arn", True, "like"),
    "arnnotlike": ("arn", True, "like"),
    "null": ("null", False, "null"),
}
_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
}
_MULTI = list | tuple | set | frozenset


class ValueFormatError(ValueError):
    """A policy condition value does not fit its operator."""


@dataclass(frozen=True)
class Condition:
    """One (operator, key) pair of a Condition block with its prepared policy values."""

    operator: str
    family: str
    negated: bool
    comparison: str
    if_exists: bool
    qualifier: str | None
    key: str
    key_lower: str
    values: tuple[Any, ...]

    def holds(self, context: Mapping[str, Any], lookup: Callable[[str], Any]) -> bool:
        """Evaluate against a context whose keys are lower-cased."""
        raw = context.get(self.key_lower)
        missing = raw is None or (isinstance(raw, _MULTI) and not raw)
        if self.family == "null":
            if missing:
                check_determined(self.key_lower, self.key, context)
            return any(want_missing == missing for want_missing in self.values)
        if missing:
            check_known(self.key_lower, self.key, context)
            if self.if_exists or self.qualifier == "forallvalues":
                return True
            if self.qualifier == "foranyvalue":
                return False
            return self.negated
        request_values = list(raw) if isinstance(raw, _MULTI) else [raw]
        results = [self._matches_any(value, lookup) != self.negated for value in request_values]
        if self.qualifier == "forallvalues":
            return all(results)
        if self.qualifier == "foranyvalue" or not self.negated:
            return any(results)
        return all(results)

    def _matches_any(self, request_value: Any, lookup: Callable[[str], Any]) -> bool:
        compare = _COMPARE[self.family]
        return any(compare(self, request_value, policy_value, lookup) for policy_value in self.values)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _compare_string(cond: Condition, request_value: Any, policy_value: Any, lookup: Callable) -> bool:
    text = _text(request_value)
    if cond.comparison == "like":
        return policy_value.matches(text, lookup)
    chunks = policy_value.render(lookup)
    if chunks is None:
        return False
    expected = plain(chunks)
    if cond.comparison == "ieq":
        return text.casefold() == expected.casefold()
    return text == expected


def _compare_arn(cond: Condition, request_value: Any, policy_value: Template, lookup: Callable) -> bool:
    chunks = policy_value.render(lookup)
    if chunks is None:
        return False
    return _arn_regex(chunks).fullmatch(_text(request_value)) is not None


@lru_cache(maxsize=4096)
def _arn_regex(chunks: tuple[tuple[str, bool], ...]) -> re.Pattern[str]:
    # Wildcards may not cross the colons between the first five ARN components; the sixth takes the rest.
    out: list[str] = []
    colons = 0
    for text, wildcards in chunks:
        for char in text:
            if char == ":":
                colons += 1
            if wildcards and char == "*":
                out.append("[^:]*" if colons < 5 else ".*")
            elif wildcards and char == "?":
                out.append("[^:]" if colons < 5 else ".")
            else:
                out.append(re.escape(char))
    if colons < 5:
        out.append("(?!)")
    return re.compile("".join(out), re.DOTALL)


def _compare_numeric(cond: Condition, request_value: Any, policy_value: float, _lookup: Callable) -> bool:
    try:
        number = _number(request_value)
    except ValueFormatError:
        return False
    return _ORDER[cond.comparison](number, policy_value)


def _compare_date(cond: Condition, request_value: Any, policy_value: datetime, _lookup: Callable) -> bool:
    try:
        moment = _date(request_value)
    except ValueFormatError:
        return False
    return _ORDER[cond.comparison](moment, policy_value)


def _compare_bool(_cond: Condition, request_value: Any, policy_value: str | Template, lookup: Callable) -> bool:
    if isinstance(policy_value, Template):
        # A policy variable is rendered per request; a value that is then not true/false matches nothing.
        chunks = policy_value.render(lookup)
        if chunks is None:
            return False
        policy_value = plain(chunks).lower()
    return _text(request_value).lower() == policy_value


def _compare_binary(_cond: Condition, request_value: Any, policy_value: str, _lookup: Callable) -> bool:
    if isinstance(request_value, bytes | bytearray):
        request_value = base64.b64encode(bytes(request_value)).decode()
    return _text(request_value) == policy_value


def _compare_ip(_cond: Condition, request_value: Any, policy_value: Any, _lookup: Callable) -> bool:
    try:
        address = ipaddress.ip_address(_text(request_value).strip())
    except ValueError:
        return False
    return address.version == policy_value.version and address in policy_value


_COMPARE: dict[str, Callable[[Condition, Any, Any, Callable], bool]] = {
    "string": _compare_string,
    "arn": _compare_arn,
    "numeric": _compare_numeric,
    "date": _compare_date,
    "bool": _compare_bool,
    "binary": _compare_binary,
    "ip": _compare_ip,
}


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueFormatError(f"{value!r} is not a number")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueFormatError(f"{value!r} is not a number") from None


# The W3C profile of ISO 8601 (https://www.w3.org/TR/NOTE-datetime), which the Date operators' section names:
# YYYY, YYYY-MM, YYYY-MM-DD, then hh:mm with optional seconds and fraction, with a time zone designator.
_W3C_DATE = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?"
)


def _epoch(value: float, original: Any) -> datetime:
    try:
        return datetime.fromtimestamp(value, UTC)
    except (ValueError, OverflowError, OSError):
        # A 13-digit value is epoch milliseconds, which the Date operators do not take (they take seconds).
        raise ValueFormatError(f"{original!r} is out of range as epoch seconds") from None


def _w3c(match: re.Match[str]) -> datetime:
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    # A missing part means the start of the period it leaves open ("2024-06" is 2024-06-01T00:00Z), a missing
    # time zone designator UTC, as for the request's aws:CurrentTime.
    moment = datetime(int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0),
                      int(second or 0), int(fraction[1:7].ljust(6, "0")) if fraction else 0)
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        moment -= sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    return moment.replace(tzinfo=UTC)


def _date(value: Any) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        return _epoch(value, value)
    else:
        text = _text(value).strip()
        if re.fullmatch(r"\d+", text) and len(text) != 4:
            return _epoch(int(text), value)
        w3c = _W3C_DATE.fullmatch(text)
        try:
            if w3c:
                return _w3c(w3c)
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueFormatError(f"{value!r} is not an ISO 8601 date or epoch seconds") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _prepare(family: str, comparison: str, value: Any, variables: bool) -> Any:
    if isinstance(value, dict | list):
        raise ValueFormatError("a condition value must be a string, number or boolean")
    if family == "string":
        template = parse_template(_text(value), variables)
        return Matcher(template, ignore_case=False) if comparison == "like" else template
    if family == "arn":
        return parse_template(_text(value), variables)
    if family == "numeric":
        return _number(value)
    if family == "date":
        return _date(value)
    if family == "bool" and variables and "${" in _text(value):
        # The Boolean section says "Policy variables - Supported", the variables page names only string
        # comparisons: the operator's own section, the more specific page, is followed (engine/__init__.py).
        template = parse_template(_text(value), variables)
        if template.has_variables:
            return template
    if family in ("bool", "null"):
        text = _text(value).lower()
        if text not in ("true", "false"):
            raise ValueFormatError(f"{value!r} is not true or false")
        return text == "true" if family == "null" else text
    if family == "binary":
        try:
            base64.b64decode(_text(value), validate=True)
        except ValueError:
            raise ValueFormatError(f"{value!r} is not base64") from None
        return _text(value)
    try:
        return ipaddress.ip_network(_text(value).strip(), strict=False)
    except ValueError:
        raise ValueFormatError(f"{value!r} is not an IP address or CIDR block") from None


def parse_operator(name: str) -> tuple[str | None, str, bool]:
    """Split ``ForAllValues:StringLikeIfExists`` into (qualifier, base operator, if_exists)."""
    qualifier = None
    base = name
    if ":" in name:
        prefix, base = name.split(":", 1)
        if prefix.lower() not in ("forallvalues", "foranyvalue"):
            raise UnsupportedFeature(f"unknown condition set qualifier {prefix!r} in operator {name!r}")
        qualifier = prefix.lower()
    if_exists = base.lower().endswith("ifexists") and base.lower() != "ifexists"
    if if_exists:
        base = base[: -len("IfExists")]
    if base.lower() not in _FAMILIES or (if_exists and base.lower() == "null"):
        raise UnsupportedFeature(f"unknown condition operator {name!r}")
    return qualifier, base, if_exists


def compile_condition(operator: str, key: str, raw_values: Any, variables: bool) -> Condition:
    """Prepare one operator/key pair; raises UnsupportedFeature or ValueFormatError."""
    qualifier, base, if_exists = parse_operator(operator)
    family, negated, comparison = _FAMILIES[base.lower()]
    values = raw_values if isinstance(raw_values, list) else [raw_values]
    if not values:
        raise ValueFormatError(f"condition {operator} on {key!r} has no values")
    prepared = tuple(_prepare(family, comparison, value, variables) for value in values)
    return Condition(operator, family, negated, comparison, if_exists, qualifier, key, key.lower(), prepared)
