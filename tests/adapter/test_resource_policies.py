"""SQS, SNS, Secrets Manager, KMS and Lambda decided with their resource-based policies, through boto3 (issue 13
item 7): moto consulted none of them, so a grant they make was refused offline where AWS allows it."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from adapter_world import ACCOUNT, OTHER_ACCOUNT, World, allow, document, error_code, status, trust, unique
from botocore.exceptions import ClientError

from rolecheck.engine import Verdict
from rolecheck.moto_adapter import last_decision_for

EVALUATION = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html"


def grant(principal: str, action: Any, resource: str = "*", condition: dict | None = None) -> dict:
    statement = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": action, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return statement


def denied(call: Any, code: str = "AccessDenied") -> Any:
    with pytest.raises(ClientError) as error:
        call()
    assert error_code(error) == code
    return error


def queue(world: World, policy: list[dict] | None = None, tags: dict | None = None, account: str = ACCOUNT) -> str:
    attributes = {"Policy": document(*policy)} if policy else {}
    sqs = world.admins[account].client("sqs")
    return sqs.create_queue(QueueName=unique("q"), Attributes=attributes, tags=tags or {})["QueueUrl"]


def test_sqs_queue_policy_grants_without_identity_policy(world: World) -> None:
    """https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-basic-examples-of-sqs-policies.html
    and the same-account rule of the evaluation logic: a queue policy naming the user allows it alone."""
    user_arn, user = world.user()
    granted = queue(world, [grant(user_arn, "sqs:SendMessage")])
    user.client("sqs").send_message(QueueUrl=granted, MessageBody="hi")
    assert last_decision_for("sqs:SendMessage").decision.verdict is Verdict.ALLOWED
    closed = queue(world)
    error = denied(lambda: user.client("sqs").send_message(QueueUrl=closed, MessageBody="hi"))
    assert status(error) == 403
    denied(lambda: user.client("sqs").receive_message(QueueUrl=granted))


def test_sqs_cross_account_needs_both_sides(world: World) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html :
    a queue in another account needs the queue policy and the caller's identity policy."""
    _, with_identity = world.user(allow("sqs:SendMessage"), account=OTHER_ACCOUNT)
    _, without_identity = world.user(account=OTHER_ACCOUNT)
    url = queue(world, [grant(OTHER_ACCOUNT, "sqs:SendMessage")])
    # moto serves a queue only to callers of its own account, so the allowed request then fails as not found there;
    # the verdict is the engine's decision (README, "Not modelled").
    denied(lambda: with_identity.client("sqs").send_message(QueueUrl=url, MessageBody="hi"),
           "AWS.SimpleQueueService.NonExistentQueue")
    assert last_decision_for("sqs:SendMessage").decision.verdict is Verdict.ALLOWED
    denied(lambda: without_identity.client("sqs").send_message(QueueUrl=url, MessageBody="hi"))
    assert last_decision_for("sqs:SendMessage").decision.verdict is Verdict.IMPLICIT_DENY


def test_sqs_resource_tags(world: World) -> None:
    """https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-abac.html : a queue's tags
    are aws:ResourceTag/<key>."""
    _, user = world.user(allow("sqs:GetQueueAttributes", condition={"StringEquals": {"aws:ResourceTag/env": "dev"}}))
    user.client("sqs").get_queue_attributes(QueueUrl=queue(world, tags={"env": "dev"}))
    denied(lambda: user.client("sqs").get_queue_attributes(QueueUrl=queue(world, tags={"env": "prod"})))


def test_sns_topic_policy(world: World) -> None:
    """https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html : a topic policy naming the user
    lets it publish; the default topic policy (conditioned on AWS:SourceOwner) grants an IAM user nothing."""
    user_arn, user = world.user()
    sns = world.admins[ACCOUNT].client("sns")
    default = sns.create_topic(Name=unique("t"))["TopicArn"]
    error = denied(lambda: user.client("sns").publish(TopicArn=default, Message="m"), "AuthorizationError")
    assert status(error) == 403
    granted = sns.create_topic(Name=unique("t"))["TopicArn"]
    sns.set_topic_attributes(TopicArn=granted, AttributeName="Policy",
                             AttributeValue=document(grant(user_arn, "sns:Publish", granted)))
    user.client("sns").publish(TopicArn=granted, Message="m")
    denied(lambda: user.client("sns").delete_topic(TopicArn=granted), "AuthorizationError")


