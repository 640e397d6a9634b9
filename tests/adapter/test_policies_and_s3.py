"""Identity-policy conditions, boundaries and S3 authorization decided by the engine (aws-iam-facts.md)."""

from __future__ import annotations

import pytest
from adapter_world import ACCOUNT, World, allow, error_code, status
from botocore.exceptions import ClientError

from rolecheck.engine import Verdict
from rolecheck.moto_adapter import last_decision_for


def test_conditional_deny_applies_only_when_its_condition_holds(world: World) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress
    : a Deny with NotIpAddress applies only outside the range (moto ignored the operator and always denied)."""
    inside = {"NotIpAddress": {"aws:SourceIp": "127.0.0.0/8"}}
    outside = {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}
    _, user = world.user(allow("iam:ListRoles"), allow("iam:ListRoles", condition=inside, effect="Deny"))
    user.client("iam").list_roles()
    _, blocked = world.user(allow("iam:ListRoles"), allow("iam:ListRoles", condition=outside, effect="Deny"))
    with pytest.raises(ClientError) as error:
        blocked.client("iam").list_roles()
    assert "with an explicit deny in an identity-based policy" in error.value.response["Error"]["Message"]


def test_current_time_condition(world: World) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws-dates.html : a
    DateLessThan on aws:CurrentTime allows only before the date."""
    _, past = world.user(allow("iam:ListRoles", condition={"DateLessThan": {"aws:CurrentTime": "2001-01-01"}}))
    _, future = world.user(allow("iam:ListRoles", condition={"DateLessThan": {"aws:CurrentTime": "2999-01-01"}}))
    future.client("iam").list_roles()
    with pytest.raises(ClientError) as error:
        past.client("iam").list_roles()
    assert error_code(error) == "AccessDenied"


def test_s3_prefix_condition(world: World) -> None:
    """https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html : s3:prefix limits which
    listings ListBucket allows."""
    bucket = world.bucket()
    _, user = world.user(allow("s3:ListBucket", f"arn:aws:s3:::{bucket}", {"StringLike": {"s3:prefix": "home/*"}}))
    user.client("s3").list_objects_v2(Bucket=bucket, Prefix="home/alice/")
    with pytest.raises(ClientError) as error:
        user.client("s3").list_objects_v2(Bucket=bucket, Prefix="secret/")
    assert (error_code(error), status(error)) == ("AccessDenied", 403)


