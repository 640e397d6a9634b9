"""Session fixtures for the principals outside the trust boundary."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from rolecheck.aws.clients import AccessKey, Actor, ClientFactory, profile_key
from rolecheck.aws.secrets import Secret
from rolecheck.suite.outsiders import FOREIGN_ACCOUNT
from rolecheck.targets.base import Target


@pytest.fixture(scope="session")
def outsider_actor(client_factory: ClientFactory) -> Actor:
    """Another IAM user of the account; signed in afresh by each scenario that needs it."""
    return Actor("outsider", client_factory)


@pytest.fixture(scope="session")
def anonymous_actor(client_factory: ClientFactory) -> Actor:
    """Someone who sends unsigned requests."""
    return Actor("anonymous", client_factory, anonymous=True)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rolecheck")
    group.addoption("--foreign-profile", default=os.environ.get("ROLECHECK_FOREIGN_PROFILE") or None,
                    metavar="PROFILE",
                    help="an AWS profile of an administrator in another account, for the trust boundary's "
                         "other-account row on a backend the suite did not start (aws, --endpoint-url); without it "
                         "that row is skipped and says why (moto targets make their own). "
                         "Env: ROLECHECK_FOREIGN_PROFILE")


def _foreign_key(target: Target, profile: str | None) -> AccessKey:
    if target.in_process:
        from rolecheck.moto_adapter import bootstrap_admin

        key_id, secret = bootstrap_admin(FOREIGN_ACCOUNT, "rolecheck-foreign-admin")
        return AccessKey(key_id, Secret(secret))
    if not profile:
        pytest.skip(f"not checked on the {target.name} target: the other-account row needs an administrator of a "
                    "second account; pass --foreign-profile PROFILE (or ROLECHECK_FOREIGN_PROFILE)")
    return profile_key(profile, "another account's administrator")


@pytest.fixture(scope="session")
def foreign_admin(target: Target, client_factory: ClientFactory,
                  pytestconfig: pytest.Config) -> Callable[[], Actor]:
    """The administrator of another account, created on first use (only the scenario that needs it pays)."""
    cache: list[Actor] = []

    def get() -> Actor:
        if not cache:
            # Its own account, so that its writes do not mark this account's snapshot stale; a profile's account is
            # the one its credentials are of.
            admin = Actor("other account's administrator", client_factory,
                          account=FOREIGN_ACCOUNT if target.in_process else None)
            admin.sign_in(_foreign_key(target, pytestconfig.getoption("foreign_profile")))
            if admin.account is None:
                admin.account = admin.client("sts").get_caller_identity()["Account"]
            cache.append(admin)
        return cache[0]

    return get