def test_secret_resource_policy_and_tags(world: World) -> None:
    """https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_resource-policies.html : a
    secret's resource policy grants on its own; its tags are aws:ResourceTag/<key>."""
    user_arn, user = world.user()
    sm = world.admins[ACCOUNT].client("secretsmanager")
    arn = sm.create_secret(Name=unique("s"), SecretString="x", Tags=[{"Key": "env", "Value": "dev"}])["ARN"]
    error = denied(lambda: user.client("secretsmanager").get_secret_value(SecretId=arn), "AccessDeniedException")
    assert status(error) == 400
    sm.put_resource_policy(SecretId=arn, ResourcePolicy=document(grant(user_arn, "secretsmanager:GetSecretValue")))
    assert user.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"] == "x"
    _, tagged = world.user(allow("secretsmanager:DescribeSecret",
                                 condition={"StringEquals": {"aws:ResourceTag/env": "dev"}}))
    tagged.client("secretsmanager").describe_secret(SecretId=arn)


def test_kms_key_policy_is_the_primary_control(world: World) -> None:
    """https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html : an identity policy counts only
    when the key policy allows the account (the default "Enable IAM User Permissions" statement does); a key
    policy naming another principal only leaves an identity-policy grant without effect."""
    user_arn, user = world.user(allow("kms:Encrypt"))
    kms = world.admins[ACCOUNT].client("kms")
    default_key = kms.create_key()["KeyMetadata"]["KeyId"]
    user.client("kms").encrypt(KeyId=default_key, Plaintext=b"x")
    other_arn, other = world.user()
    strict = kms.create_key(Policy=document(grant(other_arn, "kms:*")),
                            BypassPolicyLockoutSafetyCheck=True)["KeyMetadata"]["KeyId"]
    denied(lambda: user.client("kms").encrypt(KeyId=strict, Plaintext=b"x"), "AccessDeniedException")
    direct = kms.create_key(Policy=document(grant(user_arn, "kms:Encrypt")),
                            BypassPolicyLockoutSafetyCheck=True)["KeyMetadata"]["KeyId"]
    user.client("kms").encrypt(KeyId=direct, Plaintext=b"x")
    denied(lambda: other.client("kms").encrypt(KeyId=direct, Plaintext=b"x"), "AccessDeniedException")


def test_kms_decrypt_without_key_id_is_decided_on_the_blobs_key(world: World) -> None:
    """https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html : "If the ciphertext was encrypted under
    a symmetric encryption KMS key, the KeyId parameter is optional"; the key named in the blob's metadata decides,
    its key policy included."""
    user_arn, user = world.user()
    _, other = world.user()
    kms = world.admins[ACCOUNT].client("kms")
    key = kms.create_key(Policy=document(grant(user_arn, ["kms:Encrypt", "kms:Decrypt"])),
                         BypassPolicyLockoutSafetyCheck=True)["KeyMetadata"]["KeyId"]
    blob = user.client("kms").encrypt(KeyId=key, Plaintext=b"x")["CiphertextBlob"]
    assert user.client("kms").decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"
    decision = last_decision_for("kms:Decrypt")
    assert decision is not None and decision.decision.verdict is Verdict.ALLOWED
    assert decision.resource.startswith("arn:aws:kms:")
    denied(lambda: other.client("kms").decrypt(CiphertextBlob=blob), "AccessDeniedException")


def _zipped() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("f.py", "def handler(event, context):\n    return 1\n")
    return buffer.getvalue()


def test_lambda_function_policy_and_body_less_requests(world: World) -> None:
    """https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html : a function policy grants
    on its own; GetFunction, GetPolicy, ListFunctions and DeleteFunction (no request body) pass the signature
    check (they failed it, for the administrator too)."""
    role = world.role(trust({"Service": "lambda.amazonaws.com"}))
    lam = world.admins[ACCOUNT].client("lambda")
    name = unique("fn")
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="f.handler",
                        Code={"ZipFile": _zipped()}, Tags={"env": "dev"})
    lam.get_function(FunctionName=name)
    assert name in [f["FunctionName"] for f in lam.list_functions()["Functions"]]
    user_arn, user = world.user()
    denied(lambda: user.client("lambda").get_function(FunctionName=name), "AccessDeniedException")
    lam.add_permission(FunctionName=name, StatementId="user", Action="lambda:GetFunction", Principal=user_arn)
    assert json.loads(lam.get_policy(FunctionName=name)["Policy"])["Statement"]
    user.client("lambda").get_function(FunctionName=name)
    lam.add_permission(FunctionName=name, StatementId="account", Action="lambda:GetFunctionConfiguration",
                       Principal=ACCOUNT)
    denied(lambda: user.client("lambda").get_function_configuration(FunctionName=name), "AccessDeniedException")
    _, tagged = world.user(allow("lambda:GetFunctionConfiguration",
                                 condition={"StringEquals": {"aws:ResourceTag/env": "dev"}}))
    tagged.client("lambda").get_function_configuration(FunctionName=name)
    lam.delete_function(FunctionName=name)


