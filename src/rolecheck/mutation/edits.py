"""The mutants' edits of the account: each changes the deployed walkthrough through the administrator's clients.

An ``apply`` edit takes the ``Deployment`` after the scenario's Background and Givens, as someone editing the
account after review would; everything it creates is tracked in the deployment's registry, so it is torn down.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from rolecheck.aws import operations, readback
from rolecheck.aws.clients import AccessKey, Actor
from rolecheck.aws.secrets import Secret, generate_password
from rolecheck.mutation.context import MutationContext, Undo
from rolecheck.policydoc import documents
from rolecheck.suite import contract
from rolecheck.suite.scene import Deployment

# --- the walkthrough's own role, user and bucket ----------------------------------------------------------------

def _iam(deployment: Deployment) -> Any:
    return deployment.admin.client("iam")


def _new_default_version(deployment: Deployment, document: dict[str, Any]) -> None:
    """The reviewed managed policy gets a new default version: the document changed after review."""
    if deployment.policy_arn is None:
        raise RuntimeError("the mutant needs the reviewed policy, but none was deployed")
    _iam(deployment).create_policy_version(PolicyArn=deployment.policy_arn, PolicyDocument=documents.dumps(document),
                                           SetAsDefault=True)


def allow_statement(action: str | list[str], resource: str | list[str], sid: str) -> dict[str, Any]:
    """An identity-policy statement allowing ``action`` on ``resource``."""
    return {"Sid": sid, "Effect": "Allow", "Action": action, "Resource": resource}


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _reviewed_plus(deployment: Deployment, statement: dict[str, Any]) -> dict[str, Any]:
    reviewed = json.loads(json.dumps(deployment.documents["permissions"]))
    statements = reviewed["Statement"]
    reviewed["Statement"] = ([statements] if isinstance(statements, dict) else statements) + [statement]
    return reviewed


def add_to_policy(action: str | list[str], resource: str | list[str], sid: str) -> Callable[[Deployment], None]:
    """A new default version of the reviewed policy with one more Allow statement."""
    def apply(deployment: Deployment) -> None:
        resolved = resource if isinstance(resource, list) else [resource]
        resolved = [documents.fill(r, deployment.placeholders(), name="mutant resource") for r in resolved]
        _new_default_version(deployment, _reviewed_plus(deployment, allow_statement(action, resolved, sid)))
    return apply


def replace_policy(statement: dict[str, Any]) -> Callable[[Deployment], None]:
    """A new default version of the reviewed policy that consists of ``statement`` alone."""
    return lambda deployment: _new_default_version(deployment, _policy(statement))


def _set_trust(deployment: Deployment, principal: Any, *, keep_user: bool = True) -> None:
    """The role's trust policy, rewritten so that its one statement names ``principal`` (and the user)."""
    principals: dict[str, Any] = {}
    for kind, value in principal.items():
        principals.setdefault(kind, []).append(value)
    if keep_user:
        principals.setdefault("AWS", []).insert(0, deployment.require_user().arn)
    statement: dict[str, Any] = {"Sid": "TrustOnlyTheNamedUser", "Effect": "Allow",
                                 "Principal": {k: v[0] if len(v) == 1 else v for k, v in principals.items()},
                                 "Action": "sts:AssumeRole"}
    _iam(deployment).update_assume_role_policy(RoleName=deployment.require_role().name,
                                               PolicyDocument=documents.dumps(_policy(statement)))


def trust(principal: Callable[[Deployment], dict[str, Any]], *, keep_user: bool = True) -> Callable[[Deployment], None]:
    """Trust ``principal`` too (or instead of the user, with ``keep_user=False``)."""
    return lambda deployment: _set_trust(deployment, principal(deployment), keep_user=keep_user)


def second_user(deployment: Deployment) -> str:
    """The ARN of a new IAM user besides the walkthrough's own (tracked for teardown)."""
    return operations.create_user(_iam(deployment), deployment.registry, "second-user").arn


def trust_everyone(deployment: Deployment) -> None:
    """The trust policy names ``"AWS": "*"`` besides the user."""
    _set_trust(deployment, {"AWS": "*"})


def attach_admin_to_role(deployment: Deployment) -> None:
    iam = _iam(deployment)
    admin = operations.create_policy(iam, deployment.registry, "administrator-access",
                                      _policy(allow_statement("*", "*", "Administrator")))
    iam.attach_role_policy(RoleName=deployment.require_role().name, PolicyArn=admin)


