"""Decision-table cases of round three (issue 23): W3C dates, epoch values out of range, policy variables in a
resource ARN, Bool with a policy variable, and the keys only a service sets. Each case cites its AWS page."""

from __future__ import annotations

import pytest
from engine_cases import (
    ACCESS_POINT_DELEGATION,
    ACCT,
    BOOLEAN,
    DATES,
    OBJECT,
    RESOURCE_VARIABLES,
    SOURCE_ACCOUNT,
    SOURCE_ARN,
    W3C_DATETIME,
    allow,
    bucket_policy,
    cond,
)
from test_decisions import NOW, Case, ident, when

from rolecheck.engine import Verdict, evaluate

A, IMP = Verdict.ALLOWED, Verdict.IMPLICIT_DENY
QUEUE = f"arn:aws:sqs:us-east-1:{ACCT}:q"
DELEGATION = bucket_policy(allow("s3:GetObject", OBJECT, Principal="*",
                                 **cond("StringEquals", "s3:DataAccessPointAccount", ACCT)))
ACCESS_POINT = f"arn:aws:s3:us-east-1:{ACCT}:accesspoint/ap"

# fmt: off
CASES: list[Case] = [
    # "You must specify date/time values with one of the W3C implementations of the ISO 8601 date formats" (DATES);
    # the W3C note (W3C_DATETIME) has the year, year-month, date, minutes and fraction-with-offset forms.
    when("DateGreaterThan", "aws:CurrentTime", "2024-05", None, A, "date-w3c-year-month", DATES),
    when("DateLessThan", "aws:CurrentTime", "2025", None, A, "date-w3c-year", DATES),
    when("DateGreaterThan", "aws:CurrentTime", "2024-06-01T11:59Z", None, A, "date-w3c-minutes", DATES),
    # 13:59:59.5+02:00 is 11:59:59.5Z, before NOW (12:00Z).
    when("DateLessThan", "aws:CurrentTime", "2024-06-01T13:59:59.5+02:00", None, IMP, "date-w3c-fraction-offset",
         DATES),
    when("DateGreaterThan", "aws:CurrentTime", "2024-05-31", None, A, "date-w3c-date", DATES),
    # Epoch milliseconds in the request are no date in seconds' range: the condition does not match.
    when("DateLessThan", "aws:TokenIssueTime", "2030-01-01T00:00:00Z", {"aws:TokenIssueTime": "1717243200000"}, IMP,
         "date-epoch-13-digits-request-no-match", DATES),
    when("DateLessThan", "aws:TokenIssueTime", "2030-01-01T00:00:00Z", {"aws:TokenIssueTime": "1717243200"}, A,
         "date-epoch-seconds-request", DATES),
    # "only in the resource portion of the ARN. This portion of the ARN appears after the fifth colon".
    Case("resource-variable-in-account-not-substituted", IMP, RESOURCE_VARIABLES, action="sqs:SendMessage",
         resource=QUEUE, identity=ident(allow("sqs:SendMessage", "arn:aws:sqs:us-east-1:${aws:PrincipalAccount}:q"))),
    Case("resource-variable-in-region-not-substituted", IMP, RESOURCE_VARIABLES, action="sqs:SendMessage",
         resource=QUEUE, context={"aws:RequestedRegion": "us-east-1"},
         identity=ident(allow("sqs:SendMessage", f"arn:aws:sqs:${{aws:RequestedRegion}}:{ACCT}:q"))),
    Case("resource-variable-after-fifth-colon-substituted", A, RESOURCE_VARIABLES, resource="arn:aws:s3:::alice/k",
         identity=ident(allow("s3:GetObject", "arn:aws:s3:::${aws:username}/*"))),
    Case("resource-variable-after-fifth-colon-queue", A, RESOURCE_VARIABLES, action="sqs:SendMessage",
         resource=f"arn:aws:sqs:us-east-1:{ACCT}:alice-q",
         identity=ident(allow("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACCT}:${{aws:username}}-q"))),
    # The Boolean section: "Policy variables - Supported" (chosen over the variables page's "string comparisons").
    when("Bool", "aws:MultiFactorAuthPresent", "${aws:SecureTransport}",
         {"aws:MultiFactorAuthPresent": "true", "aws:SecureTransport": "true"}, A,
         "choice-bool-policy-variable-substituted", BOOLEAN),
    when("Bool", "aws:MultiFactorAuthPresent", "${aws:SecureTransport}", {"aws:MultiFactorAuthPresent": "true"}, IMP,
         "choice-bool-variable-unresolved-no-match", BOOLEAN),
    when("Bool", "aws:MultiFactorAuthPresent", "${aws:username}", {"aws:MultiFactorAuthPresent": "true"}, IMP,
         "choice-bool-variable-not-true-or-false-no-match", BOOLEAN),
    # Keys a service sets when it acts for a resource; "If an IAM user attempts to perform this operation
    # directly, the condition returns false".
    when("StringEquals", "aws:SourceAccount", ACCT, None, IMP, "sourceaccount-absent-for-iam-principal",
         SOURCE_ACCOUNT),
    when("ArnLike", "aws:SourceArn", f"arn:aws:sns:us-east-1:{ACCT}:*", None, IMP,
         "sourcearn-absent-for-iam-principal", SOURCE_ARN),
    Case("s3-dataaccesspointaccount-absent-direct", IMP, ACCESS_POINT_DELEGATION, resource_policy=DELEGATION),
    Case("s3-dataaccesspointaccount-via-access-point", A, ACCESS_POINT_DELEGATION, resource_policy=DELEGATION,
         context={"s3:DataAccessPointAccount": ACCT, "s3:DataAccessPointArn": ACCESS_POINT}),
]
# fmt: on


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_decision(case: Case) -> None:
    decision = evaluate(case.request())
    assert decision.verdict is case.expected, f"{case.id} ({case.source}):\n{decision.explain()}"


def test_cases_are_cited_and_distinct() -> None:
    assert len({case.id for case in CASES}) == len(CASES)
    assert all(case.source.startswith("https://docs.aws.amazon.com/") for case in CASES)
    assert NOW.year == 2024 and W3C_DATETIME.startswith("https://www.w3.org/")
