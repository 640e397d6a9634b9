"""Wildcard patterns and policy variables.

Policy variables (``${aws:username}``, ``${*}``, ``${?}``, ``${$}``, ``${key, 'default'}``) follow
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html : they are substituted only
in policies with ``"Version": "2012-10-17"``, a substituted value never acts as a wildcard, and a variable whose
key is missing (with no default) makes that value match nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"^\s*([^,\s]+)\s*,\s*'([^']*)'\s*$")
_SPECIAL = {"*": "*", "?": "?", "$": "$"}


@dataclass(frozen=True)
class Template:
    """A policy value split into wildcard-capable text and variable references.

    ``parts`` holds ``(kind, text, default)`` triples: kind ``"text"`` is policy text in which ``*`` and ``?``
    stay wildcards, ``"literal"`` is text that matches only itself, ``"var"`` names a context key.
    """

    source: str
    parts: tuple[tuple[str, str, str | None], ...]

    @property
    def has_variables(self) -> bool:
        return any(kind == "var" for kind, _, _ in self.parts)

    def render(self, lookup: Callable[[str], Any]) -> tuple[tuple[str, bool], ...] | None:
        """Substitute variables; returns ``(text, wildcards_active)`` chunks, or None if a key is missing."""
        chunks: list[tuple[str, bool]] = []
        for kind, text, default in self.parts:
            if kind == "var":
                value = lookup(text)
                if value is None or isinstance(value, list | tuple | set | frozenset):
                    if default is None:
                        return None
                    value = default
                chunks.append((_as_text(value), False))
            else:
                chunks.append((text, kind == "text"))
        return tuple(chunks)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_template(text: str, variables: bool) -> Template:
    """Split ``text`` into parts; with ``variables`` False (policy Version 2008-10-17) ``${...}`` is literal."""
    if not variables or "${" not in text:
        return Template(text, (("text", text, None),))
    parts: list[tuple[str, str, str | None]] = []
    position = 0
    for match in _VARIABLE.finditer(text):
        if match.start() > position:
            parts.append(("text", text[position : match.start()], None))
        inner = match.group(1)
        if inner in _SPECIAL:
            parts.append(("literal", _SPECIAL[inner], None))
        else:
            with_default = _DEFAULT.match(inner)
            if with_default:
                parts.append(("var", with_default.group(1), with_default.group(2)))
            else:
                parts.append(("var", inner.strip(), None))
        position = match.end()
    if position < len(text):
        parts.append(("text", text[position:], None))
    return Template(text, tuple(parts))


def parse_resource_template(text: str, variables: bool) -> Template:
    """A Resource/NotResource ARN: variables only after its fifth colon, the rest kept literally.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-resourceelement
    : "You can't use a variable to replace parts of the ARN before the fifth colon, such as the service or
    account." A ``${...}`` there stays text, so it matches no real ARN.
    """
    head, colons = 0, 0
    while colons < 5:
        found = text.find(":", head)
        if found < 0:
            return parse_template(text, variables=False)
        head, colons = found + 1, colons + 1
    prefix = Template(text[:head], (("text", text[:head], None),))
    rest = parse_template(text[head:], variables)
    return Template(text, prefix.parts + rest.parts)


@lru_cache(maxsize=8192)
def compile_chunks(chunks: tuple[tuple[str, bool], ...], ignore_case: bool) -> re.Pattern[str]:
    """Regex for rendered chunks: ``*`` matches any run of characters, ``?`` exactly one."""
    pieces = []
    for text, wildcards in chunks:
        escaped = re.escape(text)
        if wildcards:
            escaped = escaped.replace(r"\*", ".*").replace(r"\?", ".")
        pieces.append(escaped)
    return re.compile("".join(pieces), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


@lru_cache(maxsize=8192)
def compile_resource_chunks(chunks: tuple[tuple[str, bool], ...]) -> re.Pattern[str]:
    """Regex for a rendered Resource/NotResource ARN pattern, wildcards working per colon-separated segment.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html#reference_policies_elements_resource_wildcards
    : ``*`` and ``?`` match within a segment (the parts separated by colons); only a ``*`` that is the last
    character of its segment can expand beyond the colon boundaries. So ``?`` never matches a colon, and a ``*``
    followed by more text in its segment matches no colon either.
    """
    characters = [(char, wildcards) for text, wildcards in chunks for char in text]
    pieces = []
    for index, (char, wildcards) in enumerate(characters):
        if wildcards and char == "*":
            segment_ends = index + 1 == len(characters) or characters[index + 1][0] == ":"
            pieces.append(".*" if segment_ends else "[^:]*")
        elif wildcards and char == "?":
            pieces.append("[^:]")
        else:
            pieces.append(re.escape(char))
    return re.compile("".join(pieces), re.DOTALL)


def plain(chunks: tuple[tuple[str, bool], ...]) -> str:
    """Rendered chunks as one string, for operators that take no wildcards."""
    return "".join(text for text, _ in chunks)


class Matcher:
    """Matches strings against one template, compiled once when it has no variables.

    ``arn_segments`` selects the Resource element's rule (wildcards stay within a colon-separated segment unless
    a ``*`` ends its segment); otherwise ``*`` and ``?`` are StringLike's, matching any character.
    """

    __slots__ = ("_compile", "_static", "template")

    def __init__(self, template: Template, ignore_case: bool, arn_segments: bool = False) -> None:
        self.template = template
        self._compile: Callable[[tuple[tuple[str, bool], ...]], re.Pattern[str]] = (
            compile_resource_chunks if arn_segments else lambda chunks: compile_chunks(chunks, ignore_case)
        )
        self._static: re.Pattern[str] | None = None
        if not template.has_variables:
            self._static = self._compile(template.render(_no_lookup) or ())

    def matches(self, value: str, lookup: Callable[[str], Any]) -> bool:
        pattern = self._static
        if pattern is None:
            chunks = self.template.render(lookup)
            if chunks is None:
                return False
            pattern = self._compile(chunks)
        return pattern.fullmatch(value) is not None


def _no_lookup(_key: str) -> None:
    return None


def context_lookup(context: Mapping[str, Any]) -> Callable[[str], Any]:
    """Case-insensitive key lookup into a context whose keys are already lower-cased."""
    return lambda key: context.get(key.lower())