def inline_policy_on_role(deployment: Deployment) -> None:
    bucket = f"arn:aws:s3:::{deployment.bucket}/*"
    _iam(deployment).put_role_policy(RoleName=deployment.require_role().name, PolicyName="read-reports",
                                     PolicyDocument=documents.dumps(_policy(allow_statement("s3:GetObject", bucket,
                                                                                       "ReadReports"))))


def detach_policy(deployment: Deployment) -> None:
    _iam(deployment).detach_role_policy(RoleName=deployment.require_role().name, PolicyArn=deployment.policy_arn)


def boundary_without_listing(deployment: Deployment) -> None:
    iam, role = _iam(deployment), deployment.require_role()
    boundary = operations.create_policy(iam, deployment.registry, "boundary", _policy(
        {"Sid": "EverythingButListing", "Effect": "Allow", "NotAction": "s3:ListAllMyBuckets", "Resource": "*"}))
    iam.put_role_permissions_boundary(RoleName=role.name, PermissionsBoundary=boundary)
    # Teardown deletes newest first: the role must go before the policy that bounds it, so it is tracked again.
    deployment.registry.track("role", role.name)


def long_sessions(deployment: Deployment) -> None:
    _iam(deployment).update_role(RoleName=deployment.require_role().name, MaxSessionDuration=43200)


def attach_policy_to_user(deployment: Deployment) -> None:
    _iam(deployment).attach_user_policy(UserName=deployment.require_user().name, PolicyArn=deployment.policy_arn)


def attach_policy_through_group(deployment: Deployment) -> None:
    iam = _iam(deployment)
    name = deployment.registry.unique_name("readers")
    iam.create_group(GroupName=name)
    deployment.registry.track("group", name)
    iam.attach_group_policy(GroupName=name, PolicyArn=deployment.policy_arn)
    iam.add_user_to_group(GroupName=name, UserName=deployment.require_user().name)


def inline_policy_on_user(deployment: Deployment) -> None:
    bucket = f"arn:aws:s3:::{deployment.bucket}/*"
    _iam(deployment).put_user_policy(UserName=deployment.require_user().name, PolicyName="read-reports",
                                     PolicyDocument=documents.dumps(_policy(allow_statement("s3:GetObject", bucket,
                                                                                       "ReadReports"))))


def _assume_the_role(deployment: Deployment) -> str:
    # Exactly what the trust policy already gives the user: redundant today, still a permission of its own.
    return documents.dumps(_policy(allow_statement("sts:AssumeRole", deployment.require_role().arn, "AssumeRole")))


def redundant_assume_policy_on_user(deployment: Deployment) -> None:
    _iam(deployment).put_user_policy(UserName=deployment.require_user().name, PolicyName="assume-the-role",
                                     PolicyDocument=_assume_the_role(deployment))


def redundant_assume_policy_attached(deployment: Deployment) -> None:
    iam = _iam(deployment)
    document = json.loads(_assume_the_role(deployment))
    arn = operations.create_policy(iam, deployment.registry, "assume-the-role", document)
    iam.attach_user_policy(UserName=deployment.require_user().name, PolicyArn=arn)


def redundant_assume_policy_through_group(deployment: Deployment) -> None:
    iam = _iam(deployment)
    name = deployment.registry.unique_name("assumers")
    iam.create_group(GroupName=name)
    deployment.registry.track("group", name)
    iam.put_group_policy(GroupName=name, PolicyName="assume-the-role", PolicyDocument=_assume_the_role(deployment))
    iam.add_user_to_group(GroupName=name, UserName=deployment.require_user().name)


def console_password_without_reset(deployment: Deployment) -> None:
    iam, user = _iam(deployment), deployment.require_user()
    with suppress(iam.exceptions.NoSuchEntityException):
        iam.delete_login_profile(UserName=user.name)
    operations.enable_console_access(iam, user, generate_password(), reset_required=False)


def _put_bucket_policy(deployment: Deployment, principal: Any, sid: str) -> None:
    statement = {"Sid": sid, "Effect": "Allow", "Principal": principal, "Action": "s3:GetObject",
                 "Resource": f"arn:aws:s3:::{deployment.bucket}/*"}
    deployment.admin.client("s3").put_bucket_policy(Bucket=deployment.bucket,
                                                    Policy=documents.dumps(_policy(statement)))


def bucket_policy_grants_role(deployment: Deployment) -> None:
    _put_bucket_policy(deployment, {"AWS": deployment.require_role().arn}, "RoleReadsObjects")


