"""An account snapshot: everything the account holds that can grant access, as data (no boto3 here).

``rolecheck.aws.snapshot_reader.read_snapshot`` reads it, paginated: IAM from ``GetAccountAuthorizationDetails``
(users, groups, roles, every managed policy's versions), and the resource-based policies of each service that has
them, with each resource's tags (docs/account.md says what is read and what is not). The analysis
(``rolecheck.analysis.queries``) works on this model alone, so it is the same for an account read through boto3
and for one built in a test.

Whatever could not be read is one line in ``Snapshot.unreadable``: an access-denied resource policy is a finding,
never a silent skip.

The S3 ACL and Block Public Access semantics are here too, over the API's answers: they say what a bucket's settings
mean, whoever reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rolecheck.engine import Policy

# S3 bucket ACL grantees that mean "anyone" or "any AWS account" (the claims count these as grants to everyone).
PUBLIC_GRANTEES = {
    "http://acs.amazonaws.com/groups/global/AllUsers": "everyone (AllUsers)",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers": "any AWS account (AuthenticatedUsers)",
}
# What no snapshot reads, one line each (docs/account.md, "What it does not read"): each can only narrow what the
# analysis reports (SCPs, RCPs, VPC endpoint policies) or is a source of grants an auditor checks by hand.
NOT_READ = (
    "SCPs and RCPs: not read (AWS Organizations is read from the management account, not from here); claims are "
    "decided on the account's own policies, an upper bound for what a principal can do",
    "Lambda layer policies, S3 Multi-Region Access Points and Object Lambda access points: not read",
    "DynamoDB stream and EFS file-system policies: not read",
    "EBS and RDS snapshot sharing, S3 object ACLs, VPC endpoint policies: not read",
    "regional resources (SQS, SNS, Secrets Manager, KMS, Lambda, ECR, DynamoDB) in regions other than the run's: "
    "not read",
)
BLOCK_PUBLIC_ACCESS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


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
    ``key``, ``function`` (an alias or version too, by its qualified ARN), ``repository``, ``table``,
    ``accesspoint``, whose ``bucket`` must allow a request through it too);
    ``findings`` are grants the engine does not evaluate (S3 ACL grants beyond the owner)
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
    bucket: str | None = None  # an S3 access point's bucket, by name


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

    def own_policies(self, user_or_role_arn: str) -> tuple[tuple[Policy, str], ...]:
        """A user's or role's own identity policies, each with how it holds it: ``"inline"``, ``"attached"`` or
        ``"group <name>"`` (a user's groups' inline and attached policies). A role's trust policy is not among them:
        it says who may assume the role, not what the role may do."""
        facts = self.roles.get(user_or_role_arn) or self.users.get(user_or_role_arn)
        if facts is None:
            return ()
        own = [(p, "inline") for p in facts.inline_policies] + [(p, "attached") for p in facts.attached_policies]
        for group_arn in getattr(facts, "group_arns", ()):
            group = self.groups.get(group_arn)
            if group is not None:
                own += [(p, f"group {group.name}") for p in group.inline_policies + group.attached_policies]
        return tuple(own)


def public_access_block_off(account_block: Mapping[str, bool], bucket_block: Mapping[str, bool]) -> tuple[str, ...]:
    """The Block Public Access settings that are off for a bucket, given the account's and the bucket's.

    https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html : the account's
    and the bucket's settings combine, the most restrictive applying.
    """
    return tuple(key for key in BLOCK_PUBLIC_ACCESS if not (bucket_block.get(key) or account_block.get(key)))


def acls_disabled(ownership_controls: Mapping[str, Any] | None) -> bool:
    """True when a ``GetBucketOwnershipControls`` answer says ``BucketOwnerEnforced``: the bucket's ACLs grant nothing.

    https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html
    """
    rules = (ownership_controls or {}).get("OwnershipControls", {}).get("Rules", ())
    return any(rule.get("ObjectOwnership") == "BucketOwnerEnforced" for rule in rules)


def acl_grants(acl: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """(grantee, permission) for each grant of a ``GetBucketAcl`` answer beyond the owner's own: access the engine
    does not see. Public grantees are named as ``PUBLIC_GRANTEES`` says."""
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
