"""Installed from a wheel, outside this checkout, rolecheck is a tool like any other in its field.

A wheel built from the checkout goes into a fresh virtualenv in an empty directory; ``rolecheck init`` writes a
project there and ``pytest`` in it passes the walkthrough example. The fresh venv borrows the dependencies of the
venv running this test (one ``.pth`` line to its site-packages, which Python reads as a plain path: the editable
install's own ``.pth`` there is not processed), so nothing is downloaded and only the wheel's rolecheck is imported.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _run(command: list[str | Path], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True,
                          check=False, timeout=600)
    assert done.returncode == 0, f"{command}: {done.stdout}{done.stderr}"
    return done


@pytest.fixture
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The fresh venv's bin directory, and an environment that imports nothing from the checkout."""
    base = tmp_path_factory.mktemp("installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "ROLECHECK_", "AWS_"))
           and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    # Built from a copy of what the wheel is made of: setuptools builds in the source tree, and a build/ left in
    # the checkout would both litter it and put stale modules into later wheels.
    source = base / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    wheels = base / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", wheels, source], base, env)
    venv = base / "fresh"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], base, env)
    python = venv / "bin" / "python"
    purelib = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], base, env)
                   .stdout.strip())
    # The dependencies: those of the venv running this test (the dev venv: /work/main/.venv, or CI's .venv).
    (purelib / "zz-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index",
          *wheels.glob("rolecheck-*.whl")], base, env)
    return venv / "bin", env


def test_init_then_pytest_passes_the_walkthrough(installed: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    # One test, so that under xdist the wheel is built and installed once.
    bin_dir, env = installed
    where = _run([bin_dir / "python", "-c", "import rolecheck.plugin; print(rolecheck.plugin.__file__)"], tmp_path,
                 env).stdout.strip()
    assert Path(where).is_relative_to(bin_dir.parent) and not Path(where).is_relative_to(REPO), where
    empty = tmp_path / "empty"
    empty.mkdir()
    _run([bin_dir / "rolecheck", "init", "contracts"], empty, env)
    project = empty / "contracts"
    assert (project / ".github" / "workflows" / "rolecheck.yml").is_file()  # package data, dotted name and all
    run = _run([bin_dir / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider"], project, env)
    summary = run.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ passed in [\d.]+s", summary) and "API calls" in run.stdout, run.stdout
