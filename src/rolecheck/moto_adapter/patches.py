"""Installing and removing the adapter's patches on moto's classes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .authorizer import authorize
from .hooks_check import check_moto_internals
from .login_profile import wrap_create_login_profile
from .sessions import wrap_assume_role
from .user_boundary import delete_user_permissions_boundary, put_user_permissions_boundary, wrap_create_user

_lock = threading.Lock()
_MISSING = object()
_saved: list[tuple[Any, str, Any]] = []


def _permit_everything(self: Any, action: str, resource: str) -> Any:
    """moto's own bucket-policy shortcuts (deny before auth, ACL checks for unsigned GETs) step aside."""
    from moto.iam.access_control import PermissionResult

    return PermissionResult.PERMITTED


def _patch(owner: Any, name: str, value: Any) -> None:
    _saved.append((owner, name, owner.__dict__.get(name, _MISSING)))
    setattr(owner, name, value)


def install() -> None:
    """Route every authorization decision moto makes through the rolecheck engine (idempotent)."""
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.iam.responses import IamResponse
    from moto.s3.models import FakeBucket
    from moto.sts.responses import TokenResponse

    with _lock:
        if _saved:
            return
        check_moto_internals()
        _patch(ActionAuthenticatorMixin, "_authenticate_and_authorize_action", authorize)
        _patch(FakeBucket, "get_permission", _permit_everything)
        _patch(TokenResponse, "assume_role", wrap_assume_role(TokenResponse.assume_role))
        _patch(IamResponse, "create_user", wrap_create_user(IamResponse.create_user))
        _patch(IamResponse, "create_login_profile", wrap_create_login_profile(IamResponse.create_login_profile))
        _patch(IamResponse, "put_user_permissions_boundary", put_user_permissions_boundary)
        _patch(IamResponse, "delete_user_permissions_boundary", delete_user_permissions_boundary)


def uninstall() -> None:
    """Restore moto exactly as it was before install()."""
    with _lock:
        while _saved:
            owner, name, original = _saved.pop()
            if original is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, original)


def is_installed() -> bool:
    """True while the adapter's patches are in place."""
    return bool(_saved)


@contextmanager
def installed() -> Iterator[None]:
    """Install on enter; on exit uninstall, unless the adapter was already installed on enter."""
    was_installed = is_installed()
    install()
    try:
        yield
    finally:
        if not was_installed:
            uninstall()
