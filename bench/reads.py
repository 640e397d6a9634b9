"""Concurrent snapshot reads under the AWS-conditions profile: one account, the same read serially, ten accounts.

Accounts of ``size`` users, roles and buckets (``bench.account.seed``, straight in moto's backends) on in-process
moto with the engine adapter; then the profile (``default,seed=1``: latency per call, random throttling, faults)
is put in force and the administrator reads each account's snapshot
(``rolecheck.aws.snapshot_reader.read_snapshot``) through clients configured as the moto targets configure their
readers (``rolecheck.aws.clients.SIMULATED_READS``: standard retries, four calls in flight per service):

- one account, concurrently: wall and CPU time, calls (retries not counted) and calls retried;
- the same account serially (one call at a time, the reads before issue 20): the speed-up;
- ten other accounts read at once, one thread each, against the one account alone: the "ten accounts" ratio,
  with its CPU floor beside it. In-process moto serves every call in this process, under one interpreter lock,
  so ten reads cannot take less than ten times one read's CPU time: ``cpu_floor_ratio`` is that bound divided by
  one read's wall time, the best ten / one this machine can give.

The "one-read minimum" of the issue's calls-per-audit target is ``minimum_calls``: one read's calls plus the
caller-identity check an audit makes first.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.account import ADMIN_USER, REGION, seed
from bench.timing import ratio

ACCOUNTS = 10
DEFAULT_SIZE = 1000
PROFILE = "default,seed=1"


def _account_id(n: int) -> str:
    return f"{100000000000 + n}"


def _read(keys: tuple[str, str], account: str, pools: Any) -> dict[str, Any]:
    import boto3

    from rolecheck.aws.call_log import CallRecorder
    from rolecheck.aws.clients import DEFAULT_CONFIG, SIMULATED_READS
    from rolecheck.aws.snapshot_reader import read_snapshot

    session = boto3.Session(aws_access_key_id=keys[0], aws_secret_access_key=keys[1], region_name=REGION)
    recorder = CallRecorder(sinks=())
    config = SIMULATED_READS.config(DEFAULT_CONFIG)
    clients: dict[str, Any] = {}

    def client_for(service: str) -> Any:
        if service not in clients:
            clients[service] = recorder.watch(session.client(service, config=config), "bench")
        return clients[service]

    started = time.perf_counter()
    snapshot = read_snapshot(client_for, account, REGION, pools=pools)
    return {"wall_s": round(time.perf_counter() - started, 3), "calls": len(recorder.calls),
            "retried": recorder.retried, "unreadable": len(snapshot.unreadable),
            "resources": len(snapshot.resources)}


def measure(size: int = DEFAULT_SIZE, profile: str = PROFILE, accounts: int = ACCOUNTS,
            serial: bool = True) -> dict[str, Any]:
    """Seed ``1 + accounts`` accounts of ``size``; time one concurrent read, one serial read, ``accounts`` at once."""
    from moto import mock_aws
    from moto.iam.models import iam_backends
    from moto.s3.models import s3_backends

    from rolecheck import moto_adapter, simulated_aws
    from rolecheck.aws.clients import SIMULATED_READS
    from rolecheck.aws.snapshot_reader import SERIAL

    mock = mock_aws()
    mock.start()
    try:
        moto_adapter.install()
        keys = {}
        for n in range(accounts + 1):
            account = _account_id(n)
            keys[account] = moto_adapter.bootstrap_admin(account, ADMIN_USER)
            seed(iam_backends[account]["global"], s3_backends[account]["aws"], size, account=account,
                 prefix=f"bench{n}")
        conditions = simulated_aws.Conditions(simulated_aws.parse(profile))
        simulated_aws.install(conditions)
        try:
            first = _account_id(0)
            cpu = time.process_time()
            one = _read(keys[first], first, SIMULATED_READS.pools) | {}
            one["cpu_s"] = round(time.process_time() - cpu, 3)
            alone = _read(keys[first], first, SERIAL) if serial else None
            others = [_account_id(n) for n in range(1, accounts + 1)]
            started, cpu = time.perf_counter(), time.process_time()
            with ThreadPoolExecutor(len(others)) as pool:
                reads = list(pool.map(lambda a: _read(keys[a], a, SIMULATED_READS.pools), others))
            ten = {"wall_s": round(time.perf_counter() - started, 3),
                   "cpu_s": round(time.process_time() - cpu, 3),
                   "calls": sum(r["calls"] for r in reads), "retried": sum(r["retried"] for r in reads),
                   "unreadable": sum(r["unreadable"] for r in reads)}
        finally:
            simulated_aws.uninstall()
    finally:
        moto_adapter.uninstall()
        mock.stop()
    floor_s = accounts * one["cpu_s"]
    return {
        "size": size, "profile": profile, "accounts": accounts, "cpus": os.cpu_count(),
        "one": one, "serial": alone, "ten": ten,
        "minimum_calls": one["calls"] + 1,
        "concurrent_speedup": ratio(alone["wall_s"], one["wall_s"]) if alone else None,
        "ten_over_one": ratio(ten["wall_s"], one["wall_s"]),
        "cpu_floor_s": round(floor_s, 3), "cpu_floor_ratio": ratio(floor_s, one["wall_s"]),
    }


def table_rows(reads: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Rows for the benchmark's table."""
    one, ten, serial = reads["one"], reads["ten"], reads["serial"]
    rows = [(f"snapshot read under {reads['profile']}, {reads['size']} x3", f"{one['wall_s']:.1f} s",
             f"cpu {one['cpu_s']:.1f} s, {one['calls']} calls ({one['retried']} retried), "
             f"{one['unreadable']} unreadable; one-read minimum {reads['minimum_calls']} calls")]
    if serial:
        rows.append(("  the same read, one call at a time", f"{serial['wall_s']:.1f} s",
                     f"concurrent speed-up {reads['concurrent_speedup']}"))
    rows.append((f"  {reads['accounts']} accounts at once / one", str(reads["ten_over_one"]),
                 f"{ten['wall_s']:.1f} s, cpu {ten['cpu_s']:.1f} s, {ten['calls']} calls ({ten['retried']} "
                 f"retried); CPU floor {reads['cpu_floor_s']:.1f} s = ratio {reads['cpu_floor_ratio']} "
                 "(one interpreter lock)"))
    return rows


def targets(reads: dict[str, Any] | None) -> dict[str, Any]:
    """Issue 20's "ten accounts <= 2x one account", measured on the reads (not on whole audits)."""
    value = (reads or {}).get("ten_over_one")
    return {"ten_account_reads_over_one": {
        "value": value, "target": "<= 2.0", "met": None if value is None else value <= 2.0,
        "cpu_floor_ratio": (reads or {}).get("cpu_floor_ratio")}}
