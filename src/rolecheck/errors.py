"""The suite's exception types, one per failure category shown in the Allure report.

Allure classifies an ``AssertionError`` as *failed* and anything else as *broken*; the categories in
``reports/categories.json`` then separate the failed results by the first words of the message.
"""

from __future__ import annotations


class ComplianceViolation(AssertionError):
    """A compliance check found the account or a policy misconfigured."""

    prefix = "Compliance violation"

    def __init__(self, message: str) -> None:
        super().__init__(f"{self.prefix}: {message}")


class EngineDrift(AssertionError):
    """The policy engine's prediction and the target's observed answer disagree."""

    prefix = "Engine drift"

    def __init__(self, message: str) -> None:
        super().__init__(f"{self.prefix}: {message}")


class TargetError(RuntimeError):
    """The target cannot be used: unknown, unreachable, not allowlisted, or without credentials.

    Its message is a single line meant for the terminal; the suite exits non-zero without a traceback.
    """


class PolicyDocumentError(ValueError):
    """A policy document in a feature file is malformed (bad JSON, unknown placeholder)."""
