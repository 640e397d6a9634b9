"""PolicyError and UnsupportedFeature: one clear line naming the policy and the problem.

Grammar: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
"""

from __future__ import annotations

import json
import urllib.parse

import pytest
from engine_cases import ALICE, OBJECT, allow, policy

from rolecheck.engine import Policy, PolicyError, Request, UnsupportedFeature, evaluate

GOOD = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}


def doc(**statement_fields: object) -> dict[str, object]:
    return {"Version": "2012-10-17", "Statement": [statement_fields]}


@pytest.mark.parametrize(
    ("document", "kind", "fragment"),
    [
        ("{not json", "identity", "not valid JSON"),
        ({"Version": "2013-01-01", "Statement": GOOD["Statement"]}, "identity", "Version '2013-01-01'"),
        ({"Version": "2012-10-17"}, "identity", "Statement must be"),
        ({"Version": "2012-10-17", "Statement": []}, "identity", "Statement must be"),
        ({**GOOD, "Extra": 1}, "identity", "unknown top-level element 'Extra'"),
        (doc(Effect="allow", Action="s3:*", Resource="*"), "identity", "Effect must be"),
        (doc(Effect="Allow", Resource="*"), "identity", "needs Action or NotAction"),
        (doc(Effect="Allow", Action="s3:*", NotAction="ec2:*", Resource="*"), "identity", "both Action and NotAction"),
        (doc(Effect="Allow", Action="s3", Resource="*"), "identity", "'service:action'"),
        (doc(Effect="Allow", Action="s3:*"), "identity", "needs Resource or NotResource"),
        (doc(Effect="Allow", Action="s3:*", Resource="bucket"), "identity", "must be an ARN"),
        (doc(Effect="Allow", Action="s3:*", Resource="*", Principal="*"), "identity", "must not have a Principal"),
        (doc(Effect="Allow", Action="s3:*", Resource="*"), "resource", "exactly one of Principal or NotPrincipal"),
        (doc(Effect="Allow", Action="sts:AssumeRole", Resource="*", Principal="*"), "trust",
         "must not have a Resource"),
        (doc(Effect="Allow", Action="sts:AssumeRole", Principal={"Users": "x"}), "trust", "type 'Users'"),
        # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
        (doc(Effect="Deny", Action="sts:AssumeRole", NotPrincipal={"AWS": "arn:aws:iam::111111111111:root"}),
         "trust", "must not use NotPrincipal"),
        (doc(Effect="Allow", Action="s3:*", Resource="*", NotPrincipal={"AWS": "arn:aws:iam::111111111111:root"}),
         "resource", 'NotPrincipal must be used with "Effect": "Deny"'),
        (doc(Effect="Allow", Action="kms:*", Resource="*", NotPrincipal={"AWS": "arn:aws:iam::111111111111:root"}),
         "key", 'NotPrincipal must be used with "Effect": "Deny"'),
        (doc(Effect="Allow", Action="sts:AssumeRole", Principal={"AWS": "bob"}), "trust", "account id or an ARN"),
        (doc(Effect="Allow", Action="s3:*", Resource="*", Sid="X", Foo=1), "identity", "unknown element 'Foo'"),
        (doc(Effect="Allow", Action="s3:*", Resource="*", Condition={"IpAddress": {"aws:SourceIp": "1.2.3.999"}}),
         "identity", "not an IP address"),
        (doc(Effect="Allow", Action="s3:*", Resource="*", Condition={"NumericLessThan": {"s3:max-keys": "ten"}}),
         "identity", "not a number"),
        (doc(Effect="Allow", Action="s3:*", Resource="*", Condition={"Bool": {"aws:SecureTransport": "yes"}}),
         "identity", "not true or false"),
        (doc(Effect="Allow", Action="s3:*", Resource="*", Condition={"DateLessThan": {"aws:CurrentTime": "soon"}}),
         "identity", "not an ISO 8601 date"),
        # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date
        # : epoch values are seconds; a 13-digit (milliseconds) value is out of range, one line, never a ValueError.
        (doc(Effect="Allow", Action="s3:*", Resource="*",
             Condition={"DateLessThan": {"aws:CurrentTime": "1717243200000"}}), "identity", "out of range"),
        (doc(Effect="Allow", Action="s3:*", Resource="*",
             Condition={"DateLessThan": {"aws:CurrentTime": 1717243200000}}), "identity", "out of range"),
        (doc(Effect="Allow", Action="s3:*", Resource="*",
             Condition={"DateLessThan": {"aws:CurrentTime": "2024-13"}}), "identity", "not an ISO 8601 date"),
        (doc(Effect="Allow", Action="s3:*", Resource="*", Condition={"StringEquals": []}), "identity",
         "must map keys to values"),
    ],
)
def test_policy_error_is_one_line_naming_policy(document: object, kind: str, fragment: str) -> None:
    with pytest.raises(PolicyError) as raised:
        Policy.parse("arn:aws:iam::111111111111:policy/Broken", document, kind)  # type: ignore[arg-type]
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("policy arn:aws:iam::111111111111:policy/Broken")
    assert fragment in message


def test_policy_error_names_statement_by_sid() -> None:
    with pytest.raises(PolicyError, match=r'statement "Bad" \(#0\): Effect must be'):
        Policy.parse("P", doc(Sid="Bad", Effect="Maybe", Action="s3:*", Resource="*"))


def test_parse_accepts_json_text_and_url_encoded_json() -> None:
    text = json.dumps(GOOD)
    for source in (text, urllib.parse.quote(text)):
        parsed = Policy.parse("P", source)
        assert parsed.document == GOOD
        assert evaluate(Request(ALICE, "s3:GetObject", OBJECT, identity_policies=[parsed])).allowed


def test_parse_of_same_text_is_cached() -> None:
    text = json.dumps(GOOD)
    assert Policy.parse("P", text) is Policy.parse("P", text)


@pytest.mark.parametrize("operator", ["StringEqualz", "ForSomeValues:StringEquals", "NullIfExists"])
def test_unknown_operator_is_unsupported(operator: str) -> None:
    with pytest.raises(UnsupportedFeature, match="unknown condition") as raised:
        Policy.parse("P", doc(Effect="Allow", Action="s3:*", Resource="*", Condition={operator: {"k": "v"}}))
    assert "\n" not in str(raised.value)


def test_unknown_global_key_missing_from_context_is_unsupported() -> None:
    identity = policy(allow("s3:*", Condition={"StringEquals": {"aws:MadeUpKey": "x"}}))
    request = Request(ALICE, "s3:GetObject", OBJECT, identity_policies=[identity])
    with pytest.raises(UnsupportedFeature, match="aws:MadeUpKey"):
        evaluate(request)
    supplied = Request(ALICE, "s3:GetObject", OBJECT, identity_policies=[identity], context={"aws:MadeUpKey": "x"})
    assert evaluate(supplied).allowed
