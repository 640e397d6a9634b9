"""The mutation catalog: named misconfigurations of the walkthrough's account that the suite must catch.

Each mutant is a plain-English misconfiguration and the scenarios it must make fail. Auditors run the suite with
``--mutant NAME`` to see a check fail on a deliberately broken account; ``rolecheck-mutants`` runs the whole
catalog and checks that exactly the expected scenarios fail, each with a compliance violation.

Most mutants change the deployed account after the scenario's Background and Givens, through the administrator's
clients, as someone editing the account after review would. Two kinds act earlier or below the account:

- ``setup`` mutants run before the first Given (the operator is the account root user);
- ``moto_only`` mutants make the moto target behave unlike AWS (an STS that ignores a limit AWS enforces). They
  show that the checks of AWS's own guarantees can fail too, for an AWS-compatible endpoint that breaks them.

Scenarios are named as in the feature files; outline rows by the name with their example values filled in.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from rolecheck.aws import operations, readback
from rolecheck.aws.clients import AccessKey, Actor, ClientFactory
from rolecheck.aws.secrets import Secret, generate_password
from rolecheck.policydoc import documents
from rolecheck.suite.outsiders import FOREIGN_ACCOUNT
from rolecheck.suite.scene import Deployment


class UnknownMutant(KeyError):
    """A mutant name that is not in the catalog; the message is one line naming the way to list them."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class MutationContext:
    """What a ``setup`` mutant may act on before the first Given."""

    deployment: Deployment
    client_factory: ClientFactory
    target_name: str


Undo = Callable[[], None]


@dataclass(frozen=True)
class Mutant:
    """A named misconfiguration and the scenarios that must fail because of it."""

    name: str
    description: str
    kills: frozenset[str]
    apply: Callable[[Deployment], None] | None = None
    setup: Callable[[MutationContext], Undo] | None = None
    moto_only: bool = False
    # Scenarios whose check cannot be made under this mutant (it needs a step the mutant breaks): they must fail,
    # and may fail with an error instead of a compliance violation. Kept rare and named, never a wildcard.
    unevaluable: frozenset[str] = frozenset()
    notes: str = field(default="", compare=False)


# Scenario names, as pytest-bdd renders them.
WALKTHROUGH = "An IAM user lists the buckets through the role with temporary credentials"
CAN_LIST = "The role can list all buckets"
EXACT = "The role's effective permissions are exactly the reviewed set"
NO_WILDCARDS = "No policy of the role grants wildcard actions"
NO_ESCALATION = "The role cannot escalate its privileges"
REVIEWED = "The deployed documents are the reviewed documents"
TEMPORARY = "The role's credentials are temporary session credentials"
MAX_SESSION = "The role refuses sessions longer than one hour"
CHAINED = "A session chained from the role lasts at most one hour"
EXPIRED = "Expired credentials are rejected"
ATTRIBUTED = "Actions with the role's credentials are attributed to the user's session"
NO_STANDING = "The user has no standing permissions of its own"
USER_ASSUMES = "The user named in the trust policy can assume the role"
TRUST_ADMITS = "The trust policy admits no one but the named user"
OTHER_USER = "another IAM user whose own policy allows assuming every role cannot assume the role"
FOREIGN_ADMIN = "an administrator of another AWS account cannot assume the role"
ANONYMOUS = "an unsigned request cannot assume the role"
OWN_SESSION = "the role's own session cannot assume the role"
SESSION_ACCOUNT_WIDE = "Nothing in the account grants the role's session more than listing the buckets"
ONLY_USER_ASSUMES = "Nothing in the account lets anyone but the named user assume the role"
ASSUMES_NO_ROLE = "The role's session cannot switch to any other role"

ACTIVITIES = {
    "s3:GetObject": "read objects in the bucket",
    "s3:PutObject": "write objects in the bucket",
    "s3:DeleteObject": "delete objects in the bucket",
    "s3:ListBucket": "list the objects in the bucket",
    "s3:GetBucketPolicy": "read the bucket policy",
    "s3:PutBucketPolicy": "change the bucket policy",
    "s3:DeleteBucket": "delete the bucket",
    "s3:CreateBucket": "create a bucket",
    "iam:CreateUser": "create IAM users",
    "iam:AttachRolePolicy": "attach a policy to its own role",
    "iam:PutRolePolicy": "add an inline policy to its own role",
    "iam:PassRole": "pass its role to an AWS service",
    "sts:AssumeRole": "assume another role",
    "sns:ListTopics": "use an unrelated service",
}
S3_ACTIONS = tuple(action for action in ACTIVITIES if action.startswith("s3:"))