def bucket_grants_named_session(deployment: Deployment) -> None:
    """The bucket's policy names one session of the role, the one its assumer names nightly-export."""
    session = f"arn:aws:sts::{deployment.account_id}:assumed-role/{deployment.require_role().name}/nightly-export"
    _put_bucket_policy(deployment, {"AWS": session}, "NightlyExport")


def bucket_is_public(deployment: Deployment) -> None:
    _put_bucket_policy(deployment, "*", "PublicRead")


# --- grants from elsewhere in the account: resource-based policies on other resources ----------------------------

def _grant(principal: Any, actions: str | list[str], resource: str, sid: str,
           condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement = {"Sid": sid, "Effect": "Allow", "Principal": principal, "Action": actions, "Resource": resource}
    return statement | ({"Condition": condition} if condition else {})


def _role(deployment: Deployment) -> dict[str, str]:
    return {"AWS": deployment.require_role().arn}


def _user(deployment: Deployment) -> dict[str, str]:
    return {"AWS": deployment.require_user().arn}


def _other_bucket(deployment: Deployment, logical: str, statement: Callable[[str], dict[str, Any]]) -> str:
    """A second bucket, created after review, whose policy holds ``statement(bucket_arn)``; returns its name."""
    s3 = deployment.admin.client("s3")
    name = operations.create_bucket(s3, deployment.registry, logical, deployment.region)
    s3.put_bucket_policy(Bucket=name, Policy=documents.dumps(_policy(statement(f"arn:aws:s3:::{name}"))))
    return name


def other_bucket_grants_role(deployment: Deployment) -> None:
    _other_bucket(deployment, "shared-data", lambda arn: _grant(_role(deployment), ["s3:GetObject", "s3:PutObject"],
                                                                f"{arn}/*", "RoleSharesData"))


def _add_to_bucket_policy(deployment: Deployment, statement: dict[str, Any]) -> None:
    """One more statement on the walkthrough bucket's policy (created if it has none)."""
    s3 = deployment.admin.client("s3")
    current = readback.bucket_policy(s3, deployment.bucket or "")
    document = json.loads(json.dumps(current.document)) if current else _policy()
    document["Statement"] = [*documents.statements(document), statement]
    s3.put_bucket_policy(Bucket=deployment.bucket, Policy=documents.dumps(document))


def bucket_policy_grants_role_tagging(deployment: Deployment) -> None:
    _add_to_bucket_policy(deployment, _grant(_role(deployment), "s3:GetBucketTagging",
                                             f"arn:aws:s3:::{deployment.bucket}", "RoleReadsTags"))


def bucket_policy_grants_user_acl(deployment: Deployment) -> None:
    _add_to_bucket_policy(deployment, _grant(_user(deployment), "s3:PutObjectAcl",
                                             f"arn:aws:s3:::{deployment.bucket}/*", "UserSetsObjectAcls"))


def bucket_acl_public_read(deployment: Deployment) -> None:
    """The bucket accepts ACLs again, and its ACL lets everyone read it: a grant the engine does not evaluate."""
    s3 = deployment.admin.client("s3")
    s3.put_bucket_ownership_controls(Bucket=deployment.bucket, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]})
    s3.put_bucket_acl(Bucket=deployment.bucket, ACL="public-read")


def _queue(deployment: Deployment, logical: str, statement: Callable[[str], dict[str, Any]]) -> None:
    """An SQS queue, created after review, whose policy holds ``statement(queue_arn)``."""
    sqs = deployment.admin.client("sqs")
    name = deployment.registry.unique_name(logical)
    url = sqs.create_queue(QueueName=name, tags={t["Key"]: t["Value"] for t in deployment.registry.tags()})["QueueUrl"]
    deployment.registry.track("queue", url)
    arn = f"arn:aws:sqs:{deployment.region}:{deployment.account_id}:{name}"
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": documents.dumps(_policy(statement(arn)))})


def queue_policy_grants_role(deployment: Deployment) -> None:
    _queue(deployment, "jobs", lambda arn: _grant(_role(deployment), ["sqs:SendMessage", "sqs:ReceiveMessage"], arn,
                                                  "RoleUsesQueue"))


def _topic(deployment: Deployment, logical: str, statement: Callable[[str], dict[str, Any]]) -> None:
    """An SNS topic, created after review, whose policy holds ``statement(topic_arn)``."""
    sns = deployment.admin.client("sns")
    arn = sns.create_topic(Name=deployment.registry.unique_name(logical), Tags=deployment.registry.tags())["TopicArn"]
    deployment.registry.track("topic", arn)
    sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy",
                             AttributeValue=documents.dumps(_policy(statement(arn))))


