"""The benign catalog: changes that must NOT fail the suite, because AWS recommends them or they concern others.

A check that cries wolf is useless: each entry is a change an account commonly has beside the reviewed setup
(unrelated principals with their own policies, AWS's own default policies, a guard that only narrows), with the AWS
page that recommends or documents it. The mutation catalog turns each into a mutant that kills nothing
(``catalog.BENIGN_MUTANTS``), so the runner's judgement applies as it is: a benign change passes when no scenario
fails. ``benign-all`` applies every change at once, so the whole catalog costs one run of the suite
(``runner.run_benign``); when that run fails, each change is run alone to name the culprit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rolecheck.aws import operations
from rolecheck.mutation import edits
from rolecheck.policydoc import documents
from rolecheck.suite.scene import Deployment

ALL = "benign-all"


@dataclass(frozen=True)
class Benign:
    """A change that must not fail the suite, and the AWS page that says it is right."""

    name: str
    description: str
    apply: Callable[[Deployment], None]
    source_url: str


def _iam(deployment: Deployment) -> Any:
    return deployment.admin.client("iam")


def unrelated_lambda_role(deployment: Deployment) -> None:
    """A role only Lambda may assume, with a policy allowing everything: it concerns neither the user nor the role."""
    trust = edits._policy({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                           "Action": "sts:AssumeRole"})
    role = operations.create_role(_iam(deployment), deployment.registry, "unrelated-function", trust)
    _iam(deployment).put_role_policy(RoleName=role.name, PolicyName="everything", PolicyDocument=documents.dumps(
        edits._policy(edits.allow_statement("*", "*", "Everything"))))


def _unrelated_user(deployment: Deployment) -> str:
    user = operations.create_user(_iam(deployment), deployment.registry, "unrelated-user")
    _iam(deployment).put_user_policy(UserName=user.name, PolicyName="own-work", PolicyDocument=documents.dumps(
        edits._policy(edits.allow_statement(["s3:ListAllMyBuckets", "iam:ListUsers"], "*", "OwnWork"))))
    return user.arn


def unrelated_user(deployment: Deployment) -> None:
    """Another user with a policy of its own."""
    _unrelated_user(deployment)


def unrelated_bucket(deployment: Deployment) -> None:
    """Another user, and a bucket whose policy lets that user (and only it) read and write its objects."""
    user_arn = _unrelated_user(deployment)
    edits._other_bucket(deployment, "team-data", lambda arn: edits._grant(
        {"AWS": user_arn}, ["s3:GetObject", "s3:PutObject"], f"{arn}/*", "TeamData"))


def boundary_denies_iam(deployment: Deployment) -> None:
    """A permissions boundary on the role that allows everything but IAM: it only narrows, listing stays allowed."""
    iam, role = _iam(deployment), deployment.require_role()
    boundary = operations.create_policy(iam, deployment.registry, "no-iam-boundary", edits._policy(
        edits.allow_statement("*", "*", "Everything"),
        {"Sid": "NoIam", "Effect": "Deny", "Action": "iam:*", "Resource": "*"}))
    iam.put_role_permissions_boundary(RoleName=role.name, PermissionsBoundary=boundary)
    # Teardown deletes newest first: the role must go before the policy that bounds it.
    deployment.registry.track("role", role.name)


def bucket_tls_only(deployment: Deployment) -> None:
    """AWS's statement denying every request to the bucket not made over TLS."""
    bucket = f"arn:aws:s3:::{deployment.bucket}"
    edits._add_to_bucket_policy(deployment, {
        "Sid": "AllowSSLRequestsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [bucket, f"{bucket}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}})


def key_with_default_policy(deployment: Deployment) -> None:
    """A KMS key created without a policy: KMS gives it the default one (the account root may do kms:*)."""
    kms = deployment.admin.client("kms")
    key = kms.create_key(Tags=[{"TagKey": t["Key"], "TagValue": t["Value"]} for t in deployment.registry.tags()])
    deployment.registry.track("key", key["KeyMetadata"]["KeyId"])


def bucket_delegates_to_access_points(deployment: Deployment) -> None:
    """A bucket delegating access control to the account's access points, and no access point."""
    edits._delegating_bucket(deployment, "delegated")


def narrow_access_point(deployment: Deployment) -> None:
    """A bucket delegating to access points, and one access point on it that lets an unrelated user read one
    prefix: it grants the role and the walkthrough's user nothing."""
    bucket = edits._delegating_bucket(deployment, "narrowed")
    user = operations.create_user(deployment.admin.client("iam"), deployment.registry, "ap-reader")
    control = deployment.admin.client("s3control")
    name = deployment.registry.unique_name("narrow", bucket=True)
    arn = control.create_access_point(AccountId=deployment.account_id, Name=name, Bucket=bucket)["AccessPointArn"]
    deployment.registry.track("access-point", arn)
    control.put_access_point_policy(AccountId=deployment.account_id, Name=name, Policy=documents.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Sid": "ReaderReadsReports", "Effect": "Allow", "Principal": {"AWS": user.arn}, "Action": "s3:GetObject",
            "Resource": f"{arn}/object/reports/*"}]}))


def topic_with_default_policy(deployment: Deployment) -> None:
    """An SNS topic with the access policy SNS gives a new topic (AWS:SourceOwner = the account)."""
    sns = deployment.admin.client("sns")
    arn = sns.create_topic(Name=deployment.registry.unique_name("notices"), Tags=deployment.registry.tags())["TopicArn"]
    deployment.registry.track("topic", arn)


def queue_owner_only(deployment: Deployment) -> None:
    """An SQS queue with the console's default access policy: only the queue owner's account."""
    root = {"AWS": f"arn:aws:iam::{deployment.account_id}:root"}
    edits._queue(deployment, "work", lambda arn: edits._grant(root, "SQS:*", arn, "__owner_statement"))


S3_POLICIES = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"
BENIGN: tuple[Benign, ...] = (
    Benign("unrelated-lambda-role", "A role only Lambda may assume has a policy allowing everything.",
           unrelated_lambda_role,
           "https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html"),
    Benign("unrelated-user", "Another IAM user has an inline policy of its own.", unrelated_user,
           "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_manage-attach-detach.html"),
    Benign("unrelated-bucket", "Another bucket's policy grants another user its objects.", unrelated_bucket,
           S3_POLICIES + "example-bucket-policies.html"),
    Benign("role-boundary-denies-iam", "A permissions boundary on the role allows everything but IAM.",
           boundary_denies_iam, "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html"),
    Benign("bucket-tls-only", "The walkthrough bucket's policy denies every request not made over TLS.",
           bucket_tls_only, S3_POLICIES + "security-best-practices.html"),
    Benign("key-with-default-policy", "A KMS key has the default key policy.", key_with_default_policy,
           "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html"),
    Benign("bucket-delegates-to-access-points", "A bucket delegates access control to access points; there is none.",
           bucket_delegates_to_access_points, S3_POLICIES + "access-points-policies.html"),
    Benign("narrow-access-point", "A bucket delegating to access points has one that lets another user read a "
           "prefix.", narrow_access_point, S3_POLICIES + "access-points-policies.html"),
    Benign("topic-with-default-policy", "An SNS topic has the default topic policy.", topic_with_default_policy,
           "https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html"),
    Benign("queue-owner-only", "An SQS queue has the console's owner-only access policy.", queue_owner_only,
           "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/"
           "sqs-basic-examples-of-sqs-policies.html"),
)


def apply_all(deployment: Deployment) -> None:
    """Every benign change, in the catalog's order."""
    for entry in BENIGN:
        entry.apply(deployment)