def cannot(*actions: str) -> set[str]:
    """The least-privilege outline rows for ``actions``."""
    return {f"The role cannot {ACTIVITIES[action]}" for action in actions}


def every_scenario_of_the_walkthrough() -> set[str]:
    """Every scenario: each one begins with the Given that the operator is not the root user."""
    return ({WALKTHROUGH, CAN_LIST, EXACT, NO_WILDCARDS, NO_ESCALATION, REVIEWED, TEMPORARY, MAX_SESSION, CHAINED,
             EXPIRED, ATTRIBUTED, NO_STANDING, USER_ASSUMES, TRUST_ADMITS, OTHER_USER, FOREIGN_ADMIN, ANONYMOUS,
             OWN_SESSION, SESSION_ACCOUNT_WIDE, ONLY_USER_ASSUMES, ASSUMES_NO_ROLE} | cannot(*ACTIVITIES))


# --- how the account is changed -------------------------------------------------------------------------------

def _iam(deployment: Deployment) -> Any:
    return deployment.admin.client("iam")


def _new_default_version(deployment: Deployment, document: dict[str, Any]) -> None:
    """The reviewed managed policy gets a new default version: the document changed after review."""
    if deployment.policy_arn is None:
        raise RuntimeError("the mutant needs the reviewed policy, but none was deployed")
    _iam(deployment).create_policy_version(PolicyArn=deployment.policy_arn, PolicyDocument=documents.dumps(document),
                                           SetAsDefault=True)


def _statement(action: str | list[str], resource: str | list[str], sid: str) -> dict[str, Any]:
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
        _new_default_version(deployment, _reviewed_plus(deployment, _statement(action, resolved, sid)))
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


def _second_user(deployment: Deployment) -> str:
    return operations.create_user(_iam(deployment), deployment.registry, "second-user").arn


def _everyone_trusted(deployment: Deployment) -> None:
    _set_trust(deployment, {"AWS": "*"})


def attach_admin_to_role(deployment: Deployment) -> None:
    iam = _iam(deployment)
    admin = operations.create_policy(iam, deployment.registry, "administrator-access",
                                      _policy(_statement("*", "*", "Administrator")))
    iam.attach_role_policy(RoleName=deployment.require_role().name, PolicyArn=admin)


