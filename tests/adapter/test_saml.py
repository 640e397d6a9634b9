"""AssumeRoleWithSAML on the moto target: the suite's assertion is verified as STS verifies it (moto parses it and
checks nothing), then the engine decides the role's trust with the saml: condition keys.

https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithSAML.html (the call is unsigned; the
Role attribute pairs the role with the provider; InvalidIdentityToken, ExpiredTokenException),
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-saml
(saml:aud is https://signin.aws.amazon.com/saml, saml:sub the NameID)."""

from __future__ import annotations

import base64
import json

import boto3
import pytest
from adapter_world import ACCOUNT, REGION, unique
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from rolecheck.aws.secrets import MASK, redact
from rolecheck.moto_adapter.federation import SAML_AUDIENCE, mint_saml, saml_metadata

ALICE = "alice@example.com"
AUDIENCE = {"StringEquals": {"saml:aud": SAML_AUDIENCE}}


def _provider(world) -> str:
    name = unique("corp-idp")
    return world.admins[ACCOUNT].client("iam").create_saml_provider(
        Name=name, SAMLMetadataDocument=saml_metadata(name))["SAMLProviderArn"]


@pytest.fixture(scope="module")
def provider_arn(world) -> str:
    return _provider(world)


def _role(world, provider_arn: str, condition: dict | None) -> str:
    statement = {"Effect": "Allow", "Principal": {"Federated": provider_arn}, "Action": "sts:AssumeRoleWithSAML"}
    if condition:
        statement["Condition"] = condition
    return world.admins[ACCOUNT].client("iam").create_role(RoleName=unique("workforce"), AssumeRolePolicyDocument=(
        json.dumps({"Version": "2012-10-17", "Statement": [statement]})))["Role"]["Arn"]


def _assume(role_arn: str, provider_arn: str, assertion: str) -> dict:
    sts = boto3.client("sts", region_name=REGION, config=Config(signature_version=UNSIGNED))
    return sts.assume_role_with_saml(RoleArn=role_arn, PrincipalArn=provider_arn, SAMLAssertion=assertion)


def _code(role_arn: str, provider_arn: str, assertion: str) -> str:
    with pytest.raises(ClientError) as caught:
        _assume(role_arn, provider_arn, assertion)
    return caught.value.response["Error"]["Code"]


def test_an_assertion_of_the_trusted_provider_assumes_the_role(world, provider_arn) -> None:
    role_arn = _role(world, provider_arn, AUDIENCE)
    answer = _assume(role_arn, provider_arn, mint_saml(provider_arn, role_arn, ALICE))
    assert answer["Credentials"]["AccessKeyId"]


def test_the_trust_decides_with_the_saml_keys(world, provider_arn) -> None:
    role_arn = _role(world, provider_arn, {"StringEquals": {"saml:sub": "bob@example.com"}})
    assert _code(role_arn, provider_arn, mint_saml(provider_arn, role_arn, ALICE)) == "AccessDenied"
    assert _assume(role_arn, provider_arn, mint_saml(provider_arn, role_arn, "bob@example.com"))["Credentials"]


def test_an_untrusted_provider_is_denied(world, provider_arn) -> None:
    role_arn = _role(world, provider_arn, AUDIENCE)
    other = _provider(world)
    assert _code(role_arn, other, mint_saml(other, role_arn, ALICE)) == "AccessDenied"


def _tampered(assertion: str) -> str:
    xml = base64.b64decode(assertion).decode()
    return base64.b64encode(xml.replace(ALICE, "mallory@example.com").encode()).decode()


@pytest.mark.parametrize(("why", "forge", "code"), [
    ("not a SAML response", lambda p, r, o: "bm90IHhtbA==", "InvalidIdentityToken"),
    ("tampered after signing", lambda p, r, o: _tampered(mint_saml(p, r, ALICE)), "InvalidIdentityToken"),
    ("expired", lambda p, r, o: mint_saml(p, r, ALICE, lifetime=-1), "ExpiredTokenException"),
    ("minted for another provider", lambda p, r, o: mint_saml(o, r, ALICE), "InvalidIdentityToken"),
    ("for another role", lambda p, r, o: mint_saml(p, r + "-other", ALICE), "InvalidIdentityToken"),
    ("not for AWS sign-in", lambda p, r, o: mint_saml(p, r, ALICE, audience="urn:elsewhere"),
     "InvalidIdentityToken"),
])
def test_an_assertion_sts_would_refuse_is_refused(world, provider_arn, why, forge, code) -> None:
    role_arn = _role(world, provider_arn, None)
    assert _code(role_arn, provider_arn, forge(provider_arn, role_arn, _provider(world))) == code, why


def test_an_unregistered_provider_is_refused(world, provider_arn) -> None:
    role_arn = _role(world, provider_arn, None)
    missing = provider_arn.rsplit("/", 1)[0] + "/never-registered"
    assert _code(role_arn, missing, mint_saml(missing, role_arn, ALICE)) == "InvalidIdentityToken"


def test_the_assertion_is_masked_in_call_records(provider_arn) -> None:
    assertion = mint_saml(provider_arn, "arn:aws:iam::123456789012:role/r", ALICE)
    assert redact({"SAMLAssertion": assertion, "RoleArn": "r"}) == {"SAMLAssertion": MASK, "RoleArn": "r"}