def topic_policy_grants_user(deployment: Deployment) -> None:
    _topic(deployment, "alerts", lambda arn: _grant(_user(deployment), "sns:Publish", arn, "UserPublishes"))


def _secret(deployment: Deployment, logical: str, statement: dict[str, Any]) -> None:
    """A Secrets Manager secret, created after review, whose resource policy holds ``statement``."""
    secrets = deployment.admin.client("secretsmanager")
    # The value is a placeholder: the mutant is about who may read the secret, not what it holds.
    arn = secrets.create_secret(Name=deployment.registry.unique_name(logical), SecretString="placeholder",
                                Tags=deployment.registry.tags())["ARN"]
    deployment.registry.track("secret", arn)
    secrets.put_resource_policy(SecretId=arn, ResourcePolicy=documents.dumps(_policy(statement)))


def queue_grants_named_session(deployment: Deployment) -> None:
    session = f"arn:aws:sts::{deployment.account_id}:assumed-role/{deployment.require_role().name}/nightly-export"
    _queue(deployment, "exports", lambda arn: _grant({"AWS": session}, "sqs:SendMessage", arn, "NightlyExport"))


def secret_grants_session_userid(deployment: Deployment) -> None:
    """A secret readable by anyone whose aws:userid is the role's id and a session name starting nightly-."""
    role = deployment.require_role()
    _secret(deployment, "export-token", _grant("*", "secretsmanager:GetSecretValue", "*", "NightlySessions",
                                               {"StringLike": {"aws:userid": f"{role.role_id}:nightly-*"}}))


def queue_grants_source_identity(deployment: Deployment) -> None:
    """An SQS queue whose policy lets any principal of the account whose source identity is nightly-export send to
    it: the value is the assumer's to set (sts:SourceIdentity,
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html)."""
    _queue(deployment, "audited", lambda arn: _grant("*", "sqs:SendMessage", arn, "NightlyIdentity", {
        "StringEquals": {"aws:SourceIdentity": "nightly-export", "aws:PrincipalAccount": deployment.account_id}}))


def bucket_grants_prefix_listing(deployment: Deployment) -> None:
    """Another bucket whose policy lets the role list the keys under one prefix: s3:prefix is the caller's request
    parameter (https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html)."""
    _other_bucket(deployment, "homes", lambda arn: _grant(_role(deployment), "s3:ListBucket", arn, "RoleListsHome",
                                                          {"StringLike": {"s3:prefix": "home/reports/*"}}))


def secret_grants_session_tag(deployment: Deployment) -> None:
    """The role's trust also lets the user pass session tags (sts:TagSession), and a secret's policy lets anyone
    whose aws:PrincipalTag/team is platform read it: the user tags its session so, and reads the secret
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html)."""
    role = deployment.require_role()
    trust = dict(readback.trust_policy(_iam(deployment), role.name).document)
    trust["Statement"] = [*documents.statements(trust), {
        "Sid": "UserTagsSessions", "Effect": "Allow", "Principal": _user(deployment), "Action": "sts:TagSession"}]
    _iam(deployment).update_assume_role_policy(RoleName=role.name, PolicyDocument=documents.dumps(trust))
    _secret(deployment, "platform-token", _grant("*", "secretsmanager:GetSecretValue", "*", "PlatformTeam",
                                                 {"StringEquals": {"aws:PrincipalTag/team": "platform",
                                                                   "aws:PrincipalAccount": deployment.account_id}}))


def secret_policy_grants_role(deployment: Deployment) -> None:
    _secret(deployment, "db-password", _grant(_role(deployment), "secretsmanager:GetSecretValue", "*",
                                              "RoleReadsSecret"))


def _key(deployment: Deployment, statement: dict[str, Any]) -> None:
    """A KMS key, created after review, whose key policy keeps the account's administration and adds ``statement``."""
    administration = _grant({"AWS": f"arn:aws:iam::{deployment.account_id}:root"}, "kms:*", "*", "AccountAdministers")
    kms = deployment.admin.client("kms")
    key = kms.create_key(Policy=documents.dumps(_policy(administration, statement)),
                         Tags=[{"TagKey": t["Key"], "TagValue": t["Value"]} for t in deployment.registry.tags()])
    deployment.registry.track("key", key["KeyMetadata"]["KeyId"])


