"""Federated trusts: a web-identity (OIDC) or SAML token's holder calling AssumeRoleWithWebIdentity /
AssumeRoleWithSAML, named in a trust policy by its provider in {"Federated": ...}, with the token's claims as
condition keys. Each case cites its AWS page."""

from __future__ import annotations

import pytest

from rolecheck.engine import Policy, Principal, Request, Verdict, evaluate
from rolecheck.engine.principal import SAML, WEB_IDENTITY

# "Principal": {"Federated": "arn:aws:iam::AWS-account-ID:oidc-provider/..."} or a bare provider name for
# Amazon Cognito / Google / Login with Amazon / Facebook.
PRINCIPAL_PAGE = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html"
    "#principal-federated-web-identity"
)
# Available keys for AWS OIDC federation: <provider host/path>:aud, :sub, :amr, ... from the token's claims.
OIDC_KEYS_PAGE = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif"
)
# Available keys for SAML-based AWS STS federation: saml:aud, saml:sub, saml:iss, ...
SAML_KEYS_PAGE = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-saml"
)
# aws:FederatedProvider: the identity provider that issued the token.
FEDERATED_PROVIDER_PAGE = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html"
    "#condition-keys-federatedprovider"
)
# The call itself is unsigned: the token is the authentication.
WEB_IDENTITY_API = "https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html"

ACCT = "111122223333"
HOST = "token.actions.githubusercontent.com"
GITHUB = f"arn:aws:iam::{ACCT}:oidc-provider/{HOST}"
SAML_PROVIDER = f"arn:aws:iam::{ACCT}:saml-provider/corp-idp"
ROLE = f"arn:aws:iam::{ACCT}:role/deployer"
MAIN = "repo:example-org/app:ref:refs/heads/main"
WEB = "sts:AssumeRoleWithWebIdentity"


def trust(federated: str, action: str = WEB, condition: dict | None = None) -> Policy:
    """A trust policy whose one statement names ``federated``."""
    statement = {"Effect": "Allow", "Principal": {"Federated": federated}, "Action": action}
    if condition:
        statement["Condition"] = condition
    return Policy.parse("trust", {"Version": "2012-10-17", "Statement": [statement]}, kind="trust")


def assume(principal: Principal, policy: Policy, claims: dict, action: str = WEB) -> Verdict:
    """The verdict of ``principal`` presenting a token with ``claims`` to assume the role."""
    request = Request(principal, action, ROLE, resource_account=ACCT, resource_policy=policy, context=claims)
    return evaluate(request).verdict


PINNED = {"StringEquals": {f"{HOST}:aud": "sts.amazonaws.com", f"{HOST}:sub": MAIN}}
CLAIMS = {f"{HOST}:aud": "sts.amazonaws.com", f"{HOST}:sub": MAIN}


@pytest.mark.parametrize(
    ("name", "policy", "principal", "claims", "expected", "page"),
    [
        ("oidc-provider-arn-and-pinned-subject", trust(GITHUB, condition=PINNED),
         Principal.web_identity(GITHUB, MAIN), CLAIMS, Verdict.ALLOWED, OIDC_KEYS_PAGE),
        ("oidc-other-repository-refused", trust(GITHUB, condition=PINNED),
         Principal.web_identity(GITHUB, "repo:other-org/evil:ref:refs/heads/main"),
         {**CLAIMS, f"{HOST}:sub": "repo:other-org/evil:ref:refs/heads/main"}, Verdict.IMPLICIT_DENY, OIDC_KEYS_PAGE),
        # No condition on :sub: every repository of the provider is admitted (the finding of the contract).
        ("oidc-no-sub-condition-admits-any-repository", trust(GITHUB),
         Principal.web_identity(GITHUB, "repo:other-org/evil:ref:refs/heads/main"),
         {f"{HOST}:sub": "repo:other-org/evil:ref:refs/heads/main"}, Verdict.ALLOWED, PRINCIPAL_PAGE),
        ("oidc-other-provider-not-named", trust(f"arn:aws:iam::{ACCT}:oidc-provider/gitlab.example.com"),
         Principal.web_identity(GITHUB, MAIN), CLAIMS, Verdict.IMPLICIT_DENY, PRINCIPAL_PAGE),
        ("bare-provider-name", trust("cognito-identity.amazonaws.com", condition={
            "StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:pool"}}),
         Principal.web_identity("cognito-identity.amazonaws.com", "us-east-1:id"),
         {"cognito-identity.amazonaws.com:aud": "us-east-1:pool"}, Verdict.ALLOWED, PRINCIPAL_PAGE),
        ("federated-provider-key", trust(GITHUB, condition={"StringEquals": {"aws:FederatedProvider": GITHUB}}),
         Principal.web_identity(GITHUB, MAIN), CLAIMS, Verdict.ALLOWED, FEDERATED_PROVIDER_PAGE),
        # The trust names the provider for AssumeRoleWithWebIdentity only; an IAM user is not a token holder.
        ("iam-user-not-named-by-federated", trust(GITHUB), Principal.user(ACCT, "alice"), {}, Verdict.IMPLICIT_DENY,
         PRINCIPAL_PAGE),
        ("saml-pinned-audience", trust(SAML_PROVIDER, "sts:AssumeRoleWithSAML", {
            "StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}),
         Principal.saml(SAML_PROVIDER, "alice@example.com"), {"saml:aud": "https://signin.aws.amazon.com/saml"},
         Verdict.ALLOWED, SAML_KEYS_PAGE),
        ("saml-wrong-audience", trust(SAML_PROVIDER, "sts:AssumeRoleWithSAML", {
            "StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}),
         Principal.saml(SAML_PROVIDER, "alice@example.com"), {"saml:aud": "https://elsewhere.example.com"},
         Verdict.IMPLICIT_DENY, SAML_KEYS_PAGE),
    ],
    ids=lambda value: value if isinstance(value, str) and "-" in value and " " not in value else "",
)
def test_federated_trust(name, policy, principal, claims, expected, page) -> None:
    action = "sts:AssumeRoleWithSAML" if principal.type == SAML else WEB
    assert assume(principal, policy, claims, action) is expected, (name, page)


def test_web_identity_principal_shape() -> None:
    """The token holder is named by its provider; its subject is the token's sub (WEB_IDENTITY_API)."""
    principal = Principal.web_identity(GITHUB, MAIN)
    assert (principal.type, principal.arn, principal.account, principal.name) == (WEB_IDENTITY, GITHUB, ACCT, MAIN)
    assert Principal.web_identity("accounts.google.com", "1234").account is None
