"""Account-wide claims: the grants beyond a sentence are found, named in short, and listed as rows."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from rolecheck import claims
from rolecheck.errors import ComplianceViolation

ACCOUNT = "123456789012"
USER = f"arn:aws:iam::{ACCOUNT}:user/u"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/r"


@dataclass(frozen=True)
class Grant:
    """The shape of ``rolecheck.access.Grant`` that the claims read."""

    principal: str
    action: str
    resource: str
    granted_by: str
    statement: str
    path: tuple[str, ...] = ()

    def row(self) -> dict[str, str]:
        return {"principal": self.principal, "action": self.action, "resource": self.resource,
                "granted by": self.granted_by, "statement": self.statement, "path": " -> ".join(self.path)}


LISTING = Grant(ROLE, "s3:ListAllMyBuckets", "*", "arn:aws:iam::123456789012:policy/list", "ListAllBucketsOnly")
READING = Grant(ROLE, "s3:GetObject", "arn:aws:s3:::other/*", "bucket policy of other", "RoleReads")
EXPECTED = [claims.Expected("s3:ListAllMyBuckets", "*")]


def test_exactly_the_expected_access_holds() -> None:
    comparison = claims.compare([LISTING], EXPECTED)
    assert comparison.holds
    claims.check(comparison, "claim")


def test_actions_compare_case_insensitively_and_resources_exactly() -> None:
    assert claims.compare([Grant(ROLE, "S3:listallmybuckets", "*", "p", "s")], EXPECTED).holds
    assert not claims.compare([Grant(ROLE, "s3:ListAllMyBuckets", "arn:aws:s3:::b", "p", "s")], EXPECTED).holds


def test_a_grant_beyond_the_sentence_is_a_violation_naming_policy_and_statement() -> None:
    comparison = claims.compare([LISTING, READING], EXPECTED)
    assert comparison.unexpected == (READING,)
    with pytest.raises(ComplianceViolation) as failure:
        claims.check(comparison, "the role session's account-wide access is exactly s3:ListAllMyBuckets on *")
    message = str(failure.value)
    assert message.startswith("Compliance violation: the role session's account-wide access is exactly")
    assert "1 unexpected grant(s)" in message
    assert f"{ROLE} may s3:GetObject on arn:aws:s3:::other/* (bucket policy of other, statement RoleReads)" in message


def test_a_promised_grant_that_is_missing_is_a_violation() -> None:
    with pytest.raises(ComplianceViolation, match=r"not granted: s3:ListAllMyBuckets on \*"):
        claims.check(claims.compare([], EXPECTED), "claim")


def test_a_chain_is_named_with_its_path() -> None:
    chained = Grant(USER, "sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/admin", "trust policy of admin", "#0",
                    (USER, ROLE, f"arn:aws:iam::{ACCOUNT}:role/admin"))
    with pytest.raises(ComplianceViolation, match=f"via {USER} -> {ROLE} -> "):
        claims.check(claims.compare([chained], []), "the role session can assume no role")


def test_the_message_is_short_and_the_rows_are_complete() -> None:
    many = [Grant(ROLE, f"sqs:Action{i}", "arn:aws:sqs:us-east-1:123456789012:q", "queue policy of q", "#0")
            for i in range(12)]
    comparison = claims.compare(many, [])
    with pytest.raises(ComplianceViolation) as failure:
        claims.check(comparison, "claim")
    assert "12 unexpected grant(s)" in str(failure.value) and "and 7 more (see the table in the report)" in str(
        failure.value)
    assert "sqs:Action11" not in str(failure.value)
    assert [row["action"] for row in comparison.rows()] == [f"sqs:Action{i}" for i in range(12)]
