"""Session fixtures and hooks: the target, the safety check, the run id, the actors, and the end-of-run sweep.

One target and one set of actors serve the whole run: scenarios are isolated by generated names, not by fresh
backends, because starting a backend and creating clients cost far more than the API calls of a scenario.

The order of things is what makes the suite safe on a real account:
- ``pytest_configure`` checks the options and, for a backend the suite did not start itself (``aws``, or an
  ``--endpoint-url``), resolves the caller and checks the allowlist before any worker starts. A refusal is one
  ``ERROR:`` line and exit status 4, with nothing written.
- The ``target`` fixture starts the backend and repeats the check in every process, before the first write.
- ``pytest_sessionfinish`` runs after every fixture's teardown, also after a failure, Ctrl-C, SIGTERM or SIGHUP
  (``rolecheck.stopping``), and sweeps whatever this process's names still match; then it stops the target.
- The run id is printed first, and the last line names it with the sweep command if anything was left behind.

Under pytest-xdist the controller draws the run id and hands it to its workers, so that every worker names and
tags with the same run id while sweeping only its own worker-specific prefix; each worker sends what its sweep
could not delete and what it cost in API calls back through ``workeroutput``, and the controller says it once.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.exceptions import BotoCoreError, ClientError

from rolecheck import stopping
from rolecheck.audit import mode as audit_mode
from rolecheck.aws import consistency, endpoint_check, progress, safety, sweeper
from rolecheck.aws.call_log import CallRecord, CallRecorder
from rolecheck.aws.clients import Actor, ClientFactory, enforce_read_only
from rolecheck.aws.credentials import CredentialOptions, add_pytest, from_options
from rolecheck.aws.registry import new_run_id
from rolecheck.errors import EXIT_NOT_ESTABLISHED, NotEstablished, TargetError, not_established
from rolecheck.report.evidence import allure_batch_sink, allure_sink
from rolecheck.targets.base import DEFAULT_REGION, Target
from rolecheck.targets.connect import TARGETS, Connection, connect, make_target

# IAM's changes settle within seconds; an hour is generous and still ends.
MAX_CONSISTENCY_TIMEOUT = 3600
_WORKER_RUN_ID = "rolecheck_run_id"
_WORKER_END = "rolecheck_end"


@dataclass(frozen=True)
class Settings:
    """The validated rolecheck options of this run."""

    target: str
    region: str
    endpoint_url: str | None
    allowed: frozenset[str]
    run_id: str
    consistency_timeout: float | None
    resume: bool = False
    credentials: CredentialOptions = field(default_factory=CredentialOptions)

    def new_target(self) -> Target:
        return make_target(self.target, region=self.region, endpoint_url=self.endpoint_url,
                           credentials=self.credentials)


@dataclass
class RunEnd:
    """What the processes of a run did at its end: API cost, sweep results, workers that never got to sweep."""

    api_calls: int = 0
    retried: int = 0
    clients: int = 0
    counted: bool = False
    swept: int = 0
    problems: list[str] = field(default_factory=list)
    unswept_workers: list[str] = field(default_factory=list)
    snapshots: dict[str, int] = field(default_factory=dict)

    def add(self, other: dict[str, object]) -> None:
        """Fold in a worker's ``as_dict``."""
        self.api_calls += int(other["api_calls"])  # type: ignore[call-overload]
        self.retried += int(other.get("retried", 0))  # type: ignore[call-overload]
        self.clients += int(other["clients"])  # type: ignore[call-overload]
        self.counted = self.counted or bool(other["counted"])
        self.swept += int(other["swept"])  # type: ignore[call-overload]
        self.problems += list(other["problems"])  # type: ignore[call-overload]
        for key, value in dict(other.get("snapshots") or {}).items():  # type: ignore[call-overload]
            self.snapshots[key] = self.snapshots.get(key, 0) + int(value)

    def add_snapshots(self, stats: dict[str, int]) -> None:
        """Fold in one process's ``SnapshotStats``; with ROLECHECK_SNAPSHOT_STATS set, also append them there (the
        bench's count of snapshot reads per run)."""
        for key, value in stats.items():
            self.snapshots[key] = self.snapshots.get(key, 0) + value
        path = os.environ.get("ROLECHECK_SNAPSHOT_STATS")
        if path and stats.get("requests"):
            with open(path, "a", encoding="utf-8") as out:
                out.write(json.dumps(stats) + "\n")

    def as_dict(self) -> dict[str, object]:
        return {"api_calls": self.api_calls, "retried": self.retried, "clients": self.clients,
                "counted": self.counted, "swept": self.swept,
                "problems": self.problems, "snapshots": self.snapshots}


