"""Credentials of an account's root user, which moto has no notion of.

The mutation catalog needs them to show that the suite refuses an operator who is the root user. moto only knows
IAM users and role sessions, so the key belongs to a stand-in user that, like root, is allowed everything; STS
answers GetCallerIdentity for that key with the root ARN, as AWS does for root credentials.

https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from moto.iam.models import iam_backends
from moto.sts.models import STSBackend

from .bootstrap import bootstrap_admin

STAND_IN_USER = "rolecheck-account-root"

_lock = threading.Lock()
_root_keys: dict[str, str] = {}
_original: list[Callable[..., Any]] = []


def _get_caller_identity(self: STSBackend, access_key_id: str, region: str) -> tuple[str, str, str]:
    account = _root_keys.get(access_key_id)
    if account is not None:
        # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#principaltable
        return account, f"arn:aws:iam::{account}:root", account
    return _original[0](self, access_key_id, region)


def bootstrap_root(account_id: str) -> tuple[str, str]:
    """Create root-user credentials for ``account_id``; returns (access_key_id, secret_access_key).

    Undo with ``remove_root``. GetCallerIdentity reports ``arn:aws:iam::<account>:root`` for the key.
    """
    key_id, secret = bootstrap_admin(account_id, STAND_IN_USER)
    with _lock:
        if not _original:
            _original.append(STSBackend.get_caller_identity)
            STSBackend.get_caller_identity = _get_caller_identity  # type: ignore[method-assign]
        _root_keys[key_id] = account_id
    return key_id, secret


def remove_root(account_id: str) -> None:
    """Delete the account's root credentials; STS is restored once no account has any."""
    backend = iam_backends[account_id]["aws"]
    with _lock:
        for key_id in [k for k, account in _root_keys.items() if account == account_id]:
            del _root_keys[key_id]
        user = backend.users.get(STAND_IN_USER)
        if user is not None:
            for key in list(user.access_keys):
                backend.delete_access_key(key.access_key_id, STAND_IN_USER)
            backend.delete_user_policy(STAND_IN_USER, "rolecheck-administrator")
            backend.delete_user(STAND_IN_USER)
        if not _root_keys and _original:
            STSBackend.get_caller_identity = _original.pop()  # type: ignore[method-assign]
