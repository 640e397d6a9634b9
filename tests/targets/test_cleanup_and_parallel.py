"""Always clean, also in parallel: zero leftovers after a pass, a failure and Ctrl-C, counted on the server.

The scenario module below creates one tracked user and, like a run killed between an API call and its
bookkeeping, an untracked role and bucket: the per-scenario teardown deletes the first, only the end-of-run sweep
can delete the others.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
from target_helpers import (
    MOTO_ACCOUNT,
    PLUGIN_CONFTEST,
    REPO,
    clean_env,
    credentials_env,
    leftovers,
    pytest_command,
    run_pytest,
)

from rolecheck.stopping import COPY_WINDOW, GracefulStop
from rolecheck.targets.moto_server import MotoServer

LEAKY_SCENARIO = '''
import json
import os
import re
import pathlib
import time

from rolecheck.aws import operations

TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]}


def test_scenario(deployment):
    iam, s3 = deployment.admin.client("iam"), deployment.admin.client("s3")
    operations.create_user(iam, deployment.registry, "tracked-user")
    iam.create_role(RoleName=deployment.registry.unique_name("untracked-role"),
                    AssumeRolePolicyDocument=json.dumps(TRUST), Tags=deployment.registry.tags())
    s3.create_bucket(Bucket=deployment.registry.unique_name("untracked-bucket", bucket=True))
    mode = os.environ["SCENARIO_MODE"]
    if mode == "fail":
        raise AssertionError("deliberate failure")
    if mode == "interrupt":
        pathlib.Path(os.environ["SCENARIO_READY"]).write_text("ready")
        time.sleep(60)
'''

RUN_ID_RECORDER = '''
import json
import os
import re
import pathlib

import pytest


@pytest.mark.parametrize("n", range(6))
def test_record(run_id, n):
    out = pathlib.Path(os.environ["RUN_IDS"]) / f"{n}.json"
    out.write_text(json.dumps([run_id, os.environ.get("PYTEST_XDIST_WORKER")]))
'''


def _module(tmp_path: Path, source: str) -> Path:
    (tmp_path / "conftest.py").write_text(PLUGIN_CONFTEST)
    (tmp_path / "test_module.py").write_text(source)
    return tmp_path


def _env_for(server: MotoServer, admin_key: tuple[str, str], run_id: str, **extra: str) -> dict[str, str]:
    return clean_env(**credentials_env(*admin_key), ROLECHECK_TARGET="moto-server", ROLECHECK_ENDPOINT_URL=server.url,
                     ROLECHECK_ALLOWED_ACCOUNTS=MOTO_ACCOUNT, ROLECHECK_RUN_ID=run_id, **extra)


@pytest.mark.parametrize(("mode", "exit_status"), [("pass", 0), ("fail", 1)])
def test_nothing_is_left_after_a_pass_or_a_failure(server: MotoServer, admin_key: tuple[str, str], tmp_path: Path,
                                                   mode: str, exit_status: int) -> None:
    run_id = f"clean{mode}"
    run = run_pytest(env=_env_for(server, admin_key, run_id, SCENARIO_MODE=mode),
                     cwd=_module(tmp_path, LEAKY_SCENARIO))

    assert run.returncode == exit_status, run.stdout + run.stderr
    assert "the end-of-run sweep deleted 2 leftover(s)" in run.stdout
    assert {"iam:CreateUser", "iam:CreateRole", "s3:PUT"} <= set(server.operations)
    assert leftovers(server.url, *admin_key, run_id) == []


@pytest.mark.parametrize(("sig", "workers", "whole_group"), [
    (signal.SIGINT, "0", False),
    (signal.SIGTERM, "0", False),
    (signal.SIGHUP, "0", False),
    (signal.SIGTERM, "2", True),
    (signal.SIGTERM, "2", False),
], ids=["ctrl-c", "sigterm", "sighup", "sigterm to the process group with 2 workers",
        "sigterm to the xdist controller alone"])
def test_nothing_is_left_after_a_signal_mid_scenario(server: MotoServer, admin_key: tuple[str, str], tmp_path: Path,
                                                     sig: signal.Signals, workers: str, whole_group: bool) -> None:
    """CI runners cancel with SIGINT then SIGTERM, containers stop with SIGTERM, a closed terminal sends SIGHUP:
    each must tear down, sweep, and end on a line naming the run id."""
    run_id = f"sig{sig.name[3:].lower()}{workers}{int(whole_group)}"
    ready = tmp_path / "ready"
    process = subprocess.Popen(pytest_command("-n", workers), cwd=_module(tmp_path, LEAKY_SCENARIO), text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
                               env=_env_for(server, admin_key, run_id, SCENARIO_MODE="interrupt",
                                            SCENARIO_READY=str(ready)))
    try:
        deadline = time.monotonic() + 60
        while not ready.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        assert ready.exists(), "the scenario never got going"
        # The scenario's three resources, and the run's claim of its id (released at the end of the run).
        assert len(leftovers(server.url, *admin_key, run_id)) == 4
        if whole_group:
            os.killpg(process.pid, sig)
        else:
            process.send_signal(sig)
        output, _ = process.communicate(timeout=60)
    finally:
        process.kill()

    assert process.returncode == pytest.ExitCode.INTERRUPTED, output
    assert leftovers(server.url, *admin_key, run_id) == []
    assert next(line for line in output.splitlines() if line.startswith("rolecheck: run id")).startswith(
        f"rolecheck: run id {run_id} (target moto-server); "), output
    assert output.splitlines()[-1] == f"rolecheck: run {run_id} stopped by {sig.name}; nothing of it is left", output


GATED_TEARDOWN = LEAKY_SCENARIO + '''

import pytest


@pytest.fixture(autouse=True)
def gate(deployment):
    """Holds the clean-up (before the deployment's own teardown) until the test has sent its second signal."""
    yield
    pathlib.Path(os.environ["SCENARIO_CLEANING"]).write_text("cleaning")
    deadline = time.monotonic() + 60
    while not pathlib.Path(os.environ["SCENARIO_RESUME"]).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
'''


def _wait_for(path: Path, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while not path.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert path.exists(), f"{path.name} never came"


def test_a_ci_runners_sigint_then_sigterm_to_the_process_group_never_abandons_the_clean_up(
        server: MotoServer, admin_key: tuple[str, str], tmp_path: Path) -> None:
    """GitHub Actions cancels a job with SIGINT and then SIGTERM to the whole process group: with xdist workers each
    worker gets both and the controller's forwarded copy of the first, and must still finish its clean-up."""
    run_id = "sigintterm2"
    ready, cleaning, resume = tmp_path / "ready", tmp_path / "cleaning", tmp_path / "resume"
    process = subprocess.Popen(pytest_command("-n", "2"), cwd=_module(tmp_path, GATED_TEARDOWN), text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
                               env=_env_for(server, admin_key, run_id, SCENARIO_MODE="interrupt",
                                            SCENARIO_READY=str(ready), SCENARIO_CLEANING=str(cleaning),
                                            SCENARIO_RESUME=str(resume)))
    try:
        _wait_for(ready, process)
        assert len(leftovers(server.url, *admin_key, run_id)) == 4  # and the run's claim
        os.killpg(process.pid, signal.SIGINT)
        _wait_for(cleaning, process)
        os.killpg(process.pid, signal.SIGTERM)
        resume.write_text("resume")
        output, _ = process.communicate(timeout=60)
    finally:
        process.kill()

    assert process.returncode == pytest.ExitCode.INTERRUPTED, output
    assert leftovers(server.url, *admin_key, run_id) == []
    notes = [line for line in output.splitlines() if "received while cleaning up" in line]
    assert notes == [f"rolecheck: SIGTERM received while cleaning up run {run_id}; the clean-up goes on (signal once "
                     f"more to abandon it, then run `rolecheck sweep --run-id {run_id}`)"], output
    assert output.splitlines()[-1] == f"rolecheck: run {run_id} stopped by SIGINT; nothing of it is left", output


def _stop_with_notes(firsts: list[int]) -> tuple[GracefulStop, int]:
    read_end, write_end = os.pipe()
    stop = GracefulStop(firsts.append, "r1", note_fd=write_end)
    assert stop.install()
    os.close(write_end)  # the handlers write to their own duplicate
    return stop, read_end


def _notes(stop: GracefulStop, read_end: int) -> list[str]:
    stop.restore()  # closes the duplicate: the pipe ends
    with os.fdopen(read_end) as notes:
        return notes.read().splitlines()


NOTE = ("rolecheck: {} received while cleaning up run r1; the clean-up goes on (signal once more to abandon it, "
        "then run `rolecheck sweep --run-id r1`)")


def test_a_second_signal_does_not_cut_the_clean_up_short_and_a_third_abandons_it() -> None:
    firsts: list[int] = []
    before = signal.getsignal(signal.SIGTERM)
    stop, read_end = _stop_with_notes(firsts)
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGINT)
        assert firsts == [signal.SIGTERM] and stop.first_signal == "SIGTERM"
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGHUP)
    finally:
        notes = _notes(stop, read_end)
    assert notes == [NOTE.format("SIGINT")]
    assert signal.getsignal(signal.SIGTERM) == before


def test_a_worker_does_not_count_the_controllers_copy_of_its_first_signal() -> None:
    """The rule: one repeat of the first signal within COPY_WINDOW is the controller's copy; nothing else is."""
    firsts: list[int] = []
    now = [100.0]
    stop = GracefulStop(firsts.append, "r1", worker=True, clock=lambda: now[0])
    assert stop.install()
    try:
        os.kill(os.getpid(), signal.SIGINT)  # the process group's
        os.kill(os.getpid(), signal.SIGINT)  # the controller's copy
        now[0] += COPY_WINDOW / 2
        os.kill(os.getpid(), signal.SIGINT)  # a person's second Ctrl-C: only one copy is ever sent
        assert firsts == [signal.SIGINT] and stop.requests == [signal.SIGINT, signal.SIGINT]
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGTERM)
    finally:
        stop.restore()

    for worker, counted in ((True, [signal.SIGINT, signal.SIGTERM]),
                            (False, [signal.SIGINT, signal.SIGINT])):
        ci = GracefulStop(firsts.append, "r1", worker=worker, clock=lambda: now[0])
        assert ci.install()
        try:
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGINT)  # a worker's copy; the controller receives none: a person's
            if worker:
                now[0] += 7.5
                os.kill(os.getpid(), signal.SIGTERM)  # GitHub Actions' SIGTERM: the second request, not the third
        finally:
            ci.restore()
        assert ci.requests == counted


def test_a_worker_stays_silent_and_a_closed_terminal_does_not_break_the_note() -> None:
    firsts: list[int] = []
    silent = GracefulStop(firsts.append, "r1")
    assert silent.install()
    try:
        os.kill(os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGTERM)
    finally:
        silent.restore()
    assert firsts == [signal.SIGINT] and silent.requests == [signal.SIGINT, signal.SIGTERM]

    read_end, write_end = os.pipe()
    os.close(read_end)  # writing now fails with EPIPE, as on a hung-up terminal
    stop = GracefulStop(firsts.append, "r1", note_fd=write_end)
    previous = signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    try:
        assert stop.install()
        os.close(write_end)
        os.kill(os.getpid(), signal.SIGHUP)
        os.kill(os.getpid(), signal.SIGTERM)
    finally:
        stop.restore()
        signal.signal(signal.SIGPIPE, previous)
    assert stop.requests == [signal.SIGHUP, signal.SIGTERM]


def test_the_whole_suite_passes_on_moto_server_with_two_workers() -> None:
    run = run_pytest("--target", "moto-server", "-n", "2", env=clean_env())

    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert " passed" in run.stdout and "failed" not in run.stdout
    # The workers' API calls and clients, summed by the controller (README: the closing line).
    assert re.search(r"^rolecheck: \d{3,} API calls \(\d+ retried\), \d+ boto3 clients$", run.stdout, re.M), \
        run.stdout[-2000:]


def test_the_moto_server_target_starts_its_own_server(tmp_path: Path) -> None:
    run = run_pytest("--target", "moto-server", env=clean_env(SCENARIO_MODE="pass"),
                     cwd=_module(tmp_path, LEAKY_SCENARIO))

    assert run.returncode == 0, run.stdout + run.stderr
    assert "the end-of-run sweep deleted 2 leftover(s)" in run.stdout


def test_workers_share_the_controllers_run_id(tmp_path: Path) -> None:
    records = tmp_path / "records"
    records.mkdir()
    run = run_pytest("-n", "2", env=clean_env(RUN_IDS=str(records)), cwd=_module(tmp_path, RUN_ID_RECORDER))

    assert run.returncode == 0, run.stdout + run.stderr
    seen = [json.loads(p.read_text()) for p in records.iterdir()]
    assert len(seen) == 6
    assert len({run_id for run_id, _ in seen}) == 1
    assert {worker for _, worker in seen} == {"gw0", "gw1"}


def test_the_repo_is_where_the_features_are() -> None:
    assert (REPO / "features").is_dir() and (REPO / "pytest.ini").is_file()


def test_the_last_line_names_the_run_and_the_sweep_command_when_something_is_left() -> None:
    from rolecheck.plugin.targets import RunEnd, Settings, _last_line

    settings = Settings(target="aws", region="eu-west-1", endpoint_url=None, allowed=frozenset({"111122223333"}),
                        run_id="r7", consistency_timeout=None, resume=False)
    left = RunEnd(problems=["role rolecheck-r7-main-2-s3-list-role: DeleteConflict: ..."], unswept_workers=["gw1"])

    assert _last_line(settings, left, "SIGTERM") == (
        "rolecheck: run r7 stopped by SIGTERM: 1 resource(s) could not be deleted; worker(s) gw1 ended before their "
        "end-of-run sweep; delete what is left with `rolecheck sweep --run-id r7 --target aws --region eu-west-1 "
        "--allow-account 111122223333`")
    assert _last_line(settings, RunEnd(), None) is None


def test_a_teardown_that_leaves_something_behind_names_the_run() -> None:
    from types import SimpleNamespace

    from rolecheck.plugin.scene import _left_behind

    world = SimpleNamespace(registry=SimpleNamespace(run_id="r9"))
    with pytest.raises(pytest.fail.Exception) as failure:
        _left_behind(world, ["role rolecheck-r9-main-2-s3-list-role: DeleteConflict: ..."])  # type: ignore[arg-type]

    assert str(failure.value).splitlines()[0] == (
        "teardown left resources of run r9 behind (the end-of-run sweep tries them again; "
        "`rolecheck sweep --run-id r9` deletes them later):")
