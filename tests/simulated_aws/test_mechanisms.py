"""Each AWS condition through boto3, on in-process moto and the moto server: lag, throttling, faults, dropped
connections. Seeded and with tiny latencies; nothing here asserts on time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from rolecheck import simulated_aws
from rolecheck.errors import TargetError
from rolecheck.policydoc import documents
from rolecheck.targets.base import Target
from rolecheck.targets.moto import MotoTarget
from rolecheck.targets.moto_server import MotoServerTarget

NO_RETRIES = Config(retries={"mode": "standard", "max_attempts": 1})
RETRIES = Config(retries={"mode": "standard", "max_attempts": 5})
TRUST_ANOTHER_ACCOUNT = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"}, "Action": "sts:AssumeRole"}]}


class ManualClock:
    """Lags measured on a clock the test moves by hand: no sleeping, no timing."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["moto", "moto-server"])
def world(request: pytest.FixtureRequest) -> Iterator[tuple[Target, Any]]:
    target: Target = MotoTarget() if request.param == "moto" else MotoServerTarget()
    key = target.start()
    session = boto3.Session(aws_access_key_id=key.access_key_id,
                            aws_secret_access_key=key.secret_access_key.reveal(), region_name="us-east-1")
    try:
        yield target, session
    finally:
        simulated_aws.uninstall()
        target.stop()
        if request.param == "moto-server":
            # The server's backends outlive it in this process; the next test starts from an empty account.
            from moto.core.base_backend import BackendDict

            BackendDict.reset()


def _conditions(text: str, clock: ManualClock | None = None) -> simulated_aws.Conditions:
    conditions = simulated_aws.Conditions(simulated_aws.parse(text))
    if clock is not None:
        conditions.lag._clock = clock
    simulated_aws.install(conditions)
    return conditions


def _client(session: Any, target: Target, service: str, config: Config = NO_RETRIES, **credentials: Any) -> Any:
    if credentials:
        session = boto3.Session(region_name="us-east-1", **credentials)
    return session.client(service, endpoint_url=target.endpoint_url, config=config)


def _code(call: Any) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    return str(caught.value.response["Error"]["Code"])


def test_a_fresh_access_key_is_unknown_until_its_lag_passes(world: tuple[Target, Any]) -> None:
    target, session = world
    clock = ManualClock()
    _conditions("calm,seed=1,lag=5-5,latency=0", clock)
    iam = _client(session, target, "iam")
    iam.create_user(UserName="fresh")
    key = iam.create_access_key(UserName="fresh")["AccessKey"]
    sts = _client(session, target, "sts", aws_access_key_id=key["AccessKeyId"],
                  aws_secret_access_key=key["SecretAccessKey"])
    assert _code(sts.get_caller_identity) == "InvalidClientTokenId"
    clock.now = 5.0
    assert sts.get_caller_identity()["Arn"].endswith(":user/fresh")


def test_a_detached_policy_still_grants_and_a_new_one_does_not_yet(world: tuple[Target, Any]) -> None:
    target, session = world
    clock = ManualClock()
    conditions = _conditions("calm,seed=2,lag=5-5,latency=0", clock)
    iam = _client(session, target, "iam")
    iam.create_user(UserName="lagged")
    key = iam.create_access_key(UserName="lagged")["AccessKey"]
    arn = iam.create_policy(PolicyName="list-users", PolicyDocument=documents.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}]}
    ))["Policy"]["Arn"]
    clock.now = 10.0
    user_iam = _client(session, target, "iam", aws_access_key_id=key["AccessKeyId"],
                       aws_secret_access_key=key["SecretAccessKey"])
    iam.attach_user_policy(UserName="lagged", PolicyArn=arn)
    assert _code(user_iam.list_users) == "AccessDenied"      # the attachment has not propagated
    clock.now = 15.0
    user_iam.list_users()
    iam.detach_user_policy(UserName="lagged", PolicyArn=arn)
    user_iam.list_users()                                      # the detachment has not propagated: still granted
    clock.now = 20.0
    assert _code(user_iam.list_users) == "AccessDenied"
    assert conditions.stats.iam_changes >= 5


def test_a_fresh_role_and_a_changed_trust_policy_lag_for_sts(world: tuple[Target, Any]) -> None:
    target, session = world
    clock = ManualClock()
    _conditions("calm,seed=3,lag=5-5,latency=0", clock)
    iam = _client(session, target, "iam")
    admin_arn = _client(session, target, "sts").get_caller_identity()["Arn"]
    trust_admin = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": admin_arn}, "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName="fresh-role", AssumeRolePolicyDocument=documents.dumps(trust_admin))["Role"]
    sts = _client(session, target, "sts")
    assert _code(lambda: sts.assume_role(RoleArn=role["Arn"], RoleSessionName="probe")) == "AccessDenied"
    clock.now = 5.0
    sts.assume_role(RoleArn=role["Arn"], RoleSessionName="probe")
    iam.update_assume_role_policy(RoleName="fresh-role", PolicyDocument=documents.dumps(TRUST_ANOTHER_ACCOUNT))
    sts.assume_role(RoleArn=role["Arn"], RoleSessionName="probe")  # the old trust policy still admits the admin
    clock.now = 10.0
    assert _code(lambda: sts.assume_role(RoleArn=role["Arn"], RoleSessionName="probe")) == "AccessDenied"


