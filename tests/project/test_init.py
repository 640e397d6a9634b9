"""``rolecheck init DIR``: the starter project it writes, and its refusal to overwrite anything."""

from __future__ import annotations

import shlex
from pathlib import Path, PurePosixPath

import pytest
import yaml

from rolecheck import cli, init
from rolecheck.errors import EXIT_BAD_INPUT

REPO = Path(__file__).resolve().parents[2]


def test_the_example_features_are_the_walkthrough_byte_for_byte() -> None:
    # The starter project's example is the repository's own walkthrough: edited in one, it must be in the other.
    shipped = {path.name: content for path, content in init.template_files().items() if path.parts[0] == "features"}
    ours = {path.name: path.read_bytes() for path in (REPO / "features").glob("*.feature")}
    assert shipped == ours


def test_init_writes_a_project_and_says_how_to_run_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "contracts"
    assert cli.main(["init", str(project)]) == 0
    written = sorted(str(path.relative_to(project)) for path in project.rglob("*") if path.is_file())
    assert written == [".github/workflows/rolecheck.yml", "README.md", "features/least_privilege.feature",
                       "features/policy_documents.feature", "features/temporary_credentials.feature",
                       "features/trust_boundary.feature", "features/walkthrough.feature", "pytest.ini",
                       "rolecheck.yaml"]
    assert "testpaths = features" in (project / "pytest.ini").read_text()
    assert f"cd {project} && pytest" in capsys.readouterr().out


def test_init_refuses_an_existing_file_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    assert cli.main(["init", str(tmp_path)]) == EXIT_BAD_INPUT
    assert capsys.readouterr().err == f"ERROR: rolecheck: {tmp_path / 'pytest.ini'} exists; nothing written\n"
    assert [path.name for path in tmp_path.iterdir()] == ["pytest.ini"]
    assert (tmp_path / "pytest.ini").read_text() == "[pytest]\n"


def test_init_refuses_a_file_as_its_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "taken").write_text("")
    assert cli.main(["init", str(tmp_path / "taken")]) == EXIT_BAD_INPUT
    assert "is not a directory; nothing written" in capsys.readouterr().err


def test_the_workflow_installs_rolecheck_and_runs_pytest() -> None:
    workflow = yaml.safe_load(init.template_files()[PurePosixPath(".github/workflows/rolecheck.yml")])
    runs = [shlex.split(step["run"]) for job in workflow["jobs"].values() for step in job["steps"] if "run" in step]
    assert ["python", "-m", "pip", "install", "rolecheck"] in runs
    assert any(words[:3] == ["python", "-m", "pytest"] for words in runs)
