"""Secrets stay masked, documents fail with one clear line, tags map to Allure marks."""

from __future__ import annotations

import pickle
import string

import pytest

from rolecheck.aws.secrets import MASK, Secret, generate_password, redact
from rolecheck.errors import PolicyDocumentError
from rolecheck.policydoc import documents
from rolecheck.suite import preflight
from rolecheck.suite.tags import UnknownTag, allure_marks


def test_secret_is_masked_everywhere() -> None:
    secret = Secret("hunter2-very-secret")
    for rendering in (repr(secret), str(secret), f"{secret}", f"{secret!r}", f"{[secret]}"):
        assert "hunter2" not in rendering
    assert secret.reveal() == "hunter2-very-secret"
    with pytest.raises(TypeError):
        pickle.dumps(secret)


def test_generated_passwords_have_every_class_and_differ() -> None:
    first, second = generate_password(), generate_password()
    assert first != second
    value = first.reveal()
    assert len(value) == 24
    for cls in (string.ascii_uppercase, string.ascii_lowercase, string.digits):
        assert any(c in cls for c in value)


def test_redact_masks_credential_fields_at_any_depth() -> None:
    answer = {"Credentials": {"AccessKeyId": "ASIA1", "SecretAccessKey": "abc", "SessionToken": "tok"},
              "LoginProfile": [{"Password": "pw"}], "Other": "known-secret"}
    masked = redact(answer, extra_secrets=["known-secret"])
    assert masked == {"Credentials": {"AccessKeyId": "ASIA1", "SecretAccessKey": MASK, "SessionToken": MASK},
                      "LoginProfile": [{"Password": MASK}], "Other": MASK}


def test_redact_masks_federation_tokens() -> None:
    masked = redact({"RoleArn": "arn:aws:iam::1:role/r", "WebIdentityToken": "eyJ.x.y", "SAMLAssertion": "PHNh"})
    assert masked == {"RoleArn": "arn:aws:iam::1:role/r", "WebIdentityToken": MASK, "SAMLAssertion": MASK}


def test_redact_masks_lambda_environment_variables() -> None:
    """The account snapshot lists every Lambda function of the account (ListFunctions), and a function's
    environment variables often hold credentials of their own: the evidence never shows their values."""
    answer = {"Functions": [{"FunctionName": "nightly", "Environment": {"Variables": {"DB_PASSWORD": "hunter2"}}}]}
    masked = redact(answer)
    assert masked == {"Functions": [{"FunctionName": "nightly", "Environment": {"Variables": MASK}}]}
    assert "hunter2" not in repr(masked)


def test_render_fills_placeholders() -> None:
    doc = documents.render('{"Statement": [{"Resource": "arn:aws:iam::{{account_id}}:user/x"}]}',
                           {"account_id": "123"})
    assert doc["Statement"][0]["Resource"] == "arn:aws:iam::123:user/x"


def test_unknown_placeholder_is_one_clear_line() -> None:
    with pytest.raises(PolicyDocumentError, match=r"^trust: unknown placeholder\(s\) acount_id$"):
        documents.render('{"Statement": "{{acount_id}}"}', {"account_id": "1"}, name="trust")


def test_malformed_json_names_the_place() -> None:
    with pytest.raises(PolicyDocumentError) as failure:
        documents.parse('{"Statement": [}', name="policy")
    assert "\n" not in str(failure.value)
    assert "line 1 column 16" in str(failure.value)


def test_tags_become_labels_and_links() -> None:
    assert allure_marks("plain") is None
    marks = allure_marks("control:NIST-AC-6")
    assert [(m.kind, m.name, m.value) for m in marks] == [("label", "control", "NIST-AC-6"), ("link", "nist", "AC-6")]
    assert [m.value for m in allure_marks("severity:critical")] == ["critical"]


@pytest.mark.parametrize("tag", ["severity:urgent", "control:ISO-27001", "concern:nothing", "owner:me"])
def test_unknown_tags_are_refused(tag: str) -> None:
    with pytest.raises(UnknownTag):
        allure_marks(tag)


def test_the_feature_files_documents_are_well_formed() -> None:
    from pathlib import Path

    assert preflight.check_feature_documents(Path(__file__).resolve().parents[2] / "features") >= 10


@pytest.mark.parametrize(("text", "problem"), [
    ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow" "Action": "s3:ListAllMyBuckets"}]}',
     "invalid JSON"),
    ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:x", "Resource": "{{bukket}}"}]}',
     "unknown placeholder"),
    ('{"Version": "2012-10-17", "Statement": [{"Effect": "Permit", "Action": "s3:x", "Resource": "*"}]}',
     "Effect"),
], ids=["json", "placeholder", "grammar"])
def test_a_malformed_feature_document_is_one_line(tmp_path, text: str, problem: str) -> None:
    (tmp_path / "bad.feature").write_text(
        "Feature: f\n  Scenario: s\n    Given a customer-managed policy \"p\" that allows only listing buckets:\n"
        f'      """json\n      {text}\n      """\n')
    with pytest.raises(PolicyDocumentError, match=problem) as failure:
        preflight.check_feature_documents(tmp_path)
    assert "\n" not in str(failure.value) and "bad.feature, line 3" in str(failure.value)


def test_a_profiles_credentials_are_secrets_and_a_missing_profile_is_one_line(tmp_path, monkeypatch) -> None:
    from rolecheck.aws.clients import profile_key
    from rolecheck.errors import TargetError

    credentials = tmp_path / "credentials"
    credentials.write_text("[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = other-secret\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    key = profile_key("other", "another account's administrator")
    assert key.access_key_id == "AKIAOTHER" and key.secret_access_key == Secret("other-secret")
    assert "other-secret" not in repr(key)
    with pytest.raises(TargetError, match=r"^cannot load the audited user's credentials from profile 'nope': "):
        profile_key("nope", "the audited user's")