@pytest.mark.parametrize(("knob", "codes"), [
    ("throttle=0.99,fault=0,drop=0", {"iam": "Throttling", "s3": "SlowDown"}),
    ("throttle=0,fault=0.99,drop=0", {"iam": ("InternalFailure", "ServiceUnavailable"),
                                      "s3": ("InternalError", "ServiceUnavailable")}),
])
def test_throttling_and_faults_answer_with_aws_error_codes(world: tuple[Target, Any], knob: str,
                                                           codes: dict[str, Any]) -> None:
    target, session = world
    _conditions(f"default,seed=4,latency=0,lag=0-0,{knob}")
    assert _code(_client(session, target, "iam").list_users) in codes["iam"]
    assert _code(_client(session, target, "s3").list_buckets) in codes["s3"]


def test_dropped_connections_reach_the_sdk_as_connection_errors(world: tuple[Target, Any]) -> None:
    from botocore.exceptions import ConnectionClosedError

    target, session = world
    _conditions("default,seed=5,latency=0,lag=0-0,throttle=0,fault=0,drop=0.99")
    with pytest.raises(ConnectionClosedError):
        _client(session, target, "iam").list_users()


def test_the_sdks_standard_retries_ride_out_every_injected_error(world: tuple[Target, Any]) -> None:
    target, session = world
    conditions = _conditions("default,seed=1,latency=0,lag=0-0,throttle=0.1,fault=0.05,drop=0.05")
    iam, s3 = _client(session, target, "iam", RETRIES), _client(session, target, "s3", RETRIES)
    for _ in range(10):
        iam.list_users()
        s3.list_buckets()
    assert conditions.stats.injected_errors > 0


def test_the_same_seed_replays_the_same_draws() -> None:
    first, second = (simulated_aws.Conditions(simulated_aws.parse("default,seed=42")) for _ in range(2))
    assert [first._uniform() for _ in range(5)] == [second._uniform() for _ in range(5)]
    assert first._draw_latency("iam") == second._draw_latency("iam")


@pytest.mark.parametrize("text", ["unknown", "default,seed=x", "default,lag=4-1", "default,throttle=2",
                                  "default,bogus=1", "default,lag"])
def test_a_malformed_profile_is_one_clear_error(text: str) -> None:
    with pytest.raises(TargetError, match=r"AWS conditions|AWS-conditions"):
        simulated_aws.parse(text)


def test_knobs_override_the_defaults() -> None:
    profile = simulated_aws.parse("default,seed=7,lag=0.5-2,latency=2,throttle=0.1,fault=0.2,drop=0")
    assert (profile.seed, profile.lag, profile.throttle_of("iam"), profile.fault, profile.drop) == (
        7, (0.5, 2.0), 0.1, 0.2, 0.0)
    assert profile.latency_of("iam") == pytest.approx(2 * simulated_aws.profile.DEFAULT_LATENCY["iam"])
    assert "seed=7" in profile.describe()


def test_a_new_principal_tag_reaches_decisions_only_after_its_lag(world: tuple[Target, Any]) -> None:
    target, session = world
    clock = ManualClock()
    _conditions("calm,seed=10,lag=5-5,latency=0", clock)
    iam = _client(session, target, "iam")
    iam.create_user(UserName="tagged", Tags=[{"Key": "team", "Value": "red"}])
    iam.put_user_policy(UserName="tagged", PolicyName="blue-team-lists", PolicyDocument=documents.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*",
                                                 "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}}}]}))
    key = iam.create_access_key(UserName="tagged")["AccessKey"]
    clock.now = 5.0
    user_iam = _client(session, target, "iam", aws_access_key_id=key["AccessKeyId"],
                       aws_secret_access_key=key["SecretAccessKey"])
    assert _code(user_iam.list_users) == "AccessDenied"
    iam.tag_user(UserName="tagged", Tags=[{"Key": "team", "Value": "blue"}])
    assert _code(user_iam.list_users) == "AccessDenied"      # the new tag has not propagated
    clock.now = 10.0
    user_iam.list_users()


def test_the_consistency_budget_outlasts_the_longest_lag() -> None:
    assert simulated_aws.parse("default,lag=1-4").consistency_budget == 12.0
    assert simulated_aws.parse("default,lag=0-1").consistency_budget == 10.0
