"""Steps of the user's own session: signing in, switching to the role, using the temporary credentials."""

from __future__ import annotations

from pytest_bdd import parsers, then, when

from rolecheck.aws import operations
from rolecheck.report.evidence import attach_json
from rolecheck.suite import checks
from rolecheck.suite.scene import Deployment


@when("the user signs in with its own credentials and switches to the role")
def _(deployment: Deployment) -> None:
    deployment.sign_in_and_switch()


@then("the user holds temporary credentials for the role")
def _(deployment: Deployment) -> None:
    key = deployment.role_credentials()
    attach_json("temporary credentials (secrets masked)", operations.describe_key(key))
    checks.check_temporary(key)


@then(parsers.parse('with those credentials the user lists the buckets and sees "{logical}"'))
def _(deployment: Deployment, logical: str) -> None:
    names = operations.bucket_names(deployment.acting_as_role().client("s3"))
    checks.check_bucket_listed(names, deployment.generated_name(logical))
