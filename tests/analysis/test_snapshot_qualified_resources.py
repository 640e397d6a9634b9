"""Resources with policies of their own beyond the first six services, read back from in-process moto and decided
each with its own rules: a Lambda alias's and version's policy, an ECR repository policy, a DynamoDB table policy.

- Lambda: a permission given with a Qualifier grants on that alias or version ARN alone
  (https://docs.aws.amazon.com/lambda/latest/dg/using-aliases.html#versioning-permissions-alias).
- ECR: a repository policy has no Resource element; it governs its repository
  (https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-policies.html).
- DynamoDB: a table's resource-based policy
  (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/access-control-resource-based.html).
- S3 access points: "both the access point and the underlying bucket must permit the request"; a bucket delegates
  with ``s3:DataAccessPointAccount``, which only a request through an access point carries
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-policies.html#access-points-delegating-control).
- KMS: a grant lets its grantee perform its operations on the key without any identity policy, within its
  encryption-context constraints (https://docs.aws.amazon.com/kms/latest/developerguide/grants.html).
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import boto3
import pytest
from snapshot_data import ACCOUNT, REGION

from rolecheck.analysis.queries import Analysis
from rolecheck.analysis.snapshot import Snapshot
from rolecheck.aws.snapshot_reader import read_snapshot


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return None\n")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def seeded(admin: boto3.Session) -> dict[str, str]:
    iam = admin.client("iam")
    role = iam.create_role(RoleName="reader", AssumeRolePolicyDocument=doc(
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}))
    role_arn = role["Role"]["Arn"]
    functions = admin.client("lambda")
    function = functions.create_function(FunctionName="report", Runtime="python3.12", Role=role_arn,
                                         Handler="index.handler", Code={"ZipFile": _zip()},
                                         Publish=True)["FunctionArn"]
    alias = functions.create_alias(FunctionName="report", Name="live", FunctionVersion="1")["AliasArn"]
    functions.add_permission(FunctionName="report", Qualifier="live", StatementId="ReaderInvokesLive",
                             Action="lambda:InvokeFunction", Principal=role_arn)
    ecr = admin.client("ecr")
    repository = ecr.create_repository(repositoryName="images")["repository"]["repositoryArn"]
    ecr.set_repository_policy(repositoryName="images", policyText=doc(
        {"Sid": "ReaderPulls", "Effect": "Allow", "Principal": {"AWS": role_arn}, "Action": "ecr:BatchGetImage"}))
    ecr.create_repository(repositoryName="no-policy")
    dynamodb = admin.client("dynamodb")
    table = dynamodb.create_table(TableName="orders", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                                  AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                                  BillingMode="PAY_PER_REQUEST",
                                  Tags=[{"Key": "data", "Value": "orders"}])["TableDescription"]["TableArn"]
    dynamodb.put_resource_policy(ResourceArn=table, Policy=doc(
        {"Sid": "ReaderGets", "Effect": "Allow", "Principal": {"AWS": role_arn}, "Action": "dynamodb:GetItem",
         "Resource": table}))
    kms = admin.client("kms")
    # The default key policy: the account administers the key; it names no role
    # (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
    key = kms.create_key(Policy=doc({"Sid": "Enable IAM User Permissions", "Effect": "Allow",
                                     "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*",
                                     "Resource": "*"}))["KeyMetadata"]["Arn"]
    grant = kms.create_grant(KeyId=key, GranteePrincipal=role_arn, Operations=["Decrypt"],
                             Constraints={"EncryptionContextSubset": {"app": "reports"}})["GrantId"]
    s3, control = admin.client("s3"), admin.client("s3control")
    for bucket, delegates in (("delegating-bucket", True), ("closed-bucket", False)):
        s3.create_bucket(Bucket=bucket)
        if delegates:
            s3.put_bucket_policy(Bucket=bucket, Policy=doc({
                "Sid": "DelegateToAccessPoints", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"StringEquals": {"s3:DataAccessPointAccount": ACCOUNT}}}))
        point = f"{bucket.split('-')[0]}-point"
        arn = control.create_access_point(AccountId=ACCOUNT, Name=point, Bucket=bucket)["AccessPointArn"]
        control.put_access_point_policy(AccountId=ACCOUNT, Name=point, Policy=doc({
            "Sid": "ReaderReads", "Effect": "Allow", "Principal": {"AWS": role_arn}, "Action": "s3:GetObject",
            "Resource": f"{arn}/object/reports/*"}))
    return {"role": role_arn, "function": function, "alias": alias, "repository": repository, "table": table,
            "key": key, "grant": grant,
            "open point": f"arn:aws:s3:{REGION}:{ACCOUNT}:accesspoint/delegating-point",
            "closed point": f"arn:aws:s3:{REGION}:{ACCOUNT}:accesspoint/closed-point"}


@pytest.fixture(scope="module")
def snapshot(admin: boto3.Session, seeded: dict[str, str]) -> Snapshot:
    return read_snapshot(admin.client, ACCOUNT, REGION)


def test_each_alias_version_repository_and_table_is_read_with_its_policy(snapshot: Snapshot,
                                                                         seeded: dict[str, str]) -> None:
    alias = snapshot.resources[seeded["alias"]]
    assert (alias.service, alias.resource_type, alias.name) == ("lambda", "function", "report:live")
    assert alias.policy is not None
    assert f"{seeded['function']}:1" in snapshot.resources  # the published version, with a policy of its own
    repository = snapshot.resources[seeded["repository"]]
    assert repository.policy is not None and repository.policy.name == "repository policy of images"
    # No Resource element in the repository policy: it is the repository's.
    assert repository.policy.statements[0].matches_resource(seeded["repository"], lambda key: None)
    assert snapshot.resources[f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/no-policy"].policy is None
    table = snapshot.resources[seeded["table"]]
    assert (table.resource_type, table.tags) == ("table", {"data": "orders"})
    assert table.policy is not None
    assert snapshot.unreadable == ()


def test_the_analysis_finds_the_grant_of_each(snapshot: Snapshot, seeded: dict[str, str]) -> None:
    grants = {(g.action, g.resource): g for g in Analysis(snapshot).principal_access(seeded["role"])}
    assert grants["lambda:InvokeFunction", seeded["alias"]].statement == "ReaderInvokesLive"
    # The alias's permission is on its ARN alone: the unqualified function is not granted by it.
    assert ("lambda:InvokeFunction", seeded["function"]) not in grants
    assert grants["ecr:BatchGetImage", seeded["repository"]].statement == "ReaderPulls"
    assert grants["dynamodb:GetItem", seeded["table"]].statement == "ReaderGets"
    assert ("dynamodb:PutItem", seeded["table"]) not in grants
    decrypt = grants["kms:Decrypt", seeded["key"]]
    assert decrypt.statement == f"grant {seeded['grant']}"
    assert "kms:EncryptionContext:app" in decrypt.condition  # the context the caller must send
    assert ("kms:Encrypt", seeded["key"]) not in grants
    through = grants["s3:GetObject", f"{seeded['open point']}/object/reports/*"]
    assert through.statement == "ReaderReads"
    assert "the bucket allows it too: bucket policy of delegating-bucket DelegateToAccessPoints" in through.note
    # The other bucket neither delegates nor names the role: its access point's policy alone grants nothing.
    assert not any(resource.startswith(seeded["closed point"]) for _, resource in grants)
    # Delegation grants no direct call: s3:DataAccessPointAccount is absent from it.
    assert not any(resource.startswith("arn:aws:s3:::delegating-bucket") for _, resource in grants)


def test_an_access_point_is_read_with_its_policy_and_bucket(snapshot: Snapshot, seeded: dict[str, str]) -> None:
    point = snapshot.resources[seeded["open point"]]
    assert (point.service, point.resource_type, point.bucket) == ("s3", "accesspoint", "delegating-bucket")
    assert point.policy is not None and point.policy.name == "access point policy of delegating-point"


def test_an_unreadable_repository_policy_is_one_line(admin: boto3.Session, seeded: dict[str, str]) -> None:
    class Refusing:
        def __init__(self, client: Any) -> None:
            self._client = client

        def __getattr__(self, name: str) -> Any:
            if name == "get_repository_policy":
                def refuse(**kwargs: Any) -> Any:
                    from botocore.exceptions import ClientError
                    raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}},
                                      "GetRepositoryPolicy")
                return refuse
            return getattr(self._client, name)

    snapshot = read_snapshot(lambda service: Refusing(admin.client(service)) if service == "ecr"
                             else admin.client(service), ACCOUNT, REGION)
    assert "ecr repository images: repository policy: AccessDeniedException: no" in snapshot.unreadable
