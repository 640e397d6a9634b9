"""An account snapshot: everything the account holds that can grant access, read once, paginated.

IAM comes from ``GetAccountAuthorizationDetails``, the API made for this: users (inline and attached policies,
groups, permissions boundary, tags), groups, roles (trust, inline and attached policies, boundary, tags,
MaxSessionDuration) and every managed policy's versions, in a few paginated calls
(https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html). Resource-based
policies come from each service that has them: S3 bucket policies (plus Block Public Access, object ownership and
ACL grants, which the engine does not evaluate), SQS queue, SNS topic, Secrets Manager secret, KMS key and Lambda
function policies, with each resource's tags (and a tagged bucket's ABAC status, without which its tags are not
``aws:ResourceTag``: ``rolecheck.analysis.abac``).

Regional services (SQS, SNS, Secrets Manager, KMS, Lambda) are read in ``region`` only. Not read: SCPs and RCPs
(AWS Organizations policies are readable only from the management account or a delegated administrator, and the
engine does not model them; neither ever grants, and a Deny there can only narrow access, so what the analysis
reports as possible is an upper bound), KMS grants, VPC endpoint policies, S3 access points, object ACLs
(docs/account.md).

Whatever cannot be read is one line in ``Snapshot.unreadable``: an access-denied resource policy is a finding,
never a silent skip.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from rolecheck.aws import readback
from rolecheck.engine import PARTITION, Policy, PolicyError, UnsupportedFeature
from rolecheck.policydoc import documents

# S3 bucket ACL grantees that mean "anyone" or "any AWS account" (the claims count these as grants to everyone).
PUBLIC_GRANTEES = {
    "http://acs.amazonaws.com/groups/global/AllUsers": "everyone (AllUsers)",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers": "any AWS account (AuthenticatedUsers)",
}
_BLOCK_PUBLIC_ACCESS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
_ABSENT = {"NoSuchBucketPolicy", "NoSuchTagSet", "NoSuchTagSetError", "NoSuchPublicAccessBlockConfiguration",
           "OwnershipControlsNotFoundError", "ResourceNotFoundException", "NotFoundException"}  # fmt: skip


@dataclass(frozen=True)
class UserFacts:
    """An IAM user and everything attached to it."""

    arn: str
    name: str
    user_id: str
    path: str
    inline_policies: tuple[Policy, ...]
    attached_policies: tuple[Policy, ...]
    group_arns: tuple[str, ...]
    boundary: Policy | None
    tags: Mapping[str, str]
    boundary_arn: str | None = None


@dataclass(frozen=True)
class GroupFacts:
    """An IAM group and its policies."""

    arn: str
    name: str
    group_id: str
    path: str
    inline_policies: tuple[Policy, ...]
    attached_policies: tuple[Policy, ...]


@dataclass(frozen=True)
class RoleFacts:
    """An IAM role: who may assume it (trust), what its sessions may do, and its limits."""

    arn: str
    name: str
    role_id: str
    path: str
    trust: Policy
    inline_policies: tuple[Policy, ...]
    attached_policies: tuple[Policy, ...]
    boundary: Policy | None
    tags: Mapping[str, str]
    max_session_duration: int = 3600
    boundary_arn: str | None = None


@dataclass(frozen=True)
class ResourceFacts:
    """A resource that can carry a resource-based policy.

    ``resource_type`` is the Service Authorization Reference's key (``bucket``, ``queue``, ``topic``, ``secret``,
    ``key``, ``function``); ``findings`` are grants the engine does not evaluate (S3 ACL grants beyond the owner)
    and settings that widen what a policy can grant (Block Public Access off), one line each; the same facts are in
    ``acl_grants`` (grantee, permission) and ``public_access_block_off`` (the settings that are off).
    ``bucket_abac`` is an S3 bucket's ABAC status (``rolecheck.analysis.abac``): True when enabled, so that its tags are
    ``aws:ResourceTag/<key>``; None when it could not be read (an unreadable line says why).
    """

    arn: str
    service: str
    name: str
    resource_type: str
    policy: Policy | None
    tags: Mapping[str, str] = field(default_factory=dict)
    findings: tuple[str, ...] = ()
    acl_grants: tuple[tuple[str, str], ...] = ()
    public_access_block_off: tuple[str, ...] = ()
    bucket_abac: bool | None = False


@dataclass(frozen=True)
class Snapshot:
    """What the account holds that can grant access, by ARN."""

    account_id: str
    users: Mapping[str, UserFacts]
    groups: Mapping[str, GroupFacts]
    roles: Mapping[str, RoleFacts]
    managed_policies: Mapping[str, Policy]
    resources: Mapping[str, ResourceFacts]
    unreadable: tuple[str, ...] = ()
    region: str = ""

    def identity_policies(self, user_or_role_arn: str) -> tuple[Policy, ...]:
        """A user's own and its groups' policies, or a role's policies: what its identity-based requests carry."""
        if user_or_role_arn in self.roles:
            role = self.roles[user_or_role_arn]
            return role.inline_policies + role.attached_policies
        user = self.users[user_or_role_arn]
        policies = user.inline_policies + user.attached_policies
        for group_arn in user.group_arns:
            group = self.groups.get(group_arn)
            if group is not None:
                policies += group.inline_policies + group.attached_policies
        return policies


