"""Render Allure results into the single-file HTML report with Allure 3 (the npm package ``allure``).

Node.js is optional: without it the suite still runs and writes results, and ``render`` says in one line how to
render them elsewhere. It never raises because Node.js or the npm packages are missing; only a failing
``allure generate`` (a real defect of the results or the configuration) is an error.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rolecheck.report.environment import AUDIT_KEY, MUTANT_KEY, VERDICT_KEY, RunFacts, read_properties

CONFIG_NAME = "allurerc.mjs"
MIN_NODE_MAJOR = 20
_GENERATE_TIMEOUT_S = 300
_INSTALL_TIMEOUT_S = 600


# Allure 3.18's awesome report always embeds Google Analytics; an audit record must not call out when opened.
_ANALYTICS = re.compile(r'\s*<script async src="https://www\.googletagmanager\.com/[^"]*"></script>\s*'
                        r"<script>\s*window\.dataLayer.*?</script>", re.S)
# Its single-file loader defines the embedded-data table in a script after the 3 MB application script; if the
# application asks for data before the parser reaches it, it falls back to fetch(), which file:// refuses, and the
# page spins forever. Declaring the (still empty, not ready) table first makes the application wait for it.
_APP_GLOBALS = "window.allure = window.allure || {};"
_DATA_TABLE_FIRST = "window.allureReportDataReady = false; window.allureReportData = window.allureReportData || {}; "


class RenderError(RuntimeError):
    """``allure generate`` failed; the message is one line, the tool's output follows it."""


@dataclass(frozen=True)
class Rendered:
    """The outcome of ``render``: the report's path, or why there is none and how to get one."""

    report: Path | None
    message: str

    @property
    def ok(self) -> bool:
        return self.report is not None


def project_dir(start: Path | None = None) -> Path:
    """The directory holding ``allurerc.mjs``: the working directory or a parent, else the source checkout."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / CONFIG_NAME).is_file():
            return candidate
    return Path(__file__).resolve().parents[3]


def how_to_render(results_dir: Path) -> str:
    """The one line printed when this machine cannot render."""
    return (f"Allure results are in {results_dir}; to render them install Node.js {MIN_NODE_MAJOR}+ and run "
            f"`npm ci && npx allure generate {results_dir}` (see docs/report.md)")


def node_major(node: str) -> int | None:
    """The major version of the ``node`` executable, or ``None`` when it cannot say."""
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=10, check=True).stdout
        return int(out.strip().lstrip("v").split(".")[0])
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def _has_node_modules(root: Path) -> bool:
    return (root / "node_modules" / "allure" / "package.json").is_file()


def _install(root: Path) -> str | None:
    """``npm ci`` from the lock file; returns why it could not, or ``None`` on success."""
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed"
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=root,
                          capture_output=True, text=True, timeout=_INSTALL_TIMEOUT_S, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"`npm ci` failed ({last})"
    return None


# ``history_for``'s answer for results whose runs must not join any trend.
NO_HISTORY = Path(os.devnull)


def _config_for(root: Path, history_path: Path | None, workdir: Path, title_suffix: str = "",
                verdict: str = "") -> Path:
    """The project's config, or a derived one: history kept elsewhere (tests must not touch ours) or not at all
    (``NO_HISTORY``: Allure 3 keeps none when ``historyPath`` is undefined), a title that says the run was a
    mutant's."""
    config = root / CONFIG_NAME
    overrides = []
    if history_path == NO_HISTORY:
        overrides.append("historyPath: undefined")
    elif history_path is not None:
        overrides.append(f"historyPath: {json.dumps(str(history_path))}")
    if title_suffix or verdict:
        prefix = f"{json.dumps(verdict + ' — ')} + " if verdict else ""
        overrides.append(f"name: {prefix}base.name + {json.dumps(title_suffix)}")
    if not overrides:
        return config
    derived = workdir / "allurerc.mjs"
    derived.write_text(f"import base from {json.dumps(config.as_uri())};\n"
                       f"export default {{ ...base, {', '.join(overrides)} }};\n", encoding="utf-8")
    return derived


def title_suffix(results: Path) -> str:
    """What the report's title adds for these results: the mutant a ``--mutant`` run injected, or nothing."""
    properties = results / "environment.properties"
    if not properties.is_file():
        return ""
    mutant = read_properties(properties.read_text(encoding="utf-8")).get(MUTANT_KEY)
    return RunFacts(mutant=mutant).title_suffix


