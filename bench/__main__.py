"""``python -m bench``: measure the suite against the floor of its own API calls; print a table, write JSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.calls import REPO
from bench.conditions import DEFAULT_PROFILE, DEFAULT_WORKERS
from bench.errors import BenchError
from bench.reads import DEFAULT_SIZE as DEFAULT_READS_SIZE
from bench.report import table, write_json
from bench.run import PARTS, Options, benchmark


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of role counts: {text!r}") from None
    if any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError("role counts must be positive")
    return sizes


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 2 with one line when it cannot run."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="samples per measurement (medians are reported)")
    parser.add_argument("--workers", type=int, default=2, help="pytest-xdist workers of the parallel run")
    parser.add_argument("--scale-sizes", type=_sizes, default=(100, 300, 1000), help="role counts, e.g. 100,300,1000")
    parser.add_argument("--scale-repeat", type=int, default=3, help="samples per scale point")
    parser.add_argument("--account-sizes", type=_sizes, default=(100, 300, 1000),
                        help="users, roles and buckets each of the account part, e.g. 100,300,1000")
    parser.add_argument("--account-repeat", type=int, default=1, help="samples per account size")
    parser.add_argument("--aws-conditions", default=DEFAULT_PROFILE, metavar="PROFILE",
                        help=f"the AWS-conditions profile of the conditions part (default {DEFAULT_PROFILE})")
    parser.add_argument("--conditions-workers", type=int, default=DEFAULT_WORKERS,
                        help=f"pytest-xdist workers of the conditions part's parallel run (default {DEFAULT_WORKERS})")
    parser.add_argument("--conditions-repeat", type=int, default=1,
                        help="samples of the conditions part (each is a minute or more: default 1)")
    parser.add_argument("--reads-size", type=int, default=DEFAULT_READS_SIZE,
                        help="users, roles and buckets per account of the reads part (default 1000)")
    parser.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS), help="measure only these parts")
    parser.add_argument("--call-log", type=Path, help="replay this recording instead of recording the suite")
    parser.add_argument("--output", type=Path, default=REPO / "reports" / "bench.json")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = parser.parse_args(argv)
    if min(args.repeat, args.scale_repeat, args.account_repeat, args.conditions_repeat) < 1:
        parser.error("--repeat, --scale-repeat, --account-repeat and --conditions-repeat must be at least 1")
    options = Options(
        repeat=args.repeat, workers=args.workers, scale_sizes=args.scale_sizes, scale_repeat=args.scale_repeat,
        account_sizes=args.account_sizes, account_repeat=args.account_repeat,
        conditions_profile=args.aws_conditions, conditions_workers=args.conditions_workers,
        conditions_repeat=args.conditions_repeat, reads_size=args.reads_size,
        parts=tuple(args.only), call_log=args.call_log,
        progress=(lambda _: None) if args.quiet else (lambda line: print(f"bench: {line}", file=sys.stderr)),
    )
    try:
        results = benchmark(options)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    write_json(results, args.output)
    print(table(results))
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
