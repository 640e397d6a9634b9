"""Documents AWS refuses are refused on the moto target too, with AWS's error codes (issue 13 item 5): a feature
that would never deploy on AWS must not pass offline."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from adapter_world import ACCOUNT, World, allow, document, error_code, status, trust, unique
from botocore.exceptions import ClientError

NOT_PRINCIPAL = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html"

TRUST_WITH_NOT_PRINCIPAL = document({"Effect": "Deny", "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                                     "Action": "sts:AssumeRole"})
TRUST_WITH_RESOURCE = document({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                                "Action": "sts:AssumeRole", "Resource": "*"})
TRUST_WITH_S3_ACTION = document({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                                  "Action": "s3:GetObject"})
IDENTITY_WITH_PRINCIPAL = document({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"})
IDENTITY_BAD_RESOURCE = document(allow("s3:*", "my-bucket"))
IDENTITY_BAD_OPERATOR = document(allow("s3:*", condition={"StringEqualz": {"s3:prefix": "a"}}))
NOT_JSON = "{not json"


def refused(call: Callable[[], Any], code: str = "MalformedPolicyDocument") -> str:
    with pytest.raises(ClientError) as error:
        call()
    assert (error_code(error), status(error)) == (code, 400)
    return error.value.response["Error"]["Message"]


@pytest.mark.parametrize("bad", [TRUST_WITH_NOT_PRINCIPAL, TRUST_WITH_RESOURCE, TRUST_WITH_S3_ACTION, NOT_JSON])
def test_trust_policies_aws_refuses(world: World, bad: str) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html (no
    NotPrincipal in a trust policy) and https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html :
    CreateRole and UpdateAssumeRolePolicy answer MalformedPolicyDocument."""
    iam = world.iam()
    refused(lambda: iam.create_role(RoleName=unique("bad"), AssumeRolePolicyDocument=bad))
    role = world.role(trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"})).split("/")[-1]
    refused(lambda: iam.update_assume_role_policy(RoleName=role, PolicyDocument=bad))


def test_trust_policy_naming_a_missing_user_is_refused(world: World) -> None:
    """https://repost.aws/knowledge-center/iam-trust-policy-error : a principal naming an IAM user or role that does
    not exist is "Invalid principal in policy"; a role session's name is free."""
    ghost = document(trust({"AWS": f"arn:aws:iam::{ACCOUNT}:user/ghost-{unique('u')}"}))
    message = refused(lambda: world.iam().create_role(RoleName=unique("r"), AssumeRolePolicyDocument=ghost))
    assert "Invalid principal in policy" in message
    role_arn = world.role(trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_arn.split('/')[-1]}/any-session-name"
    world.role(trust({"AWS": [role_arn, session]}))


@pytest.mark.parametrize("bad", [IDENTITY_WITH_PRINCIPAL, IDENTITY_BAD_RESOURCE, IDENTITY_BAD_OPERATOR, NOT_JSON])
def test_permission_policies_aws_refuses(world: World, bad: str) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html : CreatePolicy,
    CreatePolicyVersion and Put{User,Role,Group}Policy answer MalformedPolicyDocument."""
    iam = world.iam()
    user_arn, _ = world.user()
    user = user_arn.split("/")[-1]
    role = world.role(trust({"AWS": user_arn})).split("/")[-1]
    group = unique("group")
    iam.create_group(GroupName=group)
    policy_arn = world.managed_policy(allow("s3:ListAllMyBuckets"))
    refused(lambda: iam.create_policy(PolicyName=unique("p"), PolicyDocument=bad))
    refused(lambda: iam.create_policy_version(PolicyArn=policy_arn, PolicyDocument=bad))
    refused(lambda: iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=bad))
    refused(lambda: iam.put_role_policy(RoleName=role, PolicyName="p", PolicyDocument=bad))
    refused(lambda: iam.put_group_policy(GroupName=group, PolicyName="p", PolicyDocument=bad))


def test_session_policy_aws_refuses(world: World) -> None:
    """https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html : a malformed session policy is
    MalformedPolicyDocument."""
    user_arn, user = world.user()
    role = world.role(trust({"AWS": user_arn}))
    sts = user.client("sts")
    refused(lambda: sts.assume_role(RoleArn=role, RoleSessionName="probe", Policy=IDENTITY_WITH_PRINCIPAL))


def test_bucket_policies_aws_refuses(world: World) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html : NotPrincipal
    only with Deny; https://repost.aws/knowledge-center/s3-invalid-principal-in-policy-error : S3 answers
    MalformedPolicy."""
    bucket = world.bucket()
    arn = f"arn:aws:s3:::{bucket}"
    not_principal_allow = document({"Effect": "Allow", "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                                    "Action": "s3:GetObject", "Resource": f"{arn}/*"})
    no_principal = document(allow("s3:GetObject", f"{arn}/*"))
    for bad in (not_principal_allow, no_principal, NOT_JSON):
        refused(lambda bad=bad: world.s3().put_bucket_policy(Bucket=bucket, Policy=bad), "MalformedPolicy")
    ghost = document({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/ghost"},
                      "Action": "s3:GetObject", "Resource": f"{arn}/*"})
    assert "Invalid principal" in refused(lambda: world.s3().put_bucket_policy(Bucket=bucket, Policy=ghost),
                                          "MalformedPolicy")
    good = document({"Effect": "Deny", "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                     "Action": "s3:DeleteBucket", "Resource": arn})
    world.s3().put_bucket_policy(Bucket=bucket, Policy=good)


def test_other_resource_policies_aws_refuses(world: World) -> None:
    """Each service's API reference: SQS SetQueueAttributes (InvalidAttributeValue), SNS SetTopicAttributes
    (InvalidParameter), Secrets Manager PutResourcePolicy and KMS PutKeyPolicy (MalformedPolicyDocumentException)."""
    admin = world.admins[ACCOUNT]
    no_principal = document(allow("*"))
    url = admin.client("sqs").create_queue(QueueName=unique("q"))["QueueUrl"]
    refused(lambda: admin.client("sqs").set_queue_attributes(QueueUrl=url, Attributes={"Policy": no_principal}),
            "InvalidAttributeValue")
    topic = admin.client("sns").create_topic(Name=unique("t"))["TopicArn"]
    refused(lambda: admin.client("sns").set_topic_attributes(TopicArn=topic, AttributeName="Policy",
                                                             AttributeValue=no_principal), "InvalidParameter")
    secret = admin.client("secretsmanager").create_secret(Name=unique("s"), SecretString="x")["ARN"]
    refused(lambda: admin.client("secretsmanager").put_resource_policy(SecretId=secret, ResourcePolicy=no_principal),
            "MalformedPolicyDocumentException")
    key = admin.client("kms").create_key()["KeyMetadata"]["KeyId"]
    refused(lambda: admin.client("kms").put_key_policy(KeyId=key, PolicyName="default", Policy=no_principal),
            "MalformedPolicyDocumentException")
    granted = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"}]})
    admin.client("kms").put_key_policy(KeyId=key, PolicyName="default", Policy=granted)
