"""A --mutant run cannot overwrite the suite's report: its report files under reports/ go to reports/mutants/<name>/."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from rolecheck.plugin import mutation


def _config(root: Path, **options: str | None) -> SimpleNamespace:
    option = SimpleNamespace(**{"allure_report_dir": None, "xmlpath": None, "cucumber_json_path": None, **options})
    return SimpleNamespace(rootpath=root, invocation_params=SimpleNamespace(dir=root), option=option,
                           getoption=lambda name: "policy-detached" if name == "mutant" else None)


def test_the_suites_report_files_go_to_the_mutants_folder_with_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, allure_report_dir="reports/allure-results", xmlpath=str(tmp_path / "reports/junit.xml"))
    mutation._away_from_the_suites_reports(config)
    mutants = tmp_path / "reports" / "mutants" / "policy-detached"
    assert config.option.allure_report_dir == str(mutants / "allure-results")
    assert config.option.xmlpath == str(mutants / "junit.xml")
    assert capsys.readouterr().err == (f"rolecheck: a --mutant run never writes the suite's report: --alluredir "
                                       f"{mutants / 'allure-results'}; --junitxml {mutants / 'junit.xml'}\n")


def test_folders_elsewhere_or_already_the_mutants_are_kept(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    elsewhere = str(tmp_path.parent / "mine")
    own = "reports/mutants/policy-detached/allure-results"
    for value in (elsewhere, own):
        config = _config(tmp_path, allure_report_dir=value)
        mutation._away_from_the_suites_reports(config)
        assert config.option.allure_report_dir == value
    assert capsys.readouterr().err == ""
