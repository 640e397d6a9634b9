"""No secret of a run appears in anything the run or its report leaves behind.

The runs collect every secret they create (access-key secrets, session tokens, console passwords); then every
file is searched for each of them: the Allure results and attachments, JUnit XML (with captured logs), cucumber
JSON, the DEBUG log file, the console output, and the rendered single-file HTML including the attachments it
embeds base64-encoded. A hit names the file and the position, never the secret.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from report_support import SuiteRun

# The single-file report embeds each data file as d("<path>","<base64>").
_EMBEDDED = re.compile(rb'd\("([^"]+)","([A-Za-z0-9+/=]*)"\)')
_MIN_SECRETS_PER_SCENARIO = 4


def _collected(run: SuiteRun) -> tuple[list[str], list[str]]:
    dump = json.loads(run.secret_dump.read_text(encoding="utf-8"))
    return dump["secrets"], dump["access_key_ids"]


def _run_files(run: SuiteRun) -> Iterator[Path]:
    for path in sorted(run.workdir.rglob("*")):
        if path.is_file() and path != run.secret_dump and run.report not in path.parents:
            yield path


def _embedded_files(html: bytes) -> dict[str, bytes]:
    decoded = {}
    for match in _EMBEDDED.finditer(html):
        try:
            decoded[match.group(1).decode()] = base64.b64decode(match.group(2), validate=True)
        except (binascii.Error, ValueError):
            continue
    return decoded


def _hits(name: str, content: bytes, secrets: list[str]) -> list[str]:
    return [f"{name}: secret #{index} at byte {content.find(secret.encode())}"
            for index, secret in enumerate(secrets) if secret.encode() in content]


@pytest.mark.parametrize("run_name", ["baseline", "mutant"])
def test_the_runs_created_secrets_to_look_for(suite_runs: dict[str, SuiteRun], run_name: str) -> None:
    secrets, key_ids = _collected(suite_runs[run_name])
    scenarios = len(suite_runs[run_name].result_files())
    assert scenarios > 0
    # Every scenario at least creates a user's key, a role session (secret and token) and a console password.
    assert len(secrets) >= _MIN_SECRETS_PER_SCENARIO, f"only {len(secrets)} secrets collected"
    assert key_ids, "no actor signed in"


@pytest.mark.parametrize("run_name", ["baseline", "mutant"])
def test_no_secret_in_results_junit_cucumber_or_logs(suite_runs: dict[str, SuiteRun], run_name: str) -> None:
    run = suite_runs[run_name]
    secrets, key_ids = _collected(run)
    files = list(_run_files(run))
    names = {p.name for p in files}
    assert {"junit.xml", "cucumber.json", "run.log"} <= names, f"the run wrote only {sorted(names)}"
    assert any(p.name.endswith("-attachment.json") for p in files), "the run attached no evidence"
    hits = _hits("console output", run.output.encode(), secrets)
    searched = run.output.encode()
    for path in files:
        content = path.read_bytes()
        searched += content
        hits += _hits(str(path.relative_to(run.workdir)), content, secrets)
    assert not hits, "secrets found:\n" + "\n".join(hits)
    # The search did read the evidence: the (non-secret) access key ids the actors used are in it.
    assert any(key_id.encode() in searched for key_id in key_ids)


@pytest.mark.parametrize("run_name", ["baseline", "mutant"])
def test_no_secret_in_the_rendered_report(suite_runs: dict[str, SuiteRun], rendered: dict[str, Path],
                                          run_name: str) -> None:
    run = suite_runs[run_name]
    secrets, key_ids = _collected(run)
    html = rendered[run_name].read_bytes()
    embedded = _embedded_files(html)
    assert any(name.startswith("data/attachments/") for name in embedded), "no embedded attachments were decoded"
    hits = _hits("index.html", html, secrets)
    for name, content in embedded.items():
        hits += _hits(f"index.html embedded {name}", content, secrets)
    assert not hits, "secrets found:\n" + "\n".join(hits)
    assert any(key_id.encode() in content for content in embedded.values() for key_id in key_ids)
