"""Principals that must not be able to assume the role: the trust boundary's test population."""

from __future__ import annotations

from typing import Any

from rolecheck.analysis.subjects import Subject
from rolecheck.aws import consistency, operations
from rolecheck.aws.clients import Actor
from rolecheck.aws.identity import caller_identity
from rolecheck.engine import Policy, Principal
from rolecheck.policydoc import documents
from rolecheck.suite import probing
from rolecheck.suite.scene import Deployment

# The account that stands for "another AWS account" on moto targets.
FOREIGN_ACCOUNT = "210987654321"

# The other user's own policy lets it assume any role: only the role's trust policy can stop it.
ASSUME_ANY_ROLE = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "AssumeAnyRole", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
}

OTHER_USER = "another IAM user whose own policy allows assuming every role"
FOREIGN_ADMIN = "an administrator of another AWS account"
ANONYMOUS = "an unsigned request"
OWN_SESSION = "the role's own session"
KINDS = (OTHER_USER, FOREIGN_ADMIN, ANONYMOUS, OWN_SESSION)

_ADMINISTRATOR = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def imagined_subject(kind: str, account_id: str) -> Subject:
    """Audit mode creates no outsider: the engine judges one with the policies the suite would have given it."""
    if kind == OTHER_USER:
        return Subject(Principal.user(account_id, "rolecheck-imagined-other-user"),
                      (Policy.parse("assume-any-role", ASSUME_ANY_ROLE),))
    return Subject(Principal.user(FOREIGN_ACCOUNT, "rolecheck-imagined-administrator"),
                  (Policy.parse("AdministratorAccess", _ADMINISTRATOR),))


def other_user(deployment: Deployment, actor: Actor) -> Subject:
    """Create a second user of the account, allowed by its own policy to assume every role, and sign in as it."""
    iam = deployment.admin.client("iam")
    user = operations.create_user(iam, deployment.registry, "other-user")
    iam.put_user_policy(UserName=user.name, PolicyName="assume-any-role",
                        PolicyDocument=documents.dumps(ASSUME_ANY_ROLE))
    actor.sign_in(operations.create_access_key(iam, user))
    # On AWS a fresh key takes a while to work everywhere: wait for it here, so that the probe that follows, which
    # expects a refusal, is never retried and never mistakes an unknown key for a verdict.
    consistency.retry_fresh(actor.client("sts").get_caller_identity, consistency.FRESH_KEY_ERRORS,
                            "signing in as the other user")
    return deployment.user_subject_of(user)


def foreign_subject(actor: Actor) -> Subject:
    """The other account's administrator as the engine sees it, read back with its own credentials."""
    identity = caller_identity(actor.client("sts"))
    name = identity.arn.rsplit("/", 1)[-1]
    return probing.user_subject(actor.client("iam"), identity.account, name, identity.user_id)


def verify(kind: str, deployment: Deployment, actors: dict[str, Any]) -> None:
    """Check that ``kind`` cannot assume the walkthrough's role; ``actors`` holds the outsider actors."""
    actor: Actor | None
    if deployment.audit and kind in (OTHER_USER, FOREIGN_ADMIN):
        actor, subject = None, imagined_subject(kind, deployment.account_id)
    elif kind == OTHER_USER:
        actor, subject = actors["outsider"], other_user(deployment, actors["outsider"])
    elif kind == FOREIGN_ADMIN:
        actor = actors["foreign"]()
        subject = foreign_subject(actor)
    elif kind == ANONYMOUS:
        actor, subject = actors["anonymous"], probing.anonymous_subject()
    elif kind == OWN_SESSION:
        if deployment.role_key is None:
            deployment.sign_in_and_switch()
        actor, subject = deployment.role_actor, deployment.role_subject()
    else:
        raise KeyError(f"unknown outsider {kind!r}; known: {'; '.join(KINDS)}")
    deployment.verify_cannot_assume(kind, actor, subject)