def inline_policy_on_role(deployment: Deployment) -> None:
    bucket = f"arn:aws:s3:::{deployment.bucket}/*"
    _iam(deployment).put_role_policy(RoleName=deployment.require_role().name, PolicyName="read-reports",
                                     PolicyDocument=documents.dumps(_policy(_statement("s3:GetObject", bucket,
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
                                     PolicyDocument=documents.dumps(_policy(_statement("s3:GetObject", bucket,
                                                                                       "ReadReports"))))


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


def _other_bucket(deployment: Deployment, logical: str, statement: Callable[[str], dict[str, Any]]) -> None:
    """A second bucket, created after review, whose policy holds ``statement(bucket_arn)``."""
    s3 = deployment.admin.client("s3")
    name = operations.create_bucket(s3, deployment.registry, logical, deployment.region)
    s3.put_bucket_policy(Bucket=name, Policy=documents.dumps(_policy(statement(f"arn:aws:s3:::{name}"))))


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


# --- other roles whose trust names the user or the role ------------------------------------------------------------

def _powerful_role(deployment: Deployment, logical: str, trusted: dict[str, Any],
                   condition: dict[str, Any] | None = None) -> str:
    """A role, created after review, that may do everything and whose trust policy admits ``trusted``."""
    iam = _iam(deployment)
    statement = {"Effect": "Allow", "Principal": trusted, "Action": "sts:AssumeRole"}
    role = operations.create_role(iam, deployment.registry, logical,
                                   _policy(statement | ({"Condition": condition} if condition else {})))
    iam.put_role_policy(RoleName=role.name, PolicyName="everything",
                        PolicyDocument=documents.dumps(_policy(_statement("*", "*", "Everything"))))
    return role.arn


def other_role_trusts_user(deployment: Deployment) -> None:
    _powerful_role(deployment, "break-glass", _user(deployment))


def other_role_trusts_role(deployment: Deployment) -> None:
    _powerful_role(deployment, "deployer", _role(deployment))


def role_chain_from_user(deployment: Deployment) -> None:
    """The user may assume a harmless-looking role, whose sessions may assume a powerful one."""
    hop = operations.create_role(_iam(deployment), deployment.registry, "read-only-hop", _policy(
        {"Effect": "Allow", "Principal": _user(deployment), "Action": "sts:AssumeRole"}))
    _powerful_role(deployment, "chained-admin", {"AWS": hop.arn})


def other_role_trusts_role_through_account(deployment: Deployment) -> None:
    """Another role trusts the whole account, and the role gets an inline policy allowing it to assume that role."""
    target = _powerful_role(deployment, "ops", {"AWS": f"arn:aws:iam::{deployment.account_id}:root"})
    _iam(deployment).put_role_policy(RoleName=deployment.require_role().name, PolicyName="assume-ops",
                                     PolicyDocument=documents.dumps(_policy(_statement("sts:AssumeRole", target,
                                                                                       "AssumeOps"))))


# --- permissions that reach the user after it was created ----------------------------------------------------------

def user_in_group_with_inline_policy(deployment: Deployment) -> None:
    iam = _iam(deployment)
    name = deployment.registry.unique_name("auditors")
    iam.create_group(GroupName=name)
    deployment.registry.track("group", name)
    iam.put_group_policy(GroupName=name, PolicyName="list-users",
                         PolicyDocument=documents.dumps(_policy(_statement("iam:ListUsers", "*", "ListUsers"))))
    iam.add_user_to_group(GroupName=name, UserName=deployment.require_user().name)


def user_reads_bucket_tags(deployment: Deployment) -> None:
    """A managed policy allowing an action no probe tries is attached to the user."""
    iam = _iam(deployment)
    policy = operations.create_policy(iam, deployment.registry, "read-tags", _policy(
        _statement("s3:GetBucketTagging", f"arn:aws:s3:::{deployment.bucket}", "ReadTags")))
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


# --- an AWS-compatible endpoint that breaks AWS's own guarantees (moto only) --------------------------------------

@contextmanager
def _patched(owner: Any, name: str, value: Any) -> Iterator[None]:
    original = owner.__dict__[name]
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, original)


def _undo_of(manager: Any) -> Undo:
    manager.__enter__()
    return lambda: manager.__exit__(None, None, None)


def sts_issues_long_credentials(context: MutationContext) -> Undo:
    """STS hands out 12-hour credentials whatever duration was asked for."""
    from moto.sts.models import STSBackend

    original = STSBackend.assume_role

    def assume_role(self: Any, **kwargs: Any) -> Any:
        return original(self, **{**kwargs, "duration": 43200})

    return _undo_of(_patched(STSBackend, "assume_role", assume_role))


def sts_ignores_chaining_limit(context: MutationContext) -> Undo:
    """STS lets a role session chain into a role for as long as that role allows."""
    from rolecheck.moto_adapter import sessions

    return _undo_of(_patched(sessions, "CHAINING_LIMIT_SECONDS", 43200))


def sts_honours_expired_credentials(deployment: Deployment) -> None:
    """The role session stays valid a day longer than the expiry STS announced."""
    from moto.sts.models import sts_backends

    if deployment.role_key is None:
        return  # no session yet in this scenario: nothing to prolong
    session = sts_backends[deployment.account_id]["aws"].get_assumed_role_from_access_key(
        deployment.role_key.access_key_id)
    session.expiration += timedelta(days=1)


def sts_hides_session_name(context: MutationContext) -> Undo:
    """GetCallerIdentity names the role but not the session, so CloudTrail cannot tell who acted."""
    from moto.sts.models import STSBackend

    original = STSBackend.get_caller_identity

    def get_caller_identity(self: Any, access_key_id: str, region: str) -> tuple[str, str, str]:
        user_id, arn, account = original(self, access_key_id, region)
        if ":assumed-role/" in arn:
            arn = arn.rsplit("/", 1)[0] + "/shared-session"
        return user_id, arn, account

    return _undo_of(_patched(STSBackend, "get_caller_identity", get_caller_identity))


def sts_answers_unsigned_requests(context: MutationContext) -> Undo:
    """STS decides unsigned AssumeRole calls by the trust policy alone, as if an anonymous caller could sign in."""
    from moto.core.authorization import ActionAuthenticatorMixin

    from rolecheck.moto_adapter.calls import call_of, denied
    from rolecheck.moto_adapter.identity import credential_of, find_role_by_arn
    from rolecheck.moto_adapter.params import first_param
    from rolecheck.policydoc.lint import internet_accessible

    installed = ActionAuthenticatorMixin.__dict__["_authenticate_and_authorize_action"]

    def authorize(response: Any, iam_request_cls: type, resource: str = "*") -> None:
        call = call_of(response)
        if call.service == "sts" and credential_of(response.headers, call.query) is None:
            role = find_role_by_arn(first_param(call.params, "RoleArn") or "")
            if role is None or not internet_accessible(documents.from_api(role.assume_role_policy_document)):
                raise denied(call, "the trust policy does not admit anonymous callers")
            return
        installed(response, iam_request_cls, resource)

    return _undo_of(_patched(ActionAuthenticatorMixin, "_authenticate_and_authorize_action", authorize))


# --- the catalog --------------------------------------------------------------------------------------------------

_POLICY_CHANGED = {REVIEWED, EXACT, SESSION_ACCOUNT_WIDE}
_TRUST_CHANGED = {REVIEWED, TRUST_ADMITS, ONLY_USER_ASSUMES}

CATALOG: tuple[Mutant, ...] = (
    Mutant("policy-allows-s3-star", "The role's policy allows s3:* instead of only listing the buckets.",
           frozenset(_POLICY_CHANGED | {NO_WILDCARDS, NO_ESCALATION} | cannot(*S3_ACTIONS)),
           apply=replace_policy(_statement("s3:*", "*", "AllS3"))),
    Mutant("policy-reads-every-object", "The role's policy also allows s3:GetObject on arn:aws:s3:::*/*.",
           frozenset(_POLICY_CHANGED | cannot("s3:GetObject")),
           apply=add_to_policy("s3:GetObject", "arn:aws:s3:::*/*", "ReadEveryObject")),
    Mutant("policy-allows-notaction", "The role's policy allows everything except IAM, written with NotAction.",
           frozenset(_POLICY_CHANGED | {NO_WILDCARDS, NO_ESCALATION, ASSUMES_NO_ROLE}
                     | cannot(*S3_ACTIONS, "sts:AssumeRole", "sns:ListTopics")),
           apply=replace_policy({"Sid": "EverythingButIam", "Effect": "Allow", "NotAction": "iam:*",
                                 "Resource": "*"})),
    Mutant("policy-grants-passrole", "The role's policy also allows iam:PassRole on every role.",
           frozenset(_POLICY_CHANGED | {NO_ESCALATION} | cannot("iam:PassRole")),
           apply=add_to_policy("iam:PassRole", "*", "PassAnyRole")),
    Mutant("policy-lists-with-pattern", "The role's policy allows s3:List* instead of s3:ListAllMyBuckets.",
           frozenset(_POLICY_CHANGED | {NO_WILDCARDS} | cannot("s3:ListBucket")),
           apply=replace_policy(_statement("s3:List*", "*", "ListEverything"))),
    Mutant("policy-lists-bucket-instead", "The role's policy allows s3:ListBucket instead of s3:ListAllMyBuckets.",
           frozenset(_POLICY_CHANGED | {WALKTHROUGH, CAN_LIST} | cannot("s3:ListBucket")),
           apply=replace_policy(_statement("s3:ListBucket", "*", "ListBucket"))),
    # No role in the account trusts the session: the account-wide claims fail on roles outside the account, whose
    # trust policies the analysis cannot read and takes as allowing.
    Mutant("policy-assumes-any-role", "The role's policy also allows sts:AssumeRole on every role.",
           frozenset(_POLICY_CHANGED | {NO_ESCALATION, ASSUMES_NO_ROLE} | cannot("sts:AssumeRole")),
           apply=add_to_policy("sts:AssumeRole", "*", "AssumeAnyRole")),
    Mutant("policy-manages-own-role", "The role's policy lets the role attach and write policies on itself.",
           frozenset(_POLICY_CHANGED | {NO_ESCALATION} | cannot("iam:AttachRolePolicy", "iam:PutRolePolicy")),
           apply=add_to_policy(["iam:AttachRolePolicy", "iam:PutRolePolicy"], "{{role_arn}}", "ManageOwnRole")),
    Mutant("policy-creates-users", "The role's policy also allows iam:CreateUser.",
           frozenset(_POLICY_CHANGED | cannot("iam:CreateUser")),
           apply=add_to_policy("iam:CreateUser", "*", "CreateUsers")),
    Mutant("role-has-administrator-access", "A policy allowing everything is attached to the role as well.",
           frozenset({EXACT, REVIEWED, NO_WILDCARDS, NO_ESCALATION, SESSION_ACCOUNT_WIDE, ASSUMES_NO_ROLE}
                     | cannot(*ACTIVITIES)),
           apply=attach_admin_to_role),
    Mutant("role-has-inline-policy", "The role has an unreviewed inline policy that reads the bucket's objects.",
           frozenset({REVIEWED, EXACT, SESSION_ACCOUNT_WIDE} | cannot("s3:GetObject")),
           apply=inline_policy_on_role),
    Mutant("policy-detached", "The reviewed policy is detached from the role.",
           frozenset({WALKTHROUGH, CAN_LIST, EXACT, REVIEWED, SESSION_ACCOUNT_WIDE}),
           apply=detach_policy),
    Mutant("boundary-forgets-listing", "A permissions boundary on the role leaves out s3:ListAllMyBuckets.",
           frozenset({WALKTHROUGH, CAN_LIST, EXACT, SESSION_ACCOUNT_WIDE}),
           apply=boundary_without_listing),
    Mutant("role-allows-12-hour-sessions", "The role's MaxSessionDuration is 43200 seconds (12 hours).",
           frozenset({MAX_SESSION}),
           apply=long_sessions),
    Mutant("trust-names-everyone", 'The trust policy names "AWS": "*".',
           frozenset(_TRUST_CHANGED | {OTHER_USER, FOREIGN_ADMIN, OWN_SESSION, ASSUMES_NO_ROLE, SESSION_ACCOUNT_WIDE}),
           apply=_everyone_trusted),
    Mutant("trust-names-account-root", "The trust policy names the account root without a condition.",
           frozenset(_TRUST_CHANGED | {OTHER_USER}),
           apply=trust(lambda d: {"AWS": f"arn:aws:iam::{d.account_id}:root"})),
    Mutant("trust-names-other-account", "The trust policy names another account's root without a condition.",
           frozenset(_TRUST_CHANGED | {FOREIGN_ADMIN}),
           apply=trust(lambda d: {"AWS": f"arn:aws:iam::{FOREIGN_ACCOUNT}:root"})),
    Mutant("trust-names-second-user", "The trust policy names a second IAM user besides the walkthrough's user.",
           frozenset(_TRUST_CHANGED),
           apply=trust(lambda d: {"AWS": _second_user(d)})),
    Mutant("trust-names-wrong-user", "The trust policy names another IAM user instead of the walkthrough's user.",
           frozenset(_TRUST_CHANGED | {WALKTHROUGH, USER_ASSUMES, OWN_SESSION, MAX_SESSION, NO_STANDING}),
           apply=trust(lambda d: {"AWS": _second_user(d)}, keep_user=False),
           unevaluable=frozenset({MAX_SESSION})),
    Mutant("trust-names-a-service", "The trust policy also lets EC2 instances assume the role.",
           frozenset(_TRUST_CHANGED),
           apply=trust(lambda d: {"Service": "ec2.amazonaws.com"})),
    Mutant("trust-names-the-role-itself", "The trust policy also lets the role assume itself.",
           frozenset(_TRUST_CHANGED | {OWN_SESSION, ASSUMES_NO_ROLE, SESSION_ACCOUNT_WIDE}),
           apply=trust(lambda d: {"AWS": d.require_role().arn})),
    Mutant("user-has-the-policy", "The reviewed policy is attached to the user as well.",
           frozenset({NO_STANDING}),
           apply=attach_policy_to_user),
    Mutant("user-in-group-with-the-policy", "The user is in a group that has the reviewed policy attached.",
           frozenset({NO_STANDING}),
           apply=attach_policy_through_group),
    Mutant("user-has-inline-policy", "The user has an inline policy that reads the bucket's objects.",
           frozenset({NO_STANDING}),
           apply=inline_policy_on_user),
    Mutant("console-password-kept", "The user's console password need not be changed at first sign-in.",
           frozenset({WALKTHROUGH}),
           apply=console_password_without_reset),
    Mutant("bucket-policy-grants-role", "A bucket policy grants the role s3:GetObject on the bucket's objects.",
           frozenset({SESSION_ACCOUNT_WIDE} | cannot("s3:GetObject")),
           apply=bucket_policy_grants_role),
    Mutant("bucket-is-public", "A bucket policy lets anyone read the bucket's objects.",
           frozenset({NO_STANDING, SESSION_ACCOUNT_WIDE} | cannot("s3:GetObject")),
           apply=bucket_is_public),
    # Grants from elsewhere in the account: resource-based policies the role's and the user's probes never touch.
    Mutant("other-bucket-grants-role", "Another bucket's policy lets the role read and write its objects.",
           frozenset({SESSION_ACCOUNT_WIDE}),
           apply=other_bucket_grants_role),
    Mutant("bucket-policy-grants-role-tagging",
           "The bucket's policy lets the role read the bucket's tags (s3:GetBucketTagging, which no probe tries).",
           frozenset({SESSION_ACCOUNT_WIDE}),
           apply=bucket_policy_grants_role_tagging),
    Mutant("bucket-policy-grants-user-acl", "The bucket's policy lets the user change object ACLs (s3:PutObjectAcl).",
           frozenset({NO_STANDING}),
           apply=bucket_policy_grants_user_acl),
    Mutant("bucket-acl-public-read", "The bucket's ACL lets everyone read it (ACLs re-enabled on the bucket).",
           frozenset({NO_STANDING, SESSION_ACCOUNT_WIDE}),
           apply=bucket_acl_public_read,
           notes="on AWS, Block Public Access (on by default) refuses the ACL: the mutant is for an account that "
                 "turned it off"),
    Mutant("queue-policy-grants-role", "An SQS queue's policy lets the role send and receive its messages.",
           frozenset({SESSION_ACCOUNT_WIDE}),
           apply=queue_policy_grants_role),
    Mutant("topic-policy-grants-user", "An SNS topic's policy lets the user publish to it.",
           frozenset({NO_STANDING}),
           apply=topic_policy_grants_user),
    Mutant("secret-policy-grants-role", "A Secrets Manager secret's policy lets the role read the secret.",
           frozenset({SESSION_ACCOUNT_WIDE}),
           apply=secret_policy_grants_role),
    Mutant("key-policy-grants-user", "A KMS key's policy lets the user encrypt and decrypt with the key.",
           frozenset({NO_STANDING}),
           apply=key_policy_grants_user),
    Mutant("function-permission-grants-role", "A Lambda function's resource-based policy lets the role invoke it.",
           frozenset({SESSION_ACCOUNT_WIDE}),
           apply=function_permission_grants_role),
    # Other roles' trust policies: the user or the role can switch to more power without the reviewed role.
    Mutant("other-role-trusts-user", "A role that may do everything trusts the user.",
           frozenset({NO_STANDING}),
           apply=other_role_trusts_user),
    Mutant("other-role-trusts-role", "A role that may do everything trusts the reviewed role.",
           frozenset({SESSION_ACCOUNT_WIDE, ASSUMES_NO_ROLE}),
           apply=other_role_trusts_role),
    Mutant("role-chain-from-user", "The user may assume a second role, which may assume a role that may do everything.",
           frozenset({NO_STANDING}),
           apply=role_chain_from_user),
    Mutant("role-assumes-account-role",
           "A role that may do everything trusts the account, and the role gets an inline policy to assume it.",
           frozenset({REVIEWED, EXACT, NO_ESCALATION, SESSION_ACCOUNT_WIDE, ASSUMES_NO_ROLE}),
           apply=other_role_trusts_role_through_account),
    # Permissions that reach the user after it was created.
    Mutant("user-in-group-with-inline-policy", "The user is added to a group whose inline policy lists the IAM users.",
           frozenset({NO_STANDING}),
           apply=user_in_group_with_inline_policy),
    Mutant("user-reads-bucket-tags",
           "A managed policy allowing s3:GetBucketTagging (which no probe tries) is attached to the user.",
           frozenset({NO_STANDING}),
           apply=user_reads_bucket_tags),
    # Tag-based (ABAC) grants on a tag the role or the user carries.
    Mutant("abac-bucket-grants-tagged-principals",
           "Another bucket's policy lets any principal carrying the suite's run-id tag read its objects.",
           frozenset({NO_STANDING, SESSION_ACCOUNT_WIDE}),
           apply=abac_bucket_grants_tagged_principals),
    Mutant("abac-role-trusts-tagged-user",
           "The user is tagged team=platform, and a role that may do everything trusts any principal so tagged.",
           frozenset({NO_STANDING}),
           apply=abac_role_trusts_tagged_user),
    Mutant("abac-queue-grants-tagged-role",
           "The role is tagged team=platform, and an SQS queue's policy lets any principal so tagged send to it.",
           frozenset({SESSION_ACCOUNT_WIDE}),
           apply=abac_queue_grants_tagged_role),
    Mutant("abac-secret-grants-tagged-principals",
           "A secret's policy lets any principal carrying the suite's run-id tag read it.",
           frozenset({NO_STANDING, SESSION_ACCOUNT_WIDE}),
           apply=abac_secret_grants_tagged_principals),
    Mutant("operator-is-root", "The walkthrough is run by the account root user instead of an IAM administrator.",
           frozenset(every_scenario_of_the_walkthrough()),
           setup=operator_is_root, moto_only=True,
           notes="fails every scenario at its first Given, so it counts for no scenario's coverage"),
    Mutant("sts-long-credentials", "STS issues 12-hour credentials when one hour was asked for.",
           frozenset({WALKTHROUGH, TEMPORARY}),
           setup=sts_issues_long_credentials, moto_only=True),
    Mutant("sts-no-chaining-limit", "STS lets a role session chain into a 12-hour session.",
           frozenset({CHAINED}),
           setup=sts_ignores_chaining_limit, moto_only=True),
    Mutant("sts-accepts-expired", "STS and S3 accept the role's credentials after their expiry.",
           frozenset({EXPIRED}),
           apply=sts_honours_expired_credentials, moto_only=True),
    Mutant("sts-hides-session-name", "STS attributes the role's session to a shared session name.",
           frozenset({ATTRIBUTED}),
           setup=sts_hides_session_name, moto_only=True),
    Mutant("sts-answers-unsigned", 'STS answers unsigned requests, and the trust policy names "AWS": "*".',
           frozenset(_TRUST_CHANGED | {OTHER_USER, FOREIGN_ADMIN, ANONYMOUS, OWN_SESSION, ASSUMES_NO_ROLE,
                                       SESSION_ACCOUNT_WIDE}),
           apply=_everyone_trusted, setup=sts_answers_unsigned_requests, moto_only=True),
)

MUTANTS: dict[str, Mutant] = {mutant.name: mutant for mutant in CATALOG}


def get(name: str) -> Mutant:
    """The mutant called ``name``, or ``UnknownMutant`` with one line."""
    try:
        return MUTANTS[name]
    except KeyError:
        raise UnknownMutant(f"unknown mutant {name!r}; run `pytest --list-mutants` to see the catalog") from None


def listing() -> str:
    """The catalog as text: one mutant per line with what it misconfigures."""
    width = max(len(m.name) for m in CATALOG)
    lines = [f"{m.name:<{width}}  {m.description}{'  [moto only]' if m.moto_only else ''}" for m in CATALOG]
    return "\n".join(lines)
