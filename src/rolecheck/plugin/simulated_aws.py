"""``--aws-conditions``: AWS-like latency, IAM propagation lag, throttling and faults on the moto targets.

The profile is checked in ``pytest_configure`` (a bad value is one line and exit 4, before anything starts) and put
in force once the target has started, for the whole session, including the end-of-run sweep. Under pytest-xdist
the controller draws the seed and every worker derives its own from it, so a run replays from its first line.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from rolecheck import simulated_aws
from rolecheck.aws import consistency
from rolecheck.errors import TargetError

_PROFILE = pytest.StashKey[simulated_aws.Profile]()
_CONDITIONS = pytest.StashKey[simulated_aws.Conditions]()
_TOTALS = pytest.StashKey[list[dict[str, Any]]]()
_WORKER_SEED = "rolecheck_conditions_seed"
_OUTPUT = "rolecheck_conditions"
STATS_ENV = "ROLECHECK_CONDITIONS_STATS"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rolecheck", "rolecheck compliance suite")
    group.addoption("--aws-conditions", default=os.environ.get("ROLECHECK_AWS_CONDITIONS") or None,
                    metavar="PROFILE[,knob=value...]",
                    help=f"simulate AWS on the moto targets: latency, IAM propagation lag, throttling, faults. "
                         f"Profiles: {', '.join(simulated_aws.PROFILES)}; knobs: seed=N, lag=MIN-MAX, latency=SCALE, "
                         "throttle=SHARE, fault=SHARE, drop=SHARE (docs/targets.md). Env: ROLECHECK_AWS_CONDITIONS")


def _worker_number(config: pytest.Config) -> int:
    worker = getattr(config, "workerinput", {}).get("workerid", "gw0")
    return int(worker[2:]) if worker[2:].isdigit() else 0


def pytest_configure(config: pytest.Config) -> None:
    text = config.getoption("aws_conditions")
    if not text:
        return
    try:
        seed = getattr(config, "workerinput", {}).get(_WORKER_SEED)
        profile = simulated_aws.parse(text, default_seed=seed)
        target = config.getoption("target", "moto")
        if target not in ("moto", "moto-server") or config.getoption("endpoint_url", None):
            raise TargetError("--aws-conditions simulates AWS on the moto targets the suite starts itself, "
                              f"not on {target}{' with --endpoint-url' if config.getoption('endpoint_url') else ''}")
    except TargetError as exc:
        raise pytest.UsageError(f"rolecheck: {exc}") from None
    if hasattr(config, "workerinput"):
        from dataclasses import replace

        profile = replace(profile, seed=profile.seed + _worker_number(config))
    config.stash[_PROFILE] = profile
    config.stash[_TOTALS] = []


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: every worker derives its seed from the controller's."""
    profile = node.config.stash.get(_PROFILE, None)
    if profile is not None:
        node.workerinput[_WORKER_SEED] = profile.seed


def pytest_report_header(config: pytest.Config) -> str | None:
    profile = config.stash.get(_PROFILE, None)
    if profile is None:
        return None
    return (f"rolecheck AWS conditions: {profile.describe()}\n"
            f"  replay with --aws-conditions {profile.option()}")


@pytest.fixture(scope="session", autouse=True)
def aws_conditions(request: pytest.FixtureRequest) -> simulated_aws.Conditions | None:
    """The conditions in force, installed once the target has started; None without --aws-conditions."""
    config = request.config
    profile = config.stash.get(_PROFILE, None)
    if profile is None:
        return None
    request.getfixturevalue("target")
    conditions = simulated_aws.Conditions(profile)
    simulated_aws.install(conditions)
    config.stash[_CONDITIONS] = conditions
    timeout = config.getoption("consistency_timeout", None)
    consistency.configure(profile.consistency_budget if timeout is None else timeout, settle=profile.max_lag)
    return conditions


_SCENARIOS = pytest.StashKey[dict[str, dict[str, Any]]]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Each scenario's time, for the benchmark's critical path: its steps (the Background's too) run in the call
    phase; setup is the session's start-up and teardown can overlap other work."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or item.config.stash.get(_PROFILE, None) is None:
        return
    from rolecheck.plugin.scene import SHARED_AS

    scenarios = item.config.stash.setdefault(_SCENARIOS, {})
    entry = scenarios.setdefault(item.nodeid, {"id": item.nodeid, "seconds": 0.0, "shares": "", "reused": False})
    entry["seconds"] = round(entry["seconds"] + report.duration, 3)
    shares, reused = item.stash.get(SHARED_AS, ("", False))
    entry.update(shares=shares.rsplit("/", 1)[-1], reused=reused)


def _totals(config: pytest.Config) -> dict[str, Any] | None:
    conditions = config.stash.get(_CONDITIONS, None)
    if conditions is None:
        return None
    return {**conditions.stats.as_dict(), "propagation": consistency.waited(),
            "scenarios": list(config.stash.get(_SCENARIOS, {}).values())}


def pytest_sessionfinish(session: pytest.Session) -> None:
    totals = _totals(session.config)
    if totals is None:
        return
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput[_OUTPUT] = json.dumps(totals)  # type: ignore[attr-defined]
    else:
        session.config.stash[_TOTALS].append(totals)
    path = os.environ.get(STATS_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(totals) + "\n")


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    output = getattr(node, "workeroutput", {}).get(_OUTPUT)
    if output:
        node.config.stash[_TOTALS].append(json.loads(output))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    profile = config.stash.get(_PROFILE, None)
    if profile is None:
        return
    runs = config.stash[_TOTALS]
    total = {key: sum(run[key] for run in runs) for key in ("calls", "latency_seconds", "throttled", "faults",
                                                             "dropped", "iam_changes")}
    waited = sum(run["propagation"]["seconds"] for run in runs)
    asked = sum(run["propagation"]["reprobes"] for run in runs)
    terminalreporter.write_line(
        f"rolecheck: AWS conditions {profile.option()}: {total['calls']} calls, {total['latency_seconds']:.1f} s of "
        f"latency, {total['throttled']} throttled, {total['faults']} faults, {total['dropped']} dropped "
        f"(each retried), {total['iam_changes']} IAM changes propagated with lag; {waited:.1f} s waiting for "
        f"propagation, {asked:.0f} answers asked again")


def pytest_unconfigure(config: pytest.Config) -> None:
    if config.stash.get(_CONDITIONS, None) is not None:
        simulated_aws.uninstall()