def key_policy_grants_user(deployment: Deployment) -> None:
    _key(deployment, _grant(_user(deployment), ["kms:Decrypt", "kms:Encrypt"], "*", "UserUsesKey"))


def access_point_grants_role(deployment: Deployment) -> None:
    """A bucket, created after review, that delegates to the account's access points as AWS documents, and an
    access point on it whose policy lets the role read the bucket's objects: both allow, so the role can."""
    bucket = _delegating_bucket(deployment, "shared")
    control = deployment.admin.client("s3control")
    name = deployment.registry.unique_name("reports", bucket=True)
    arn = control.create_access_point(AccountId=deployment.account_id, Name=name, Bucket=bucket)["AccessPointArn"]
    deployment.registry.track("access-point", arn)
    control.put_access_point_policy(AccountId=deployment.account_id, Name=name, Policy=documents.dumps(_policy(
        _grant(_role(deployment), "s3:GetObject", f"{arn}/object/*", "RoleReadsThroughAccessPoint"))))


def _delegating_bucket(deployment: Deployment, logical: str) -> str:
    """A bucket delegating access control to the account's access points
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-policies.html#access-points-delegating-control);
    returns its name."""
    return _other_bucket(deployment, logical, lambda arn: {
        "Sid": "DelegateToAccessPoints", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "*",
        "Resource": [arn, f"{arn}/*"],
        "Condition": {"StringEquals": {"s3:DataAccessPointAccount": deployment.account_id}}})


def key_grant_to_role(deployment: Deployment) -> None:
    """A KMS key with the account's default key policy, and a grant letting the role decrypt with it: a grant is
    no policy, and needs none (https://docs.aws.amazon.com/kms/latest/developerguide/grants.html)."""
    kms = deployment.admin.client("kms")
    administration = _grant({"AWS": f"arn:aws:iam::{deployment.account_id}:root"}, "kms:*", "*",
                            "EnableIAMUserPermissions")
    key = kms.create_key(Policy=documents.dumps(_policy(administration)),
                         Tags=[{"TagKey": t["Key"], "TagValue": t["Value"]} for t in deployment.registry.tags()])
    key_id = key["KeyMetadata"]["KeyId"]
    deployment.registry.track("key", key_id)
    kms.create_grant(KeyId=key_id, GranteePrincipal=deployment.require_role().arn, Operations=["Decrypt"])


def _function_code() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("index.py", "def handler(event, context):\n    return None\n")
    return archive.getvalue()


def function_permission_grants_role(deployment: Deployment) -> None:
    """A Lambda function, created after review, whose resource-based policy lets the role invoke it."""
    iam, functions = _iam(deployment), deployment.admin.client("lambda")
    execution = operations.create_role(iam, deployment.registry, "function-runner", _policy(
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}))
    name = deployment.registry.unique_name("nightly-report")
    functions.create_function(FunctionName=name, Runtime="python3.12", Role=execution.arn, Handler="index.handler",
                              Code={"ZipFile": _function_code()},
                              Tags={t["Key"]: t["Value"] for t in deployment.registry.tags()})
    deployment.registry.track("function", name)
    functions.add_permission(FunctionName=name, StatementId="RoleInvokes", Action="lambda:InvokeFunction",
                             Principal=deployment.require_role().arn)


def function_alias_grants_role(deployment: Deployment) -> None:
    """A Lambda function, created after review, whose alias ``live`` (not the function) lets the role invoke it:
    the permission is on the alias ARN alone, so only reading the alias's policy shows it."""
    iam, functions = _iam(deployment), deployment.admin.client("lambda")
    execution = operations.create_role(iam, deployment.registry, "alias-runner", _policy(
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}))
    name = deployment.registry.unique_name("nightly-alias")
    functions.create_function(FunctionName=name, Runtime="python3.12", Role=execution.arn, Handler="index.handler",
                              Code={"ZipFile": _function_code()}, Publish=True,
                              Tags={t["Key"]: t["Value"] for t in deployment.registry.tags()})
    deployment.registry.track("function", name)
    functions.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    functions.add_permission(FunctionName=name, Qualifier="live", StatementId="RoleInvokesLive",
                             Action="lambda:InvokeFunction", Principal=deployment.require_role().arn)


