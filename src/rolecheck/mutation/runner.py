"""Run the mutation catalog: the suite once without a mutant and once per mutant, each in its own process.

A mutant is *killed* when exactly the scenarios it names fail, each with a compliance violation: a crash, an
error in setup or teardown, or engine drift is a failure of the suite, not a kill. A scenario is *covered* when a
mutant applied after the deployment kills it in a When or Then step, i.e. one of the scenario's own checks caught
the misconfiguration (a mutant that breaks every scenario at its first Given covers nothing).

    rolecheck-mutants [--jobs 2] [--mutant NAME ...] [--project DIR]
    rolecheck-mutants --benign    (the benign catalog: changes that must not fail the suite, mutation/benign.py)

Exit status 0 when the baseline passes, every mutant is killed and every scenario is covered; 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from rolecheck.mutation import benign, catalog

BASELINE = "(baseline: no mutant)"


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario's outcome in one run of the suite."""

    scenario: str
    outcome: str
    reason: str | None = None
    step: str | None = None
    step_type: str | None = None
    message: str | None = None

    @property
    def failed(self) -> bool:
        return self.outcome == "failed"


@dataclass(frozen=True)
class SuiteRun:
    """A run of the suite: the scenarios' results, pytest's exit status and what it printed last."""

    mutant: str
    results: tuple[ScenarioResult, ...]
    returncode: int
    seconds: float
    output_tail: str = ""

    @property
    def failed(self) -> frozenset[str]:
        return frozenset(r.scenario for r in self.results if r.failed)


@dataclass(frozen=True)
class MutantVerdict:
    """How one run of the suite compares with what its mutant promised (the baseline promises no failure)."""

    mutant: str
    expected: frozenset[str]
    run: SuiteRun
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def killed(self) -> bool:
        return not self.problems


def run_suite(project: Path, mutant: str | None, extra_args: Sequence[str] = ()) -> SuiteRun:
    """Run the compliance suite in a subprocess, with ``mutant`` injected, and read back each scenario's result."""
    with tempfile.TemporaryDirectory(prefix="rolecheck-mutant-") as tmp:
        results_file = Path(tmp) / "results.jsonl"
        command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--no-header", "--tb=no",
                   "-o", "console_output_style=classic", f"--mutation-results={results_file}", *extra_args]
        if mutant is not None:
            command.append(f"--mutant={mutant}")
        env = {k: v for k, v in os.environ.items() if k not in ("ROLECHECK_MUTANT", "PYTEST_ADDOPTS")}
        started = time.monotonic()
        completed = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, check=False)
        seconds = time.monotonic() - started
        results = _read_results(results_file) if results_file.exists() else ()
    tail = "\n".join((completed.stdout + completed.stderr).strip().splitlines()[-5:])
    return SuiteRun(mutant or BASELINE, results, completed.returncode, seconds, tail)


def _read_results(path: Path) -> tuple[ScenarioResult, ...]:
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return tuple(ScenarioResult(r["scenario"], r["outcome"], r.get("reason"), r.get("step"), r.get("step_type"),
                                r.get("message")) for r in records)


def judge_baseline(run: SuiteRun) -> MutantVerdict:
    """Without a mutant every scenario must pass."""
    problems = [f"{r.scenario} {r.outcome}: {r.message}" for r in run.results if r.outcome != "passed"]
    if not run.results:
        problems.append(f"no scenario ran (pytest exit {run.returncode}): {run.output_tail}")
    return MutantVerdict(BASELINE, frozenset(), run, tuple(problems))


