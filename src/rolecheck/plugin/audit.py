"""Audit mode: ``--audit-mapping FILE`` runs the feature files against resources that already exist, read-only.

The Given steps locate the mapped resources instead of creating them (``rolecheck.audit.locate.Locator``); every
boto3 client refuses any operation outside the read-only allow-list (``rolecheck.aws.clients``); nothing is torn down
or swept. ``--audit-user-profile`` names an AWS profile holding the audited user's own credentials: with it the
user's switch to the role and the read-only probes are real; without it the engine decides them.

A bad mapping is one ``ERROR: rolecheck:`` line and exit status 4 before anything runs: a malformed file or an
unknown name at start-up, a resource the account does not hold (or a target that starts an empty account) when the
session starts.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

import pytest

from rolecheck.audit import mapping, mode
from rolecheck.audit.locate import Locator
from rolecheck.aws import safety
from rolecheck.aws.clients import AccessKey, Actor, ClientFactory, enforce_read_only, profile_key
from rolecheck.errors import TargetError
from rolecheck.plugin import collection
from rolecheck.suite.provisioning import Creator, Provisioner
from rolecheck.targets.connect import connect, make_target

_MAPPING = pytest.StashKey[mapping.AuditMapping]()
_NEEDED = pytest.StashKey[dict[str, str]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rolecheck audit", "rolecheck audit mode (read-only)")
    group.addoption(f"--{mode.MAPPING_OPTION.replace('_', '-')}", dest=mode.MAPPING_OPTION,
                    default=os.environ.get(mode.MAPPING_ENV), metavar="FILE",
                    help="audit existing resources, read-only: a YAML/JSON file mapping the feature files' logical "
                         "names to real names or ARNs. Env: ROLECHECK_AUDIT_MAPPING")
    # Set by `rolecheck audit` for a template or plan: what was deployed from, and what could not be (the report's
    # Environment panel shows both).
    group.addoption("--audit-source", default=None, help=argparse.SUPPRESS)
    group.addoption("--audit-not-deployed", action="append", default=[], help=argparse.SUPPRESS)
    group.addoption("--audit-user-profile", default=os.environ.get("ROLECHECK_AUDIT_USER_PROFILE") or None,
                    metavar="PROFILE", help="an AWS profile with the audited user's own credentials: its switch to "
                    "the role and the read-only probes are then real. Env: ROLECHECK_AUDIT_USER_PROFILE")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if not mode.enabled(config):
        return
    # Before the target's preflight creates its first client: nothing in this process (nor its xdist workers) may
    # write from here on.
    enforce_read_only()
    if config.getoption("mutant", default=None):
        raise pytest.UsageError("rolecheck: --mutant writes to the account; audit mode is read-only")
    try:
        loaded = mapping.load(config.getoption(mode.MAPPING_OPTION))
        needed = mapping.feature_resources(collection.feature_paths(config))
        mapping.check_names(loaded, needed)
    except mapping.MappingError as exc:
        raise pytest.UsageError(f"rolecheck: {exc}") from None
    config.stash[_MAPPING], config.stash[_NEEDED] = loaded, needed


def pytest_report_header(config: pytest.Config) -> str | None:
    if _MAPPING not in config.stash:
        return None
    user = config.getoption("audit_user_profile")
    return (f"rolecheck audit (read-only) of {config.stash[_MAPPING].source}; "
            + (f"the audited user's credentials from profile {user}" if user else
               "no credentials act as the user: the engine decides its probes"))


def audit_mapping(config: pytest.Config) -> mapping.AuditMapping | None:
    """The audit's mapping of the feature files' names to real resources; None when this run is no audit."""
    return config.stash.get(_MAPPING, None)


def audited(config: pytest.Config) -> dict[str, Any]:
    """The report's audit entries: what was audited and what a template or plan could not deploy; {} otherwise."""
    if _MAPPING not in config.stash:
        return {}
    source = config.getoption("audit_source") or f"the resources mapped in {config.stash[_MAPPING].source}"
    return {"audit": source, "not_deployed": tuple(config.getoption("audit_not_deployed"))}


def pytest_sessionstart(session: pytest.Session) -> None:
    """Before anything runs: the audited account must exist, hold every mapped resource, and the user's profile load.

    A backend the suite starts itself is empty, so it cannot be audited. Checked once, by the controller under
    pytest-xdist, with read-only clients; every problem is one ``ERROR: rolecheck:`` line and exit status 4.
    """
    config = session.config
    if _MAPPING not in config.stash or hasattr(config, "workerinput") or config.getoption("collectonly"):
        return
    target = make_target(config.getoption("target"), region=config.getoption("region"),
                         endpoint_url=config.getoption("endpoint_url"))
    if target.own_account is not None:
        raise pytest.UsageError(f"rolecheck: audit mode reads resources that exist, but the {target.name} target "
                                "starts an empty account: use --target aws, or --target moto-server --endpoint-url URL")
    try:
        connection = connect(target, safety.allowed_accounts(config.getoption("allow_account")))
        try:
            admin = Actor("audit mapping check", ClientFactory(target.region, target.endpoint_url))
            admin.sign_in(connection.admin_key)
            mapping.check_exists(config.stash[_MAPPING], config.stash[_NEEDED], admin.client("iam"),
                                 admin.client("s3"), connection.identity.account)
        finally:
            target.stop()
        _user_key(config)
    except (mapping.MappingError, TargetError) as exc:
        raise pytest.UsageError(f"rolecheck: {exc}") from None


def _user_key(config: pytest.Config) -> AccessKey | None:
    profile = config.getoption("audit_user_profile")
    return profile_key(profile, "the audited user's") if profile else None


@pytest.fixture(scope="session")
def provisioner(pytestconfig: pytest.Config) -> Provisioner:
    """Creates the Givens' resources, or in audit mode locates them (checked to exist before the session started)."""
    if _MAPPING not in pytestconfig.stash:
        return Creator()
    try:
        return Locator(pytestconfig.stash[_MAPPING], _user_key(pytestconfig))
    except TargetError as exc:
        pytest.exit(f"rolecheck: {exc}", returncode=pytest.ExitCode.USAGE_ERROR)
