"""Who can assume a role through a federated trust: decided by the engine for the holder of any token of the
provider, the token's claims taken as request-supplied; the grant says which subjects are admitted.

Spec: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif
(the provider's :sub, :aud claims as condition keys) and
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html (a trust with no condition on
the subject admits every identity of the provider)."""

from __future__ import annotations

from snapshot_data import ACCOUNT, role, snapshot, user

from rolecheck.analysis.queries import Analysis, federated_subjects

HOST = "token.actions.githubusercontent.com"
GITHUB = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{HOST}"
SAML_IDP = f"arn:aws:iam::{ACCOUNT}:saml-provider/corp"
MAIN = "repo:example-org/app:ref:refs/heads/main"


def federated_trust(provider: str, action: str, condition: dict | None) -> list[dict]:
    statement = {"Effect": "Allow", "Principal": {"Federated": provider}, "Action": action}
    if condition:
        statement["Condition"] = condition
    return [statement]


def test_pinned_subject_is_the_one_admitted() -> None:
    condition = {"StringEquals": {f"{HOST}:aud": "sts.amazonaws.com", f"{HOST}:sub": MAIN}}
    deployer = role("deployer", federated_trust(GITHUB, "sts:AssumeRoleWithWebIdentity", condition))
    grants = Analysis(snapshot([user("alice")], [deployer])).who_can_assume(deployer.arn)
    assert [g.principal for g in grants] == [f"Federated:{GITHUB}"]
    assert grants[0].action == "sts:AssumeRoleWithWebIdentity"
    assert federated_subjects(grants[0]) == (MAIN,)
    assert f"{HOST}:aud StringEquals sts.amazonaws.com" in grants[0].requires


def test_no_sub_condition_admits_every_subject() -> None:
    condition = {"StringEquals": {f"{HOST}:aud": "sts.amazonaws.com"}}
    deployer = role("deployer", federated_trust(GITHUB, "sts:AssumeRoleWithWebIdentity", condition))
    (grant,) = Analysis(snapshot(roles=[deployer])).who_can_assume(deployer.arn)
    assert federated_subjects(grant) == ("*",)
    assert "every subject of the provider" in grant.note


def test_saml_trust_decided() -> None:
    condition = {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}
    admins = role("admins", federated_trust(SAML_IDP, "sts:AssumeRoleWithSAML", condition))
    (grant,) = Analysis(snapshot(roles=[admins])).who_can_assume(admins.arn)
    assert (grant.principal, grant.action) == (f"Federated:{SAML_IDP}", "sts:AssumeRoleWithSAML")
    assert grant.requires == ("SAML:aud StringEquals https://signin.aws.amazon.com/saml",)


def test_federated_trust_for_another_action_admits_no_token() -> None:
    # Naming the provider for sts:AssumeRole lets no token holder in: that call needs IAM credentials.
    broken = role("broken", federated_trust(GITHUB, "sts:AssumeRole", None))
    assert Analysis(snapshot(roles=[broken])).who_can_assume(broken.arn) == []
