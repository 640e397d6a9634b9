"""The report's plumbing without a suite run: configuration, environment facts, rendering without Node.js."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from report_support import REPO

from rolecheck.plugin.reporting import story_of
from rolecheck.report import __main__ as report_main
from rolecheck.report import rendering as render_module
from rolecheck.report.environment import (
    MUTANT_KEY,
    RunFacts,
    SuiteFacts,
    TargetFacts,
    ci_run_url,
    environment_properties,
    executor,
)

GITHUB = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/rolecheck",
          "GITHUB_RUN_ID": "42", "GITHUB_RUN_NUMBER": "7"}
FACTS = SuiteFacts(suite_version="v1.0-3-gabc1234", engine_version="rolecheck.engine 0.1.0",
                   python_version="CPython 3.11.7", libraries={"boto3": "1.0", "moto": "5.2.5"})
TARGET = TargetFacts(name="moto", region="eu-west-1", account_id="123456789012", endpoint_url=None)


def _allurerc() -> dict:
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed: allurerc.mjs cannot be loaded")
    script = "import(process.argv[1]).then((m) => process.stdout.write(JSON.stringify(m.default)))"
    done = subprocess.run(["node", "-e", script, (REPO / "allurerc.mjs").as_uri()], capture_output=True,
                          text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def test_allurerc_and_categories_json_name_the_same_categories_in_the_same_order() -> None:
    rules = _allurerc()["categories"]["rules"]
    legacy = json.loads((REPO / "src" / "rolecheck" / "report" / "categories.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in rules] == [c["name"] for c in legacy] == [
        "Could not be established", "Compliance violation", "Engine drift", "Target or credentials problem",
        "Suite defect"]
    for rule, category in zip(rules, legacy, strict=True):
        assert rule["matchers"]["statuses"] == category["matchedStatuses"], rule["name"]
        if "message" in rule["matchers"]:
            assert rule["matchers"]["message"] in category["messageRegex"], rule["name"]


def test_allurerc_renders_one_file_with_history() -> None:
    config = _allurerc()
    assert config["plugins"]["awesome"]["options"]["singleFile"] is True
    assert config["output"] == "reports/allure-report"
    assert config["historyPath"] == "reports/history.jsonl"


def test_ci_run_link_only_with_all_three_github_variables() -> None:
    assert ci_run_url(GITHUB) == "https://github.com/acme/rolecheck/actions/runs/42"
    assert ci_run_url({k: v for k, v in GITHUB.items() if k != "GITHUB_RUN_ID"}) is None


def test_environment_properties_escape_keys_and_carry_the_run_link() -> None:
    lines = environment_properties(TARGET, FACTS, GITHUB).splitlines()
    assert "Target=moto" in lines
    assert r"Account\ id=123456789012" in lines
    assert r"Suite\ version=v1.0-3-gabc1234" in lines
    assert r"CI\ run=https://github.com/acme/rolecheck/actions/runs/42" in lines
    assert "moto=5.2.5" in lines


def test_environment_says_when_the_account_is_unknown() -> None:
    unstarted = TargetFacts(name="moto", region="us-east-1", account_id=None, endpoint_url=None)
    assert r"Account\ id=unknown (the target did not start)" in environment_properties(unstarted, FACTS, {})


def test_executor_links_the_ci_run_or_names_the_local_run() -> None:
    on_ci = executor(FACTS, GITHUB)
    assert on_ci["buildUrl"] == "https://github.com/acme/rolecheck/actions/runs/42"
    assert on_ci["buildOrder"] == 7
    local = executor(FACTS, {})
    assert local["type"] == "local" and "buildUrl" not in local


def test_story_is_the_outline_name_before_its_examples_fill_it_in() -> None:
    template = SimpleNamespace(name="The role cannot <activity>", line_number=46)
    feature = SimpleNamespace(scenarios={"The role cannot <activity>": template})
    row = SimpleNamespace(name="The role cannot create a bucket", line_number=46)
    assert story_of(feature, row) == "The role cannot <activity>"
    assert story_of(feature, SimpleNamespace(name="elsewhere", line_number=3)) == "elsewhere"


def test_without_node_render_says_in_one_line_how_to_render(monkeypatch: pytest.MonkeyPatch,
                                                            tmp_path: Path) -> None:
    monkeypatch.setattr(render_module.shutil, "which", lambda _name: None)
    outcome = render_module.render(tmp_path / "results", tmp_path / "report", root=REPO)
    assert not outcome.ok
    assert "\n" not in outcome.message
    assert "Node.js not found" in outcome.message and "npx allure generate" in outcome.message


def test_without_node_the_module_entry_point_exits_zero(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(render_module.shutil, "which", lambda _name: None)
    assert report_main.main([str(tmp_path / "results"), "-o", str(tmp_path / "report")]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == 1
    assert "npx allure generate" in printed[0]


def test_missing_node_modules_without_install_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed")
    (tmp_path / "allurerc.mjs").write_text("export default {};\n", encoding="utf-8")
    outcome = render_module.render(tmp_path / "results", tmp_path / "report", root=tmp_path, install=False)
    assert not outcome.ok
    assert outcome.message.startswith("node_modules is missing.") and "\n" not in outcome.message


def test_harden_drops_analytics_and_declares_the_data_table_before_the_application(tmp_path: Path) -> None:
    report = tmp_path / "index.html"
    report.write_text(
        "<body><script>\n      window.allure = window.allure || {};\n    </script>\n"
        '<script src="data:text/javascript;base64,QQ=="></script>\n'
        '    <script async src="https://www.googletagmanager.com/gtag/js?id=G-X"></script>\n'
        "    <script>\n        window.dataLayer = window.dataLayer || [];\n        gtag('js', new Date());\n"
        "    </script>\n    <script async>\n      window.allureReportDataReady = false;\n    </script></body>",
        encoding="utf-8")
    render_module.harden(report)
    html = report.read_text(encoding="utf-8")
    assert "googletagmanager" not in html and "dataLayer" not in html
    assert html.index("window.allureReportData = ") < html.index('src="data:text/javascript')


def test_a_failing_generate_is_an_error(tmp_path: Path) -> None:
    if shutil.which("node") is None or not (REPO / "node_modules" / "allure" / "package.json").is_file():
        pytest.skip("Node.js with the project's npm packages is not available")
    with pytest.raises(render_module.RenderError, match="no Allure results"):
        render_module.render(tmp_path / "absent", tmp_path / "report", root=REPO)


def test_the_environment_names_the_run_id_and_keeps_what_a_ci_job_wrote() -> None:
    run = RunFacts(run_id="gh42", earlier={"commit": "abc1234", "Target": "aws", "account": "111122223333"})

    lines = environment_properties(TARGET, FACTS, {}, run).splitlines()

    assert lines[:3] == ["commit=abc1234", "Target=aws", "account=111122223333"]
    assert r"Run\ id=gh42" in lines
    assert r"Target\ (measured\ by\ the\ suite)=moto" in lines


def test_a_mutant_run_says_so_first_and_in_the_report_title(tmp_path: Path) -> None:
    run = RunFacts(run_id="r1", mutant="policy-detached: The reviewed policy is detached from the role.")

    lines = environment_properties(TARGET, FACTS, {}, run).splitlines()

    assert lines[0].startswith(r"Mutant\ (deliberately\ misconfigured,\ not\ an\ audit)=policy-detached: ")
    assert executor(FACTS, {}, run)["reportName"].endswith(
        "(MUTANT policy-detached: deliberately misconfigured, not an audit)")
    (tmp_path / "environment.properties").write_text("\n".join(lines))
    suffix = render_module.title_suffix(tmp_path)
    assert suffix == " (MUTANT policy-detached: deliberately misconfigured, not an audit)"
    derived = render_module._config_for(REPO, None, tmp_path, suffix).read_text()
    assert 'name: base.name + " (MUTANT policy-detached' in derived
    assert render_module.title_suffix(tmp_path / "nothing") == "" and MUTANT_KEY not in executor(FACTS, {})


def test_without_node_the_previous_report_does_not_stay_beside_new_results(monkeypatch: pytest.MonkeyPatch,
                                                                           tmp_path: Path) -> None:
    monkeypatch.setattr(render_module.shutil, "which", lambda _name: None)
    previous = tmp_path / "report" / "index.html"
    previous.parent.mkdir()
    previous.write_text("<html>an earlier run</html>")

    outcome = render_module.render(tmp_path / "results", tmp_path / "report", root=REPO)

    assert not previous.exists()
    assert "\n" not in outcome.message and "described an earlier run and was removed" in outcome.message


def test_a_suite_run_writes_its_run_id_and_mutant_beside_the_ci_jobs_entries(tmp_path: Path) -> None:
    results = tmp_path / "results"
    ci_entries = tmp_path / "ci.properties"
    ci_entries.write_text("commit=abc1234\nmatrix\\ row=aws eu-west-1\n")

    run = _suite(results, "--mutant", "policy-detached", f"--rolecheck-environment={ci_entries}",
                 run_id="envtest1")

    assert run.returncode == 1, run.stdout + run.stderr
    written = (results / "environment.properties").read_text().splitlines()
    assert written[:2] == ["commit=abc1234", r"matrix\ row=aws eu-west-1"]
    assert r"Run\ id=envtest1" in written
    assert written[2].startswith(r"Mutant\ (deliberately\ misconfigured,\ not\ an\ audit)=policy-detached")


def test_a_run_in_a_folder_an_earlier_run_used_describes_only_itself(tmp_path: Path) -> None:
    """Without --clean-alluredir too: the earlier run's results and environment (a mutant's) are gone."""
    results = tmp_path / "results"
    results.mkdir()
    (results / "environment.properties").write_text(
        "Mutant\\ (deliberately\\ misconfigured,\\ not\\ an\\ audit)=policy-detached: x\nRun\\ id=old1\n")
    (results / "0000-result.json").write_text('{"name": "an earlier run\'s scenario", "status": "failed"}')

    run = _suite(results, run_id="fresh1", clean=False)

    assert run.returncode == 0, run.stdout + run.stderr
    assert f"rolecheck: {results} held the results of an earlier run; emptied it" in run.stderr
    written = (results / "environment.properties").read_text()
    assert r"Run\ id=fresh1" in written and "old1" not in written and "Mutant" not in written
    assert not (results / "0000-result.json").exists()
    assert render_module.title_suffix(results) == ""


def _suite(results: Path, *args: str, run_id: str, clean: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "ROLECHECK_", "AWS_"))}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--alluredir={results}",
                           *(["--clean-alluredir"] if clean else []), *args, "features/walkthrough.feature"],
                          cwd=REPO, env={**env, "ROLECHECK_RUN_ID": run_id}, capture_output=True, text=True,
                          timeout=120, check=False)


def test_cucumber_json_says_which_step_failed_and_why_and_skips_the_rest() -> None:
    from rolecheck.report.cucumber import tidy

    dump = ('request = <FixtureRequest>\n\n    def _(deployment):\n>       walkthrough.check(...)\n\n'
            "E   rolecheck.errors.ComplianceViolation: Compliance violation: cannot list\nE   second line\n\n"
            "src/rolecheck/steps/session_steps.py:30: ComplianceViolation")
    steps = [{"result": {"status": "passed"}}, {"result": {"status": "failed", "error_message": dump}},
             {"result": {"status": "failed", "error_message": ""}}, {"result": {"status": "failed"}}]

    [feature] = tidy([{"elements": [{"steps": steps}]}])

    assert [step["result"]["status"] for step in feature["elements"][0]["steps"]] == [
        "passed", "failed", "skipped", "skipped"]
    assert steps[1]["result"]["error_message"] == (
        "rolecheck.errors.ComplianceViolation: Compliance violation: cannot list\nsecond line")
    assert "error_message" not in steps[2]["result"]


def test_alluredir_with_a_space_is_noticed_in_one_line(tmp_path: Path) -> None:
    """``--alluredir DIR`` makes pytest look for its configuration from DIR: it would run without pytest.ini and
    collect the project's own tests. ``--alluredir=DIR`` is the right spelling and runs the suite."""
    outside = tmp_path / "results"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "ROLECHECK_", "AWS_"))}
    for spelling, status in (["--alluredir", str(outside)], 4), ([f"--alluredir={outside}"], 0):
        run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *spelling, "--collect-only",
                              "-q"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert run.returncode == status, run.stdout[-2000:] + run.stderr[-2000:]
        errors = [line for line in (run.stdout + run.stderr).splitlines() if line.startswith("ERROR")]
        # pytest's rootdir is then the common ancestor of DIR and the checkout (``/tmp`` when both are under it)
        assert len(errors) == (1 if status else 0), errors
        assert all(re.fullmatch(rf"ERROR: rolecheck: pytest started without {re.escape(str(REPO / 'pytest.ini'))} "
                                r"\(rootdir /[^)]*\): a path after an option, as in --alluredir DIR, is read as a "
                                r"test path when the configuration is looked for; write --alluredir=DIR", line)
                   for line in errors), errors