def repository_grants_role(deployment: Deployment) -> None:
    """An ECR repository, created after review, whose policy lets the role pull its images."""
    ecr = deployment.admin.client("ecr")
    name = deployment.registry.unique_name("images")
    ecr.create_repository(repositoryName=name, tags=deployment.registry.tags())
    deployment.registry.track("repository", name)
    statement = _grant(_role(deployment), ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], "*", "RolePulls")
    del statement["Resource"]  # a repository policy has none: it governs its repository
    ecr.set_repository_policy(repositoryName=name, policyText=documents.dumps(_policy(statement)))


def table_grants_role(deployment: Deployment) -> None:
    """A DynamoDB table, created after review, whose resource policy lets the role read its items."""
    dynamodb = deployment.admin.client("dynamodb")
    name = deployment.registry.unique_name("orders")
    table = dynamodb.create_table(TableName=name, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                                  AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                                  BillingMode="PAY_PER_REQUEST", Tags=deployment.registry.tags())
    deployment.registry.track("table", name)
    arn = table["TableDescription"]["TableArn"]
    dynamodb.put_resource_policy(ResourceArn=arn, Policy=documents.dumps(_policy(
        _grant(_role(deployment), ["dynamodb:GetItem", "dynamodb:Query"], arn, "RoleReadsOrders"))))


# --- other roles whose trust names the user or the role ------------------------------------------------------------

def _powerful_role(deployment: Deployment, logical: str, trusted: dict[str, Any],
                   condition: dict[str, Any] | None = None) -> str:
    """A role, created after review, that may do everything and whose trust policy admits ``trusted``."""
    iam = _iam(deployment)
    statement = {"Effect": "Allow", "Principal": trusted, "Action": "sts:AssumeRole"}
    role = operations.create_role(iam, deployment.registry, logical,
                                   _policy(statement | ({"Condition": condition} if condition else {})))
    iam.put_role_policy(RoleName=role.name, PolicyName="everything",
                        PolicyDocument=documents.dumps(_policy(allow_statement("*", "*", "Everything"))))
    return role.arn


def other_role_trusts_user(deployment: Deployment) -> None:
    _powerful_role(deployment, "break-glass", _user(deployment))


def other_role_trusts_role(deployment: Deployment) -> None:
    _powerful_role(deployment, "deployer", _role(deployment))


def other_role_trusts_userid_prefix(deployment: Deployment) -> None:
    """A powerful role trusts any caller whose aws:userid is the reviewed role's id and a session name starting with
    the user's name: the user, naming its session so when it switches, reaches it through the reviewed role."""
    role, user = deployment.require_role(), deployment.require_user()
    _powerful_role(deployment, "exporter", {"AWS": "*"},
                   {"StringLike": {"aws:userid": f"{role.role_id}:{user.name}*"}})


def role_chain_from_user(deployment: Deployment) -> None:
    """The user may assume a harmless-looking role, whose sessions may assume a powerful one."""
    hop = operations.create_role(_iam(deployment), deployment.registry, "read-only-hop", _policy(
        {"Effect": "Allow", "Principal": _user(deployment), "Action": "sts:AssumeRole"}))
    _powerful_role(deployment, "chained-admin", {"AWS": hop.arn})


def other_role_trusts_role_through_account(deployment: Deployment) -> None:
    """Another role trusts the whole account, and the role gets an inline policy allowing it to assume that role."""
    target = _powerful_role(deployment, "ops", {"AWS": f"arn:aws:iam::{deployment.account_id}:root"})
    _iam(deployment).put_role_policy(RoleName=deployment.require_role().name, PolicyName="assume-ops",
                                     PolicyDocument=documents.dumps(_policy(allow_statement("sts:AssumeRole", target,
                                                                                       "AssumeOps"))))


# --- permissions that reach the user after it was created ----------------------------------------------------------

def user_in_group_with_inline_policy(deployment: Deployment) -> None:
    iam = _iam(deployment)
    name = deployment.registry.unique_name("auditors")
    iam.create_group(GroupName=name)
    deployment.registry.track("group", name)
    iam.put_group_policy(GroupName=name, PolicyName="list-users",
                         PolicyDocument=documents.dumps(_policy(allow_statement("iam:ListUsers", "*", "ListUsers"))))
    iam.add_user_to_group(GroupName=name, UserName=deployment.require_user().name)


def user_reads_bucket_tags(deployment: Deployment) -> None:
    """A managed policy allowing an action no probe tries is attached to the user."""
    iam = _iam(deployment)
    policy = operations.create_policy(iam, deployment.registry, "read-tags", _policy(
        allow_statement("s3:GetBucketTagging", f"arn:aws:s3:::{deployment.bucket}", "ReadTags")))
    iam.attach_user_policy(UserName=deployment.require_user().name, PolicyArn=policy)


