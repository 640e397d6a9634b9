"""Steps about the temporary credentials: their lifetime, their expiry and whom they are attributed to."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from rolecheck.aws.identity import caller_identity
from rolecheck.policydoc import documents
from rolecheck.report.evidence import attach_json, attach_text
from rolecheck.suite import checks
from rolecheck.suite.scene import Deployment
from rolecheck.targets.clock import Clock

MAX_SESSION = "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
CHAINING = "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."


@then(parsers.parse("the role allows sessions of at most {seconds:d} seconds"))
def _(deployment: Deployment, seconds: int) -> None:
    checks.check_max_session_duration(deployment.admin.client("iam"), deployment.require_role(), seconds)


@then(parsers.parse("the user cannot get credentials for the role that last {seconds:d} seconds"))
def _(deployment: Deployment, seconds: int) -> None:
    user = deployment.acting_as_user()
    answer = checks.check_duration_refused(user.client("sts"), deployment.require_role().arn,
                                                "rolecheck-long-session", seconds, MAX_SESSION)
    attach_text("AWS refused the session", answer)


@given(parsers.parse('a role "{logical}" that trusts the role\'s session and allows 12-hour sessions'))
def _(deployment: Deployment, logical: str) -> None:
    deployment.create_chained_role(logical)


@then(parsers.parse('the role\'s session cannot get credentials for "{logical}" that last {seconds:d} seconds'))
def _(deployment: Deployment, logical: str, seconds: int) -> None:
    role_arn = f"arn:aws:iam::{deployment.account_id}:role/{deployment.generated_name(logical)}"
    answer = checks.check_duration_refused(deployment.acting_as_role().client("sts"), role_arn,
                                                "rolecheck-chained-session", seconds, CHAINING)
    attach_text("AWS refused the chained session", answer)


@when("the role's credentials have expired")
def _(deployment: Deployment, clock: Clock) -> None:
    now = clock.advance_past(deployment.role_key.expiration)
    attach_json("clock moved past expiration", {"expiration": deployment.role_key.expiration, "now": now})


@then("the role's credentials are rejected as expired")
def _(deployment: Deployment) -> None:
    role = deployment.acting_as_role()
    answers = checks.check_rejected_as_expired(role.client("sts"), role.client("s3"))
    attach_text("answers to the expired credentials", "\n".join(answers))


@then(parsers.parse('the role\'s caller identity is "{template}"'))
def _(deployment: Deployment, template: str) -> None:
    expected = documents.fill(template, deployment.placeholders(), name="expected caller identity")
    identity = caller_identity(deployment.acting_as_role().client("sts"))
    attach_json("caller identity", {"Arn": identity.arn, "Account": identity.account, "UserId": identity.user_id})
    checks.check_caller_identity(identity, expected)
