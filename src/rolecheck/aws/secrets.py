"""Secret values that cannot leak through repr, str, logs or Allure step parameters.

allure-pytest-bdd renders every step argument with ``repr()``, pytest prints locals in tracebacks and boto3 logs
request parameters. A ``Secret`` masks itself in all of those; only ``reveal()`` gives the value, and it is called
exactly where the value goes on the wire.

A ``Secret`` is passed to boto3 as it is (``Password=secret``): ``reveal_on_the_wire``, run by every client before
botocore builds the request, swaps it in place for a string that is the value to the serializer but masks itself
in ``repr``. A failing call's traceback shows botocore's own frames, whose arguments (``api_params``) pytest prints
in its long and auto styles, with or without ``-l``: they hold that masked string, never a plain one.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "****"

# Request and response fields whose values are credentials. Matching is on the field name, case-insensitively,
# so nested structures (Credentials.SecretAccessKey, LoginProfile.Password) are covered too. A Lambda function's
# Environment.Variables (in ListFunctions, which the account snapshot calls on whatever account it reads) often
# hold another system's credentials under any name, so the whole mapping is masked.
SECRET_FIELDS = frozenset(
    name.lower()
    for name in (
        "SecretAccessKey",
        "SessionToken",
        "Password",
        "NewPassword",
        "OldPassword",
        "aws_secret_access_key",
        "aws_session_token",
        "X-Amz-Security-Token",
        "TokenCode",
        # The bearer credentials of AssumeRoleWithWebIdentity / AssumeRoleWithSAML: whoever holds one may use it.
        "WebIdentityToken",
        "SAMLAssertion",
        "Authorization",
        "Variables",
    )
)


class Secret:
    """A string that only ``reveal()`` gives back; every other rendering is masked."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str) or not value:
            raise ValueError("a secret must be a non-empty string")
        self._value = value

    def reveal(self) -> str:
        """Return the secret itself: call this only where it goes on the wire."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK})"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and secrets.compare_digest(self._value, other._value)

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __reduce__(self) -> Any:
        # Pickling would carry the value across process boundaries (xdist, multiprocessing): refuse it.
        raise TypeError("secrets are not picklable")


class _OnTheWire(str):
    """A secret's value as botocore serializes it: a real ``str`` to encoding, masked wherever it is rendered."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Secret({MASK})"

    # botocore encodes the value itself (percent-encoding, JSON, XML text), never through str().
    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __reduce__(self) -> Any:
        raise TypeError("secrets are not picklable")


def reveal_on_the_wire(params: Any, **_: Any) -> None:
    """botocore's ``before-parameter-build`` hook: every ``Secret`` in ``params`` becomes its wire value, in place.

    In place, because botocore's frames (``_make_api_call``'s ``api_params``) hold this very dict: whatever of it a
    traceback prints is masked.
    """
    items = params.items() if isinstance(params, dict) else enumerate(params) if isinstance(params, list) else ()
    for key, value in list(items):
        if isinstance(value, Secret):
            params[key] = _OnTheWire(value.reveal())
        elif isinstance(value, dict | list):
            reveal_on_the_wire(value)


# IAM's default password policy asks for at least 8 characters from at least three of four classes; symbols are
# limited to the set the IAM console accepts.
_PASSWORD_SYMBOLS = "!@#$%^&*()_+-=[]{}|'"
_PASSWORD_CLASSES = (string.ascii_uppercase, string.ascii_lowercase, string.digits, _PASSWORD_SYMBOLS)


def generate_password(length: int = 24) -> Secret:
    """Generate a console password with every character class, from the OS's cryptographic random source."""
    if length < len(_PASSWORD_CLASSES) * 2:
        raise ValueError(f"a password needs at least {len(_PASSWORD_CLASSES) * 2} characters")
    alphabet = "".join(_PASSWORD_CLASSES)
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if all(any(c in cls for c in candidate) for cls in _PASSWORD_CLASSES):
            return Secret(candidate)


def redact(value: Any, extra_secrets: Iterable[str] = ()) -> Any:
    """Return a deep copy of a boto3 request/response structure with credential fields masked.

    Values listed in ``extra_secrets`` are masked wherever they occur, whatever the field is called.
    """
    known = frozenset(s for s in extra_secrets if s)
    return _redact(value, known)


def _redact(value: Any, known: frozenset[str]) -> Any:
    if isinstance(value, Secret | _OnTheWire):
        return MASK
    if isinstance(value, Mapping):
        return {
            k: MASK if str(k).lower() in SECRET_FIELDS and v is not None else _redact(v, known)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redact(v, known) for v in value]
    if isinstance(value, str) and value in known:
        return MASK
    return value
