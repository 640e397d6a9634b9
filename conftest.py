"""Root conftest: loads the fixtures and step libraries and maps Gherkin tags to Allure labels and links."""

from __future__ import annotations

from typing import Any

import allure

from rolecheck.tags import allure_marks

pytest_plugins = [
    "fixtures.targets",
    "fixtures.deployment",
    "steps.deployment_steps",
    "fixtures.outsiders",
    "fixtures.clock",
    "steps.session_steps",
    "steps.probe_steps",
    "steps.trust_steps",
    "steps.credential_steps",
    "steps.static_steps",
    "steps.inventory_steps",
    "fixtures.reporting",
    "fixtures.mutation",
]


def pytest_bdd_apply_tag(tag: str, function: Any) -> bool | None:
    """Turn ``concern:``, ``severity:`` and ``control:`` tags into Allure labels and links."""
    marks = allure_marks(tag)
    if marks is None:
        return None
    for mark in marks:
        if mark.kind == "label":
            allure.label(mark.name, mark.value)(function)
        else:
            allure.link(mark.value, link_type=mark.name, name=mark.title)(function)
    return True