_SETTINGS = pytest.StashKey[Settings]()
_FACTORY = pytest.StashKey[ClientFactory]()
_CONNECTION = pytest.StashKey[Connection]()
_END = pytest.StashKey[RunEnd]()
_STOP = pytest.StashKey[stopping.GracefulStop]()
_NOTES = pytest.StashKey[list[str]]()
_CLAIM = pytest.StashKey[Any]()
_PROGRESS = pytest.StashKey[Any]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rolecheck", "rolecheck compliance suite")
    group.addoption("--target", default=os.environ.get("ROLECHECK_TARGET") or "moto",
                    help=f"where to run: {', '.join(TARGETS)} (default moto). Env: ROLECHECK_TARGET")
    group.addoption("--region", default=os.environ.get("ROLECHECK_REGION") or DEFAULT_REGION,
                    help="AWS region, one botocore knows (default us-east-1). Env: ROLECHECK_REGION")
    group.addoption("--endpoint-url", default=os.environ.get("ROLECHECK_ENDPOINT_URL") or None,
                    help="an AWS-compatible endpoint for --target moto-server (refused with --target aws, "
                         "which uses AWS's own endpoints); its account must be allowlisted, and it must refuse "
                         "a made-up access key as AWS does. Env: ROLECHECK_ENDPOINT_URL")
    group.addoption("--allow-account", action="append", default=[], metavar="ACCOUNT_ID",
                    help=f"an account the suite may write to (repeatable). Env: {safety.ALLOWLIST_ENV} "
                         "(comma-separated)")
    group.addoption("--resume", action="store_true",
                    default=os.environ.get("ROLECHECK_RESUME", "").lower() in ("1", "true", "yes"),
                    help="this run continues an earlier run with the same ROLECHECK_RUN_ID (a retried CI job): "
                         "delete that run's resources before starting instead of refusing to start. "
                         "Env: ROLECHECK_RESUME=1")
    # argparse converts a string default with ``type`` too, so a bad environment value is a usage error.
    group.addoption("--consistency-timeout", type=float,
                    default=os.environ.get("ROLECHECK_CONSISTENCY_TIMEOUT") or None,
                    help="seconds to wait for IAM's eventual consistency (default 30 on aws, 0 on moto). "
                         "Env: ROLECHECK_CONSISTENCY_TIMEOUT")
    add_pytest(group)


def pytest_configure(config: pytest.Config) -> None:
    if audit_mode.enabled(config):
        # Also here, not only in the audit plugin: with that plugin blocked (-p no:...) the run must still be
        # read-only, and refused rather than run without its mapping.
        enforce_read_only()
        if not config.pluginmanager.hasplugin("rolecheck.plugin.audit"):
            raise pytest.UsageError("rolecheck: audit mode needs the rolecheck.plugin.audit plugin, which is blocked")
    try:
        settings = _settings(config)
        config.stash[_SETTINGS] = settings
        if _is_controller(config) and _needs_preflight(config, settings):
            config.stash[_NOTES] = _preflight(config, settings, audit=audit_mode.enabled(config))
    except TargetError as exc:
        raise pytest.UsageError(f"rolecheck: {exc}") from None
    config.stash[_END] = RunEnd()
    # Progress lines go to a duplicate of stderr taken before capture starts; -q silences them.
    if config.option.verbose >= 0:
        stream = os.fdopen(os.dup(2), "w", buffering=1)
        config.stash[_PROGRESS] = stream
        progress.configure(lambda line: stream.write(line + "\n"))
    else:
        progress.configure(None)
    config.stash[_OUTCOMES] = Outcomes()
    config.pluginmanager.register(config.stash[_OUTCOMES], "rolecheck-outcomes")
    # The controller acknowledges a second signal on stderr, duplicated now, before any test's capture can
    # redirect it; workers stay silent, their controller speaks for the run.
    controller = _is_controller(config)
    stop = stopping.GracefulStop(lambda signum: _on_first_signal(config, signum), settings.run_id,
                                 note_fd=2 if controller else None, worker=not controller)
    if stop.install():
        config.stash[_STOP] = stop


