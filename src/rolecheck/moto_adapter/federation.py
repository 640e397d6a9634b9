"""Web-identity tokens and SAML assertions on the moto target: minted by the suite for an OIDC or SAML provider it
registers, verified here before the engine decides the role's trust.

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

import base64
import datetime
import functools
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse
from xml.etree import ElementTree
from xml.sax.saxutils import escape

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


# SAML: the suite's own identity provider. STS reads the assertion's Role attribute ("role ARN,provider ARN"),
# requires its issuer to be the provider's entity id (from the metadata IAM holds), its audience AWS sign-in, an
# unexpired NotOnOrAfter and a signature that verifies with the provider's certificate; the trust policy is then
# evaluated with the saml: keys
# (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithSAML.html,
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-saml).
# moto parses the assertion and checks none of it. The suite's assertions are keyed (HMAC-SHA256) with this
# process's secret, which stands for the provider's certificate: it never leaves the process.
SAML_AUDIENCE = "https://signin.aws.amazon.com/saml"
SAML_ROLE_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/Role"
SAML_SESSION_NAME_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
SAML_SUBJECT_TYPE = "persistent"
_SAML_NS = {"samlp": "urn:oasis:names:tc:SAML:2.0:protocol", "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
            "md": "urn:oasis:names:tc:SAML:2.0:metadata"}
_SIGNATURE = re.compile(r'<rolecheck:Signature xmlns:rolecheck="urn:rolecheck:saml">([0-9a-f]*)'
                        r"</rolecheck:Signature>")


@functools.cache
def _saml_secret() -> bytes:
    return secrets.token_bytes(32)


def saml_entity_id(provider_name: str) -> str:
    """The entity id of the suite's identity provider registered as ``provider_name``."""
    return f"urn:rolecheck:idp:{provider_name}"


def saml_metadata(provider_name: str) -> str:
    """The metadata document CreateSAMLProvider takes for the suite's identity provider ``provider_name`` (IAM asks
    for at least 1,000 characters: a real identity provider's entity, name-id formats and sign-on endpoints)."""
    entity = escape(saml_entity_id(provider_name))
    sso = f"https://idp.rolecheck.invalid/{escape(provider_name)}/sso"
    formats = "".join(f"<md:NameIDFormat>urn:oasis:names:tc:SAML:{v}</md:NameIDFormat>" for v in (
        "2.0:nameid-format:persistent", "2.0:nameid-format:transient", "1.1:nameid-format:emailAddress"))
    endpoints = "".join(f'<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:{b}" '
                        f'Location="{sso}"/>' for b in ("HTTP-POST", "HTTP-Redirect"))
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<md:EntityDescriptor xmlns:md="{_SAML_NS["md"]}" '
            f'entityID="{entity}"><md:IDPSSODescriptor WantAuthnRequestsSigned="false" '
            f'protocolSupportEnumeration="{_SAML_NS["samlp"]}">{formats}{endpoints}</md:IDPSSODescriptor>'
            '<md:Organization><md:OrganizationName xml:lang="en">rolecheck test identity provider'
            '</md:OrganizationName><md:OrganizationDisplayName xml:lang="en">rolecheck (assertions verify only in the '
            'process that minted them)</md:OrganizationDisplayName><md:OrganizationURL xml:lang="en">'
            'https://idp.rolecheck.invalid/</md:OrganizationURL></md:Organization></md:EntityDescriptor>')


def _keyed(xml: str) -> str:
    return hmac.new(_saml_secret(), xml.encode(), hashlib.sha256).hexdigest()


def _empty_signature() -> str:
    return '<rolecheck:Signature xmlns:rolecheck="urn:rolecheck:saml"></rolecheck:Signature>'


def mint_saml(provider_arn: str, role_arn: str, subject: str, *, lifetime: int = DEFAULT_LIFETIME,
              audience: str = SAML_AUDIENCE) -> str:
    """A base64 SAML response from the suite's identity provider registered as ``provider_arn``, asserting
    ``subject`` may take ``role_arn``; keyed with this process's secret, so it verifies only here."""
    now = datetime.datetime.now(datetime.UTC)
    until = (now + datetime.timedelta(seconds=lifetime)).strftime("%Y-%m-%dT%H:%M:%SZ")
    issuer = escape(saml_entity_id(provider_arn.rsplit("/", 1)[-1]))

    def attribute(name: str, value: str) -> str:
        return (f'<saml:Attribute Name="{name}"><saml:AttributeValue>{escape(value)}</saml:AttributeValue>'
                "</saml:Attribute>")

    xml = (f'<samlp:Response xmlns:samlp="{_SAML_NS["samlp"]}" xmlns:saml="{_SAML_NS["saml"]}">'
           f"<saml:Issuer>{issuer}</saml:Issuer>{_empty_signature()}"
           f"<saml:Assertion><saml:Issuer>{issuer}</saml:Issuer>"
           f'<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:{SAML_SUBJECT_TYPE}">'
           f'{escape(subject)}</saml:NameID><saml:SubjectConfirmation><saml:SubjectConfirmationData '
           f'NotOnOrAfter="{until}" Recipient="{escape(audience)}"/></saml:SubjectConfirmation></saml:Subject>'
           f'<saml:Conditions NotOnOrAfter="{until}"><saml:AudienceRestriction><saml:Audience>{escape(audience)}'
           "</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AttributeStatement>"
           + attribute(SAML_ROLE_ATTRIBUTE, f"{role_arn},{provider_arn}")
           + attribute(SAML_SESSION_NAME_ATTRIBUTE, subject[:64] or "rolecheck")
           + "</saml:AttributeStatement></saml:Assertion></samlp:Response>")
    signed = xml.replace(_empty_signature(), _empty_signature().replace("></", f">{_keyed(xml)}</"), 1)
    return base64.b64encode(signed.encode()).decode()


