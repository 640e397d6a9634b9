"""Errors raised by the policy engine; each message is a single line."""

from __future__ import annotations


def _one_line(text: str) -> str:
    return " ".join(text.split())


class PolicyError(ValueError):
    """A policy document is malformed; the message names the policy and the problem."""

    def __init__(self, message: str) -> None:
        super().__init__(_one_line(message))


class UnsupportedFeature(Exception):
    """The engine cannot decide faithfully (unknown condition operator, unknown global key, ...)."""

    def __init__(self, message: str) -> None:
        super().__init__(_one_line(message))
