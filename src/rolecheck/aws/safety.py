"""The guard in front of every write: whose account is this, and may the suite touch it?

Real accounts are sacred. Before anything is created the caller identity is resolved with STS
GetCallerIdentity (allowed for every principal, even under an explicit Deny:
https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html), and the run is refused unless the
account is explicitly allowlisted and the caller is not the account root user
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html: "We strongly recommend that you don't use the
root user for your everyday tasks"). A backend the suite started itself (moto) cannot be a real account, so its
account is allowed implicitly.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Any

from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ProfileNotFound,
)

from rolecheck.aws.identity import Identity, caller_identity
from rolecheck.errors import TargetError

ALLOWLIST_ENV = "ROLECHECK_ALLOWED_ACCOUNTS"
_ACCOUNT_ID = re.compile(r"^\d{12}$")
# One quick attempt: the identity check must answer in seconds, also when the endpoint is unreachable.
PREFLIGHT_CONFIG = Config(retries={"mode": "standard", "total_max_attempts": 2}, connect_timeout=3, read_timeout=10)


def allowed_accounts(options: Iterable[str] = (), env: str | None = None) -> frozenset[str]:
    """The allowlist: ``--allow-account`` values plus the comma-separated ROLECHECK_ALLOWED_ACCOUNTS.

    An entry that is not a 12-digit account id is a typo that would silently allow nothing, so it is refused.
    """
    raw = os.environ.get(ALLOWLIST_ENV, "") if env is None else env
    entries = [e.strip() for value in (*options, raw) for e in value.split(",") if e.strip()]
    bad = [e for e in entries if not _ACCOUNT_ID.match(e)]
    if bad:
        raise TargetError(f"not a 12-digit AWS account id in the allowlist: {', '.join(bad)}")
    return frozenset(entries)


def resolve_identity(sts: Any, where: str) -> Identity:
    """Ask STS who the caller is; every failure becomes one ``TargetError`` line naming ``where``."""
    try:
        return caller_identity(sts)
    except NoCredentialsError:
        raise TargetError(f"no AWS credentials for {where}: set AWS_PROFILE or AWS_ACCESS_KEY_ID and "
                          "AWS_SECRET_ACCESS_KEY, or sign in with `aws sso login`") from None
    except EndpointConnectionError as exc:
        raise TargetError(f"cannot reach {where}: {exc}") from None
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise TargetError(f"{where} rejected the credentials: {error.get('Code')}: {error.get('Message')}") from None
    except (NoRegionError, ProfileNotFound) as exc:
        raise TargetError(f"cannot use {where}: {exc}") from None
    except BotoCoreError as exc:
        raise TargetError(f"cannot reach {where}: {type(exc).__name__}: {exc}") from None


def check_caller(identity: Identity, allowed: frozenset[str], implicitly_allowed: str | None = None) -> None:
    """Refuse the root user, and any account that is neither allowlisted nor the suite's own simulation."""
    if identity.is_root:
        raise TargetError(f"refusing to run as the root user of account {identity.account}; "
                          "sign in as an IAM administrator")
    if identity.account == implicitly_allowed or identity.account in allowed:
        return
    listed = ", ".join(sorted(allowed)) or "empty"
    raise TargetError(f"account {identity.account} is not in the allowlist ({listed}); add it with "
                      f"--allow-account {identity.account} or {ALLOWLIST_ENV} if it is a sandbox")
