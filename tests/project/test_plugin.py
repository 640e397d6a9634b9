"""The installed plugin makes any folder of feature files a suite, outside this checkout: no conftest, no ini.

pytest loads rolecheck through its ``pytest11`` entry point (pyproject.toml); the project below holds only a
``features/`` folder, as a user's repository would.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "my-contracts"
    (project / "features" / "s3").mkdir(parents=True)
    shutil.copy(REPO / "features" / "walkthrough.feature", project / "features" / "s3" / "access.feature")
    return project


def _pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args], cwd=project,
                          capture_output=True, text=True, check=False, timeout=300)


def test_a_folder_of_features_outside_the_checkout_runs_on_moto(tmp_path: Path) -> None:
    project = _project(tmp_path)
    assert not (project / "conftest.py").exists() and not (project / "pytest.ini").exists()
    run = _pytest(project, "--target", "moto")
    output = run.stdout + run.stderr
    assert run.returncode == pytest.ExitCode.OK, output
    assert "1 passed" in output and "API calls" in output, output


def test_the_checks_before_deploying_read_the_collected_features(tmp_path: Path) -> None:
    # An unknown tag in the project's own feature, not in the checkout's: refused in one line, nothing deployed.
    project = _project(tmp_path)
    feature = project / "features" / "s3" / "access.feature"
    feature.write_text(feature.read_text().replace("@concern:walkthrough", "@concern:walktrough", 1))
    run = _pytest(project, "features/s3/access.feature")
    output = run.stdout + run.stderr
    assert run.returncode == pytest.ExitCode.USAGE_ERROR, output
    lines = [line for line in output.splitlines() if "rolecheck:" in line]
    assert len(lines) == 1 and "s3/access.feature, line 1" in lines[0] and "walktrough" in lines[0], output
    assert "API calls" not in output


def test_a_name_never_introduced_is_refused_at_collection(tmp_path: Path) -> None:
    project = tmp_path / "my-contracts"
    (project / "features").mkdir(parents=True)
    (project / "features" / "queue.feature").write_text(
        "Feature: the queue\n  Scenario: the role reads the queue\n"
        "    Given an administrator who is not the account root user is signed in\n"
        '    And an SQS queue "jobs"\n'
        '    Then the role "worker" can perform "sqs:ReceiveMessage" on the queue "jobs"\n')
    run = _pytest(project)
    output = run.stdout + run.stderr
    assert run.returncode == pytest.ExitCode.USAGE_ERROR, output
    lines = [line for line in output.splitlines() if "rolecheck:" in line]
    assert len(lines) == 1 and 'queue.feature, line 5: role "worker" is not introduced' in lines[0], output
    assert "API calls" not in output
