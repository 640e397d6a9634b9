"""Root conftest: loads the fixtures and step libraries and maps Gherkin tags to Allure labels and links."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import allure
import pytest

from rolecheck import documents
from rolecheck.errors import PolicyDocumentError
from rolecheck.tags import allure_marks

pytest_plugins = [
    "fixtures.targets",
    "fixtures.audit",
    "fixtures.conditions",
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


def pytest_collection_finish(session: pytest.Session) -> None:
    """Refuse a malformed policy document, or features disagreeing on one, in one line before anything is deployed."""
    features = Path(str(session.config.rootpath), session.config.getini("bdd_features_base_dir"))
    if not any(item.nodeid.startswith("steps/") for item in session.items):
        return
    try:
        documents.check_feature_documents(features)
    except PolicyDocumentError as exc:
        pytest.exit(f"rolecheck: malformed policy document: {exc}", returncode=pytest.ExitCode.USAGE_ERROR)
    try:
        documents.check_reviewed_documents_agree(features)
    except PolicyDocumentError as exc:
        pytest.exit(f"rolecheck: {exc}", returncode=pytest.ExitCode.USAGE_ERROR)


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
