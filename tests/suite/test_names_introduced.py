"""A logical name a step refers to must have been introduced by a Given of its scenario, as the kind it names."""

from __future__ import annotations

from pathlib import Path

import pytest

from rolecheck.errors import FeatureFileError
from rolecheck.suite import features, preflight

REPO = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, *steps: str, background: tuple[str, ...] = ()) -> Path:
    lines = ["Feature: f"]
    if background:
        lines += ["  Background:", *(f"    Given {step}" for step in background)]
    lines += ["  Scenario: s", *(f"    {'Given' if n == 0 else 'And'} {step}" for n, step in enumerate(steps))]
    path = tmp_path / "f.feature"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_walkthrough_and_the_example_contracts_introduce_every_name_they_use() -> None:
    assert preflight.check_names_introduced(REPO / "features") == 0  # "the role", "that user": no names at all
    assert preflight.check_names_introduced(REPO / "examples" / "contracts") > 50


def test_a_name_introduced_in_the_background_may_be_used(tmp_path: Path) -> None:
    path = _write(tmp_path, 'the policy "p" is attached to the role "r"',
                  background=('a role "r" whose trust policy names only that user:',
                              'a customer-managed policy "p" that allows only listing buckets:'))
    assert preflight.check_names_introduced(path) == 2


def test_a_name_never_introduced_is_one_line_naming_the_step(tmp_path: Path) -> None:
    path = _write(tmp_path, 'an SQS queue "jobs"', 'the role "r" can perform "sqs:SendMessage" on the queue "jobs"')
    with pytest.raises(FeatureFileError) as failure:
        preflight.check_names_introduced(path)
    assert str(failure.value) == ('f.feature, line 4: role "r" is not introduced before "the role "r" can perform '
                                  '"sqs:SendMessage" on the queue "jobs"" in its scenario (introduced: queue "jobs")')


def test_a_name_introduced_only_after_its_use_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, 'a token from "github" for the subject "s" can assume the role "r"',
                  'an OIDC provider "github" for "https://token.actions.githubusercontent.com" with the audience "a"')
    with pytest.raises(FeatureFileError, match=r'^f\.feature, line 3: provider "github" is not introduced'):
        preflight.check_names_introduced(path)


def test_a_name_of_another_kind_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, 'an S3 bucket "jobs"', 'a role "r" whose trust policy names only that user:',
                  'the role "r" cannot perform "sqs:DeleteQueue" on the queue "jobs"')
    with pytest.raises(FeatureFileError, match=r'"jobs" is the S3 bucket introduced earlier, not a queue$'):
        preflight.check_names_introduced(path)


def test_introductions_by_kind_phrase() -> None:
    found = features.introduction('an inline policy "assume" of the role "jump" that allows only assuming the role "t"')
    assert found is not None and (found.kind.name, found.logical, found.owner) == ("inline-policy", "assume", "jump")
    assert features.introduction('the AWS-managed policy "ReadOnlyAccess"').kind.name == "aws-policy"
    assert features.introduction('a DynamoDB table "orders"').kind.name == "table"
    assert features.introduction('the role "r" can perform "s3:GetObject"') is None
    assert features.references('a token from "<provider>" for the subject "s" cannot assume the role "r"') == [
        ("role", "r")]
