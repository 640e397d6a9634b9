"""The ``rolecheck`` command: ``rolecheck sweep`` deletes what interrupted runs left behind; ``rolecheck audit``
runs the suite read-only against existing resources or infrastructure-as-code (``rolecheck.audit.command``);
``rolecheck init DIR`` writes a starter project (``rolecheck.init``).

Bad input or a refused account prints one ``ERROR: rolecheck:`` line to stderr and exits 4; resources that could not
be deleted are listed and exit 1; a clean sweep exits 0 (the codes: ``rolecheck.errors``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from rolecheck import init
from rolecheck.audit import command as audit_command
from rolecheck.aws import credentials, safety, sweeper
from rolecheck.aws.clients import Actor, ClientFactory
from rolecheck.errors import EXIT_BAD_INPUT, EXIT_NOT_ESTABLISHED, TargetError, one_line
from rolecheck.targets.base import DEFAULT_REGION
from rolecheck.targets.connect import connect, make_target
from rolecheck.targets.moto import MotoTarget
from rolecheck.targets.moto_server import MotoServerTarget


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rolecheck", description="rolecheck compliance suite utilities")
    commands = parser.add_subparsers(dest="command", required=True)
    sweep = commands.add_parser("sweep", help="delete the resources runs left behind (by their run-id tag, or by "
                                              "a suite-made name carrying the given run id)")
    scope = sweep.add_mutually_exclusive_group(required=True)
    scope.add_argument("--run-id", help="only this run's leftovers: tagged rolecheck:run-id=RUN_ID, or named "
                                        "rolecheck-RUN_ID-<worker>-<n>-... as the suite names them")
    # IAM is global: every run's leftovers include those of a CI job running right now in another region or matrix
    # row. Sweeping them all is allowed, but only when asked for by name.
    scope.add_argument("--all-runs", action="store_true",
                       help="every run's leftovers, by the rolecheck:run-id tag alone (never by name), including "
                            "runs that may still be going on")
    sweep.add_argument("--target", default=os.environ.get("ROLECHECK_TARGET") or "aws",
                       help="aws (default) or moto-server with --endpoint-url. Env: ROLECHECK_TARGET")
    sweep.add_argument("--region", default=os.environ.get("ROLECHECK_REGION") or DEFAULT_REGION,
                       help="the run's AWS region: queues, topics, secrets, KMS keys and Lambda functions are "
                            "swept there only (IAM and bucket listings are account-wide). Env: ROLECHECK_REGION")
    sweep.add_argument("--endpoint-url", default=os.environ.get("ROLECHECK_ENDPOINT_URL") or None,
                       help="an AWS-compatible endpoint, with --target moto-server only. Env: ROLECHECK_ENDPOINT_URL")
    sweep.add_argument("--allow-account", action="append", default=[], metavar="ACCOUNT_ID",
                       help=f"an account the sweeper may touch (repeatable). Env: {safety.ALLOWLIST_ENV}")
    sweep.add_argument("--dry-run", action="store_true", help="list the leftovers, delete nothing")
    credentials.add_argparse(sweep)
    audit_command.add_parser(commands)
    starter = commands.add_parser("init", help="write a starter project of access contracts (the walkthrough's "
                                               "features, pytest.ini, rolecheck.yaml, a CI workflow) into DIR")
    starter.add_argument("directory", metavar="DIR", type=Path, help="the project's folder (made if missing)")
    parser.error = sweep.error = starter.error = _usage_error  # type: ignore[method-assign]
    return parser


def _usage_error(message: str) -> None:
    """Bad options are bad input: one line, exit status 4 (argparse's own default is 2)."""
    print(one_line(message), file=sys.stderr)
    sys.exit(EXIT_BAD_INPUT)


def run_sweep(args: argparse.Namespace) -> int:
    """Find and delete (or, with ``--dry-run``, list) the leftovers; the exit status (1: some could not be deleted;
    3: they could not be listed)."""
    run_id = sweeper.valid_run_id(args.run_id) if args.run_id else None
    target = make_target(args.target, region=args.region, endpoint_url=args.endpoint_url,
                         credentials=credentials.from_options(vars(args).get))
    if isinstance(target, MotoTarget) or (isinstance(target, MotoServerTarget) and target.own_account):
        raise TargetError(f"nothing to sweep on target {args.target} without --endpoint-url: a backend the suite "
                          "starts itself lives only as long as its run")
    connection = connect(target, safety.allowed_accounts(args.allow_account))
    try:
        admin = Actor("sweeper", ClientFactory(target.region, target.endpoint_url)).sign_in(connection.admin_key)
        selector = sweeper.Selector(run_id=run_id, spare=sweeper.spare_caller(connection.identity.arn))
        try:
            leftovers = sweeper.find_leftovers(admin.client, selector)
        except (ClientError, BotoCoreError) as exc:
            # Throttling or faults outlasted the SDK's retries: nothing was deleted, so the same command can run again.
            # Not a verdict on the account (1) nor bad input (4): the sweep could not establish what is left.
            print(one_line(f"could not list the leftovers of {run_id or 'any run'} ({type(exc).__name__}: {exc}); "
                           "nothing was deleted, run the sweep again"), file=sys.stderr)
            return EXIT_NOT_ESTABLISHED
        where = f"account {connection.identity.account} ({target.describe()})"
        if args.dry_run:
            for item in leftovers:
                print(f"would delete {item}")
            print(f"{len(leftovers)} leftover(s) of {run_id or 'any run'} in {where}; dry run, nothing deleted")
            return 0
        problems = sweeper.sweep(admin.client, leftovers, report=print)
        for line in problems:
            print(f"could not delete {line}", file=sys.stderr)
        print(f"deleted {len(leftovers) - len(problems)} of {len(leftovers)} leftover(s) of "
              f"{run_id or 'any run'} in {where}")
        return 1 if problems else 0
    finally:
        target.stop()


def run_init(args: argparse.Namespace) -> int:
    """Write the starter project and say how to run it; exit 4 (nothing written) if any of its files exists."""
    try:
        written = init.write_project(args.directory)
    except (init.InitRefused, OSError) as exc:
        print(one_line(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"wrote {len(written)} files into {args.directory}; run the example contracts on moto with:\n"
          f"  cd {args.directory} && pytest")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rolecheck`` console script."""
    parser = _parser()
    args, unknown = parser.parse_known_args(argv)
    if args.command == "audit":
        return audit_command.run(args, unknown)
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    if args.command == "init":
        return run_init(args)
    try:
        return run_sweep(args)
    except TargetError as exc:
        print(one_line(exc), file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
