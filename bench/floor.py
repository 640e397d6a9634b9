"""The floor as a plain script: the suite's recorded API calls, replayed against in-process moto.

Run as ``python -m bench.floor PLAN`` so that its wall time, like the suite's, includes starting Python and
importing boto3 and moto. The plan (``bench.replay.save_plan``) is prepared beforehand, so that turning the
recording into calls is not counted. The script prints its phases as one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any

STARTED = time.perf_counter()

from bench.errors import BenchError  # noqa: E402 - the clock starts before any import worth measuring
from bench.replay import Plan, Replayer, load_plan  # noqa: E402

REGION = "us-east-1"


def _travel(moment: datetime) -> AbstractContextManager[Any]:
    import time_machine

    return time_machine.travel(moment, tick=True)


def run_floor(replay_plan: Plan, region: str = REGION) -> dict[str, Any]:
    """Replay a plan on a fresh in-process moto with the engine adapter; returns phase times and outcome."""
    phases: dict[str, float] = {}
    mark = time.perf_counter()
    from moto import mock_aws

    from rolecheck import moto_adapter

    phases["import_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    mock = mock_aws()
    mock.start()
    try:
        moto_adapter.install()
        admin_keys = {admin.actor: moto_adapter.bootstrap_admin(admin.account, admin.user_name)
                      for admin in replay_plan.administrators}
        phases["start_s"] = time.perf_counter() - mark
        mark = time.perf_counter()
        replayer = Replayer(replay_plan, admin_keys, region, travel=_travel)
        clients = replayer.create_clients()
        phases["clients_s"] = time.perf_counter() - mark
        mark = time.perf_counter()
        outcome = replayer.run()
        phases["calls_s"] = time.perf_counter() - mark
    finally:
        moto_adapter.uninstall()
        mock.stop()
    return {
        "phases": {k: round(v, 6) for k, v in phases.items()},
        "clients": clients,
        "calls": outcome.calls,
        "failed_as_recorded": outcome.failed_as_recorded,
        "mismatches": outcome.mismatches,
    }


def main(argv: list[str] | None = None) -> int:
    """Replay one plan and print the result as JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__)
    parser.add_argument("plan", type=Path)
    parser.add_argument("--region", default=REGION)
    args = parser.parse_args(argv)
    try:
        result = run_floor(load_plan(args.plan), args.region)
    except BenchError as exc:
        print(f"bench.floor: {exc}", file=sys.stderr)
        return 2
    result["phases"]["process_s"] = round(time.perf_counter() - STARTED, 6)
    print(json.dumps(result))
    return 1 if result["mismatches"] else 0


if __name__ == "__main__":
    sys.exit(main())
