"""``python -m bench.soak``: consecutive full runs under AWS conditions, each with its own seed; all must be clean.

A run is clean when pytest passes and nothing was left behind: on the moto server (the default here, the code path
a real account takes) the end-of-run sweep lists what carries the run's names after every teardown, and a clean
run leaves it nothing to delete and nothing it could not delete. Prints one line per run and exits 1 if any was
not clean. Every run is replayable from its line (the seed is in the profile).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from dataclasses import dataclass

from bench.calls import REPO
from bench.suite import _environment

_LEFT = ("the end-of-run sweep deleted", "could not delete", "left resources", "left behind")


@dataclass(frozen=True)
class SoakRun:
    """One run: its profile, exit status, pytest's closing line and what the end of run found."""

    profile: str
    returncode: int
    summary: str
    leftovers: tuple[str, ...]
    seconds: float

    @property
    def clean(self) -> bool:
        return self.returncode == 0 and not self.leftovers


def run_once(profile: str, target: str, workers: int) -> SoakRun:
    """One full suite run under ``profile`` on ``target``."""
    parallel = ["-n", str(workers)] if workers else ["-p", "no:xdist"]
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--target={target}",
               f"--aws-conditions={profile}", *parallel]
    started = time.monotonic()
    done = subprocess.run(command, cwd=REPO, env=_environment(), capture_output=True, text=True, check=False)
    lines = done.stdout.strip().splitlines()
    leftovers = tuple(line for line in lines if any(mark in line for mark in _LEFT))
    return SoakRun(profile, done.returncode, lines[-1] if lines else "(no output)", leftovers,
                   time.monotonic() - started)


def main(argv: list[str] | None = None) -> int:
    """Run the soak; exit 0 when every run was clean."""
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="consecutive runs (default 10)")
    parser.add_argument("--first-seed", type=int, default=1, help="seed of the first run; the next ones follow")
    parser.add_argument("--profile", default="default", help="AWS-conditions profile without seed (default)")
    parser.add_argument("--target", default="moto-server", choices=("moto", "moto-server"))
    parser.add_argument("--workers", type=int, default=4, help="pytest-xdist workers (0: serial)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    runs = []
    for seed in range(args.first_seed, args.first_seed + args.runs):
        result = run_once(f"{args.profile},seed={seed}", args.target, args.workers)
        runs.append(result)
        verdict = "clean" if result.clean else "NOT clean"
        print(f"{result.profile}: {verdict} in {result.seconds:.0f} s (exit {result.returncode}): {result.summary}")
        for line in result.leftovers:
            print(f"  {line}")
    clean = sum(run.clean for run in runs)
    print(f"{clean} of {len(runs)} runs clean on {args.target} with -n {args.workers}")
    return 0 if clean == len(runs) else 1


if __name__ == "__main__":
    sys.exit(main())
