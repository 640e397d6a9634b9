"""The mutation catalog: named misconfigurations of the walkthrough's account that the suite must catch.

Each mutant is a plain-English misconfiguration and the scenarios it must make fail. Auditors run the suite with
``--mutant NAME`` to see a check fail on a deliberately broken account; ``rolecheck-mutants`` runs the whole
catalog and checks that exactly the expected scenarios fail, each with a compliance violation.

Most mutants change the deployed account after the scenario's Background and Givens, through the administrator's
clients, as someone editing the account after review would (``edits``). Two kinds act earlier or below the account:

- ``setup`` mutants run before the first Given (the operator is the account root user);
- ``moto_only`` mutants make the moto target behave unlike AWS (an STS that ignores a limit AWS enforces,
  ``endpoint_faults``). They show that the checks of AWS's own guarantees can fail too, for an AWS-compatible
  endpoint that breaks them.

Scenarios are named as in the feature files; outline rows by the name with their example values filled in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rolecheck.mutation import benign, edits, endpoint_faults
from rolecheck.mutation.context import MutationContext, Undo
from rolecheck.suite.outsiders import FOREIGN_ACCOUNT
from rolecheck.suite.scene import Deployment


class UnknownMutant(KeyError):
    """A mutant name that is not in the catalog; the message is one line naming the way to list them."""

    def __str__(self) -> str:
        return str(self.args[0])


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
    # The example contract (examples/contracts/<name>) whose features it breaks; "" for the walkthrough's.
    contract: str = ""


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

# The rows of the least-privilege outline ("The role cannot <phrase>"): the action each row probes, and its phrase.
LEAST_PRIVILEGE_ROWS = {
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
S3_ACTIONS = tuple(action for action in LEAST_PRIVILEGE_ROWS if action.startswith("s3:"))


def cannot(*actions: str) -> set[str]:
    """The least-privilege outline rows for ``actions``."""
    return {f"The role cannot {LEAST_PRIVILEGE_ROWS[action]}" for action in actions}


def every_scenario_of_the_walkthrough() -> set[str]:
    """Every scenario: each one begins with the Given that the operator is not the root user."""
    return ({WALKTHROUGH, CAN_LIST, EXACT, NO_WILDCARDS, NO_ESCALATION, REVIEWED, TEMPORARY, MAX_SESSION, CHAINED,
             EXPIRED, ATTRIBUTED, NO_STANDING, USER_ASSUMES, TRUST_ADMITS, OTHER_USER, FOREIGN_ADMIN, ANONYMOUS,
             OWN_SESSION, SESSION_ACCOUNT_WIDE, ONLY_USER_ASSUMES, ASSUMES_NO_ROLE} | cannot(*LEAST_PRIVILEGE_ROWS))


# --- the catalog --------------------------------------------------------------------------------------------------

_POLICY_CHANGED = {REVIEWED, EXACT, SESSION_ACCOUNT_WIDE}
_TRUST_CHANGED = {REVIEWED, TRUST_ADMITS, ONLY_USER_ASSUMES}

CATALOG: tuple[Mutant, ...] = (
    Mutant("policy-allows-s3-star", "The role's policy allows s3:* instead of only listing the buckets.",
           frozenset(_POLICY_CHANGED | {NO_WILDCARDS, NO_ESCALATION} | cannot(*S3_ACTIONS)),
           apply=edits.replace_policy(edits.allow_statement("s3:*", "*", "AllS3"))),
    Mutant("policy-reads-every-object", "The role's policy also allows s3:GetObject on arn:aws:s3:::*/*.",
           frozenset(_POLICY_CHANGED | cannot("s3:GetObject")),
           apply=edits.add_to_policy("s3:GetObject", "arn:aws:s3:::*/*", "ReadEveryObject")),
    Mutant("policy-allows-notaction", "The role's policy allows everything except IAM, written with NotAction.",
           frozenset(_POLICY_CHANGED | {NO_WILDCARDS, NO_ESCALATION, ASSUMES_NO_ROLE}
                     | cannot(*S3_ACTIONS, "sts:AssumeRole", "sns:ListTopics")),
           apply=edits.replace_policy({"Sid": "EverythingButIam", "Effect": "Allow", "NotAction": "iam:*",
                                       "Resource": "*"})),
    Mutant("policy-grants-passrole", "The role's policy also allows iam:PassRole on every role.",
           frozenset(_POLICY_CHANGED | {NO_ESCALATION} | cannot("iam:PassRole")),
           apply=edits.add_to_policy("iam:PassRole", "*", "PassAnyRole")),
    Mutant("policy-lists-with-pattern", "The role's policy allows s3:List* instead of s3:ListAllMyBuckets.",
           frozenset(_POLICY_CHANGED | {NO_WILDCARDS} | cannot("s3:ListBucket")),
           apply=edits.replace_policy(edits.allow_statement("s3:List*", "*", "ListEverything"))),
    Mutant("policy-lists-bucket-instead", "The role's policy allows s3:ListBucket instead of s3:ListAllMyBuckets.",
           frozenset(_POLICY_CHANGED | {WALKTHROUGH, CAN_LIST} | cannot("s3:ListBucket")),
           apply=edits.replace_policy(edits.allow_statement("s3:ListBucket", "*", "ListBucket"))),
    # No role in the account trusts the session: the account-wide claims fail on roles outside the account, whose
    # trust policies the analysis cannot read and takes as allowing.
    Mutant("policy-assumes-any-role", "The role's policy also allows sts:AssumeRole on every role.",
           frozenset(_POLICY_CHANGED | {NO_ESCALATION, ASSUMES_NO_ROLE} | cannot("sts:AssumeRole")),
           apply=edits.add_to_policy("sts:AssumeRole", "*", "AssumeAnyRole")),
    Mutant("policy-manages-own-role", "The role's policy lets the role attach and write policies on itself.",
           frozenset(_POLICY_CHANGED | {NO_ESCALATION} | cannot("iam:AttachRolePolicy", "iam:PutRolePolicy")),
           apply=edits.add_to_policy(["iam:AttachRolePolicy", "iam:PutRolePolicy"], "{{role_arn}}", "ManageOwnRole")),
    Mutant("policy-creates-users", "The role's policy also allows iam:CreateUser.",
           frozenset(_POLICY_CHANGED | cannot("iam:CreateUser")),
           apply=edits.add_to_policy("iam:CreateUser", "*", "CreateUsers")),
    Mutant("role-has-administrator-access", "A policy allowing everything is attached to the role as well.",
           frozenset({EXACT, REVIEWED, NO_WILDCARDS, NO_ESCALATION, SESSION_ACCOUNT_WIDE, ASSUMES_NO_ROLE}
                     | cannot(*LEAST_PRIVILEGE_ROWS)),
           apply=edits.attach_admin_to_role),
    Mutant("role-has-inline-policy", "The role has an unreviewed inline policy that reads the bucket's objects.",
           frozenset({REVIEWED, EXACT, SESSION_ACCOUNT_WIDE} | cannot("s3:GetObject")),
           apply=edits.inline_policy_on_role),
    Mutant("policy-detached", "The reviewed policy is detached from the role.",
           frozenset({WALKTHROUGH, CAN_LIST, EXACT, REVIEWED, SESSION_ACCOUNT_WIDE}),
           apply=edits.detach_policy),
    Mutant("boundary-forgets-listing", "A permissions boundary on the role leaves out s3:ListAllMyBuckets.",
           frozenset({WALKTHROUGH, CAN_LIST, EXACT, SESSION_ACCOUNT_WIDE}),
           apply=edits.boundary_without_listing),
    Mutant("role-allows-12-hour-sessions", "The role's MaxSessionDuration is 43200 seconds (12 hours).",
           frozenset({MAX_SESSION}),
           apply=edits.long_sessions),
    Mutant("trust-names-everyone", 'The trust policy names "AWS": "*".',
           frozenset(_TRUST_CHANGED | {OTHER_USER, FOREIGN_ADMIN, OWN_SESSION, ASSUMES_NO_ROLE, SESSION_ACCOUNT_WIDE}),
           apply=edits.trust_everyone),
    Mutant("trust-names-account-root", "The trust policy names the account root without a condition.",
           frozenset(_TRUST_CHANGED | {OTHER_USER}),
           apply=edits.trust(lambda d: {"AWS": f"arn:aws:iam::{d.account_id}:root"})),
    Mutant("trust-names-other-account", "The trust policy names another account's root without a condition.",
           frozenset(_TRUST_CHANGED | {FOREIGN_ADMIN}),
           apply=edits.trust(lambda d: {"AWS": f"arn:aws:iam::{FOREIGN_ACCOUNT}:root"})),
    Mutant("trust-names-second-user", "The trust policy names a second IAM user besides the walkthrough's user.",
           frozenset(_TRUST_CHANGED),
           apply=edits.trust(lambda d: {"AWS": edits.second_user(d)})),
    Mutant("trust-names-wrong-user", "The trust policy names another IAM user instead of the walkthrough's user.",
           frozenset(_TRUST_CHANGED | {WALKTHROUGH, USER_ASSUMES, OWN_SESSION, MAX_SESSION, NO_STANDING}),
           apply=edits.trust(lambda d: {"AWS": edits.second_user(d)}, keep_user=False),
           unevaluable=frozenset({MAX_SESSION})),
    Mutant("trust-names-a-service", "The trust policy also lets EC2 instances assume the role.",
           frozenset(_TRUST_CHANGED),
           apply=edits.trust(lambda d: {"Service": "ec2.amazonaws.com"})),
    Mutant("trust-names-the-role-itself", "The trust policy also lets the role assume itself.",
           frozenset(_TRUST_CHANGED | {OWN_SESSION, ASSUMES_NO_ROLE, SESSION_ACCOUNT_WIDE}),
           apply=edits.trust(lambda d: {"AWS": d.require_role().arn})),
    Mutant("user-has-the-policy", "The reviewed policy is attached to the user as well.",
           frozenset({NO_STANDING}),
           apply=edits.attach_policy_to_user),
    Mutant("user-in-group-with-the-policy", "The user is in a group that has the reviewed policy attached.",
           frozenset({NO_STANDING}),
           apply=edits.attach_policy_through_group),
    Mutant("user-has-inline-policy", "The user has an inline policy that reads the bucket's objects.",
           frozenset({NO_STANDING}),
           apply=edits.inline_policy_on_user),
    # "Of its own" means its own policies: allowing exactly what the trust gives still counts.
    Mutant("user-has-redundant-assume-policy",
           "The user has an inline policy allowing exactly sts:AssumeRole on the role, which its trust already gives.",
           frozenset({NO_STANDING}),
           apply=edits.redundant_assume_policy_on_user),
    Mutant("user-attached-redundant-assume-policy",
           "A managed policy allowing exactly sts:AssumeRole on the role is attached to the user.",
           frozenset({NO_STANDING}),
           apply=edits.redundant_assume_policy_attached),
    Mutant("user-group-redundant-assume-policy",
           "The user is in a group whose inline policy allows exactly sts:AssumeRole on the role.",
           frozenset({NO_STANDING}),
           apply=edits.redundant_assume_policy_through_group),
    Mutant("console-password-kept", "The user's console password need not be changed at first sign-in.",
           frozenset({WALKTHROUGH}),
           apply=edits.console_password_without_reset),
    Mutant("bucket-policy-grants-role", "A bucket policy grants the role s3:GetObject on the bucket's objects.",
           frozenset({SESSION_ACCOUNT_WIDE} | cannot("s3:GetObject")),
           apply=edits.bucket_policy_grants_role),
    # Values the caller chooses: the session name is the assumer's pick, so a policy naming one session grants it.
    Mutant("bucket-grants-named-session",
           "The bucket's policy lets the role's session named nightly-export read the bucket's objects.",
           frozenset({SESSION_ACCOUNT_WIDE}),
           apply=edits.bucket_grants_named_session),
    Mutant("queue-grants-named-session",
           "An SQS queue's policy lets the role's session named nightly-export send to it.",
           frozenset({SESSION_ACCOUNT_WIDE}),
           apply=edits.queue_grants_named_session),
    Mutant("secret-grants-session-userid",
           "A secret's policy lets anyone whose aws:userid is the role's id and a session name nightly-* read it.",
           frozenset({SESSION_ACCOUNT_WIDE}),
           apply=edits.secret_grants_session_userid),
    Mutant("queue-grants-source-identity",
           "An SQS queue's policy lets the account's principals whose source identity is nightly-export send to it.",
           frozenset({SESSION_ACCOUNT_WIDE}),
           apply=edits.queue_grants_source_identity),
    Mutant("bucket-grants-prefix-listing",
           "Another bucket's policy lets the role list the keys under home/reports/ (an s3:prefix condition).",
           frozenset({SESSION_ACCOUNT_WIDE}),
           apply=edits.bucket_grants_prefix_listing),
    Mutant("secret-grants-session-tag",
           "The role's trust also lets the user pass session tags; a secret's policy grants aws:PrincipalTag/team "
           "platform (the user's own sts:TagSession on the role and the changed trust fail too).",
           frozenset({SESSION_ACCOUNT_WIDE, REVIEWED, NO_STANDING}),
           apply=edits.secret_grants_session_tag),
    Mutant("bucket-is-public", "A bucket policy lets anyone read the bucket's objects.",
           frozenset({NO_STANDING, SESSION_ACCOUNT_WIDE} | cannot("s3:GetObject")),
           apply=edits.bucket_is_public),
    # Grants from elsewhere in the account: resource-based policies the role's and the user's probes never touch.
    Mutant("other-bucket-grants-role", "Another bucket's policy lets the role read and write its objects.",
           frozenset({SESSION_ACCOUNT_WIDE}),
           apply=edits.other_bucket_grants_role),
    Mutant("bucket-policy-grants-role-tagging",
           "The bucket's policy lets the role read the bucket's tags (s3:GetBucketTagging, which no probe tries).",
           frozenset({SESSION_ACCOUNT_WIDE}),
           apply=edits.bucket_policy_grants_role_tagging),
    Mutant("bucket-policy-grants-user-acl", "The bucket's policy lets the user change object ACLs (s3:PutObjectAcl).",
           frozenset({NO_STANDING}),
           apply=edits.bucket_policy_grants_user_acl),
    Mutant("bucket-acl-public-read", "The bucket's ACL lets everyone read it (ACLs re-enabled on the bucket).",
           frozenset({NO_STANDING, SESSION_ACCOUNT_WIDE}),
           apply=edits.bucket_acl_public_read,
           notes="on AWS, Block Public Access (on by default) refuses the ACL: the mutant is for an account that "
                 "turned it off"),
    Mutant("queue-policy-grants-role", "An SQS queue's policy lets the role send and receive its messages.",
           frozenset({SESSION_ACCOUNT_WIDE}),
           apply=edits.queue_policy_grants_role),
    Mutant("topic-policy-grants-user", "An SNS topic's policy lets the user publish to it.",
           frozenset({NO_STANDING}),
           apply=edits.topic_policy_grants_user),
    Mutant("secret-policy-grants-role", "A Secrets Manager secret's policy lets the role read the secret.",
           frozenset({SESSION_ACCOUNT_WIDE}),
           apply=edits.secret_policy_grants_role),
    Mutant("key-policy-grants-user", "A KMS key's policy lets the user encrypt and decrypt with the key.",
           frozenset({NO_STANDING}),
           apply=edits.key_policy_grants_user),
    Mutant("function-permission-grants-role", "A Lambda function's resource-based policy lets the role invoke it.",
           frozenset({SESSION_ACCOUNT_WIDE}),
           apply=edits.function_permission_grants_role),
    # Other roles' trust policies: the user or the role can switch to more power without the reviewed role.
    # Resources with policies of their own beyond the function, key, queue, topic and secret: each read by the
    # snapshot (aws/snapshot_reader.RESOURCE_READERS) and decided with its own rules.
    Mutant("function-alias-grants-role",
           "A Lambda function's alias (not the function) has a permission letting the role invoke it.",
           frozenset({SESSION_ACCOUNT_WIDE}),
           apply=edits.function_alias_grants_role),
    Mutant("ecr-repository-grants-role", "An ECR repository's policy lets the role pull its images.",
           frozenset({SESSION_ACCOUNT_WIDE}),
           apply=edits.repository_grants_role),
    Mutant("access-point-grants-role",
           "A bucket delegates to access points; an access point's policy lets the role read the bucket's objects.",
           frozenset({SESSION_ACCOUNT_WIDE}),
           apply=edits.access_point_grants_role),
    Mutant("key-grant-to-role", "A KMS key with the default key policy has a grant letting the role decrypt.",
           frozenset({SESSION_ACCOUNT_WIDE}),
           apply=edits.key_grant_to_role),
    Mutant("dynamodb-table-grants-role", "A DynamoDB table's resource policy lets the role read its items.",
           frozenset({SESSION_ACCOUNT_WIDE}),
           apply=edits.table_grants_role),
    Mutant("other-role-trusts-user", "A role that may do everything trusts the user.",
           frozenset({NO_STANDING}),
           apply=edits.other_role_trusts_user),
    Mutant("other-role-trusts-role", "A role that may do everything trusts the reviewed role.",
           frozenset({SESSION_ACCOUNT_WIDE, ASSUMES_NO_ROLE}),
           apply=edits.other_role_trusts_role),
    Mutant("other-role-trusts-userid-prefix",
           "A role that may do everything trusts any caller whose aws:userid is the reviewed role's id followed by "
           "the user's name: a session the user names so reaches it.",
           frozenset({SESSION_ACCOUNT_WIDE, ASSUMES_NO_ROLE}),
           apply=edits.other_role_trusts_userid_prefix),
    Mutant("role-chain-from-user", "The user may assume a second role, which may assume a role that may do everything.",
           frozenset({NO_STANDING}),
           apply=edits.role_chain_from_user),
    Mutant("role-assumes-account-role",
           "A role that may do everything trusts the account, and the role gets an inline policy to assume it.",
           frozenset({REVIEWED, EXACT, NO_ESCALATION, SESSION_ACCOUNT_WIDE, ASSUMES_NO_ROLE}),
           apply=edits.other_role_trusts_role_through_account),
    # Permissions that reach the user after it was created.
    Mutant("user-in-group-with-inline-policy", "The user is added to a group whose inline policy lists the IAM users.",
           frozenset({NO_STANDING}),
           apply=edits.user_in_group_with_inline_policy),
    Mutant("user-reads-bucket-tags",
           "A managed policy allowing s3:GetBucketTagging (which no probe tries) is attached to the user.",
           frozenset({NO_STANDING}),
           apply=edits.user_reads_bucket_tags),
    # Tag-based (ABAC) grants on a tag the role or the user carries.
    Mutant("abac-bucket-grants-tagged-principals",
           "Another bucket's policy lets any principal carrying the suite's run-id tag read its objects.",
           frozenset({NO_STANDING, SESSION_ACCOUNT_WIDE}),
           apply=edits.abac_bucket_grants_tagged_principals),
    Mutant("abac-role-trusts-tagged-user",
           "The user is tagged team=platform, and a role that may do everything trusts any principal so tagged.",
           frozenset({NO_STANDING}),
           apply=edits.abac_role_trusts_tagged_user),
    Mutant("abac-queue-grants-tagged-role",
           "The role is tagged team=platform, and an SQS queue's policy lets any principal so tagged send to it.",
           frozenset({SESSION_ACCOUNT_WIDE}),
           apply=edits.abac_queue_grants_tagged_role),
    Mutant("abac-secret-grants-tagged-principals",
           "A secret's policy lets any principal carrying the suite's run-id tag read it.",
           frozenset({NO_STANDING, SESSION_ACCOUNT_WIDE}),
           apply=edits.abac_secret_grants_tagged_principals),
    Mutant("operator-is-root", "The walkthrough is run by the account root user instead of an IAM administrator.",
           frozenset(every_scenario_of_the_walkthrough()),
           setup=edits.operator_is_root, moto_only=True,
           notes="fails every scenario at its first Given, so it counts for no scenario's coverage"),
    Mutant("sts-long-credentials", "STS issues 12-hour credentials when one hour was asked for.",
           frozenset({WALKTHROUGH, TEMPORARY}),
           setup=endpoint_faults.sts_issues_long_credentials, moto_only=True),
    Mutant("sts-no-chaining-limit", "STS lets a role session chain into a 12-hour session.",
           frozenset({CHAINED}),
           setup=endpoint_faults.sts_ignores_chaining_limit, moto_only=True),
    Mutant("sts-accepts-expired", "STS and S3 accept the role's credentials after their expiry.",
           frozenset({EXPIRED}),
           apply=endpoint_faults.sts_honours_expired_credentials, moto_only=True),
    Mutant("sts-hides-session-name", "STS attributes the role's session to a shared session name.",
           frozenset({ATTRIBUTED}),
           setup=endpoint_faults.sts_hides_session_name, moto_only=True),
    Mutant("sts-answers-unsigned", 'STS answers unsigned requests, and the trust policy names "AWS": "*".',
           frozenset(_TRUST_CHANGED | {OTHER_USER, FOREIGN_ADMIN, ANONYMOUS, OWN_SESSION, ASSUMES_NO_ROLE,
                                       SESSION_ACCOUNT_WIDE}),
           apply=edits.trust_everyone, setup=endpoint_faults.sts_answers_unsigned_requests, moto_only=True),
)

# The example contracts' non-compliant variants on moto: each breaks the one thing its contract exists to catch,
# and the sentence naming that flaw must fail (tests/project/test_contracts_on_moto.py runs them).
CONTRACT_MUTANTS: tuple[Mutant, ...] = (
    Mutant("drop-mfa-condition", 'The role "reports-reader" trusts the analyst without requiring MFA.',
           frozenset({"The analyst cannot assume the role without MFA",
                      "Only the analyst, with MFA, can assume the role"}),
           apply=edits.drop_trust_condition("reports-reader", {"aws:multifactorauthpresent"}),
           contract="mfa-analyst"),
    Mutant("whole-bucket-grant", 'The policy "read-monthly-reports" reads and lists the whole bucket "reports".',
           frozenset({"With MFA the analyst reads the monthly reports and nothing else",
                      "Nothing in the account grants the role more than the monthly reports"}),
           apply=edits.whole_bucket_grant("read-monthly-reports", "reports"), contract="mfa-analyst"),
    Mutant("drop-oidc-sub", 'The role "deployer" trusts every token of the GitHub provider (no condition on sub).',
           frozenset({"A token for another repository cannot assume the role",
                      "A token for another branch of the app cannot assume the role",
                      "A token for a pull request against the app cannot assume the role",
                      "Only the main branch of the app can assume the role"}),
           apply=edits.drop_trust_condition("deployer", {"token.actions.githubusercontent.com:sub"}),
           contract="github-deployer"),
    Mutant("function-policy-grants-deployer", 'The function "app"\'s policy lets the role "deployer" delete it.',
           frozenset({"Nothing in the account grants the role more than deploying the app",
                      "The role cannot hand itself to a service or reach another role"}),
           apply=edits.function_policy_grants("app", "deployer", "lambda:DeleteFunction"),
           contract="github-deployer"),
    Mutant("drop-external-id", 'The role "vendor-support" trusts the vendor\'s user without the external id.',
           frozenset({"The vendor's engineer cannot assume the role without the external id",
                      "Only the vendor's engineer, with the external id, can assume the role"}),
           apply=edits.drop_trust_condition("vendor-support", None), contract="vendor-support"),
    Mutant("queue-policy-grants-vendor-role",
           'The queue "support-tickets"\'s policy lets the role "vendor-support" send and delete too.',
           frozenset({"Nothing in the account grants the role more than reading the tickets",
                      "The role receives the support tickets and does nothing else"}),
           apply=edits.queue_policy_grants("support-tickets", "vendor-support", ["sqs:SendMessage",
                                                                                 "sqs:DeleteMessage"]),
           contract="vendor-support"),
    Mutant("second-role-reachable", 'A role "admin" trusts the account and the role "jump" may assume any role.',
           frozenset({"The jump role can reach only the target role",
                      "Nothing in the account grants the jump role more than assuming the target"}),
           apply=edits.second_role_reachable("jump", "assume-target"), contract="role-chain"),
    Mutant("drop-saml-aud", 'The role "workforce" trusts the corporate SAML provider\'s assertions for any service '
           "provider (no condition on saml:aud).",
           frozenset({"Only AWS sign-in assertions of the corporate identity provider can assume the role"}),
           apply=edits.drop_trust_condition("workforce", {"saml:aud"}), contract="workforce-saml"),
    Mutant("topic-policy-grants-worker", 'The topic "order-events"\'s policy lets the role "order-worker" delete it.',
           frozenset({"The worker reads the orders and publishes their events, and uses nothing else",
                      "Nothing in the account grants the worker more than the orders and their events"}),
           apply=edits.resource_policy_grants("topic", "order-events", "order-worker", ["sns:DeleteTopic"]),
           contract="order-worker"),
    Mutant("secret-policy-grants-worker",
           'The secret "orders-api-key"\'s resource policy lets the role "order-worker" read it.',
           frozenset({"The worker reads the orders and publishes their events, and uses nothing else",
                      "Nothing in the account grants the worker more than the orders and their events"}),
           apply=edits.resource_policy_grants("secret", "orders-api-key", "order-worker",
                                              ["secretsmanager:GetSecretValue"]), contract="order-worker"),
    Mutant("key-policy-grants-worker", 'The key "orders-key"\'s key policy lets the role "order-worker" decrypt.',
           frozenset({"The worker reads the orders and publishes their events, and uses nothing else",
                      "Nothing in the account grants the worker more than the orders and their events"}),
           apply=edits.resource_policy_grants("key", "orders-key", "order-worker", ["kms:Decrypt"]),
           contract="order-worker"),
    Mutant("table-policy-grants-worker",
           'The table "orders"\'s resource policy lets the role "order-worker" write items.',
           frozenset({"The worker reads the orders and publishes their events, and uses nothing else",
                      "Nothing in the account grants the worker more than the orders and their events"}),
           apply=edits.resource_policy_grants("table", "orders", "order-worker", ["dynamodb:PutItem"]),
           contract="order-worker"),
    Mutant("service-trust-widened", 'The role "order-worker" also trusts EC2 (any instance profile may use it).',
           frozenset({"Only AWS Lambda can assume the worker role"}),
           apply=edits.trust_admits_service("order-worker", "ec2.amazonaws.com"), contract="order-worker"),
    Mutant("group-policy-grants-on-call", 'The group "on-call-engineers" may also delete the topic "order-events".',
           frozenset({"The on-call engineer announces incidents on the topic and does nothing else"}),
           apply=edits.group_policy_grants("on-call-engineers", "topic", "order-events", ["sns:DeleteTopic"]),
           contract="order-worker"),
    Mutant("boundary-removed", 'The user "intern" has no permissions boundary: its attached policy applies.',
           frozenset({"The intern's permissions boundary holds back the policy attached to it"}),
           apply=edits.remove_boundary("user", "intern"), contract="order-worker"),
)

MUTANTS: dict[str, Mutant] = {mutant.name: mutant for mutant in (*CATALOG, *CONTRACT_MUTANTS)}
# The benign catalog's changes as mutants that kill nothing: every scenario must pass (``benign``).
BENIGN_MUTANTS: dict[str, Mutant] = {
    benign.ALL: Mutant(benign.ALL, "Every change of the benign catalog at once.", frozenset(),
                       apply=benign.apply_all),
    **{entry.name: Mutant(entry.name, entry.description, frozenset(), apply=entry.apply, notes=entry.source_url)
       for entry in benign.BENIGN},
}


def get(name: str) -> Mutant:
    """The mutant called ``name`` (of the catalog, or of the benign catalog), or ``UnknownMutant`` with one line."""
    try:
        return MUTANTS.get(name) or BENIGN_MUTANTS[name]
    except KeyError:
        raise UnknownMutant(f"unknown mutant {name!r}; run `pytest --list-mutants` to see the catalog") from None


def listing() -> str:
    """The catalog as text: one mutant per line with what it misconfigures."""
    width = max(len(m.name) for m in CATALOG)
    lines = [f"{m.name:<{width}}  {m.description}{'  [moto only]' if m.moto_only else ''}" for m in CATALOG]
    return "\n".join(lines)
