"""Reading a request parameter as moto hands it over: a value, or a list of values from the query string."""

from __future__ import annotations

from typing import Any


def first_param(params: dict[str, Any], name: str) -> str | None:
    """The parameter's first value; None when it is absent or empty."""
    value = params.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    return value if value not in (None, "") else None
