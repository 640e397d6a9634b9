"""Who is calling: the access key in the SigV4 credential scope, resolved across every account moto holds.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-authentication-methods.html
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from moto.iam.models import iam_backends
from moto.sts.models import sts_backends

from rolecheck.engine import Principal

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")


@dataclass(frozen=True)
class Credential:
    """The access key id, region and service a request was signed for (never the secret)."""

    access_key_id: str
    region: str
    service: str
    presigned: bool


@dataclass(frozen=True)
class Caller:
    """The authenticated principal with the moto objects its policies live on."""

    principal: Principal
    account: str
    partition: str
    user: Any = None
    session: Any = None
    role: Any = None

    @property
    def is_session(self) -> bool:
        return self.session is not None


def credential_of(headers: Any, query: dict[str, list[str]]) -> Credential | None:
    """The credential from the Authorization header or a presigned URL's query; None for an unsigned request."""
    authorization = headers.get("Authorization") or ""
    match = _CREDENTIAL.search(authorization)
    if match:
        return Credential(match.group(1), match.group(2), match.group(3), presigned=False)
    values = query.get("X-Amz-Credential") or []
    if values:
        match = _CREDENTIAL.search("Credential=" + values[0])
        if match:
            return Credential(match.group(1), match.group(2), match.group(3), presigned=True)
    return None


def find_access_key(access_key_id: str) -> tuple[str, str, Any] | None:
    """(account, partition, moto AccessKey) for a key id, searching every account and partition moto holds."""
    for account_id, account in list(iam_backends.items()):
        for partition, backend in list(dict.items(account)):
            key = backend.access_keys.get(access_key_id)
            if key is not None:
                return account_id, partition, key
    return None


def find_session(account: str, partition: str, access_key_id: str) -> Any:
    """moto's AssumedRole for a session key id, or None."""
    backends = sts_backends[account]
    if partition not in dict.keys(backends):
        return None
    return backends[partition].get_assumed_role_from_access_key(access_key_id)


def find_role_by_arn(role_arn: str) -> Any:
    """moto's Role for an ARN in whichever account it names, or None."""
    parts = role_arn.split(":")
    if len(parts) < 6 or parts[2] != "iam":
        return None
    account, partition = parts[4], parts[1]
    if account not in iam_backends:
        return None
    backend = iam_backends[account][partition]
    return next((role for role in backend.roles.values() if role.arn == role_arn), None)


def user_caller(account: str, partition: str, key: Any) -> Caller | None:
    """The IAM user owning a long-term key, or None when the user is gone."""
    user = iam_backends[account][partition].users.get(key.user_name)
    if user is None:
        return None
    principal = Principal.user(account, user.name, user_id=user.id, path=user.path)
    return Caller(principal, account, partition, user=user)


def session_caller(account: str, partition: str, session: Any) -> Caller:
    """The role session a temporary key belongs to; the role may since have been deleted."""
    role = find_role_by_arn(session.role_arn)
    role_name = session.role_arn.split("/")[-1]
    role_path = "/" + "/".join(session.role_arn.split(":", 5)[5].split("/")[1:-1])
    role_path = role_path + "/" if role_path != "/" else role_path
    principal = Principal.assumed_role(
        account, role_name, session.session_name, role_id=role.id if role else None, role_path=role_path
    )
    return Caller(principal, account, partition, session=session, role=role)


def session_expired(session: Any, now: datetime | None = None) -> bool:
    """True once the session's expiration has passed (moto stores it as naive UTC)."""
    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    expiration = session.expiration
    if expiration.tzinfo is not None:
        expiration = expiration.astimezone(UTC).replace(tzinfo=None)
    return moment >= expiration
