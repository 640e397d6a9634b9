"""AssumeRoleWithWebIdentity on the moto target: the token is verified as STS verifies it, then the engine decides
the role's trust with the token's claims as condition keys.

https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html (InvalidIdentityToken,
ExpiredTokenException; the call is unsigned),
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif
(token.actions.githubusercontent.com:sub / :aud)."""

from __future__ import annotations

import json

import boto3
import pytest
from adapter_world import ACCOUNT, REGION, unique
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError
from joserfc import jwt
from joserfc.jwk import RSAKey

from rolecheck.moto_adapter.federation import mint_web_identity, verify_web_identity
from rolecheck.targets.moto_server import MotoServer, MotoServerTarget, request_token

ISSUER = "https://token.actions.githubusercontent.com"
HOST = "token.actions.githubusercontent.com"
MAIN = "repo:example-org/app:ref:refs/heads/main"


@pytest.fixture(scope="module")
def provider_arn(world) -> str:
    iam = world.admins[ACCOUNT].client("iam")
    return iam.create_open_id_connect_provider(Url=ISSUER, ClientIDList=["sts.amazonaws.com"],
                                               ThumbprintList=["a" * 40])["OpenIDConnectProviderArn"]


def _role(world, provider_arn: str, condition: dict | None) -> str:
    statement = {"Effect": "Allow", "Principal": {"Federated": provider_arn},
                 "Action": "sts:AssumeRoleWithWebIdentity"}
    if condition:
        statement["Condition"] = condition
    iam = world.admins[ACCOUNT].client("iam")
    return iam.create_role(RoleName=unique("deployer"), AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [statement]}))["Role"]["Arn"]


def _assume(role_arn: str, token: str) -> dict:
    sts = boto3.client("sts", region_name=REGION, config=Config(signature_version=UNSIGNED))
    return sts.assume_role_with_web_identity(RoleArn=role_arn, RoleSessionName="ci", WebIdentityToken=token)


def _code(role_arn: str, token: str) -> str:
    with pytest.raises(ClientError) as caught:
        _assume(role_arn, token)
    return caught.value.response["Error"]["Code"]


PINNED = {"StringEquals": {f"{HOST}:aud": "sts.amazonaws.com", f"{HOST}:sub": MAIN}}


def test_the_pinned_subject_assumes_the_role(world, provider_arn) -> None:
    role_arn = _role(world, provider_arn, PINNED)
    answer = _assume(role_arn, mint_web_identity(ISSUER, MAIN, "sts.amazonaws.com"))
    assert answer["Credentials"]["AccessKeyId"]


def test_another_repository_is_denied(world, provider_arn) -> None:
    role_arn = _role(world, provider_arn, PINNED)
    token = mint_web_identity(ISSUER, "repo:other-org/evil:ref:refs/heads/main", "sts.amazonaws.com")
    assert _code(role_arn, token) == "AccessDenied"


def test_without_a_sub_condition_any_repository_assumes_the_role(world, provider_arn) -> None:
    role_arn = _role(world, provider_arn, {"StringEquals": {f"{HOST}:aud": "sts.amazonaws.com"}})
    token = mint_web_identity(ISSUER, "repo:other-org/evil:ref:refs/heads/main", "sts.amazonaws.com")
    assert _assume(role_arn, token)["Credentials"]["AccessKeyId"]


@pytest.mark.parametrize(("why", "token", "code"), [
    ("not a token", "not-a-jwt", "InvalidIdentityToken"),
    ("unregistered issuer", mint_web_identity("https://gitlab.example.com", MAIN, "sts.amazonaws.com"),
     "InvalidIdentityToken"),
    ("audience not a client id", mint_web_identity(ISSUER, MAIN, "someone-else"), "InvalidIdentityToken"),
    ("expired", mint_web_identity(ISSUER, MAIN, "sts.amazonaws.com", lifetime=-60), "ExpiredTokenException"),
])
def test_tokens_sts_refuses(world, provider_arn, why, token, code) -> None:
    role_arn = _role(world, provider_arn, PINNED)
    assert _code(role_arn, token) == code, why


def test_a_token_signed_by_another_key_is_refused(world, provider_arn) -> None:
    forged = jwt.encode({"alg": "RS256"}, {"iss": ISSUER, "sub": MAIN, "aud": "sts.amazonaws.com",
                                           "exp": 4102444800}, RSAKey.generate_key(2048))
    assert _code(_role(world, provider_arn, PINNED), forged) == "InvalidIdentityToken"


def test_a_server_run_gets_tokens_from_the_suites_own_server(provider_arn) -> None:
    """A process running against the suite's moto server asks it for tokens (targets.moto_server.TOKEN_ROUTE); it
    runs last in the module, since the server's stop removes the adapter."""
    server = MotoServer()
    url = server.start()
    try:
        token = MotoServerTarget(endpoint_url=url).web_identity_token(ISSUER, MAIN, "sts.amazonaws.com")
        assert token is not None
        assert verify_web_identity(token, f"arn:aws:iam::{ACCOUNT}:role/any").subject == MAIN
        assert request_token("https://sts.amazonaws.com", ISSUER, MAIN, "sts.amazonaws.com") is None
    finally:
        server.stop()
