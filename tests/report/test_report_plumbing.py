"""The report's plumbing without a suite run: configuration, environment facts, rendering without Node.js."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from report_support import REPO

from fixtures.reporting import story_of
from rolecheck.report import __main__ as report_main
from rolecheck.report import rendering as render_module
from rolecheck.report.environment import (
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
    legacy = json.loads((REPO / "reports" / "categories.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in rules] == [c["name"] for c in legacy] == [
        "Compliance violation", "Engine drift", "Target or credentials problem", "Suite defect"]
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