def test_action_names_are_case_insensitive(world: World) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html : action names
    are case-insensitive (moto matched them case-sensitively)."""
    _, user = world.user(allow("IAM:listroles"))
    user.client("iam").list_roles()


def test_user_permissions_boundary_limits(world: World) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html : a permissions boundary
    caps what identity policies grant (moto ignored boundaries and lacked PutUserPermissionsBoundary)."""
    boundary = world.managed_policy(allow("iam:ListRoles"))
    user_arn, user = world.user(allow(["iam:ListRoles", "iam:ListUsers"]), boundary=boundary)
    user.client("iam").list_roles()
    with pytest.raises(ClientError) as error:
        user.client("iam").list_users()
    assert "because no permissions boundary allows the iam:ListUsers action" in error.value.response["Error"]["Message"]
    name = user_arn.split("/")[-1]
    assert world.iam().get_user(UserName=name)["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary
    world.iam().delete_user_permissions_boundary(UserName=name)
    user.client("iam").list_users()
    world.iam().put_user_permissions_boundary(UserName=name, PermissionsBoundary=boundary)
    with pytest.raises(ClientError):
        user.client("iam").list_users()


def test_role_permissions_boundary_limits_sessions(world: World) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html : a role's boundary
    limits its sessions."""
    from adapter_world import from_credentials, trust

    boundary = world.managed_policy(allow("iam:ListRoles"))
    user_arn, user = world.user()
    role_arn = world.role(trust({"AWS": user_arn}), policy=[allow("iam:*")], boundary=boundary)
    credentials = user.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="probe")["Credentials"]
    session = from_credentials(credentials)
    session.client("iam").list_roles()
    with pytest.raises(ClientError):
        session.client("iam").list_users()


def test_bucket_policy_allow_grants_same_account_signed_request(world: World) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
    : within an account, a resource-based policy naming the user grants without an identity policy (moto never
    honoured a bucket-policy Allow for a signed request)."""
    user_arn, user = world.user()
    bucket = world.bucket()
    world.s3().put_bucket_policy(Bucket=bucket, Policy=_policy(user_arn, "Allow", "s3:ListBucket", bucket))
    user.client("s3").list_objects_v2(Bucket=bucket)
    assert last_decision_for("s3:ListBucket").decision.verdict is Verdict.ALLOWED


def test_bucket_policy_deny_honours_its_principal(world: World) -> None:
    """https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html : a Deny naming one principal
    does not deny another (moto applied a bucket-policy Deny to everyone)."""
    denied_arn, denied = world.user(allow("s3:*"))
    _, other = world.user(allow("s3:*"))
    bucket = world.bucket()
    world.s3().put_bucket_policy(Bucket=bucket, Policy=_policy(denied_arn, "Deny", "s3:*", bucket))
    other.client("s3").put_object(Bucket=bucket, Key="a.txt", Body=b"x")
    assert other.client("s3").get_object(Bucket=bucket, Key="a.txt")["Body"].read() == b"x"
    with pytest.raises(ClientError) as error:
        denied.client("s3").get_object(Bucket=bucket, Key="a.txt")
    assert (error_code(error), status(error)) == ("AccessDenied", 403)
    assert last_decision_for("s3:GetObject").decision.verdict is Verdict.EXPLICIT_DENY


def test_head_bucket_needs_list_bucket(world: World) -> None:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html : HeadBucket needs s3:ListBucket
    (there is no s3:HeadBucket action); a denied HEAD has no body, so botocore reports 403 Forbidden."""
    bucket = world.bucket()
    _, lister = world.user(allow("s3:ListBucket"))
    _, head_only = world.user(allow("s3:HeadBucket"))
    lister.client("s3").head_bucket(Bucket=bucket)
    with pytest.raises(ClientError) as error:
        head_only.client("s3").head_bucket(Bucket=bucket)
    assert (error_code(error), status(error)) == ("403", 403)
    assert last_decision_for("s3:ListBucket").principal_arn.endswith(head_only_name(head_only))


def head_only_name(session) -> str:
    return session.client("sts").get_caller_identity()["Arn"].split("/")[-1]


def test_get_missing_key_without_list_bucket_is_403(world: World) -> None:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html : without s3:ListBucket a missing
    key answers 403 AccessDenied; with it, 404 NoSuchKey."""
    bucket = world.bucket()
    _, reader = world.user(allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*"))
    _, lister = world.user(allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*"),
                           allow("s3:ListBucket", f"arn:aws:s3:::{bucket}"))
    with pytest.raises(ClientError) as error:
        reader.client("s3").get_object(Bucket=bucket, Key="missing")
    assert (error_code(error), status(error)) == ("AccessDenied", 403)
    with pytest.raises(ClientError) as error:
        lister.client("s3").get_object(Bucket=bucket, Key="missing")
    assert (error_code(error), status(error)) == ("NoSuchKey", 404)


def test_ec2_denial_is_unauthorized_operation(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html : EC2 answers
    UnauthorizedOperation (403)."""
    # Loading moto's default AMIs costs seconds and plays no part in authorization.
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    _, user = world.user()
    with pytest.raises(ClientError) as error:
        user.client("ec2").describe_instances()
    assert (error_code(error), status(error)) == ("UnauthorizedOperation", 403)
    _, allowed = world.user(allow("ec2:DescribeInstances"))
    assert allowed.client("ec2").describe_instances()["Reservations"] == []


def test_iam_resource_is_the_named_entity(world: World) -> None:
    """https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html
    : GetUser is authorized on the user's ARN, so a policy scoped to one user allows only that user."""
    own_arn, user = world.user()
    world.iam().put_user_policy(UserName=own_arn.split("/")[-1], PolicyName="self",
                                PolicyDocument=_identity("iam:GetUser", own_arn))
    user.client("iam").get_user(UserName=own_arn.split("/")[-1])
    user.client("iam").get_user()
    with pytest.raises(ClientError) as error:
        user.client("iam").get_user(UserName="rolecheck-admin")
    assert f"on resource: arn:aws:iam::{ACCOUNT}:user/rolecheck-admin" in error.value.response["Error"]["Message"]


def _policy(principal_arn: str, effect: str, action: str, bucket: str) -> str:
    import json

    statement = {"Effect": effect, "Principal": {"AWS": principal_arn}, "Action": action,
                 "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _identity(action: str, resource: str) -> str:
    import json

    return json.dumps({"Version": "2012-10-17", "Statement": [allow(action, resource)]})
