"""The reviewed documents are one document, whichever feature shows it; the Given steps' words hold for it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rolecheck.errors import ComplianceViolation, PolicyDocumentError
from rolecheck.policydoc import documents
from rolecheck.suite import claims, preflight

REPO = Path(__file__).resolve().parents[2]
FEATURES = REPO / "features"
USER = "arn:aws:iam::123456789012:user/rolecheck-user"


def _feature(name: str, document: str, logical: str = "p") -> str:
    return (f"Feature: {name}\n  Scenario: s\n"
            f'    Given a customer-managed policy "{logical}" that allows only listing buckets:\n'
            f'      """json\n      {document}\n      """\n')


_DOCUMENT = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ACTION", "Resource": "*"}]}'
LISTING = _DOCUMENT.replace("ACTION", "s3:ListAllMyBuckets")
WIDENED = _DOCUMENT.replace("ACTION", "s3:List*")


def test_the_features_carry_one_copy_of_each_reviewed_document() -> None:
    assert preflight.check_reviewed_documents_agree(FEATURES) == 2


def test_a_copy_widened_in_one_feature_is_one_line_naming_the_features(tmp_path: Path) -> None:
    (tmp_path / "a.feature").write_text(_feature("a", LISTING))
    (tmp_path / "b.feature").write_text(_feature("b", LISTING))
    (tmp_path / "c.feature").write_text(_feature("c", WIDENED))
    with pytest.raises(PolicyDocumentError) as failure:
        preflight.check_reviewed_documents_agree(tmp_path)
    message = str(failure.value)
    assert "\n" not in message
    assert "a.feature (line 3)" in message and "c.feature (line 3)" in message and "b.feature" not in message
    assert 'the reviewed permissions document of the customer-managed policy "p" differs' in message


def test_copies_that_differ_only_in_spelling_agree(tmp_path: Path) -> None:
    (tmp_path / "a.feature").write_text(_feature("a", LISTING))
    (tmp_path / "b.feature").write_text(_feature("b", LISTING.replace(", ", ",\n        ")))
    assert preflight.check_reviewed_documents_agree(tmp_path) == 1


def _role(logical: str, principal: str) -> str:
    document = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "' + principal
                + '"}, "Action": "sts:AssumeRole"}]}')
    return (f'    Given a role "{logical}" whose trust policy names only that user:\n'
            f'      """json\n      {document}\n      """\n')


def test_two_roles_with_different_documents_in_one_folder_are_two_documents(tmp_path: Path) -> None:
    # Issue 19: keyed by the sentence with its names removed, these two were refused as one document differing.
    (tmp_path / "a.feature").write_text(f"Feature: a\n  Scenario: s\n{_role('reader', USER)}")
    (tmp_path / "b.feature").write_text(f"Feature: b\n  Scenario: s\n{_role('writer', USER.replace('user', 'us'))}")
    (tmp_path / "c.feature").write_text(_feature("c", LISTING, logical="p") + _feature("d", WIDENED, logical="q")
                                        .split("\n", 2)[2])
    assert preflight.check_reviewed_documents_agree(tmp_path) == 4


def test_one_role_with_two_trust_documents_is_refused_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "a.feature").write_text(f"Feature: a\n  Scenario: s\n{_role('reader', USER)}")
    (tmp_path / "b.feature").write_text(f"Feature: b\n  Scenario: s\n{_role('reader', USER.replace('user', 'us'))}")
    with pytest.raises(PolicyDocumentError, match=r'^the reviewed trust document of the role "reader" differs '
                                                   r"between features: a\.feature \(line 3\) and b\.feature"):
        preflight.check_reviewed_documents_agree(tmp_path)


def test_the_suite_refuses_disagreeing_features_in_one_line_before_deploying(tmp_path: Path) -> None:
    features = tmp_path / "features"
    shutil.copytree(FEATURES, features)
    walkthrough = features / "walkthrough.feature"
    walkthrough.write_text(walkthrough.read_text().replace('"Action": "s3:ListAllMyBuckets"', '"Action": "s3:List*"'))
    shutil.copy(REPO / "pytest.ini", tmp_path / "pytest.ini")
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"], cwd=tmp_path,
                         capture_output=True, text=True,
                         check=False, timeout=120)
    output = run.stdout + run.stderr
    assert run.returncode == pytest.ExitCode.USAGE_ERROR, output
    lines = [line for line in output.splitlines() if "rolecheck:" in line]
    assert len(lines) == 1 and "differs between features" in lines[0] and "walkthrough.feature" in lines[0], output
    assert "API calls" not in output  # nothing was deployed


# --- "a customer-managed policy ... that allows only listing buckets" ---------------------------------------------

def _policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_the_reviewed_permission_policy_allows_only_listing_buckets() -> None:
    reviewed = documents.render(LISTING, {}, name="reviewed")
    claims.check_document_allows_only(reviewed, "listing buckets", "policy p", "123456789012")


@pytest.mark.parametrize(("document", "finding"), [
    (_policy({"Effect": "Allow", "Action": "s3:List*", "Resource": "*"}), r"also allows \d+ action\(s\): s3:List"),
    (_policy({"Effect": "Allow", "Action": ["s3:ListAllMyBuckets", "s3:GetObject"], "Resource": "*"}),
     "also allows 1 action.*s3:GetObject"),
    (_policy({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}), "does not allow s3:ListAllMyBuckets"),
    (_policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}), "also allows"),
], ids=["pattern", "extra action", "wrong action", "NotAction"])
def test_a_permission_policy_that_contradicts_its_sentence_fails(document: dict, finding: str) -> None:
    with pytest.raises(ComplianceViolation, match=finding):
        claims.check_document_allows_only(document, "listing buckets", "policy p", "123456789012")


def test_an_activity_without_defined_actions_is_one_clear_error() -> None:
    with pytest.raises(KeyError, match=r"known: .*listing buckets, .*reading \"\.\.\.\" in the bucket"):
        claims.activity_actions("reading everything")


def test_a_feature_naming_an_unknown_activity_stops_at_collection(tmp_path: Path) -> None:
    (tmp_path / "a.feature").write_text(_feature("a", LISTING).replace("listing buckets", "reading everything"))
    with pytest.raises(PolicyDocumentError,
                       match=r"a\.feature, line 3 .*'reading everything'; known: .*listing buckets"):
        preflight.check_feature_documents(tmp_path)


# --- "a role ... whose trust policy names only that user" ----------------------------------------------------------

def _trust(*principals: object) -> dict:
    return _policy(*({"Effect": "Allow", "Principal": p, "Action": "sts:AssumeRole"} for p in principals))


def test_a_trust_policy_naming_only_the_user_holds() -> None:
    claims.check_document_names_only(_trust({"AWS": USER}), USER, "trust")


@pytest.mark.parametrize(("document", "finding"), [
    (_trust({"AWS": [USER, "arn:aws:iam::123456789012:root"]}), "besides"),
    (_trust({"AWS": USER}, "*"), "besides"),
    (_trust({"Service": "ec2.amazonaws.com"}), "besides"),
    (_trust({"AWS": "arn:aws:iam::123456789012:user/someone-else"}), "besides"),
    (_policy({"Effect": "Deny", "Principal": {"AWS": USER}, "Action": "sts:AssumeRole"}), "does not"),
], ids=["account root too", "everyone too", "a service instead", "another user instead", "names the user to deny"])
def test_a_trust_policy_that_contradicts_its_sentence_fails(document: dict, finding: str) -> None:
    with pytest.raises(ComplianceViolation, match=finding):
        claims.check_document_names_only(document, USER, "trust")