def _preflight(config: pytest.Config, settings: Settings, audit: bool) -> list[str]:
    """Before any worker starts, on a backend the suite did not start: the allowlist and root checks
    (``connect``), the canary (``rolecheck.aws.endpoint_check``), and the claim of the run id (not in an audit, which
    creates nothing and must not delete). Returns lines to print."""
    connection = connect(settings.new_target(), settings.allowed)
    target = connection.target
    try:
        endpoint_check.check_enforces_iam(target.region, target.endpoint_url, target.describe())
        return [] if audit else _claim_run_id(config, connection, settings)
    finally:
        target.stop()


def _claim_run_id(config: pytest.Config, connection: Connection, settings: Settings) -> list[str]:
    """Claim this run id, refusing to start when another run holds it or its resources already exist, unless
    resuming (``sweeper.claim_run_id``). The claim is this process's to release: the controller's, whose workers all
    end before it does."""
    target = connection.target
    admin = Actor("run id check", ClientFactory(target.region, target.endpoint_url)).sign_in(connection.admin_key)
    account = connection.identity.account
    lines = sweeper.claim_run_id(admin.client, settings.run_id, account,
                                 sweeper.spare_caller(connection.identity.arn), resume=settings.resume,
                                 retry=sweep_command(settings))
    config.stash[_CLAIM] = lambda: sweeper.release_run_id(admin.client, settings.run_id, account)
    return lines


def _on_first_signal(config: pytest.Config, signum: int) -> None:
    """Where the scenarios run, stop like Ctrl-C; an xdist controller lets its workers stop and sweep first.

    Raising in the controller would make xdist terminate the workers after ten seconds, whatever their teardown
    is doing. So the controller asks for a shutdown and passes the signal on (a ``kill`` of the controller alone
    reaches no worker); a worker that got the process group's signal too does not count the copy as a second
    request (``rolecheck.stopping``). Runs in a signal handler: it only sets a flag and sends signals.
    """
    dsession = config.pluginmanager.get_plugin("dsession")
    nodes = list(getattr(dsession, "_active_nodes", ()))
    if not nodes:
        stopping.interrupt(signum)
    dsession.shouldstop = f"rolecheck: {stopping.name(signum)} received"
    for node in nodes:
        popen = getattr(getattr(getattr(node, "gateway", None), "_io", None), "popen", None)
        if popen is not None and popen.poll() is None:
            popen.send_signal(signum)


def run_id_of(config: pytest.Config) -> str | None:
    """This run's id, for the report; None when the options were refused."""
    settings = config.stash.get(_SETTINGS, None)
    return settings.run_id if settings else None


def _uses_target(item: pytest.Item) -> bool:
    return bool({"_pytest_bdd_example", "target"} & set(getattr(item, "fixturenames", ())))


def _write(config: pytest.Config, line: str) -> None:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(line)


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    """Say the run id first: it is what every name and tag of the run carries, and what the sweeper needs.

    Only for runs that use a target: scenarios, which ask for it step by step, or tests that name it (an xdist
    controller cannot tell, so it always says it).
    """
    config = session.config
    if not _is_controller(config) or config.getoption("collectonly"):
        return
    distributed = config.pluginmanager.get_plugin("dsession") is not None
    if distributed or any(_uses_target(item) for item in session.items):
        settings = config.stash[_SETTINGS]
        if audit_mode.enabled(config):
            _write(config, f"rolecheck: run id {settings.run_id} (target {settings.target}); audit mode, read-only: "
                           "nothing is created, changed or deleted")
        else:
            _write(config, f"rolecheck: run id {settings.run_id} (target {settings.target}); its resources are "
                           f"named rolecheck-{settings.run_id}-* and tagged rolecheck:run-id={settings.run_id}")
        for line in config.stash.get(_NOTES, []):
            _write(config, line)