def judge(mutant: catalog.Mutant, run: SuiteRun, scenarios: frozenset[str]) -> MutantVerdict:
    """Exactly the mutant's scenarios failed, each with a compliance violation."""
    problems = []
    if not mutant.unevaluable <= mutant.kills:
        problems.append("declares unevaluable scenarios it does not expect to fail")
    unknown = mutant.kills - scenarios
    if unknown:
        problems.append(f"names scenarios that do not exist: {', '.join(sorted(unknown))}")
    if not run.results:
        problems.append(f"no scenario ran (pytest exit {run.returncode}): {run.output_tail}")
    for result in run.results:
        if result.failed and result.reason != "compliance" and result.scenario not in mutant.unevaluable:
            problems.append(f"{result.scenario} failed for the wrong reason ({result.reason}): {result.message}")
        elif result.outcome == "skipped":
            problems.append(f"{result.scenario} was skipped")
    missed = (mutant.kills & scenarios) - run.failed
    if missed:
        problems.append(f"survived in: {', '.join(sorted(missed))}")
    spilled = run.failed - mutant.kills
    if spilled:
        problems.append(f"also failed: {', '.join(sorted(spilled))}")
    return MutantVerdict(mutant.name, mutant.kills, run, tuple(problems))


def coverage(verdicts: Iterable[MutantVerdict], scenarios: frozenset[str]) -> dict[str, list[str]]:
    """For every scenario, the mutants that a check of the scenario itself (a When or Then step) caught."""
    covered: dict[str, list[str]] = {name: [] for name in sorted(scenarios)}
    for verdict in verdicts:
        if not verdict.killed:
            continue
        for result in verdict.run.results:
            if (result.failed and result.reason == "compliance" and result.step_type in ("when", "then")
                    and result.scenario in covered):
                covered[result.scenario].append(verdict.mutant)
    return covered


def kill_table(verdicts: Sequence[MutantVerdict]) -> str:
    """Mutant, scenarios expected to fail, scenarios that failed, verdict; the reasons under each survivor."""
    width = max(len(v.mutant) for v in verdicts)
    lines = [f"{'mutant':<{width}}  expected  failed  seconds  verdict", "-" * (width + 35)]
    for v in verdicts:
        verdict = ("passed" if v.killed else "FAILED") if v.mutant == BASELINE else ("killed" if v.killed
                                                                                       else "NOT KILLED")
        lines.append(f"{v.mutant:<{width}}  {len(v.expected):>8}  {len(v.run.failed):>6}  {v.run.seconds:>7.1f}"
                     f"  {verdict}")
        lines += [f"    - {problem}" for problem in v.problems]
    return "\n".join(lines)


def coverage_report(covered: dict[str, list[str]]) -> str:
    """Every scenario with the number of mutants its own checks kill; uncovered scenarios are marked."""
    lines = ["scenario coverage (mutants caught by the scenario's own When/Then steps):"]
    for scenario, killers in covered.items():
        mark = f"{len(killers):>3}" if killers else "  0  UNCOVERED"
        lines.append(f"  {mark}  {scenario}")
    return "\n".join(lines)


@dataclass(frozen=True)
class CatalogResult:
    """The baseline's and every mutant's verdict, and the scenario coverage."""

    baseline: MutantVerdict
    verdicts: tuple[MutantVerdict, ...]
    covered: dict[str, list[str]]
    seconds: float

    @property
    def uncovered(self) -> list[str]:
        return [scenario for scenario, killers in self.covered.items() if not killers]

    @property
    def ok(self) -> bool:
        return self.baseline.killed and all(v.killed for v in self.verdicts) and not self.uncovered

    def report(self) -> str:
        summary = (f"{sum(v.killed for v in self.verdicts)}/{len(self.verdicts)} mutants killed, "
                   f"{len(self.covered) - len(self.uncovered)}/{len(self.covered)} scenarios covered, "
                   f"{self.seconds:.0f} s")
        return "\n\n".join((kill_table((self.baseline, *self.verdicts)), coverage_report(self.covered), summary))


def run_catalog(project: Path, mutants: Sequence[catalog.Mutant] = catalog.CATALOG, jobs: int = 2,
                progress: Callable[[SuiteRun], None] | None = None,
                extra_args: Sequence[str] = ()) -> CatalogResult:
    """The baseline and every mutant, ``jobs`` suites at a time; coverage is judged over the baseline's scenarios.

    ``extra_args`` go to every suite run, e.g. ``--aws-conditions default`` to judge the catalog under AWS-like
    latency, propagation lag, throttling and faults.
    """
    started = time.monotonic()
    names: list[str | None] = [None, *(m.name for m in mutants)]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        runs = []
        for run in pool.map(lambda name: run_suite(project, name, extra_args), names):
            runs.append(run)
            if progress is not None:
                progress(run)
    baseline = judge_baseline(runs[0])
    scenarios = frozenset(r.scenario for r in runs[0].results)
    verdicts = tuple(judge(m, run, scenarios) for m, run in zip(mutants, runs[1:], strict=True))
    return CatalogResult(baseline, verdicts, coverage(verdicts, scenarios), time.monotonic() - started)