def test_s3_bucket_tags_are_not_resource_tags_without_abac(world: World) -> None:
    """https://docs.aws.amazon.com/AmazonS3/latest/userguide/buckets-tagging-enable-abac.html : ABAC is disabled
    for every general purpose bucket until PutBucketAbac enables it (moto cannot), so a bucket's tags are not
    aws:ResourceTag/<key> and a grant conditioned on them does not apply."""
    bucket = world.bucket()
    world.s3().put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "env", "Value": "dev"}]})
    _, user = world.user(allow("s3:ListBucket", condition={"StringEquals": {"aws:ResourceTag/env": "dev"}}))
    denied(lambda: user.client("s3").list_objects_v2(Bucket=bucket))


def test_enabling_bucket_abac_is_refused_not_faked(world: World) -> None:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketAbac.html : moto 5.2 would take PutBucketAbac
    for CreateBucket and answer 200 while enabling nothing; the adapter refuses it in one line instead."""
    bucket = world.bucket()
    error = denied(lambda: world.s3().put_bucket_abac(Bucket=bucket, AbacStatus={"Status": "Enabled"}),
                   "RolecheckUnsupportedFeature")
    assert "ABAC" in error.value.response["Error"]["Message"]
    assert "Status" not in world.s3().get_bucket_abac(Bucket=bucket).get("AbacStatus", {})
    assert last_decision_for("s3:GetBucketABAC").decision.allowed


def test_creation_is_authorized_on_the_new_resource_arn(world: World) -> None:
    """https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html and
    list_awslambda.html : CreateSecret and CreateFunction are authorized on the ARN the new resource gets (a
    secret's ends in "-" and six random characters), so a policy scoped by name applies."""
    prefix = unique("app")
    _, user = world.user(
        allow("secretsmanager:CreateSecret", f"arn:aws:secretsmanager:*:{ACCOUNT}:secret:{prefix}-*"),
        allow("lambda:CreateFunction", f"arn:aws:lambda:*:{ACCOUNT}:function:{prefix}-*"),
    )
    user.client("secretsmanager").create_secret(Name=f"{prefix}-db", SecretString="x")
    denied(lambda: user.client("secretsmanager").create_secret(Name=unique("other"), SecretString="x"),
           "AccessDeniedException")
    role = world.role(trust({"Service": "lambda.amazonaws.com"}))
    denied(lambda: user.client("lambda").create_function(
        FunctionName=unique("other"), Runtime="python3.12", Role=role, Handler="f.handler",
        Code={"ZipFile": _zipped()}), "AccessDeniedException")
    assert last_decision_for("lambda:CreateFunction").decision.request.resource.startswith(
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:other-")


def test_handing_a_role_to_lambda_needs_pass_role(world: World) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html : CreateFunction with a role
    also needs iam:PassRole on it, here limited by iam:PassedToService (moto never checked it)."""
    role = world.role(trust({"Service": "lambda.amazonaws.com"}))
    create = {"Runtime": "python3.12", "Role": role, "Handler": "f.handler", "Code": {"ZipFile": _zipped()}}
    _, without = world.user(allow("lambda:CreateFunction"))
    denied(lambda: without.client("lambda").create_function(FunctionName=unique("fn"), **create),
           "AccessDeniedException")
    assert last_decision_for("iam:PassRole").decision.verdict is Verdict.IMPLICIT_DENY
    _, to_ec2 = world.user(allow("lambda:CreateFunction"), allow("iam:PassRole", role, condition={
        "StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}))
    denied(lambda: to_ec2.client("lambda").create_function(FunctionName=unique("fn"), **create),
           "AccessDeniedException")
    _, to_lambda = world.user(allow("lambda:CreateFunction"), allow("iam:PassRole", role, condition={
        "StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}))
    to_lambda.client("lambda").create_function(FunctionName=unique("fn"), **create)
