"""User permissions boundaries, which moto 5.2 does not implement (CreateUser ignores PermissionsBoundary).

https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutUserPermissionsBoundary.html
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult, EmptyResult

from .state import set_user_boundary


def _checked_boundary(response: Any) -> str | None:
    arn = response._get_param("PermissionsBoundary")
    if arn:
        # Raises NoSuchEntity like AWS when the policy does not exist.
        response.backend.get_policy(arn)
    return arn


def put_user_permissions_boundary(self: Any) -> ActionResult:
    """PutUserPermissionsBoundary."""
    user = self.backend.get_user(self._get_param("UserName"))
    set_user_boundary(user, _checked_boundary(self))
    return EmptyResult()


def delete_user_permissions_boundary(self: Any) -> ActionResult:
    """DeleteUserPermissionsBoundary."""
    user = self.backend.get_user(self._get_param("UserName"))
    set_user_boundary(user, None)
    return EmptyResult()


def wrap_create_user(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """CreateUser that honours its PermissionsBoundary parameter."""

    def create_user(self: Any) -> Any:
        arn = _checked_boundary(self)
        result = original(self)
        if arn:
            set_user_boundary(result.result["User"], arn)
        return result

    create_user.__wrapped__ = original  # type: ignore[attr-defined]
    return create_user
