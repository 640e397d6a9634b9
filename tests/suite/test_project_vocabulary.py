"""A project's own activities (rolecheck.yaml): each phrase's actions and resources checked against the policy its
Given states; an empty or comments-only file is no vocabulary; a malformed one, or an unknown phrase, is one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from rolecheck.errors import ComplianceViolation, FeatureFileError
from rolecheck.suite import claims, vocabulary

YAML = """\
activities:
  reading the monthly reports:
    - {action: s3:GetObject, resource: "arn:aws:s3:::{{reports.name}}/monthly/*"}
    - {action: s3:ListBucket, resource: "arn:aws:s3:::{{reports.name}}"}
"""
PLACEHOLDERS = {"reports.name": "rc-reports", "reports.arn": "arn:aws:s3:::rc-reports"}


def _document(objects: str) -> dict:
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::rc-reports/{objects}"},
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::rc-reports"}]}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "features").mkdir()
    (tmp_path / "features" / "a.feature").write_text("Feature: a\n  Scenario: s\n    Given x\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_project_activity_passes_on_the_policy_it_names(project: Path) -> None:
    (project / "rolecheck.yaml").write_text(YAML)
    claims.check_document_allows_only(_document("monthly/*"), "reading the monthly reports", "policy p",
                                      "123456789012", PLACEHOLDERS)


def test_a_project_activity_fails_on_a_wider_resource(project: Path) -> None:
    (project / "rolecheck.yaml").write_text(YAML)
    with pytest.raises(ComplianceViolation, match=r"s3:GetObject on arn:aws:s3:::rc-reports/\*"):
        claims.check_document_allows_only(_document("*"), "reading the monthly reports", "policy p",
                                          "123456789012", PLACEHOLDERS)


def test_a_project_activity_fails_on_another_action(project: Path) -> None:
    (project / "rolecheck.yaml").write_text(YAML)
    document = _document("monthly/*")
    document["Statement"].append({"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"})
    with pytest.raises(ComplianceViolation, match="also allows 1 action"):
        claims.check_document_allows_only(document, "reading the monthly reports", "policy p", "123456789012",
                                          PLACEHOLDERS)


def test_an_unknown_phrase_lists_the_projects_own(project: Path) -> None:
    (project / "rolecheck.yaml").write_text(YAML)
    assert vocabulary.activity_actions("reading the yearly reports") is None
    assert "reading the monthly reports" in vocabulary.known_activities()


@pytest.mark.parametrize("text", ["", "# only comments\n"])
def test_an_empty_or_comments_only_file_is_no_vocabulary(project: Path, text: str) -> None:
    (project / "rolecheck.yaml").write_text(text)
    assert vocabulary.project_activities() == {}


@pytest.mark.parametrize("text", ["activities: [1, 2]\n", "activities:\n  reading: []\n",
                                  "activities:\n  reading:\n    - {resource: x}\n", "other: 1\n",
                                  "activities:\n  a: [{action: x}]\n  a: [{action: y}]\n"])
def test_a_malformed_file_is_one_line(project: Path, text: str) -> None:
    (project / "rolecheck.yaml").write_text(text)
    with pytest.raises(FeatureFileError) as caught:
        vocabulary.project_activities()
    assert "\n" not in str(caught.value)
