"""What the report's Environment and Executor panels say: the target, the versions, and the CI run.

Auditors need to know what was checked (target, region, account, run id), with what (suite, engine and library
versions) and where the run's logs are (the CI run link); Allure reads these from ``environment.properties`` and
``executor.json`` in the results directory. A run with ``--mutant`` misconfigured the account on purpose: its first
entry and the report's title say so, so that it can never pass for an audit. Entries a CI job wrote into the results
before the run (``read_properties``) are kept beside the suite's own.
"""

from __future__ import annotations

import platform
import subprocess
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import rolecheck

_LIBRARIES = ("boto3", "botocore", "moto", "pytest", "pytest-bdd", "allure-pytest-bdd")


@dataclass(frozen=True)
class TargetFacts:
    """The target as the run used it; the account id is known only once the target has started."""

    name: str
    region: str
    account_id: str | None
    endpoint_url: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RunFacts:
    """This run: its id, the mutant it injected (``name: description``), and the entries a CI job wrote before it."""

    run_id: str | None = None
    mutant: str | None = None
    earlier: dict[str, str] = field(default_factory=dict)
    # Audit mode: what was audited, and one line per thing a template or plan could not deploy.
    audit: str | None = None
    not_deployed: tuple[str, ...] = ()
    # This run's verdict in a few words (findings.headline); the report's title opens on it.
    verdict: str | None = None

    @property
    def title_suffix(self) -> str:
        """What the report's title adds for this run: the mutant, that it is an audit, or nothing."""
        if self.mutant:
            return f" (MUTANT {self.mutant.split(':', 1)[0]}: deliberately misconfigured, not an audit)"
        return " (audit, read-only)" if self.audit else ""


MUTANT_KEY = "Mutant (deliberately misconfigured, not an audit)"
AUDIT_KEY = "Audit (read-only)"
VERDICT_KEY = "Verdict"


@dataclass(frozen=True)
class SuiteFacts:
    """The suite's own version and the versions of everything that decides its results."""

    suite_version: str
    engine_version: str
    python_version: str
    libraries: dict[str, str]


def suite_version(project_dir: Path) -> str:
    """``git describe --always --dirty`` of the checkout; the package version when there is no git checkout."""
    try:
        described = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=project_dir, capture_output=True,
                                   text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        described = ""
    return described or f"{rolecheck.__version__} (package)"


def library_version(distribution: str) -> str:
    """The installed version of a distribution, or ``not installed``."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def suite_facts(project_dir: Path) -> SuiteFacts:
    """Collect the versions once, at the end of the session."""
    return SuiteFacts(
        suite_version=suite_version(project_dir),
        # The engine ships inside the rolecheck package, so its version is the package's.
        engine_version=f"rolecheck.engine {rolecheck.__version__}",
        python_version=f"{platform.python_implementation()} {platform.python_version()}",
        libraries={name: library_version(name) for name in _LIBRARIES},
    )


def ci_run_url(environ: Mapping[str, str]) -> str | None:
    """The link to this CI run, from GitHub Actions' variables; ``None`` outside CI."""
    server, repository, run_id = (environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"))
    if not (server and repository and run_id):
        return None
    return f"{server.rstrip('/')}/{repository}/actions/runs/{run_id}"


def environment_entries(target: TargetFacts, facts: SuiteFacts, environ: Mapping[str, str],
                        run: RunFacts | None = None) -> dict[str, str]:
    """The Environment panel, in the order an auditor reads it; a CI job's own entries first, never overwritten."""
    run = run or RunFacts()
    entries = {MUTANT_KEY: run.mutant} if run.mutant else {}
    if run.verdict:
        entries[VERDICT_KEY] = run.verdict
    entries |= {
        "Target": target.name,
        "Region": target.region,
        "Account id": target.account_id or "unknown (the target did not start)",
    }
    if target.endpoint_url:
        entries["Endpoint"] = target.endpoint_url
    if run.run_id:
        entries["Run id"] = run.run_id
    if run.audit:
        entries[AUDIT_KEY] = run.audit
        entries |= {f"Not deployed {i}": line for i, line in enumerate(run.not_deployed, 1)}
    entries |= {
        "Suite version": facts.suite_version,
        "Engine": facts.engine_version,
        "Python": facts.python_version,
    }
    entries |= {name: version for name, version in facts.libraries.items()}
    run_url = ci_run_url(environ)
    if run_url:
        entries["CI run"] = run_url
    merged = dict(run.earlier)
    for key, value in entries.items():
        if merged.get(key, value) != value:
            key = f"{key} (measured by the suite)"
        merged[key] = value
    return merged


def read_properties(text: str) -> dict[str, str]:
    """The ``key=value`` entries of an ``environment.properties`` file (the simple form CI jobs write)."""
    entries: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith(("#", "!")):
            continue
        key, _, value = _split_property(line)
        entries[_unescape_property(key.strip())] = _unescape_property(value.strip())
    return entries


def _split_property(line: str) -> tuple[str, str, str]:
    escaped = False
    for index, char in enumerate(line):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "=:":
            return line[:index], char, line[index + 1:]
    return line, "", ""


def _unescape_property(text: str) -> str:
    out, chars = [], iter(text)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            out.append({"n": "\n", "r": "\r", "t": "\t"}.get(following, following))
        else:
            out.append(char)
    return "".join(out)


def _escape_property(text: str, key: bool) -> str:
    # java.util.Properties syntax: backslash escapes, and in keys also the separators and spaces.
    text = text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
    if key:
        for char in " =:#!":
            text = text.replace(char, "\\" + char)
    return text


def environment_properties(target: TargetFacts, facts: SuiteFacts, environ: Mapping[str, str],
                           run: RunFacts | None = None) -> str:
    """``environment.properties`` as Allure reads it (java.util.Properties syntax)."""
    lines = [f"{_escape_property(k, key=True)}={_escape_property(v, key=False)}"
             for k, v in environment_entries(target, facts, environ, run).items()]
    return "\n".join(lines) + "\n"


def executor(facts: SuiteFacts, environ: Mapping[str, str], run: RunFacts | None = None) -> dict[str, Any]:
    """``executor.json``: who ran the suite, with a link to the CI run when there is one."""
    report_name = f"rolecheck {facts.suite_version}{(run or RunFacts()).title_suffix}"
    run_url = ci_run_url(environ)
    if run_url:
        return {
            "name": "GitHub Actions",
            "type": "github",
            "url": environ["GITHUB_SERVER_URL"],
            "buildOrder": int(number) if (number := environ.get("GITHUB_RUN_NUMBER", "")).isdigit() else 0,
            "buildName": f"{environ['GITHUB_REPOSITORY']} run {environ['GITHUB_RUN_ID']}",
            "buildUrl": run_url,
            "reportName": report_name,
        }
    return {
        "name": "local run" if not environ.get("CI") else "CI",
        "type": "local",
        "buildName": f"rolecheck {facts.suite_version} on {platform.node() or 'unknown host'}",
        "reportName": report_name,
    }