def _settings(config: pytest.Config) -> Settings:
    if _is_controller(config):
        run_id = sweeper.valid_run_id(os.environ.get("ROLECHECK_RUN_ID") or new_run_id())
    else:
        run_id = config.workerinput[_WORKER_RUN_ID]  # type: ignore[attr-defined]
    timeout = config.getoption("consistency_timeout")
    # float() takes "nan" and "inf": a wait that never ends, or never starts, is bad input too.
    if timeout is not None and not (math.isfinite(timeout) and 0 <= timeout <= MAX_CONSISTENCY_TIMEOUT):
        raise TargetError(f"--consistency-timeout must be 0 to {MAX_CONSISTENCY_TIMEOUT} seconds, not {timeout}")
    settings = Settings(target=config.getoption("target"), region=config.getoption("region"),
                        endpoint_url=config.getoption("endpoint_url"),
                        allowed=safety.allowed_accounts(config.getoption("allow_account")),
                        run_id=run_id, consistency_timeout=timeout, resume=config.getoption("resume"),
                        credentials=from_options(config.getoption))
    settings.new_target()  # an unknown target or a malformed endpoint fails here, before anything starts
    return settings


def _is_controller(config: pytest.Config) -> bool:
    return not hasattr(config, "workerinput")


def _needs_preflight(config: pytest.Config, settings: Settings) -> bool:
    """Only a backend the suite did not start can be a real account; help and collection write nothing."""
    if config.getoption("help") or config.getoption("collectonly"):
        return False
    return settings.new_target().own_account is None


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: object) -> None:
    """pytest-xdist: every worker uses the controller's run id."""
    controller_config = node.config  # type: ignore[attr-defined]
    node.workerinput[_WORKER_RUN_ID] = controller_config.stash[_SETTINGS].run_id  # type: ignore[attr-defined]


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """After every teardown (pass, failure, Ctrl-C, SIGTERM, SIGHUP): sweep this process's names, stop the target.

    In-process moto (no endpoint) disappears with the process and has no real-account path to exercise, so it is
    the one backend not swept; a moto server, even one this run started, is swept like a real account.
    """
    config = session.config
    end = config.stash[_END]
    factory = config.stash.get(_FACTORY, None)
    if factory is not None and factory.recorder is not None:
        end.api_calls += len(factory.recorder.calls)
        end.retried += factory.recorder.retried
        end.clients += factory.clients_created
        end.counted = True
    if factory is not None:
        end.add_snapshots(factory.snapshots.stats.as_dict())
    connection = config.stash.get(_CONNECTION, None)
    if connection is not None:
        try:
            # An audit created nothing, and its clients may not delete: there is nothing to sweep.
            if not (connection.target.in_process and connection.target.endpoint_url is None) and \
                    not audit_mode.enabled(config):
                problems, swept = _backstop_sweep(config, connection)
                end.problems += problems
                end.swept += swept
        finally:
            connection.target.stop()
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[_WORKER_END] = end.as_dict()
    elif (end.problems or end.unswept_workers) and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    else:
        session.exitstatus = exit_status(config, session.exitstatus)


class Outcomes:
    """Each failed scenario's kind of outcome (on the xdist controller too, from the workers' reports)."""

    def __init__(self) -> None:
        self.kinds: dict[str, list[str]] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not report.failed or ".feature::" not in report.nodeid:
            return
        text = report.longreprtext
        kind = ("not established" if text.startswith(NotEstablished.prefix) else
                "violation" if text.startswith(("Compliance violation", "Engine drift")) else "broken")
        self.kinds.setdefault(kind, []).append(text.splitlines()[0] if text else report.nodeid)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> Any:
        """Say which scenarios reached no verdict and why, after pytest's own summary."""
        yield
        unknown = sorted(set(self.kinds.get("not established", [])))
        if unknown:
            shown = "; ".join(line.removeprefix(f"{NotEstablished.prefix}: ") for line in unknown[:5])
            more = f"; and {len(unknown) - 5} more" if len(unknown) > 5 else ""
            terminalreporter.write_line(f"rolecheck: {len(self.kinds['not established'])} scenario(s) could not "
                                        f"be established: {shown}{more}")


_OUTCOMES = pytest.StashKey[Outcomes]()


