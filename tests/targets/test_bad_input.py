"""Bad input in the feature files or on the command line: one ``ERROR: rolecheck:`` line, exit 4, nothing deployed.

Each case runs the compliance suite in a subprocess, on a copy of the feature files with one mistake in it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from target_helpers import REPO, clean_env, one_line_error, run_pytest

USAGE_ERROR = 4


def suite_copy(tmp_path: Path, feature: str, old: str, new: str) -> Path:
    """The suite with ``old`` replaced by ``new`` (once) in ``features/<feature>``; code and config are the repo's."""
    for name in ("reports",):
        (tmp_path / name).symlink_to(REPO / name)
    (tmp_path / "pytest.ini").write_text((REPO / "pytest.ini").read_text())
    (tmp_path / "features").mkdir()
    for path in (REPO / "features").glob("*.feature"):
        text = path.read_text()
        if path.name == feature:
            assert old in text, f"{old!r} is not in {feature}"
            text = text.replace(old, new, 1)
        (tmp_path / "features" / path.name).write_text(text)
    return tmp_path


def _line_of(feature: str, text: str) -> int:
    lines = (REPO / "features" / feature).read_text().splitlines()
    return next(number for number, line in enumerate(lines, start=1) if text in line)


def _refused(run: object) -> str:
    output = run.stdout + run.stderr  # type: ignore[attr-defined]
    assert run.returncode == USAGE_ERROR, output  # type: ignore[attr-defined]
    assert "_pytest.outcomes.Exit" not in output and "INTERNALERROR" not in output, output
    assert "API calls" not in output, "something ran before the refusal:\n" + output
    [line] = one_line_error(output)
    return line


def test_an_unknown_condition_operator_is_one_line(tmp_path: Path) -> None:
    cwd = suite_copy(tmp_path, "trust_boundary.feature", '"Action": "sts:AssumeRole"',
                     '"Action": "sts:AssumeRole", "Condition": {"StringEqualzIgnoreCase": {"aws:username": "x"}}')

    line = _refused(run_pytest(cwd=cwd, env=clean_env()))

    assert line.startswith("ERROR: rolecheck: malformed policy document: trust_boundary.feature, line "), line
    assert "StringEqualzIgnoreCase" in line


def test_a_malformed_document_is_the_same_error_line_as_the_rest(tmp_path: Path) -> None:
    cwd = suite_copy(tmp_path, "walkthrough.feature", '"Sid": "ListAllBucketsOnly",', '"Sid": "ListAllBucketsOnly"')

    line = _refused(run_pytest(cwd=cwd, env=clean_env()))

    assert re.match(r"ERROR: rolecheck: malformed policy document: walkthrough\.feature, line \d+ .*: invalid JSON",
                    line), line


def test_an_unknown_tag_names_its_file_and_line(tmp_path: Path) -> None:
    cwd = suite_copy(tmp_path, "walkthrough.feature", "@concern:walkthrough", "@concrn:walkthrough")

    line = _refused(run_pytest(cwd=cwd, env=clean_env()))

    assert line == ("ERROR: rolecheck: features/walkthrough.feature, line 1: unknown tag @concrn:walkthrough: tags "
                    "with a colon must be concern:, severity: or control:")


def test_a_misspelled_step_is_found_before_anything_is_deployed(tmp_path: Path) -> None:
    line_number = _line_of("least_privilege.feature", 'Then the role can perform "s3:ListAllMyBuckets"')
    cwd = suite_copy(tmp_path, "least_privilege.feature", 'Then the role can perform "s3:ListAllMyBuckets"',
                     'Then the role can perfrom "s3:ListAllMyBuckets"')

    line = _refused(run_pytest(cwd=cwd, env=clean_env()))

    assert line == (f"ERROR: rolecheck: features/least_privilege.feature, line {line_number}: no step definition "
                    'matches "Then the role can perfrom "s3:ListAllMyBuckets"" (closest then step: '
                    '"the role can perform "{action}"")')


