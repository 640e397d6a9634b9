"""Strict decoding of the inputs a user hands the suite: JSON and YAML that mean one thing, in UTF-8.

Python's ``json`` and PyYAML keep the *last* of two equal keys without a word, but readers differ: a reviewer reads
the first ``"Effect"``, IAM may apply another, and an audit that read ``Deny`` while ``Allow`` was deployed passes.
So a duplicate key is refused, as are JSON's non-standard ``NaN``/``Infinity`` and text that is not UTF-8. Every
problem is a ``DecodingError`` whose message is one line naming the source; callers wrap it in their own error type.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml


class DecodingError(ValueError):
    """An input is not strict JSON, YAML or UTF-8; the message is one line that names the source."""


def _refuse_duplicates(source: str) -> Any:
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for key, value in items:
            if key in found:
                raise DecodingError(f"{source}: duplicate key {key!r} in one JSON object (readers disagree on "
                                    "which one counts; give it once)")
            found[key] = value
        return found
    return pairs


def _refuse_constant(source: str) -> Any:
    def constant(name: str) -> Any:
        raise DecodingError(f"{source}: {name} is not JSON (RFC 8259 has no NaN or Infinity)")
    return constant


def json_value(text: str, source: str) -> Any:
    """``text`` as JSON, with duplicate keys and NaN/Infinity refused (``DecodingError``).

    A syntax error stays ``json.JSONDecodeError``, whose line and column each caller words for its own input.
    """
    return json.loads(text, object_pairs_hook=_refuse_duplicates(source), parse_constant=_refuse_constant(source))


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key given twice in one mapping (a ``<<:`` merge may still be overridden)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node)
            except TypeError:
                continue  # an unhashable key: the safe constructor refuses it with its own message
            if first is not key_node:
                mark = key_node.start_mark
                raise DecodingError(f"{self.name}: duplicate key {key!r} at line {mark.line + 1} column "
                                    f"{mark.column + 1} (first at line {first.start_mark.line + 1}; readers "
                                    "disagree on which one counts)")
        return super().construct_mapping(node, deep=deep)


def yaml_value(text: str, source: str) -> Any:
    """``text`` as YAML (safe tags only), with duplicate keys refused; any error is one ``DecodingError`` line."""
    try:
        # The reader refuses control characters (a NUL byte) as it is built, so that is inside the try too.
        loader = _StrictLoader(text)
        loader.name = source
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise DecodingError(f"{source}: not valid YAML: {' '.join(str(exc).split())}") from None


def read_text(path: str | Path, what: str = "file") -> str:
    """A file's text as strict UTF-8 (a byte-order mark is allowed); unreadable or other text is one line."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DecodingError(f"cannot read the {what} {path}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DecodingError(f"{path}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                            "save it as UTF-8") from None