def history_for(results: Path, root: Path) -> Path:
    """The trend these results join: one per target and audited input (``reports/history/<key>.jsonl``), none for
    a mutant run (deliberately misconfigured: it would read as a regression) or for results that do not say what
    they are."""
    properties = results / "environment.properties"
    if not properties.is_file():
        return NO_HISTORY
    entries = read_properties(properties.read_text(encoding="utf-8"))
    if MUTANT_KEY in entries or "Target" not in entries:
        return NO_HISTORY
    audited = entries.get(AUDIT_KEY)
    kind = "audit" if audited else "suite"
    digest = hashlib.sha256(json.dumps([entries["Target"], audited]).encode()).hexdigest()[:12]
    target = re.sub(r"[^a-z0-9]+", "-", entries["Target"].lower()).strip("-")
    return root / "reports" / "history" / f"{kind}-{target}-{digest}.jsonl"


def verdict_of(results: Path) -> str:
    """The verdict the run wrote into its environment, or nothing."""
    properties = results / "environment.properties"
    if not properties.is_file():
        return ""
    return read_properties(properties.read_text(encoding="utf-8")).get(VERDICT_KEY, "")


def _drop_stale(report: Path) -> str:
    """Remove a report of an earlier run, so that it never sits beside newer results looking current."""
    if not report.is_file():
        return ""
    report.unlink()
    return f" The previous report {report} described an earlier run and was removed."


def render(results_dir: Path | str, out_dir: Path | str, *, root: Path | None = None,
           history_path: Path | None = None, install: bool = True) -> Rendered:
    """Render ``results_dir`` into ``out_dir/index.html`` (one self-contained file).

    Installs the npm packages with ``npm ci`` when Node.js is there but ``node_modules`` is not (and ``install``
    is true). Returns ``Rendered(None, <one line>)`` when Node.js or the packages are unavailable; raises
    ``RenderError`` only when ``allure generate`` itself fails.
    """
    results, out = Path(results_dir).resolve(), Path(out_dir).resolve()
    root = root or project_dir()
    stale = _drop_stale(out / "index.html")
    node = shutil.which("node")
    if node is None:
        return Rendered(None, f"Node.js not found. {how_to_render(results)}{stale}")
    major = node_major(node)
    if major is None or major < MIN_NODE_MAJOR:
        return Rendered(None, f"Node.js {major or '?'} is too old. {how_to_render(results)}{stale}")
    if not _has_node_modules(root):
        problem = _install(root) if install else "node_modules is missing"
        if problem is not None or not _has_node_modules(root):
            return Rendered(None, f"{problem or 'allure is not installed'}. {how_to_render(results)}{stale}")
    if not results.is_dir():
        raise RenderError(f"no Allure results at {results}: run the suite with --alluredir first")
    npx = shutil.which("npx") or "npx"
    derived_history = history_for(results, root)
    if derived_history != NO_HISTORY and history_path is not None:
        derived_history = history_path  # the caller's own trend file (tests keep the checkout's untouched)
    if derived_history != NO_HISTORY:
        derived_history.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rolecheck-allure-") as workdir:
        config = _config_for(root, derived_history, Path(workdir), title_suffix(results), verdict_of(results))
        command = [npx, "--no-install", "allure", "generate", str(results), "-o", str(out), "--config", str(config)]
        done = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=_GENERATE_TIMEOUT_S,
                              check=False, env={**os.environ, "NO_COLOR": "1"})
    report = out / "index.html"
    if done.returncode != 0 or not report.is_file():
        output = (done.stdout + done.stderr).strip()
        raise RenderError(f"`allure generate` exited with {done.returncode} and wrote no {report}\n{output}")
    harden(report)
    return Rendered(report, f"Allure report: {report}")


def harden(report: Path) -> None:
    """Make the single-file report self-contained and reliable to open from disk (see the notes above)."""
    html = report.read_text(encoding="utf-8")
    hardened = _ANALYTICS.sub("", html, count=1)
    if "window.allureReportDataReady" in hardened:
        hardened = hardened.replace(_APP_GLOBALS, _DATA_TABLE_FIRST + _APP_GLOBALS, 1)
    if hardened != html:
        report.write_text(hardened, encoding="utf-8")
