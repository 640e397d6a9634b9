"""What the report's Environment and Executor panels say: the target, the versions, and the CI run.

Auditors need to know what was checked (target, region, account), with what (suite, engine and library versions)
and where the run's logs are (the CI run link); Allure reads these from ``environment.properties`` and
``executor.json`` in the results directory.
"""

from __future__ import annotations

import platform
import subprocess
from collections.abc import Mapping
from dataclasses import asdict, dataclass
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


def environment_entries(target: TargetFacts, facts: SuiteFacts, environ: Mapping[str, str]) -> dict[str, str]:
    """The Environment panel, in the order an auditor reads it."""
    entries = {
        "Target": target.name,
        "Region": target.region,
        "Account id": target.account_id or "unknown (the target did not start)",
    }
    if target.endpoint_url:
        entries["Endpoint"] = target.endpoint_url
    entries |= {
        "Suite version": facts.suite_version,
        "Engine": facts.engine_version,
        "Python": facts.python_version,
    }
    entries |= {name: version for name, version in facts.libraries.items()}
    run_url = ci_run_url(environ)
    if run_url:
        entries["CI run"] = run_url
    return entries


def _escape_property(text: str, key: bool) -> str:
    # java.util.Properties syntax: backslash escapes, and in keys also the separators and spaces.
    text = text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
    if key:
        for char in " =:#!":
            text = text.replace(char, "\\" + char)
    return text


def environment_properties(target: TargetFacts, facts: SuiteFacts, environ: Mapping[str, str]) -> str:
    """``environment.properties`` as Allure reads it (java.util.Properties syntax)."""
    lines = [f"{_escape_property(k, key=True)}={_escape_property(v, key=False)}"
             for k, v in environment_entries(target, facts, environ).items()]
    return "\n".join(lines) + "\n"


def executor(facts: SuiteFacts, environ: Mapping[str, str]) -> dict[str, Any]:
    """``executor.json``: who ran the suite, with a link to the CI run when there is one."""
    run_url = ci_run_url(environ)
    if run_url:
        return {
            "name": "GitHub Actions",
            "type": "github",
            "url": environ["GITHUB_SERVER_URL"],
            "buildOrder": int(number) if (number := environ.get("GITHUB_RUN_NUMBER", "")).isdigit() else 0,
            "buildName": f"{environ['GITHUB_REPOSITORY']} run {environ['GITHUB_RUN_ID']}",
            "buildUrl": run_url,
            "reportName": f"rolecheck {facts.suite_version}",
        }
    return {
        "name": "local run" if not environ.get("CI") else "CI",
        "type": "local",
        "buildName": f"rolecheck {facts.suite_version} on {platform.node() or 'unknown host'}",
        "reportName": f"rolecheck {facts.suite_version}",
    }