def read_snapshot(client_for: Callable[[str], Any], account_id: str, region: str) -> Snapshot:
    """Read the account through ``client_for(service)`` (a boto3 client factory): IAM, then each service's resources.

    Read-only: only Get/List/Describe calls are made.
    """
    unreadable: list[str] = []
    users, groups, roles, managed = _read_iam(client_for("iam"), unreadable)
    resources: dict[str, ResourceFacts] = {}
    for reader in (_read_s3, _read_sqs, _read_sns, _read_secrets, _read_kms, _read_lambda):
        service = reader.__name__.removeprefix("_read_")
        try:
            for facts in reader(client_for, account_id, region, unreadable):
                resources[facts.arn] = facts
        except (ClientError, BotoCoreError) as exc:
            unreadable.append(f"{service}: could not list resources ({_why(exc)})")
    return Snapshot(account_id, users, groups, roles, managed, resources, tuple(unreadable), region)


def _why(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'error')}: {error.get('Message', '')}".rstrip(": ")
    return type(exc).__name__


def _tags(items: Any) -> dict[str, str]:
    if isinstance(items, Mapping):
        return {str(k): str(v) for k, v in items.items()}
    return {str(t.get("Key", t.get("TagKey"))): str(t.get("Value", t.get("TagValue"))) for t in items or ()}


def _parse(name: str, document: Any, kind: str, unreadable: list[str]) -> Policy | None:
    try:
        return Policy.parse(name, document, kind=kind)
    except (PolicyError, UnsupportedFeature) as exc:
        unreadable.append(f"{name}: cannot be evaluated ({exc})")
        return None


