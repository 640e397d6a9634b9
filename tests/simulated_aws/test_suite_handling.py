"""How the suite copes with each condition: stale answers are asked again, retries are botocore's, and cleanup
finishes and reports under faults that outlast the retries. Fake clocks; nothing here asserts on time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.config import Config

from rolecheck import simulated_aws
from rolecheck.aws import consistency
from rolecheck.aws.registry import ResourceRegistry
from rolecheck.targets.moto import MotoTarget


@dataclass(frozen=True)
class Answer:
    allowed: bool


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def settle_window(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTime]:
    fake = FakeTime()
    monkeypatch.setattr(consistency.time, "monotonic", fake.clock)
    consistency.configure(12.0, settle=4.0)
    consistency.note_change()
    yield fake
    consistency.configure(0.0)


def _settled(answers: list[Answer], fake: FakeTime, predicted_allowed: bool) -> Answer:
    remaining = iter(answers[1:])
    return consistency.settled_answer(lambda: next(remaining), answers[0],
                                      agrees=lambda a: a.allowed == predicted_allowed,
                                      refused=lambda a: not a.allowed, sleep=fake.sleep, clock=fake.clock)


def test_a_refusal_seen_before_the_change_settled_is_asked_again(settle_window: FakeTime) -> None:
    # No false pass: the grant a mutant added has not propagated yet; after the settle window it shows.
    answer = _settled([Answer(False)] + [Answer(True)] * 20, settle_window, predicted_allowed=False)
    assert answer.allowed
    assert settle_window.slept[0] == 4.0


def test_a_refusal_seen_after_the_change_settled_is_trusted_at_once(settle_window: FakeTime) -> None:
    settle_window.now += 5.0
    assert not _settled([Answer(False)], settle_window, predicted_allowed=False).allowed
    assert settle_window.slept == []


def test_a_stale_answer_that_disagrees_with_the_prediction_is_asked_again_until_it_agrees(
        settle_window: FakeTime) -> None:
    # No false violation: the attachment the engine reads back has not reached authorization yet.
    settle_window.now += 5.0
    answer = _settled([Answer(False), Answer(False), Answer(True)], settle_window, predicted_allowed=True)
    assert answer.allowed
    assert len(settle_window.slept) == 2


def test_a_disagreement_that_outlasts_the_budget_is_reported_as_it_is(settle_window: FakeTime) -> None:
    answers = [Answer(True)] * 50
    answer = _settled(answers, settle_window, predicted_allowed=False)
    assert answer.allowed
    assert sum(settle_window.slept) <= 12.0


def test_setup_retries_stop_backing_off_once_every_change_has_settled(settle_window: FakeTime) -> None:
    from botocore.exceptions import ClientError

    calls = iter([ClientError({"Error": {"Code": "AccessDenied"}}, "AssumeRole")] * 3 + [None])

    def assume() -> str:
        error = next(calls)
        if error is not None:
            raise error
        return "credentials"

    assert consistency.retry_fresh(assume, {"AccessDenied"}, "switching", sleep=settle_window.sleep,
                                   clock=settle_window.clock) == "credentials"
    assert sum(settle_window.slept) <= 4.0 + consistency.MAX_DELAY


def test_teardown_finishes_and_reports_when_faults_outlast_the_retries() -> None:
    target = MotoTarget()
    key = target.start()
    try:
        session = boto3.Session(aws_access_key_id=key.access_key_id,
                                aws_secret_access_key=key.secret_access_key.reveal(), region_name="us-east-1")
        config = Config(retries={"mode": "standard", "max_attempts": 2})
        clients: dict[str, Any] = {}

        def client_for(service: str) -> Any:
            return clients.setdefault(service, session.client(service, config=config))

        registry = ResourceRegistry("faultrun", worker="gw0")
        for logical in ("a", "b"):
            name = registry.unique_name(logical)
            client_for("iam").create_user(UserName=name)
            registry.track("user", name)
        simulated_aws.install(simulated_aws.Conditions(
            simulated_aws.parse("default,seed=8,latency=0,lag=0-0,throttle=0,fault=0,drop=0.99")))
        problems = registry.teardown(client_for)
    finally:
        simulated_aws.uninstall()
        target.stop()
    assert len(problems) == 2
    assert all("DroppedConnection" in line and "rolecheck-faultrun-gw0-" in line for line in problems)


def test_only_changes_that_can_bear_on_a_deployment_hold_its_refusals_back(settle_window: FakeTime) -> None:
    registry = ResourceRegistry("scoped", worker="gw0")
    role = registry.unique_name("role")
    registry.track("role", role)
    other = ResourceRegistry("scoped", worker="gw1").unique_name("role")
    assert registry.concerns(frozenset({role}))
    assert registry.concerns(frozenset({"AdministratorAccess"}))    # not the run's: could be anything
    assert registry.concerns(frozenset())                           # named nothing: could be anything
    assert not registry.concerns(frozenset({other}))                 # another scenario's resource
    consistency.configure(12.0, settle=4.0)
    settle_window.now += 5.0
    consistency.note_change(frozenset({other}))
    answer = consistency.settled_answer(lambda: Answer(False), Answer(False), agrees=lambda a: not a.allowed,
                                        refused=lambda a: not a.allowed, relevant=registry.concerns,
                                        sleep=settle_window.sleep, clock=settle_window.clock)
    assert not answer.allowed and settle_window.slept == []
    consistency.note_change(frozenset({role}))
    consistency.settled_answer(lambda: Answer(False), Answer(False), agrees=lambda a: not a.allowed,
                               refused=lambda a: not a.allowed, relevant=registry.concerns,
                               sleep=settle_window.sleep, clock=settle_window.clock)
    assert settle_window.slept == [4.0]


@pytest.mark.parametrize(("args", "message"), [
    (["--aws-conditions", "bogus"], "unknown AWS-conditions profile 'bogus'"),
    (["--aws-conditions", "default", "--target", "aws"], "not on aws"),
])
def test_a_bad_conditions_option_is_one_line_and_exit_4_before_anything_runs(args: list[str], message: str) -> None:
    import subprocess
    import sys
    from pathlib import Path

    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--co", "-q", *args],
                          cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, check=False)
    assert done.returncode == 4
    errors = [line for line in (done.stdout + done.stderr).splitlines() if line.startswith("ERROR")]
    assert len(errors) == 1 and message in errors[0]
