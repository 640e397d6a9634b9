"""Collects every secret a run creates, so that the report tests can search the run's output for them.

Loaded with ``-p rolecheck_secret_dump`` by the report tests only. Every ``Secret`` (access-key secrets, session
tokens, console passwords) and every access key id an actor signs in with is remembered; at the end of the
session they are written to the file named by ``ROLECHECK_SECRET_DUMP``, readable by its owner only.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from rolecheck.aws.clients import AccessKey, Actor
from rolecheck.aws.secrets import Secret

_secrets: set[str] = set()
_key_ids: set[str] = set()

_original_secret_init = Secret.__init__
_original_sign_in = Actor.sign_in


def _recording_secret_init(self: Secret, value: str) -> None:
    _original_secret_init(self, value)
    _secrets.add(self.reveal())


def _recording_sign_in(self: Actor, key: AccessKey) -> Actor:
    _key_ids.add(key.access_key_id)
    return _original_sign_in(self, key)


Secret.__init__ = _recording_secret_init  # type: ignore[method-assign]
Actor.sign_in = _recording_sign_in  # type: ignore[method-assign]


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: Any) -> None:
    """Write what was collected; the file is created owner-only before anything is written to it."""
    path = os.environ.get("ROLECHECK_SECRET_DUMP")
    if not path:
        return
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as dump:
        json.dump({"secrets": sorted(_secrets), "access_key_ids": sorted(_key_ids)}, dump)
