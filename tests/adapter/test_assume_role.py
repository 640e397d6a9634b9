"""sts:AssumeRole decided by the engine where moto 5.2.5 deviates from AWS (aws-iam-facts.md)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from adapter_world import ACCOUNT, OTHER_ACCOUNT, World, allow, error_code, from_credentials, status, trust
from botocore.exceptions import ClientError

from rolecheck.engine import Verdict
from rolecheck.moto_adapter import last_decision_for

ASSUME = "sts:AssumeRole"


def assume(session, role_arn: str, **kwargs) -> dict:
    return session.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="probe", **kwargs)["Credentials"]


def test_trust_naming_user_needs_no_identity_policy(world: World) -> None:
    """https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html : a user named directly in the
    trust policy may assume the role within the account without any identity-based policy."""
    user_arn, user = world.user()
    role_arn = world.role(trust({"AWS": user_arn}))
    credentials = assume(user, role_arn)
    assert credentials["AccessKeyId"].startswith("ASIA")
    identity = from_credentials(credentials).client("sts").get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_arn.split('/')[-1]}/probe"


def test_deny_in_trust_policy_wins(world: World) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    : an explicit Deny in any policy overrides every Allow."""
    user_arn, user = world.user(allow(ASSUME))
    role_arn = world.role(trust({"AWS": user_arn}), trust({"AWS": user_arn}, effect="Deny"))
    with pytest.raises(ClientError) as error:
        assume(user, role_arn)
    assert (error_code(error), status(error)) == ("AccessDenied", 403)
    assert last_decision_for(ASSUME).decision.verdict is Verdict.EXPLICIT_DENY


def test_allow_naming_someone_else_does_not_deny(world: World) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    : a statement naming another principal does not apply; one naming the caller still allows."""
    user_arn, user = world.user()
    somebody_else, _ = world.user()
    role_arn = world.role(trust({"AWS": somebody_else}), trust({"AWS": user_arn}))
    assert assume(user, role_arn)["AccessKeyId"].startswith("ASIA")


@pytest.mark.parametrize("principal", [f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT])
def test_trust_naming_account_delegates_to_identity_policies(world: World, principal: str) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts
    : naming the account delegates to its identity-based policies: a user with an Allow may assume, one without
    may not."""
    role_arn = world.role(trust({"AWS": principal}))
    _, permitted = world.user(allow(ASSUME, role_arn))
    _, unpermitted = world.user()
    assert assume(permitted, role_arn)["AccessKeyId"].startswith("ASIA")
    with pytest.raises(ClientError) as error:
        assume(unpermitted, role_arn)
    assert error_code(error) == "AccessDenied"


def test_role_arn_in_trust_matches_its_sessions(world: World) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles
    : a role ARN as principal matches the role's sessions, so role chaining (within one hour) works."""
    user_arn, user = world.user()
    first = world.role(trust({"AWS": user_arn}), policy=[allow(ASSUME)])
    second = world.role(trust({"AWS": first}))
    chained = from_credentials(assume(from_credentials(assume(user, first)), second, DurationSeconds=3600))
    assert "assumed-role/" + second.split("/")[-1] in chained.client("sts").get_caller_identity()["Arn"]


def test_service_only_trust_denies_a_user(world: World) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-services
    : a trust policy naming only a service does not let an IAM user assume the role (moto raised TypeError)."""
    _, user = world.user(allow(ASSUME))
    role_arn = world.role(trust({"Service": "ec2.amazonaws.com"}))
    with pytest.raises(ClientError) as error:
        assume(user, role_arn)
    assert (error_code(error), status(error)) == ("AccessDenied", 403)


def test_external_id_required(world: World) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user_externalid.html : a trust
    condition on sts:ExternalId denies a request without the id (moto counted a missing key as a match)."""
    user_arn, user = world.user()
    role_arn = world.role(trust({"AWS": user_arn}, condition={"StringEquals": {"sts:ExternalId": "ticket-42"}}))
    with pytest.raises(ClientError) as error:
        assume(user, role_arn)
    assert error_code(error) == "AccessDenied"
    with pytest.raises(ClientError):
        assume(user, role_arn, ExternalId="wrong-id")
    assert assume(user, role_arn, ExternalId="ticket-42")["AccessKeyId"].startswith("ASIA")


def test_mfa_condition_denies_without_mfa(world: World) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_configure-api-require.html : with
    Bool aws:MultiFactorAuthPresent true in the trust policy, AssumeRole needs SerialNumber and TokenCode."""
    user_arn, user = world.user()
    mfa = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    role_arn = world.role(trust({"AWS": user_arn}, condition=mfa))
    with pytest.raises(ClientError) as error:
        assume(user, role_arn)
    assert error_code(error) == "AccessDenied"
    serial = f"arn:aws:iam::{ACCOUNT}:mfa/device"
    assert assume(user, role_arn, SerialNumber=serial, TokenCode="123456")["AccessKeyId"].startswith("ASIA")


def test_missing_role_is_refused(world: World) -> None:
    """https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html : the trust policy must allow the
    caller; a role that does not exist has none, so AWS answers AccessDenied (moto issued credentials)."""
    _, user = world.user(allow(ASSUME))
    with pytest.raises(ClientError) as error:
        assume(user, f"arn:aws:iam::{ACCOUNT}:role/does-not-exist")
    assert (error_code(error), status(error)) == ("AccessDenied", 403)


def test_cross_account_needs_both_sides(world: World) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html :
    cross-account access needs the trust policy and the caller's identity policy to allow."""
    user_arn, user = world.user(allow(ASSUME))
    no_policy_arn, no_policy_user = world.user()
    role_arn = world.role(trust({"AWS": [user_arn, no_policy_arn]}), account=OTHER_ACCOUNT)
    other_role = world.role(trust({"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"}), account=OTHER_ACCOUNT)
    credentials = assume(user, role_arn)
    caller = from_credentials(credentials).client("sts").get_caller_identity()
    assert caller["Account"] == OTHER_ACCOUNT
    with pytest.raises(ClientError):
        assume(no_policy_user, role_arn)
    with pytest.raises(ClientError) as error:
        assume(user, other_role)
    assert error_code(error) == "AccessDenied"


