"""The scenario's user signing in and switching to its role: the session's name, the switch itself, the check that
the switch is AWS's settled answer, and the role a session chains to.

``suite/scene.py``'s ``Deployment`` holds the state (the keys, the session's name) and calls these with what they
need; nothing here reads the scene.
"""

from __future__ import annotations

from typing import Any

from rolecheck.analysis.subjects import Subject
from rolecheck.aws import consistency, operations
from rolecheck.aws.clients import AccessKey, Actor
from rolecheck.aws.operations import Role, User
from rolecheck.aws.registry import ResourceRegistry
from rolecheck.suite import probing

NO_USER_CREDENTIALS = ("audit mode without credentials that act as the user (rolecheck audit --user-profile, pytest "
                       "--audit-user-profile): "
                       "nothing is attempted with the user's or the role's credentials")
# AWS's limit on RoleSessionName.
_SESSION_NAME_LIMIT = 64


def session_name(user: User) -> str:
    """The name of the user's session of the role."""
    return f"{user.name}-session"[:_SESSION_NAME_LIMIT]


def overlaps_propagation(shared: bool, audit: bool) -> bool:
    """Whether to make the role the probes try before the user's first key: where IAM lags, a deployment shared by
    several scenarios lets it propagate while the key does, instead of waiting for it later."""
    return shared and consistency.settle_window() > 0 and not audit


def switch(user_actor: Actor, role_actor: Actor, user_key: AccessKey, role_arn: str, name: str,
           duration: int | None = None) -> AccessKey:
    """The user signs in with its own key and assumes the role: the session's credentials, which ``role_actor``
    now acts with."""
    user_actor.sign_in(user_key)
    role_key = operations.assume_role(user_actor.client("sts"), role_arn, name, duration)
    role_actor.sign_in(role_key)
    return role_key


def decide_switch(probes: probing.ProbeRunner, role_arn: str, name: str, user: Subject) -> None:
    """Without credentials that act as the user (audit mode), the engine decides the switch from what is read back."""
    probes.decided_by_engine(probing.assume_role_probe(role_arn, name), "the user", user, True, NO_USER_CREDENTIALS)


def verify_settled_switch(probes: probing.ProbeRunner, user_actor: Actor, role_arn: str, name: str,
                          user: Subject) -> None:
    """The switch tried again as a probe, checked against the engine's prediction and re-asked until IAM settles.

    The switch takes the first answer; a trust policy changed moments ago may still answer with its old self on
    AWS, so only the probe's settled answer is trusted.
    """
    check = probing.assume_role_probe(role_arn, f"{name}-check"[:_SESSION_NAME_LIMIT])
    probes.verify(check, "the user", user_actor, user, expect_allowed=True)


def create_chained_role(iam: Any, registry: ResourceRegistry, logical: str, account_id: str, role: Role,
                        name: str) -> Role:
    """A role that trusts the session ``name`` of ``role`` directly and allows 12-hour sessions."""
    session_arn = f"arn:aws:sts::{account_id}:assumed-role/{role.name}/{name}"
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": session_arn}, "Action": "sts:AssumeRole"}]}
    return operations.create_role(iam, registry, logical, trust, max_session_duration=43200)