@dataclass(frozen=True)
class BenignResult:
    """The benign catalog's run: every change at once, and, when that failed, each change alone."""

    together: MutantVerdict
    alone: tuple[MutantVerdict, ...] = ()

    @property
    def ok(self) -> bool:
        return self.together.killed

    def report(self) -> str:
        """Whether the benign changes pass; for a failure, which change fails which scenario, with its AWS page."""
        if self.ok:
            return f"benign catalog: all {len(benign.BENIGN)} changes pass together ({self.together.run.seconds:.0f} s)"
        lines = ["benign catalog: FAILED with every change applied:", *(f"    - {p}" for p in self.together.problems)]
        pages = {entry.name: entry.source_url for entry in benign.BENIGN}
        for verdict in self.alone:
            if not verdict.killed:
                lines.append(f"  {verdict.mutant} (AWS says it is right: {pages[verdict.mutant]}):")
                lines += [f"    - {p}" for p in verdict.problems]
        return "\n".join(lines)


def run_benign(project: Path, jobs: int = 2, extra_args: Sequence[str] = (),
               run: Callable[[Path, str | None, Sequence[str]], SuiteRun] = run_suite) -> BenignResult:
    """Every benign change in one run of the suite, every scenario passing; when one fails, each change runs alone
    (``jobs`` at a time) to name the culprit. ``run`` runs one suite (a test passes a stand-in)."""
    together = run(project, benign.ALL, extra_args)
    scenarios = frozenset(r.scenario for r in together.results)
    verdict = judge(catalog.BENIGN_MUTANTS[benign.ALL], together, scenarios)
    if verdict.killed:
        return BenignResult(verdict)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        runs = list(pool.map(lambda entry: run(project, entry.name, extra_args), benign.BENIGN))
    alone = tuple(judge(catalog.BENIGN_MUTANTS[entry.name], one, scenarios)
                  for entry, one in zip(benign.BENIGN, runs, strict=True))
    return BenignResult(verdict, alone)


def main(argv: Sequence[str] | None = None) -> int:
    """``rolecheck-mutants``: run the catalog and print the kill table and the coverage."""
    parser = argparse.ArgumentParser(prog="rolecheck-mutants", description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="suites run at the same time (default 2)")
    parser.add_argument("--mutant", action="append", default=[], metavar="NAME",
                        help="run only these mutants (repeatable); coverage is then partial")
    parser.add_argument("--project", type=Path, default=Path.cwd(), help="the suite's directory (default: here)")
    parser.add_argument("--aws-conditions", metavar="PROFILE", default=None,
                        help="run every suite under these AWS conditions (see pytest --aws-conditions)")
    parser.add_argument("--benign", action="store_true",
                        help="run the benign catalog instead: changes that must not fail the suite")
    args = parser.parse_args(argv)
    try:
        chosen = [catalog.get(name) for name in args.mutant] or list(catalog.CATALOG)
    except catalog.UnknownMutant as exc:
        parser.exit(2, f"rolecheck-mutants: {exc}\n")
    if args.jobs < 1:
        parser.exit(2, "rolecheck-mutants: --jobs must be at least 1\n")
    extra = (f"--aws-conditions={args.aws_conditions}",) if args.aws_conditions else ()
    if args.benign:
        outcome = run_benign(args.project, args.jobs, extra)
        print(outcome.report())
        return 0 if outcome.ok else 1
    result = run_catalog(args.project, chosen, args.jobs,
                         progress=lambda run: print(f"ran {run.mutant} in {run.seconds:.1f} s", file=sys.stderr),
                         extra_args=extra)
    print(result.report())
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