def test_duration_above_max_session_duration(world: World) -> None:
    """https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html : DurationSeconds above the role's
    MaxSessionDuration is a ValidationError."""
    user_arn, user = world.user()
    role_arn = world.role(trust({"AWS": user_arn}), max_session=3600)
    with pytest.raises(ClientError) as error:
        assume(user, role_arn, DurationSeconds=7200)
    assert (error_code(error), status(error)) == ("ValidationError", 400)
    assert "exceeds the MaxSessionDuration set for this role" in error.value.response["Error"]["Message"]
    long_role = world.role(trust({"AWS": user_arn}), max_session=7200)
    assert assume(user, long_role, DurationSeconds=7200)["AccessKeyId"].startswith("ASIA")


def test_role_chaining_limited_to_one_hour(world: World) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html#iam-term-role-chaining :
    role chaining limits a session to one hour."""
    user_arn, user = world.user()
    first = world.role(trust({"AWS": user_arn}), policy=[allow(ASSUME)])
    second = world.role(trust({"AWS": first}), max_session=7200)
    with pytest.raises(ClientError) as error:
        assume(from_credentials(assume(user, first)), second, DurationSeconds=7200)
    assert error.value.response["Error"]["Message"] == (
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
    )


def test_expired_session_credentials(world: World) -> None:
    """https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html : expired credentials get
    ExpiredToken (403 on STS and IAM; S3 answers 400 "The provided token has expired.")."""
    user_arn, user = world.user()
    role_arn = world.role(trust({"AWS": user_arn}), policy=[allow("*")])
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=False) as clock:
        session = from_credentials(assume(user, role_arn, DurationSeconds=900))
        bucket = world.bucket()
        session.client("s3").head_bucket(Bucket=bucket)
        clock.shift(dt.timedelta(seconds=901))
        with pytest.raises(ClientError) as error:
            session.client("sts").get_caller_identity()
        assert (error_code(error), status(error)) == ("ExpiredToken", 403)
        assert error.value.response["Error"]["Message"] == "The security token included in the request is expired"
        with pytest.raises(ClientError) as error:
            session.client("iam").list_roles()
        assert error_code(error) == "ExpiredToken"
        with pytest.raises(ClientError) as error:
            session.client("s3").list_objects_v2(Bucket=bucket)
        assert (error_code(error), status(error)) == ("ExpiredToken", 400)
        assert error.value.response["Error"]["Message"] == "The provided token has expired."


def test_session_policy_limits_the_session(world: World) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session : a session's
    permissions are the intersection of the role's policies and the session policies (inline and managed)."""
    user_arn, user = world.user()
    role_arn = world.role(trust({"AWS": user_arn}), policy=[allow(["s3:ListBucket", "iam:ListRoles"])])
    bucket = world.bucket()
    inline = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}'
    limited = from_credentials(assume(user, role_arn, Policy=inline))
    limited.client("s3").list_objects_v2(Bucket=bucket)
    with pytest.raises(ClientError) as error:
        limited.client("iam").list_roles()
    assert "because no session policy allows the iam:ListRoles action" in error.value.response["Error"]["Message"]
    managed = world.managed_policy(allow("iam:ListRoles"))
    by_arn = from_credentials(assume(user, role_arn, PolicyArns=[{"arn": managed}]))
    by_arn.client("iam").list_roles()
    with pytest.raises(ClientError):
        by_arn.client("s3").list_objects_v2(Bucket=bucket)


def test_unsigned_assume_role_is_refused(world: World) -> None:
    """https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html : a request without credentials
    gets MissingAuthenticationToken (403)."""
    from botocore import UNSIGNED
    from botocore.config import Config

    role_arn = world.role(trust({"AWS": "*"}))
    anonymous = world.admins[ACCOUNT].client("sts", config=Config(signature_version=UNSIGNED))
    with pytest.raises(ClientError) as error:
        anonymous.assume_role(RoleArn=role_arn, RoleSessionName="probe")
    assert (error_code(error), status(error)) == ("MissingAuthenticationToken", 403)


def test_get_caller_identity_allowed_under_explicit_deny(world: World) -> None:
    """https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html : no permission is
    required, and an explicit Deny does not stop it."""
    user_arn, user = world.user(allow("*", effect="Deny"))
    assert user.client("sts").get_caller_identity()["Arn"] == user_arn