def test_an_unknown_placeholder_in_a_step_is_found_before_anything_is_deployed(tmp_path: Path) -> None:
    cwd = suite_copy(tmp_path, "temporary_credentials.feature", "{{account_id}}:assumed-role",
                     "{{acount_id}}:assumed-role")

    line = _refused(run_pytest(cwd=cwd, env=clean_env()))

    assert re.match(r"ERROR: rolecheck: features/temporary_credentials\.feature, line \d+: unknown placeholder\(s\) "
                    r"\{\{acount_id\}\} in \"Then the role's caller identity is", line), line


def test_free_form_tags_are_markers_too(tmp_path: Path) -> None:
    cwd = suite_copy(tmp_path, "walkthrough.feature", "  Scenario: An IAM user lists",
                     "  @smoke\n  Scenario: An IAM user lists")

    run = run_pytest("-m", "smoke", cwd=cwd, env=clean_env())

    assert run.returncode == 0, run.stdout + run.stderr
    assert re.search(r"\b1 passed, \d+ deselected", run.stdout), run.stdout


@pytest.mark.parametrize(("args", "selected"), [
    (["-m", "control:NIST-AC-6"], 28),
    (["-m", "control:CIS-1.15"], 1),
    (["-m", "concern:trust-boundary and severity:critical"], 8),
    (["-k", "trust"], 8),
    (["-k", "expired"], 1),
    (["features/walkthrough.feature"], 1),
    (["features/trust_boundary.feature", "features/least_privilege.feature"], 24),
], ids=lambda value: " ".join(value) if isinstance(value, list) else str(value))
def test_pytest_selects_scenarios_by_tag_name_and_path(args: list[str], selected: int) -> None:
    run = run_pytest("--collect-only", *args, env=clean_env())

    assert run.returncode == 0, run.stdout + run.stderr
    assert re.search(rf"^{selected}(/\d+)? tests? collected", run.stdout, re.M), run.stdout


def test_a_marker_no_feature_carries_is_one_line() -> None:
    line = _refused(run_pytest("-m", "control:NIST-AC-66", env=clean_env()))

    assert line.startswith("ERROR: rolecheck: no feature file carries the tag(s) in -m: control:NIST-AC-66; tags in "
                           "use: concern:least-privilege, ")


def test_a_compliance_violation_prints_its_message_not_a_traceback() -> None:
    run = run_pytest("--mutant", "policy-grants-passrole", "-k", "PassRole", env=clean_env())
    output = run.stdout + run.stderr

    assert run.returncode == 1, output
    assert "Compliance violation: the role session can perform iam:PassRole" in output
    for traceback_mark in ("Traceback", ".py:", "def _(", "_ _ _ _", "\nE   "):
        assert traceback_mark not in output, output


@pytest.mark.parametrize(("text", "message"), [
    ("", "empty.feature: no Feature: line"),
    ('Feature: x\n  Given an IAM user "iam-test-user"\n  Scenario: s\n    Then the user holds temporary credentials '
     "for the role\n", "empty.feature, line 2: the step \"Given an IAM user"),
], ids=["empty", "step-outside-a-scenario"])
def test_a_feature_file_pytest_bdd_cannot_read_is_one_line(tmp_path: Path, text: str, message: str) -> None:
    """pytest-bdd's own answers: a KeyError traceback and exit 2 (empty), a Given silently dropped (outside)."""
    cwd = suite_copy(tmp_path, "walkthrough.feature", "Feature:", "Feature:")
    (cwd / "features" / "empty.feature").write_text(text)

    line = _refused(run_pytest(cwd=cwd, env=clean_env()))

    assert line.startswith(f"ERROR: rolecheck: {message}"), line


def test_a_duplicate_key_in_a_feature_document_is_one_line(tmp_path: Path) -> None:
    cwd = suite_copy(tmp_path, "walkthrough.feature", '"Sid": "ListAllBucketsOnly",',
                     '"Sid": "ListAllBucketsOnly", "Effect": "Deny",')

    line = _refused(run_pytest(cwd=cwd, env=clean_env()))

    assert "duplicate key 'Effect'" in line and line.startswith("ERROR: rolecheck: malformed policy document"), line
