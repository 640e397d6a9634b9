"""Whether a pytest run is an audit, and the audited user's credentials, read from its options.

Kept apart from the fixtures so that the target fixtures (read-only clients, no end-of-run sweep) and the
deployment fixture (no teardown) ask one function instead of repeating the option's name.
"""

from __future__ import annotations

from typing import Any

from rolecheck.clients import AccessKey
from rolecheck.errors import TargetError
from rolecheck.secrets import Secret

MAPPING_OPTION = "audit_mapping"


def enabled(config: Any) -> bool:
    """True when the run audits existing resources (``--audit-mapping``): it must write nothing."""
    return bool(config.getoption(MAPPING_OPTION, default=None))


def profile_credentials(profile: str) -> AccessKey:
    """The credentials of a named AWS profile (the audited user's own), frozen; one ``TargetError`` line if unusable."""
    import botocore.session
    from botocore.exceptions import BotoCoreError

    try:
        credentials = botocore.session.Session(profile=profile).get_credentials()
        frozen = credentials.get_frozen_credentials() if credentials is not None else None
    except BotoCoreError as exc:
        raise TargetError(f"cannot load the audited user's credentials from profile {profile!r}: {exc}") from None
    if frozen is None or not frozen.access_key:
        raise TargetError(f"profile {profile!r} holds no credentials for the audited user")
    return AccessKey(frozen.access_key, Secret(frozen.secret_key), Secret(frozen.token) if frozen.token else None)