def _invalid_saml(message: str) -> InvalidIdentityToken:
    return InvalidIdentityToken("InvalidIdentityToken", message)


def verify_saml(assertion: str, role_arn: str, principal_arn: str) -> VerifiedToken:
    """The verified assertion of an ``AssumeRoleWithSAML`` on ``role_arn`` naming the provider ``principal_arn``;
    ``InvalidIdentityToken`` as STS refuses it otherwise (not a SAML response, a signature that does not verify,
    a provider not registered in the role's account, an issuer that is not the provider's, the role and provider
    not paired in its Role attribute, not for AWS sign-in), ``ExpiredTokenException`` once past NotOnOrAfter."""
    try:
        xml = base64.b64decode(assertion, validate=True).decode()
        root = ElementTree.fromstring(xml)
    except (ValueError, ElementTree.ParseError):
        raise _invalid_saml("Invalid base64 SAML response") from None
    found = _SIGNATURE.search(xml)
    unsigned = _SIGNATURE.sub(_empty_signature(), xml, count=1)
    if found is None or not hmac.compare_digest(found.group(1), _keyed(unsigned)):
        raise _invalid_saml("Invalid signature on the SAML response")
    parts = principal_arn.split(":")
    account, partition = (parts[4], parts[1]) if len(parts) >= 6 else ("", "aws")
    backend = iam_backends[account][partition] if account in iam_backends else None
    provider = next((p for p in (backend.saml_providers.values() if backend is not None else ())
                     if p.arn == principal_arn), None)
    if provider is None or role_arn.split(":")[4:5] != [account]:
        raise _invalid_saml(f"No SAML provider {principal_arn} in the role's account")
    entity_id = ElementTree.fromstring(provider.saml_metadata_document or "<none/>").get("entityID")
    issuer = root.findtext("saml:Assertion/saml:Issuer", namespaces=_SAML_NS)
    if not issuer or issuer != entity_id:
        raise _invalid_saml("Issuer not present in specified provider")
    pairs = [str(v.text).split(",") for a in root.iterfind("saml:Assertion/saml:AttributeStatement/saml:Attribute",
                                                              _SAML_NS) if a.get("Name") == SAML_ROLE_ATTRIBUTE
             for v in a.iterfind("saml:AttributeValue", _SAML_NS)]
    if not any(set(pair) == {role_arn, principal_arn} for pair in pairs):
        raise _invalid_saml("The SAML response does not pair the role with the provider")
    audiences = [a.text for a in root.iterfind(".//saml:Audience", _SAML_NS)]
    if SAML_AUDIENCE not in audiences:
        raise _invalid_saml("The SAML response is not for AWS sign-in")
    conditions = root.find("saml:Assertion/saml:Conditions", _SAML_NS)
    until = conditions.get("NotOnOrAfter") if conditions is not None else None
    try:
        expires = datetime.datetime.fromisoformat(str(until))
    except ValueError:
        raise _invalid_saml("The SAML response has no NotOnOrAfter") from None
    if expires <= datetime.datetime.now(datetime.UTC):
        raise InvalidIdentityToken("ExpiredTokenException", "Token expired: the SAML response's NotOnOrAfter passed")
    subject = root.findtext("saml:Assertion/saml:Subject/saml:NameID", default="", namespaces=_SAML_NS)
    # saml:namequalifier is AWS's hash of the issuer, the account and the provider's name (the SAML keys page).
    qualifier = base64.b64encode(hashlib.sha1(f"{issuer}{account}/{provider.name}".encode()).digest()).decode()
    context = {"saml:aud": SAML_AUDIENCE, "saml:iss": issuer, "saml:sub": subject,
               "saml:sub_type": SAML_SUBJECT_TYPE, "saml:namequalifier": qualifier}
    return VerifiedToken(principal_arn, subject, context)