# --- tag-based (ABAC) grants conditioned on a tag the role or the user carries ---------------------------------------

def _run_tag(deployment: Deployment) -> dict[str, Any]:
    """A condition on the tag the suite puts on everything it creates, so the user and the role both carry it."""
    tag = deployment.registry.tags()[0]
    return {"StringEquals": {f"aws:PrincipalTag/{tag['Key']}": tag["Value"]}}


def abac_bucket_grants_tagged_principals(deployment: Deployment) -> None:
    _other_bucket(deployment, "team-data", lambda arn: _grant("*", "s3:GetObject", f"{arn}/*", "TaggedPrincipalsRead",
                                                              _run_tag(deployment)))


_TEAM = {"Key": "team", "Value": "platform"}
_TEAM_CONDITION = {"StringEquals": {"aws:PrincipalTag/team": "platform"}}


def abac_role_trusts_tagged_user(deployment: Deployment) -> None:
    """The user is tagged team=platform, and a powerful role admits any principal tagged so."""
    _iam(deployment).tag_user(UserName=deployment.require_user().name, Tags=[_TEAM])
    _powerful_role(deployment, "platform-admin", {"AWS": "*"}, _TEAM_CONDITION)


def abac_queue_grants_tagged_role(deployment: Deployment) -> None:
    """The role is tagged team=platform, and a queue's policy admits any principal tagged so."""
    _iam(deployment).tag_role(RoleName=deployment.require_role().name, Tags=[_TEAM])
    _queue(deployment, "platform-jobs", lambda arn: _grant("*", "sqs:SendMessage", arn, "PlatformSends",
                                                           _TEAM_CONDITION))


def abac_secret_grants_tagged_principals(deployment: Deployment) -> None:
    _secret(deployment, "team-token", _grant("*", "secretsmanager:GetSecretValue", "*", "TaggedPrincipalsRead",
                                             _run_tag(deployment)))


# --- the operator -------------------------------------------------------------------------------------------------

def operator_is_root(context: MutationContext) -> Undo:
    """The walkthrough's operator signs in with the account root user's credentials."""
    from rolecheck import moto_adapter

    account = context.deployment.account_id
    key_id, secret = moto_adapter.bootstrap_root(account)
    root = Actor("account root user", context.client_factory)
    root.sign_in(AccessKey(key_id, Secret(secret)))
    context.deployment.admin = root
    return lambda: moto_adapter.remove_root(account)


# --- the example contracts' entities, by logical name (examples/contracts/*) --------------------------------------

def _without_condition_keys(document: dict[str, Any], keys: set[str] | None) -> dict[str, Any]:
    """The document with the condition keys ``keys`` removed from every statement (every condition when None)."""
    statements = []
    for statement in documents.statements(document):
        statement = dict(statement)
        condition = statement.pop("Condition", None) or {}
        if keys is not None:
            kept = {op: {k: v for k, v in block.items() if k.lower() not in keys} for op, block in condition.items()}
            kept = {op: block for op, block in kept.items() if block}
            if kept:
                statement["Condition"] = kept
        statements.append(statement)
    return {"Version": document.get("Version", "2012-10-17"), "Statement": statements}


def drop_trust_condition(role: str, keys: set[str] | None) -> Callable[[Deployment], None]:
    """The role ``role``'s trust policy loses its conditions on ``keys`` (all its conditions when None)."""
    def edit(deployment: Deployment) -> None:
        name = deployment.entities.named(role, "role").name
        trust = dict(readback.trust_policy(_iam(deployment), name).document)
        _iam(deployment).update_assume_role_policy(RoleName=name, PolicyDocument=documents.dumps(
            _without_condition_keys(trust, keys)))
    return edit


def whole_bucket_grant(policy: str, bucket: str) -> Callable[[Deployment], None]:
    """The policy ``policy`` reads every object of the bucket ``bucket`` and lists all of it."""
    def edit(deployment: Deployment) -> None:
        arn = deployment.entities.named(policy, "policy").arn
        name = deployment.entities.named(bucket, "bucket").name
        document = _policy(allow_statement("s3:GetObject", f"arn:aws:s3:::{name}/*", "ReadTheWholeBucket"),
                           allow_statement("s3:ListBucket", f"arn:aws:s3:::{name}", "ListTheWholeBucket"))
        _iam(deployment).create_policy_version(PolicyArn=arn, PolicyDocument=documents.dumps(document),
                                               SetAsDefault=True)
    return edit


