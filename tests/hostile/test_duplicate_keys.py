"""A key given twice is refused wherever a user's JSON or YAML is read: readers keep different copies.

Python's json and PyYAML keep the last ``"Effect"`` of ``{"Effect": "Deny", "Effect": "Allow"}`` silently, while a
reviewer reads the first; the audit must not judge a document other than the one deployed. RFC 8259 section 4:
"The names within an object SHOULD be unique" (https://www.rfc-editor.org/rfc/rfc8259#section-4).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rolecheck.audit import mapping
from rolecheck.errors import PolicyDocumentError
from rolecheck.policydoc import decoding, documents

DENY_THEN_ALLOW = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Effect": "Allow", '
                   '"Action": "s3:*", "Resource": "*"}]}')


def test_a_policy_document_with_a_duplicate_key_is_refused() -> None:
    with pytest.raises(PolicyDocumentError, match="duplicate key 'Effect'"):
        documents.parse(DENY_THEN_ALLOW, name="reviewed policy")


@pytest.mark.parametrize(("name", "text"), [
    ("m.yaml", "iam-test-user: alice\niam-test-user: mallory\n"),
    ("m.json", '{"iam-test-user": "alice", "iam-test-user": "mallory"}'),
], ids=["yaml", "json"])
def test_a_mapping_with_a_duplicate_key_is_refused(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(mapping.MappingError, match="duplicate key 'iam-test-user'") as refused:
        mapping.load(path)
    assert "\n" not in str(refused.value)


def test_a_yaml_merge_key_may_still_be_overridden() -> None:
    assert decoding.yaml_value("base: &b {a: 1}\nmore:\n  <<: *b\n  a: 2\n", "m.yaml")["more"] == {"a": 2}


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_that_only_python_accepts_is_refused(constant: str) -> None:
    with pytest.raises(decoding.DecodingError, match="is not JSON"):
        decoding.json_value(f'{{"timeout": {constant}}}', "plan.json")


@pytest.mark.parametrize("data", ["iam-test-user: alice\n".encode("utf-16"), b"iam-test-user: \xff\n"],
                         ids=["utf-16", "latin-1"])
def test_a_mapping_that_is_not_utf8_is_one_line(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "m.yaml"
    path.write_bytes(data)
    with pytest.raises(mapping.MappingError, match="not UTF-8 text"):
        mapping.load(path)
