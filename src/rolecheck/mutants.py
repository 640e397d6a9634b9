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

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from rolecheck import documents, walkthrough
from rolecheck.clients import AccessKey, Actor, ClientFactory
from rolecheck.deployment import Deployment
from rolecheck.outsiders import FOREIGN_ACCOUNT
from rolecheck.secrets import Secret, generate_password


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
             OWN_SESSION} | cannot(*ACTIVITIES))


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
    return walkthrough.create_user(_iam(deployment), deployment.registry, "second-user").arn


def _everyone_trusted(deployment: Deployment) -> None:
    _set_trust(deployment, {"AWS": "*"})


def attach_admin_to_role(deployment: Deployment) -> None:
    iam = _iam(deployment)
    admin = walkthrough.create_policy(iam, deployment.registry, "administrator-access",
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
    boundary = walkthrough.create_policy(iam, deployment.registry, "boundary", _policy(
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
    walkthrough.enable_console_access(iam, user, generate_password(), reset_required=False)


def _put_bucket_policy(deployment: Deployment, principal: Any, sid: str) -> None:
    statement = {"Sid": sid, "Effect": "Allow", "Principal": principal, "Action": "s3:GetObject",
                 "Resource": f"arn:aws:s3:::{deployment.bucket}/*"}
    deployment.admin.client("s3").put_bucket_policy(Bucket=deployment.bucket,
                                                    Policy=documents.dumps(_policy(statement)))


def bucket_policy_grants_role(deployment: Deployment) -> None:
    _put_bucket_policy(deployment, {"AWS": deployment.require_role().arn}, "RoleReadsObjects")


def bucket_is_public(deployment: Deployment) -> None:
    _put_bucket_policy(deployment, "*", "PublicRead")


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

    from rolecheck.moto_adapter import authorizer
    from rolecheck.moto_adapter.identity import find_role_by_arn
    from rolecheck.moto_adapter.params import first_param
    from rolecheck.static_checks import internet_accessible

    installed = ActionAuthenticatorMixin.__dict__["_authenticate_and_authorize_action"]

    def authorize(response: Any, iam_request_cls: type, resource: str = "*") -> None:
        call = authorizer._call_of(response)
        if call.service == "sts" and authorizer.credential_of(response.headers, call.query) is None:
            role = find_role_by_arn(first_param(call.params, "RoleArn") or "")
            if role is None or not internet_accessible(documents.from_api(role.assume_role_policy_document)):
                raise authorizer._denied(call, "the trust policy does not admit anonymous callers")
            return
        installed(response, iam_request_cls, resource)

    return _undo_of(_patched(ActionAuthenticatorMixin, "_authenticate_and_authorize_action", authorize))


# --- the catalog --------------------------------------------------------------------------------------------------

_POLICY_CHANGED = {REVIEWED, EXACT}
_TRUST_CHANGED = {REVIEWED, TRUST_ADMITS}

CATALOG: tuple[Mutant, ...] = (
    Mutant("policy-allows-s3-star", "The role's policy allows s3:* instead of only listing the buckets.",
           frozenset(_POLICY_CHANGED | {NO_WILDCARDS, NO_ESCALATION} | cannot(*S3_ACTIONS)),
           apply=replace_policy(_statement("s3:*", "*", "AllS3"))),
    Mutant("policy-reads-every-object", "The role's policy also allows s3:GetObject on arn:aws:s3:::*/*.",
           frozenset(_POLICY_CHANGED | cannot("s3:GetObject")),
           apply=add_to_policy("s3:GetObject", "arn:aws:s3:::*/*", "ReadEveryObject")),
    Mutant("policy-allows-notaction", "The role's policy allows everything except IAM, written with NotAction.",
           frozenset(_POLICY_CHANGED | {NO_WILDCARDS, NO_ESCALATION} | cannot(*S3_ACTIONS, "sts:AssumeRole",
                                                                              "sns:ListTopics")),
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
    Mutant("policy-assumes-any-role", "The role's policy also allows sts:AssumeRole on every role.",
           frozenset(_POLICY_CHANGED | {NO_ESCALATION} | cannot("sts:AssumeRole")),
           apply=add_to_policy("sts:AssumeRole", "*", "AssumeAnyRole")),
    Mutant("policy-manages-own-role", "The role's policy lets the role attach and write policies on itself.",
           frozenset(_POLICY_CHANGED | {NO_ESCALATION} | cannot("iam:AttachRolePolicy", "iam:PutRolePolicy")),
           apply=add_to_policy(["iam:AttachRolePolicy", "iam:PutRolePolicy"], "{{role_arn}}", "ManageOwnRole")),
    Mutant("policy-creates-users", "The role's policy also allows iam:CreateUser.",
           frozenset(_POLICY_CHANGED | cannot("iam:CreateUser")),
           apply=add_to_policy("iam:CreateUser", "*", "CreateUsers")),
    Mutant("role-has-administrator-access", "A policy allowing everything is attached to the role as well.",
           frozenset({EXACT, REVIEWED, NO_WILDCARDS, NO_ESCALATION} | cannot(*ACTIVITIES)),
           apply=attach_admin_to_role),
    Mutant("role-has-inline-policy", "The role has an unreviewed inline policy that reads the bucket's objects.",
           frozenset({REVIEWED, EXACT} | cannot("s3:GetObject")),
           apply=inline_policy_on_role),
    Mutant("policy-detached", "The reviewed policy is detached from the role.",
           frozenset({WALKTHROUGH, CAN_LIST, EXACT, REVIEWED}),
           apply=detach_policy),
    Mutant("boundary-forgets-listing", "A permissions boundary on the role leaves out s3:ListAllMyBuckets.",
           frozenset({WALKTHROUGH, CAN_LIST, EXACT}),
           apply=boundary_without_listing),
    Mutant("role-allows-12-hour-sessions", "The role's MaxSessionDuration is 43200 seconds (12 hours).",
           frozenset({MAX_SESSION}),
           apply=long_sessions),
    Mutant("trust-names-everyone", 'The trust policy names "AWS": "*".',
           frozenset(_TRUST_CHANGED | {OTHER_USER, FOREIGN_ADMIN, OWN_SESSION}),
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
           frozenset(_TRUST_CHANGED | {WALKTHROUGH, USER_ASSUMES, OWN_SESSION, MAX_SESSION}),
           apply=trust(lambda d: {"AWS": _second_user(d)}, keep_user=False),
           unevaluable=frozenset({MAX_SESSION})),
    Mutant("trust-names-a-service", "The trust policy also lets EC2 instances assume the role.",
           frozenset(_TRUST_CHANGED),
           apply=trust(lambda d: {"Service": "ec2.amazonaws.com"})),
    Mutant("trust-names-the-role-itself", "The trust policy also lets the role assume itself.",
           frozenset(_TRUST_CHANGED | {OWN_SESSION}),
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
           frozenset(cannot("s3:GetObject")),
           apply=bucket_policy_grants_role),
    Mutant("bucket-is-public", "A bucket policy lets anyone read the bucket's objects.",
           frozenset({NO_STANDING} | cannot("s3:GetObject")),
           apply=bucket_is_public),
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
           frozenset(_TRUST_CHANGED | {OTHER_USER, FOREIGN_ADMIN, ANONYMOUS, OWN_SESSION}),
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