def second_role_reachable(role: str, inline: str) -> Callable[[Deployment], None]:
    """A second role "admin" trusting the account, and the role ``role``'s inline policy ``inline`` widened to
    assume any role: the jump role leads to more than the target."""
    def edit(deployment: Deployment) -> None:
        iam = _iam(deployment)
        account = {"AWS": f"arn:aws:iam::{deployment.account_id}:root"}
        operations.create_role(iam, deployment.registry, "admin", {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": account}]})
        iam.put_role_policy(RoleName=deployment.entities.named(role, "role").name, PolicyName=inline,
                            PolicyDocument=documents.dumps(_policy(allow_statement("sts:AssumeRole", "*",
                                                                                   "AssumeAnyRole"))))
    return edit


def queue_policy_grants(queue: str, role: str, actions: list[str]) -> Callable[[Deployment], None]:
    """The queue ``queue``'s policy grants the role ``role`` ``actions`` beyond its reviewed policy."""
    def edit(deployment: Deployment) -> None:
        entity = deployment.entities.named(queue, "queue")
        statement = _grant({"AWS": deployment.entities.named(role, "role").arn}, actions, entity.arn, "QueueGrant")
        deployment.admin.client("sqs").set_queue_attributes(
            QueueUrl=entity.extra["url"], Attributes={"Policy": documents.dumps(_policy(statement))})
    return edit


def function_policy_grants(function: str, role: str, action: str) -> Callable[[Deployment], None]:
    """The function ``function``'s resource-based policy grants the role ``role`` ``action``."""
    def edit(deployment: Deployment) -> None:
        deployment.admin.client("lambda").add_permission(
            FunctionName=deployment.entities.named(function, "function").name, StatementId="RolecheckMutant",
            Action=action, Principal=deployment.entities.named(role, "role").arn)
    return edit


def resource_policy_grants(kind: str, logical: str, role: str, actions: list[str]) -> Callable[[Deployment], None]:
    """The resource ``logical`` (a topic, secret, key or table) gets a resource policy granting the role ``role``
    ``actions``; a key's policy keeps the account's delegation to IAM beside the grant."""
    def edit(deployment: Deployment) -> None:
        entity = deployment.entities.named(logical, kind)
        statements = [_grant({"AWS": deployment.entities.named(role, "role").arn}, actions,
                             "*" if kind == "key" else entity.arn, "ResourceGrant")]
        if kind == "key":
            # https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam
            statements.append(_grant({"AWS": f"arn:aws:iam::{deployment.account_id}:root"}, "kms:*", "*",
                                     "EnableIamPolicies"))
        contract.set_resource_policy(deployment, entity, _policy(*statements))
    return edit


def trust_admits_service(role: str, service: str) -> Callable[[Deployment], None]:
    """The role ``role``'s trust policy also admits the AWS service ``service``."""
    def edit(deployment: Deployment) -> None:
        name = deployment.entities.named(role, "role").name
        trust = dict(readback.trust_policy(_iam(deployment), name).document)
        statement = {"Sid": "AlsoTheService", "Effect": "Allow", "Principal": {"Service": service},
                     "Action": "sts:AssumeRole"}
        trust["Statement"] = [*documents.statements(trust), statement]
        _iam(deployment).update_assume_role_policy(RoleName=name, PolicyDocument=documents.dumps(trust))
    return edit


def group_policy_grants(group: str, kind: str, logical: str, actions: list[str]) -> Callable[[Deployment], None]:
    """The group ``group`` gets an inline policy granting ``actions`` on the ``kind`` ``logical``."""
    def edit(deployment: Deployment) -> None:
        _iam(deployment).put_group_policy(
            GroupName=deployment.entities.named(group, "group").name, PolicyName="rolecheck-mutant-group-grant",
            PolicyDocument=documents.dumps(_policy(allow_statement(
                actions, deployment.entities.named(logical, kind).arn, "GroupGrant"))))
    return edit


def remove_boundary(kind: str, logical: str) -> Callable[[Deployment], None]:
    """The role or user ``logical`` (``kind``) loses its permissions boundary."""
    def edit(deployment: Deployment) -> None:
        name = deployment.entities.named(logical, kind).name
        if kind == "role":
            _iam(deployment).delete_role_permissions_boundary(RoleName=name)
        else:
            _iam(deployment).delete_user_permissions_boundary(UserName=name)
    return edit
