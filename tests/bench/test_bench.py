"""Smoke tests of the benchmark's building blocks at tiny sizes: correctness only, never timing.

The benchmark is a script nobody runs on every commit; these keep it from rotting.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from bench import decisions, scale
from bench.__main__ import main
from bench.calls import load_calls
from bench.errors import BenchError
from bench.floor import run_floor
from bench.replay import load_plan, plan, save_plan
from bench.report import table, write_json
from bench.run import Options, benchmark
from bench.suite import run_floor_process
from rolecheck import moto_adapter
from rolecheck.aws.call_log import CallRecorder
from rolecheck.aws.clients import AccessKey, Actor, ClientFactory
from rolecheck.aws.secrets import Secret, generate_password

ACCOUNT = "123456789012"
RUN = "0123abcd"
TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "sts:AssumeRole",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/rolecheck-{RUN}-main-1-user"}}]}
LIST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}


@pytest.fixture(scope="module")
def recorded_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny recording made by the suite's own recorder: the walkthrough in miniature, with one denied probe."""
    log = tmp_path_factory.mktemp("bench") / "calls.jsonl"
    lines: list[str] = []
    recorder = CallRecorder(sinks=(lambda record: lines.append(record.to_json().replace("\n", "")),))
    with mock_aws():
        moto_adapter.install()
        try:
            key_id, secret = moto_adapter.bootstrap_admin(ACCOUNT, "rolecheck-admin")
            factory = ClientFactory("us-east-1", recorder=recorder)
            admin = Actor("administrator", factory).sign_in(AccessKey(key_id, Secret(secret)))
            user, session = Actor("user", factory), Actor("role session", factory)
            _walkthrough(admin, user, session)
        finally:
            moto_adapter.uninstall()
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return log


def _walkthrough(admin: Actor, user: Actor, session: Actor) -> None:
    iam = admin.client("iam")
    admin.client("sts").get_caller_identity()
    name = f"rolecheck-{RUN}-main-1-user"
    iam.create_user(UserName=name)
    iam.create_login_profile(UserName=name, Password=generate_password().reveal(), PasswordResetRequired=True)
    role = iam.create_role(RoleName=f"rolecheck-{RUN}-main-2-role", AssumeRolePolicyDocument=json.dumps(TRUST))
    policy = iam.create_policy(PolicyName=f"rolecheck-{RUN}-main-3-list", PolicyDocument=json.dumps(LIST))
    iam.attach_role_policy(RoleName=role["Role"]["RoleName"], PolicyArn=policy["Policy"]["Arn"])
    key = iam.create_access_key(UserName=name)["AccessKey"]
    user.sign_in(AccessKey(key["AccessKeyId"], Secret(key["SecretAccessKey"])))
    with pytest.raises(ClientError, match="AccessDenied"):
        user.client("s3").list_buckets()
    sts = user.client("sts")
    credentials = sts.assume_role(RoleArn=role["Role"]["Arn"], RoleSessionName="bench-session")["Credentials"]
    session.sign_in(AccessKey(credentials["AccessKeyId"], Secret(credentials["SecretAccessKey"]),
                              Secret(credentials["SessionToken"])))
    session.client("s3").list_buckets()
    iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])


@pytest.fixture
def calls(recorded_log: Path) -> list[dict[str, Any]]:
    return load_calls(recorded_log)


def test_recording_is_redacted_and_the_plan_renames_the_run(calls: list[dict[str, Any]]) -> None:
    text = json.dumps(calls)
    assert "****" in text
    planned = plan(calls, new_run_id="feedf00d")
    assert planned.run_id == "feedf00d"
    assert RUN not in json.dumps([c.params for c in planned.calls])
    assert [a.actor for a in planned.administrators] == ["administrator"]


def test_replay_makes_every_call_and_fails_the_denied_probe_the_same_way(calls: list[dict[str, Any]]) -> None:
    result = run_floor(plan(calls))
    assert result["mismatches"] == []
    assert result["calls"] == len(calls)
    assert result["failed_as_recorded"] == 1
    assert result["clients"] == 5


def test_floor_script_replays_a_saved_plan(calls: list[dict[str, Any]], tmp_path: Path) -> None:
    path = tmp_path / "plan.pickle"
    save_plan(plan(calls), path)
    assert load_plan(path).calls[0].operation == "GetCallerIdentity"
    run = run_floor_process(path)
    assert run.report["calls"] == len(calls)
    assert run.report["mismatches"] == []
    assert run.wall_s > 0


def test_a_secret_the_replay_cannot_make_is_one_clear_error(calls: list[dict[str, Any]]) -> None:
    doctored = [dict(calls[0], request={"SerialNumber": "****"})]
    with pytest.raises(BenchError, match="masks a SerialNumber"):
        run_floor(plan(doctored))


def test_a_broken_call_log_names_its_line(tmp_path: Path) -> None:
    log = tmp_path / "calls.jsonl"
    log.write_text('{"actor": "administrator", "service": "sts", "operation": "X", "request": {}}\nnot json\n')
    with pytest.raises(BenchError, match=r"calls.jsonl:2: not a JSON call record"):
        load_calls(log)


def test_growth_exponent_tells_linear_from_quadratic() -> None:
    sizes = [100, 300, 1000]
    assert scale.growth_exponent(sizes, [0.1 * n for n in sizes]) == pytest.approx(1.0)
    assert scale.growth_exponent(sizes, [0.001 * n * n for n in sizes]) == pytest.approx(2.0)
    assert scale.is_linear(1.05) is True
    assert scale.is_linear(1.6) is False


def test_engine_measurements_agree_with_the_case_table() -> None:
    rate = decisions.decision_rate(repeat=1, min_seconds=0.01)
    assert rate.cases > 0
    assert rate.agreeing == rate.cases
    assert decisions.effective_actions_timing(repeat=1).allowed == ("s3:ListAllMyBuckets",)


def test_scale_point_reads_back_and_checks_every_seeded_role() -> None:
    point = scale.measure_point(5)
    assert point.roles == 5
    # Every fifth seeded role may pass roles (iam:PassRole + ec2:RunInstances): the checks must flag it.
    assert point.findings >= 1


@pytest.fixture
def results() -> Iterator[dict[str, Any]]:
    yield benchmark(Options(repeat=1, scale_sizes=(2, 4), scale_repeat=1, parts=("engine", "scale")))


def test_results_are_written_as_json_and_printed_as_a_table(results: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "out" / "bench.json"
    write_json(results, path)
    written = json.loads(path.read_text())
    assert written["engine"]["cases"] > 0
    assert [p["roles"] for p in written["scale"]["points"]] == [2, 4]
    assert written["targets"]["suite_over_floor"]["met"] is None
    assert "effective actions, 1 role" in table(written)


def test_command_line_rejects_bad_sizes_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--scale-sizes", "100,many"])
    assert "not a comma-separated list of role counts" in capsys.readouterr().err