# Innermost (trylast), so that Allure's own wrapper, outside it, records this one line as the result's trace.
@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    """A scenario whose reads went unanswered (or that the target did not judge) reached no verdict: its report is
    one "Could not be established" line naming the failed call, not a traceback or a compliance violation."""
    report: pytest.TestReport = yield
    if report.failed and call.excinfo is not None:
        unknown = not_established(call.excinfo.value)
        if unknown is not None:
            report.longrepr = str(unknown)
    return report


def exit_status(config: pytest.Config, status: int) -> int:
    """The run's exit status: a compliance violation is 1; failures that only could not be established are 3."""
    outcomes = config.stash[_OUTCOMES].kinds if _OUTCOMES in config.stash else {}
    if status == pytest.ExitCode.TESTS_FAILED and outcomes.get("not established") and not outcomes.get("violation"):
        return EXIT_NOT_ESTABLISHED
    return status


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """pytest-xdist controller: fold in what a worker's end of run did, or note that it never got there."""
    config = node.config  # type: ignore[attr-defined]
    worker_end = getattr(node, "workeroutput", {}).get(_WORKER_END)
    if worker_end is None:
        config.stash[_END].unswept_workers.append(node.gateway.id)  # type: ignore[attr-defined]
    else:
        config.stash[_END].add(worker_end)


def _backstop_sweep(config: pytest.Config, connection: Connection) -> tuple[list[str], int]:
    """Delete what still carries this process's prefix, with a client that records no evidence."""
    target = connection.target
    admin = Actor("end-of-run sweep", ClientFactory(target.region, target.endpoint_url))
    admin.sign_in(connection.admin_key)
    run_id = config.stash[_SETTINGS].run_id
    # The run's claim is released by its owner once every worker has ended (pytest_unconfigure), not swept here.
    selector = sweeper.Selector(run_id=run_id, worker=_worker(),
                                spare=sweeper.spare_caller(connection.identity.arn) | {sweeper.claim_name(run_id)})
    try:
        leftovers = sweeper.find_leftovers(admin.client, selector)
    except (ClientError, BotoCoreError) as exc:
        # Throttling or faults outlasted the SDK's retries: say so, and the closing lines name the run id to sweep.
        return [f"this run's leftovers could not be listed ({type(exc).__name__}: {exc})"], 0
    problems = sweeper.sweep(admin.client, leftovers)
    return problems, len(leftovers) - len(problems)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def target(pytestconfig: pytest.Config) -> Target:
    """The running target whose caller passed the safety check; stopped at the end of the session."""
    settings = pytestconfig.stash[_SETTINGS]
    try:
        connection = connect(settings.new_target(), settings.allowed)
    except TargetError as exc:
        pytest.exit(f"rolecheck: {exc}", returncode=pytest.ExitCode.USAGE_ERROR)
    pytestconfig.stash[_CONNECTION] = connection
    timeout = settings.consistency_timeout
    consistency.configure(connection.target.consistency_timeout if timeout is None else timeout)
    return connection.target


@pytest.fixture(scope="session")
def run_id(pytestconfig: pytest.Config) -> str:
    """This run's id, shared by every xdist worker: every resource name and tag carries it."""
    return pytestconfig.stash[_SETTINGS].run_id


@pytest.fixture(scope="session")
def recorder() -> Iterator[CallRecorder]:
    """Records every API call as redacted evidence on the Allure step that made it.

    With ROLECHECK_CALL_LOG set, the calls are also written there as JSON lines, in order: the benchmark derives its
    floor (the same calls without the suite around them) from that recording.
    """
    log_path = os.environ.get("ROLECHECK_CALL_LOG")
    if not log_path:
        yield CallRecorder(sinks=(allure_sink,), batch_sinks=(allure_batch_sink,))
        return
    with open(log_path, "a", encoding="utf-8") as log:
        def line(record: CallRecord) -> None:
            log.write(record.to_json().replace("\n", "") + "\n")

        yield CallRecorder(sinks=(allure_sink, line),
                           batch_sinks=(allure_batch_sink, lambda _, records: [line(r) for r in records]))


