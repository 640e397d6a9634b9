"""CreateLoginProfile keeps PasswordResetRequired, as IAM does (moto 5.2 drops it and always answers false).

https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateLoginProfile.html
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def wrap_create_login_profile(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Wrap moto's handler so the flag is stored on the user and echoed in the response."""

    def create_login_profile(self: Any) -> Any:
        result = original(self)
        required = str(self._get_param("PasswordResetRequired") or "false").lower() == "true"
        self.backend.get_user(self._get_param("UserName")).password_reset_required = required
        result.result["LoginProfile"]["PasswordResetRequired"] = required
        return result

    return create_login_profile
