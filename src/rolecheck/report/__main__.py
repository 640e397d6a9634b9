"""``python -m rolecheck.report [RESULTS] [-o OUTPUT]``: render the Allure results, as ``make compliance`` does.

Exits 0 when the report was rendered or could not be for want of Node.js (one line says how to render), and 1
when ``allure generate`` failed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rolecheck.report.rendering import RenderError, render

DEFAULT_RESULTS = Path("reports/allure-results")
DEFAULT_OUTPUT = Path("reports/allure-report")


def main(argv: list[str] | None = None) -> int:
    """Render and print one line: where the report is, or how to render it."""
    parser = argparse.ArgumentParser(prog="python -m rolecheck.report", description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="?", type=Path, default=DEFAULT_RESULTS, help="Allure results directory")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT, help="report directory")
    parser.add_argument("--no-install", action="store_true", help="do not run `npm ci` when node_modules is missing")
    args = parser.parse_args(argv)
    try:
        outcome = render(args.results, args.output, install=not args.no_install)
    except RenderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(outcome.message)
    return 0


if __name__ == "__main__":
    sys.exit(main())