@pytest.fixture(scope="session")
def client_factory(target: Target, recorder: CallRecorder, pytestconfig: pytest.Config) -> ClientFactory:
    """Creates every actor's clients; kept in the stash for the run's closing summary."""
    factory = ClientFactory(region=target.region, endpoint_url=target.endpoint_url, recorder=recorder,
                            reads=target.reads)
    pytestconfig.stash[_FACTORY] = factory
    return factory


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """What the run cost in API terms (clients should stay a handful whatever the scenario count) and what its
    end-of-run sweep did, summed over the xdist workers."""
    end = config.stash.get(_END, None)
    if end is None or not _is_controller(config):
        return
    if end.counted:
        terminalreporter.write_line(
            f"rolecheck: {end.api_calls} API calls ({end.retried} retried), {end.clients} boto3 clients")
    stats = end.snapshots
    if stats.get("requests"):
        terminalreporter.write_line(
            f"rolecheck: {stats['reads']} snapshot read(s) ({stats['full_reads']} full, {stats['partial_reads']} of "
            f"touched sections) for {stats['requests']} judging step(s), {stats['states']} account state(s); "
            f"{stats['iam_revalidations']} IAM revalidation(s) found no change")
    if end.swept:
        terminalreporter.write_line(f"rolecheck: the end-of-run sweep deleted {end.swept} leftover(s)")
    for line in end.problems:
        terminalreporter.write_line(f"rolecheck: could not delete {line}")


def pytest_unconfigure(config: pytest.Config) -> None:
    """Put the signal handlers back; the very last line names the run id and the sweep command when needed."""
    stop = config.stash.get(_STOP, None)
    if stop is not None:
        stop.restore()
    stream = config.stash.get(_PROGRESS, None)
    if stream is not None:
        progress.configure(None)
        stream.close()
    release = config.stash.get(_CLAIM, None)
    if release is not None:
        _release_claim(config, release)
    end = config.stash.get(_END, None)
    if end is None or not _is_controller(config):
        return
    line = _last_line(config.stash[_SETTINGS], end, stop.first_signal if stop else None)
    if line:
        config.get_terminal_writer().line(line)


def _release_claim(config: pytest.Config, release: Any) -> None:
    """Release the run id once every worker has ended; a claim left behind only refuses a later run of the same id,
    which the last line's sweep command (or --resume) clears."""
    try:
        release()
    except (ClientError, BotoCoreError) as exc:
        config.stash[_END].problems.append(f"the run id's claim: {type(exc).__name__}: {exc}")


def _last_line(settings: Settings, end: RunEnd, stopped_by: str | None) -> str | None:
    run = f"run {settings.run_id}"
    if stopped_by:
        run += f" stopped by {stopped_by}"
    left = []
    if end.problems:
        left.append(f"{len(end.problems)} resource(s) could not be deleted")
    if end.unswept_workers:
        left.append(f"worker(s) {', '.join(end.unswept_workers)} ended before their end-of-run sweep")
    if left:
        return f"rolecheck: {run}: {'; '.join(left)}; delete what is left with `{sweep_command(settings)}`"
    return f"rolecheck: {run}; nothing of it is left" if stopped_by else None


def sweep_command(settings: Settings) -> str:
    """The ``rolecheck sweep`` command line that deletes this run's leftovers on this run's target."""
    parts = ["rolecheck sweep", f"--run-id {settings.run_id}", f"--target {settings.target}",
             f"--region {settings.region}"]
    if settings.endpoint_url:
        parts.append(f"--endpoint-url {settings.endpoint_url}")
    parts += [f"--allow-account {account}" for account in sorted(settings.allowed)]
    return " ".join(parts)


@pytest.fixture(scope="session")
def admin(target: Target, client_factory: ClientFactory, pytestconfig: pytest.Config) -> Actor:
    """The administrator: an IAM principal, never the account root user (checked before the first write)."""
    return Actor("administrator", client_factory, account=target.account_id).sign_in(
        pytestconfig.stash[_CONNECTION].admin_key)


@pytest.fixture(scope="session")
def user_actor(client_factory: ClientFactory) -> Actor:
    """The IAM user; signed in afresh by each scenario with that scenario's user's key."""
    return Actor("user", client_factory)


@pytest.fixture(scope="session")
def role_actor(client_factory: ClientFactory) -> Actor:
    """The user's session of the role; signed in afresh by each scenario with its temporary credentials."""
    return Actor("role session", client_factory)