def _read_iam(iam: Any, unreadable: list[str]) -> tuple[dict, dict, dict, dict]:
    pages = list(iam.get_paginator("get_account_authorization_details").paginate())
    managed: dict[str, Policy] = {}
    boundaries: dict[str, Policy] = {}
    for page in pages:
        for detail in page.get("Policies", ()):
            default = next((v for v in detail.get("PolicyVersionList", ()) if v.get("IsDefaultVersion")), None)
            if default is None:
                unreadable.append(f"managed policy {detail['Arn']}: no default version returned")
                continue
            policy = _parse(detail["Arn"], default["Document"], "identity", unreadable)
            if policy is not None:
                managed[detail["Arn"]] = policy

    def attached(items: Any, owner: str) -> tuple[Policy, ...]:
        found = []
        for item in items or ():
            arn = item["PolicyArn"]
            if arn not in managed:
                _fetch_managed(iam, arn, managed, unreadable, owner)
            if arn in managed:
                found.append(managed[arn])
        return tuple(found)

    def boundary(detail: Mapping[str, Any], owner: str) -> tuple[Policy | None, str | None]:
        arn = (detail.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        if not arn:
            return None, None
        if arn not in managed:
            _fetch_managed(iam, arn, managed, unreadable, owner)
        policy = managed.get(arn)
        # A boundary that cannot be read still limits: without it we would report too much, which is the safe
        # side, and the unreadable line says so.
        if policy is not None and arn not in boundaries:
            boundaries[arn] = Policy.parse(policy.name, policy.document, kind="boundary")
        return boundaries.get(arn), arn

    groups: dict[str, GroupFacts] = {}
    group_arns: dict[str, str] = {}
    for page in pages:
        for g in page.get("GroupDetailList", ()):
            inline = tuple(p for p in (_parse(f"inline policy {i['PolicyName']} of group {g['GroupName']}",
                                              i["PolicyDocument"], "identity", unreadable)
                                       for i in g.get("GroupPolicyList", ())) if p)
            groups[g["Arn"]] = GroupFacts(g["Arn"], g["GroupName"], g.get("GroupId", ""), g.get("Path", "/"), inline,
                                          attached(g.get("AttachedManagedPolicies"), f"group {g['GroupName']}"))
            group_arns[g["GroupName"]] = g["Arn"]
    users: dict[str, UserFacts] = {}
    roles: dict[str, RoleFacts] = {}
    for page in pages:
        for u in page.get("UserDetailList", ()):
            owner = f"user {u['UserName']}"
            inline = tuple(p for p in (_parse(f"inline policy {i['PolicyName']} of {owner}", i["PolicyDocument"],
                                              "identity", unreadable) for i in u.get("UserPolicyList", ())) if p)
            bound, bound_arn = boundary(u, owner)
            member_of = []
            for name in u.get("GroupList", ()):
                if name in group_arns:
                    member_of.append(group_arns[name])
                else:
                    unreadable.append(f"{owner}: group {name} was not returned")
            users[u["Arn"]] = UserFacts(u["Arn"], u["UserName"], u.get("UserId", ""), u.get("Path", "/"), inline,
                                        attached(u.get("AttachedManagedPolicies"), owner), tuple(member_of), bound,
                                        _tags(u.get("Tags")), bound_arn)
        for r in page.get("RoleDetailList", ()):
            owner = f"role {r['RoleName']}"
            trust = _parse(f"trust policy of {owner}", r["AssumeRolePolicyDocument"], "trust", unreadable)
            if trust is None:
                continue
            inline = tuple(p for p in (_parse(f"inline policy {i['PolicyName']} of {owner}", i["PolicyDocument"],
                                              "identity", unreadable) for i in r.get("RolePolicyList", ())) if p)
            bound, bound_arn = boundary(r, owner)
            roles[r["Arn"]] = RoleFacts(r["Arn"], r["RoleName"], r.get("RoleId", ""), r.get("Path", "/"), trust,
                                        inline, attached(r.get("AttachedManagedPolicies"), owner), bound,
                                        _tags(r.get("Tags")), int(r.get("MaxSessionDuration", 3600)), bound_arn)
    # GetAccountAuthorizationDetails leaves out MaxSessionDuration (AWS and moto alike); only roles allowing more
    # than the one-hour default matter, and ListRoles returns it for every role in a few pages.
    roles = _with_session_limits(iam, roles, unreadable)
    return users, groups, roles, managed


def _with_session_limits(iam: Any, roles: dict[str, RoleFacts], unreadable: list[str]) -> dict[str, RoleFacts]:
    try:
        limits = {r["Arn"]: int(r.get("MaxSessionDuration", 3600))
                  for page in iam.get_paginator("list_roles").paginate() for r in page["Roles"]}
    except (ClientError, BotoCoreError) as exc:
        unreadable.append(f"iam: roles' MaxSessionDuration ({_why(exc)})")
        return roles
    return {arn: replace(role, max_session_duration=limits.get(arn, role.max_session_duration))
            for arn, role in roles.items()}


def _fetch_managed(iam: Any, arn: str, managed: dict[str, Policy], unreadable: list[str], owner: str) -> None:
    # An attached AWS managed policy may be missing from the Policies list; read its default version alone.
    try:
        meta = iam.get_policy(PolicyArn=arn)["Policy"]
        version = iam.get_policy_version(PolicyArn=arn, VersionId=meta["DefaultVersionId"])["PolicyVersion"]
    except (ClientError, BotoCoreError) as exc:
        unreadable.append(f"managed policy {arn} (attached to {owner}): {_why(exc)}")
        return
    policy = _parse(arn, version["Document"], "identity", unreadable)
    if policy is not None:
        managed[arn] = policy


def _optional(call: Callable[..., Any], what: str, unreadable: list[str], **kwargs: Any) -> Any:
    """The call's answer; None when the thing does not exist; an unreadable line (and None) when refused."""
    try:
        return call(**kwargs)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _ABSENT:
            return None
        unreadable.append(f"{what}: {_why(exc)}")
        return None
    except BotoCoreError as exc:
        unreadable.append(f"{what}: {_why(exc)}")
        return None


def _pages(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[Any]:
    if client.can_paginate(operation):
        for page in client.get_paginator(operation).paginate(**kwargs):
            yield from page.get(key, ())
    else:
        yield from getattr(client, operation)(**kwargs).get(key, ())


def _read_s3(client_for: Callable[[str], Any], account_id: str, region: str,
             unreadable: list[str]) -> Iterator[ResourceFacts]:
    s3 = client_for("s3")
    account_block = _account_public_access_block(client_for, account_id, unreadable)
    for bucket in _pages(s3, "list_buckets", "Buckets"):
        name = bucket["Name"]
        arn = f"arn:{PARTITION}:s3:::{name}"
        what = f"s3 bucket {name}"
        answer = _optional(s3.get_bucket_policy, f"{what}: bucket policy", unreadable, Bucket=name)
        policy = answer and _parse(f"bucket policy of {name}", answer["Policy"], "resource", unreadable)
        tagging = _optional(s3.get_bucket_tagging, f"{what}: tags", unreadable, Bucket=name)
        tags = _tags((tagging or {}).get("TagSet"))
        off = _public_access_block_off(s3, name, account_block, unreadable)
        acl = _acl_grants(s3, name, unreadable)
        findings = [f"s3 bucket {name}: Block Public Access is off ({', '.join(off)})"] if off else []
        findings += [f"s3 bucket {name}: ACL grants {permission} to {grantee} (ACLs are not evaluated by the engine)"
                     for grantee, permission in acl]
        yield ResourceFacts(arn, "s3", name, "bucket", policy or None, tags, tuple(findings), acl, off,
                            _bucket_abac(s3, name, unreadable) if tags else False)


def _bucket_abac(s3: Any, name: str, unreadable: list[str]) -> bool | None:
    # Asked of tagged buckets only: without tags the switch changes no request's context.
    try:
        return readback.bucket_abac(s3, name)
    except (ClientError, BotoCoreError) as exc:
        unreadable.append(f"s3 bucket {name}: ABAC status: {_why(exc)} (conditions on its tags are taken as unknown)")
        return None


def _account_public_access_block(client_for: Callable[[str], Any], account_id: str,
                                 unreadable: list[str]) -> Mapping[str, bool]:
    control = client_for("s3control")
    answer = _optional(control.get_public_access_block, "s3: account Block Public Access", unreadable,
                       AccountId=account_id)
    return (answer or {}).get("PublicAccessBlockConfiguration", {})


def _public_access_block_off(s3: Any, name: str, account_block: Mapping[str, bool],
                             unreadable: list[str]) -> tuple[str, ...]:
    # https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html : the account's
    # and the bucket's settings combine, the most restrictive applying.
    if all(account_block.get(key) for key in _BLOCK_PUBLIC_ACCESS):
        return ()  # the account's settings block everything: the bucket's cannot loosen them
    answer = _optional(s3.get_public_access_block, f"s3 bucket {name}: Block Public Access", unreadable, Bucket=name)
    bucket_block = (answer or {}).get("PublicAccessBlockConfiguration", {})
    return tuple(key for key in _BLOCK_PUBLIC_ACCESS if not (bucket_block.get(key) or account_block.get(key)))


def _acl_grants(s3: Any, name: str, unreadable: list[str]) -> tuple[tuple[str, str], ...]:
    # https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html : with BucketOwnerEnforced
    # ACLs are disabled and grant nothing; otherwise any grant beyond the owner is access the engine cannot see.
    controls = _optional(s3.get_bucket_ownership_controls, f"s3 bucket {name}: object ownership", unreadable,
                         Bucket=name)
    rules = (controls or {}).get("OwnershipControls", {}).get("Rules", ())
    if any(rule.get("ObjectOwnership") == "BucketOwnerEnforced" for rule in rules):
        return ()
    acl = _optional(s3.get_bucket_acl, f"s3 bucket {name}: ACL", unreadable, Bucket=name)
    if acl is None:
        return ()
    owner = acl.get("Owner", {}).get("ID")
    found = []
    for grant in acl.get("Grants", ()):
        grantee = grant.get("Grantee", {})
        if grantee.get("Type") == "CanonicalUser" and grantee.get("ID") == owner:
            continue
        who = PUBLIC_GRANTEES.get(grantee.get("URI", ""), grantee.get("URI") or grantee.get("ID")
                                   or grantee.get("EmailAddress") or "unknown grantee")
        found.append((who, str(grant.get("Permission"))))
    return tuple(found)


def _read_sqs(client_for: Callable[[str], Any], account_id: str, region: str,
              unreadable: list[str]) -> Iterator[ResourceFacts]:
    sqs = client_for("sqs")
    for url in readback.queue_urls(sqs):
        name = url.rstrip("/").rsplit("/", 1)[-1]
        what = f"sqs queue {name}"
        attributes = _optional(sqs.get_queue_attributes, f"{what}: policy", unreadable, QueueUrl=url,
                               AttributeNames=["Policy", "QueueArn"])
        values = (attributes or {}).get("Attributes", {})
        arn = values.get("QueueArn") or f"arn:{PARTITION}:sqs:{region}:{account_id}:{name}"
        policy = _parse(f"queue policy of {name}", values["Policy"], "resource", unreadable) \
            if values.get("Policy") else None
        tags = _optional(sqs.list_queue_tags, f"{what}: tags", unreadable, QueueUrl=url)
        yield ResourceFacts(arn, "sqs", name, "queue", policy, _tags((tags or {}).get("Tags", {})))


def _read_sns(client_for: Callable[[str], Any], account_id: str, region: str,
              unreadable: list[str]) -> Iterator[ResourceFacts]:
    sns = client_for("sns")
    for topic in _pages(sns, "list_topics", "Topics"):
        arn = topic["TopicArn"]
        name = arn.rsplit(":", 1)[-1]
        what = f"sns topic {name}"
        attributes = _optional(sns.get_topic_attributes, f"{what}: policy", unreadable, TopicArn=arn)
        text = (attributes or {}).get("Attributes", {}).get("Policy")
        policy = _parse(f"topic policy of {name}", text, "resource", unreadable) if text else None
        tags = _optional(sns.list_tags_for_resource, f"{what}: tags", unreadable, ResourceArn=arn)
        yield ResourceFacts(arn, "sns", name, "topic", policy, _tags((tags or {}).get("Tags")))


def _read_secrets(client_for: Callable[[str], Any], account_id: str, region: str,
                  unreadable: list[str]) -> Iterator[ResourceFacts]:
    secrets = client_for("secretsmanager")
    for secret in _pages(secrets, "list_secrets", "SecretList"):
        arn, name = secret["ARN"], secret["Name"]
        answer = _optional(secrets.get_resource_policy, f"secretsmanager secret {name}: resource policy", unreadable,
                           SecretId=arn)
        text = (answer or {}).get("ResourcePolicy")
        policy = _parse(f"resource policy of secret {name}", text, "resource", unreadable) if text else None
        yield ResourceFacts(arn, "secretsmanager", name, "secret", policy, _tags(secret.get("Tags")))


def _read_kms(client_for: Callable[[str], Any], account_id: str, region: str,
              unreadable: list[str]) -> Iterator[ResourceFacts]:
    kms = client_for("kms")
    for key in _pages(kms, "list_keys", "Keys"):
        key_id, arn = key["KeyId"], key["KeyArn"]
        what = f"kms key {key_id}"
        answer = _optional(kms.get_key_policy, f"{what}: key policy", unreadable, KeyId=key_id, PolicyName="default")
        text = (answer or {}).get("Policy")
        # A key policy must allow explicitly, as a trust policy must: the engine's "key" kind.
        policy = _parse(f"key policy of {key_id}", text, "key", unreadable) if text else None
        tags = _optional(kms.list_resource_tags, f"{what}: tags", unreadable, KeyId=key_id)
        yield ResourceFacts(arn, "kms", key_id, "key", policy, _tags((tags or {}).get("Tags")))


def _read_lambda(client_for: Callable[[str], Any], account_id: str, region: str,
                 unreadable: list[str]) -> Iterator[ResourceFacts]:
    functions = client_for("lambda")
    for function in _pages(functions, "list_functions", "Functions"):
        arn, name = function["FunctionArn"], function["FunctionName"]
        what = f"lambda function {name}"
        answer = _optional(functions.get_policy, f"{what}: resource policy", unreadable, FunctionName=name)
        text = (answer or {}).get("Policy")
        policy = _parse(f"resource policy of function {name}", _principals_as_objects(text), "resource",
                        unreadable) if text else None
        tags = _optional(functions.list_tags, f"{what}: tags", unreadable, Resource=arn)
        yield ResourceFacts(arn, "lambda", name, "function", policy, _tags((tags or {}).get("Tags")))


def _principals_as_objects(text: str) -> Any:
    """A Lambda policy with every Principal in the grammar's object form.

    AWS returns ``{"AWS": arn}`` / ``{"Service": name}``
    (https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html); moto 5.2 returns the bare
    string given to AddPermission, which the policy grammar allows only for ``"*"``.
    """
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        return text
    for statement in documents.statements(document):
        principal = statement.get("Principal")
        if isinstance(principal, str) and principal != "*":
            statement["Principal"] = {"Service" if principal.endswith(".amazonaws.com") else "AWS": principal}
    return document
