"""Web-identity tokens on the moto target: minted by the suite for an OIDC provider it registers, verified here
before the engine decides the role's trust.

moto answers ``AssumeRoleWithWebIdentity`` as ``AssumeRole`` and never reads the token, so any string would do;
AWS STS checks the token first (its issuer is an IAM OIDC provider of the role's account, its audience one of the
provider's client ids, it has not expired, its signature verifies with the provider's keys) and then evaluates the
role's trust policy with the token's claims as condition keys
(https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif).
The key that signs is this process's own, made at first use and never written anywhere: a token verifies only
against the moto world of the process that minted it, which stands for the provider's published keys.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey
from moto.iam.models import iam_backends

# A token's lifetime when the minting caller does not say; GitHub's Actions tokens last minutes, not hours.
DEFAULT_LIFETIME = 600
# The token's claims that become condition keys, "<provider host/path>:<claim>" (the OIDC keys page; "amr" is
# Cognito's, the others are every provider's).
CLAIM_KEYS = ("aud", "sub", "amr", "azp", "email", "oaud")


class InvalidIdentityToken(Exception):
    """The token is not one STS would accept; ``code`` is STS's error code for it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class VerifiedToken:
    """A token that passed STS's checks: the provider that issued it and the condition keys its claims make."""

    provider_arn: str
    subject: str
    context: Mapping[str, Any]


@functools.cache
def _signing_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "rolecheck-moto"})


def provider_path(issuer_url: str) -> str:
    """The provider's name as IAM keeps it: the issuer URL without its scheme (``host/path``)."""
    parsed = urlparse(issuer_url if "://" in issuer_url else f"https://{issuer_url}")
    return (parsed.netloc + parsed.path).rstrip("/")


def mint_web_identity(issuer_url: str, subject: str, audience: str, *, extra_claims: Mapping[str, Any] | None = None,
                      lifetime: int = DEFAULT_LIFETIME) -> str:
    """A signed OIDC token (RS256 JWT) from ``issuer_url`` for ``subject`` and ``audience``, as the provider would
    issue it; it verifies only in this process (see the module docstring)."""
    now = int(time.time())
    claims = {"iss": issuer_url, "sub": subject, "aud": audience, "iat": now, "nbf": now, "exp": now + lifetime,
              **(extra_claims or {})}
    return jwt.encode({"alg": "RS256", "kid": "rolecheck-moto"}, claims, _signing_key())


def verify_web_identity(token: str, role_arn: str) -> VerifiedToken:
    """The verified token for an ``AssumeRoleWithWebIdentity`` on ``role_arn``; ``InvalidIdentityToken`` as STS
    refuses it otherwise (issuer not a provider of the role's account, audience not among its client ids,
    expired, or a signature that does not verify)."""
    try:
        claims = jwt.decode(token, _signing_key()).claims
    except (JoseError, ValueError):
        raise InvalidIdentityToken("InvalidIdentityToken", "The web identity token that was passed could not be "
                                   "validated by AWS. Get a new identity token from the identity provider and then "
                                   "retry the request.") from None
    parts = role_arn.split(":")
    account, partition = (parts[4], parts[1]) if len(parts) >= 6 else ("", "aws")
    path = provider_path(str(claims.get("iss") or ""))
    provider_arn = f"arn:{partition}:iam::{account}:oidc-provider/{path}"
    backend = iam_backends[account][partition] if account in iam_backends else None
    provider = backend.open_id_providers.get(provider_arn) if backend is not None else None
    if provider is None:
        raise InvalidIdentityToken("InvalidIdentityToken", f"No OpenIDConnect provider found in your account for "
                                   f"{claims.get('iss')}")
    audiences = claims.get("aud")
    audiences = audiences if isinstance(audiences, list) else [audiences]
    if not set(audiences) & set(provider.client_id_list):
        raise InvalidIdentityToken("InvalidIdentityToken", "Incorrect token audience")
    if not isinstance(claims.get("exp"), int) or claims["exp"] <= time.time():
        raise InvalidIdentityToken("ExpiredTokenException", "Token expired: current date/time is after the token's "
                                   "expiry")
    context = {f"{path}:{claim}": claims[claim] for claim in CLAIM_KEYS if claim in claims}
    return VerifiedToken(provider_arn, str(claims.get("sub") or ""), context)
