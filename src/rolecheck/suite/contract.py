"""A contract's scene by logical name: users with an MFA device, roles of each trust kind, policies attached by name,
sessions opened by the users and chained between roles, and probes aimed at a named resource, prefix or condition.

Each function takes the scenario's ``Deployment`` and names what it acts on by logical name (``suite/entities``);
the walkthrough's own steps keep using the Deployment's slots, which are the last entity of each kind.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from rolecheck.analysis.subjects import Subject
from rolecheck.aws import operations, readback
from rolecheck.aws.clients import AccessKey, Actor
from rolecheck.aws.operation_models import derive_call
from rolecheck.engine import Policy, Principal
from rolecheck.errors import ComplianceViolation, FeatureFileError
from rolecheck.moto_adapter.federation import SAML_AUDIENCE, SAML_SUBJECT_TYPE
from rolecheck.policydoc import documents
from rolecheck.report.evidence import attach_json, attach_text
from rolecheck.suite import checks, claims, probing
from rolecheck.suite.entities import Entity
from rolecheck.suite.kinds import KINDS
from rolecheck.suite.provisioning import MFA_CODES, assume_roles_of
from rolecheck.suite.scene import Deployment


def provider_path(issuer_url: str) -> str:
    """The provider's name as IAM keeps it: the issuer URL without its scheme (``host/path``)."""
    return issuer_url.split("://", 1)[-1].rstrip("/")



@dataclass(frozen=True)
class Session:
    """A role session a scenario opened: the role, who opened it, and the actor acting with its credentials."""

    role: Entity
    actor: Actor
    key: AccessKey
    session_name: str


@dataclass(frozen=True)
class Aim:
    """What a probe's call is aimed at: the call's resource parameters, the ARN the engine predicts on, and the
    bucket and object a bucket policy is read back for."""

    binding: Mapping[str, Any]
    arn: str
    bucket: str = ""
    key: str = ""


def add_user_with_mfa(deployment: Deployment, logical: str) -> Entity:
    """The user ``logical`` with a virtual MFA device enabled, or found (the device's serial kept on the entity)."""
    user = deployment.add_user(logical)
    entity = deployment.entities.named(logical, "user")
    entity.extra["mfa_serial"] = deployment.provisioner.mfa_device(deployment.provision_context(), user)
    return entity


def add_bucket_with_objects(deployment: Deployment, logical: str, keys: Sequence[str]) -> Entity:
    """The bucket ``logical`` holding each of ``keys`` (in an audit, a key it lacks is the engine's to decide)."""
    name = deployment.add_bucket(logical, keys[0] if keys else None)
    deployment.untried.update(deployment.provisioner.objects(deployment.provision_context(), name, keys[1:]).untried)
    entity = deployment.entities.named(logical, "bucket")
    entity.extra["objects"] = list(keys)
    return entity


def add_inline_policy(deployment: Deployment, logical: str, role_logical: str, document: Mapping[str, Any]) -> None:
    """The inline policy ``logical`` of the role ``role_logical``, with the reviewed document (put, or read back and
    compared in an audit)."""
    role = deployment.entities.named(role_logical, "role").extra["role"]
    deployment.provisioner.inline_policy(deployment.provision_context(), role, logical, document)
    deployment.documents[f"inline:{logical}"] = dict(document)


def attach(deployment: Deployment, policy_logical: str, role_logical: str, kind: str = "role") -> None:
    """The managed policy ``policy_logical`` attached to the role, user or group ``role_logical`` (``kind``), and
    found attached."""
    policy = _policy_named(deployment, policy_logical)
    iam = deployment.admin.client("iam")
    if kind == "role":
        role = deployment.entities.named(role_logical, "role").extra["role"]
        deployment.provisioner.attach(deployment.provision_context(), role, policy.arn)
        checks.check_policy_attached(iam, role, policy.arn)
        return
    holder = deployment.entities.named(role_logical, kind)
    if deployment.provisioner.writes:
        attach_to = iam.attach_user_policy if kind == "user" else iam.attach_group_policy
        attach_to(**{"UserName" if kind == "user" else "GroupName": holder.name}, PolicyArn=policy.arn)
    listed = (iam.list_attached_user_policies(UserName=holder.name) if kind == "user"
              else iam.list_attached_group_policies(GroupName=holder.name))["AttachedPolicies"]
    if policy.arn not in {p["PolicyArn"] for p in listed}:
        raise ComplianceViolation(f"policy {policy.arn} is not attached to {kind} {holder.name}")


def set_boundary(deployment: Deployment, policy_logical: str, holder_logical: str, kind: str) -> None:
    """The managed policy ``policy_logical`` as the permissions boundary of the role or user ``holder_logical``,
    and found to be it."""
    policy = _policy_named(deployment, policy_logical)
    holder = deployment.entities.named(holder_logical, kind)
    iam = deployment.admin.client("iam")
    member = {"RoleName" if kind == "role" else "UserName": holder.name}
    if deployment.provisioner.writes:
        put = iam.put_role_permissions_boundary if kind == "role" else iam.put_user_permissions_boundary
        put(**member, PermissionsBoundary=policy.arn)
    facts = iam.get_role(**member)["Role"] if kind == "role" else iam.get_user(**member)["User"]
    found = facts.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn")
    if found != policy.arn:
        raise ComplianceViolation(f"the permissions boundary of {kind} {holder.name} is {found or 'none'}, not "
                                  f"{policy.arn}")


def user_actor(deployment: Deployment, logical: str) -> Actor | None:
    """The user ``logical`` acting with its own access key (issued once per scenario); None in an audit that holds
    no credentials of the user (its trials are then the engine's)."""
    entity = deployment.entities.named(logical, "user")
    if "actor" not in entity.extra:
        key = deployment.provisioner.user_key(deployment.provision_context(), entity.extra["user"])
        if key is None and not deployment.audit:
            raise FeatureFileError(f"no credentials act as the user \"{logical}\" in this run")
        entity.extra["actor"] = deployment.admin.another(f"user {logical}").sign_in(key) if key else None
    return entity.extra["actor"]


def _mfa_of(user: Entity) -> tuple[str, str] | None:
    serial = user.extra.get("mfa_serial")
    return (serial, MFA_CODES[0]) if serial else None


def switch(deployment: Deployment, user_logical: str, role_logical: str) -> Session | None:
    """The user signs in with its own key and switches to the role, with its MFA device when it has one.

    An audit holds neither the user's device nor, without a profile, its key: it opens no session, and the
    Then-steps about the role's session are the engine's (the step says why)."""
    user = deployment.entities.named(user_logical, "user")
    role = deployment.entities.named(role_logical, "role")
    actor = user_actor(deployment, user_logical)
    if deployment.audit and (actor is None or "mfa_serial" in user.extra):
        attach_text("no session opened: the policy engine decides the session's probes",
                    f"the audit holds no {'MFA code' if actor else 'credentials'} of the user \"{user_logical}\"; "
                    f"the probes of the role \"{role_logical}\"'s session are decided from the policies read back")
        return None
    assert actor is not None
    return _open(deployment, role, actor, f"{user.name}-session"[:64], _mfa_of(user))


def chain(deployment: Deployment, from_role: str, to_role: str) -> Session | None:
    """The session of ``from_role`` switches to ``to_role`` (role chaining)."""
    role = deployment.entities.named(to_role, "role")
    if deployment.audit and from_role not in deployment.sessions:
        attach_text("no session opened: the policy engine decides the session's probes",
                    f"no session of the role \"{from_role}\" was opened in this audit")
        return None
    source = session_of(deployment, from_role)
    return _open(deployment, role, source.actor, f"{source.session_name}-chained"[:64], None)


def _open(deployment: Deployment, role: Entity, actor: Actor, session_name: str,
          mfa: tuple[str, str] | None) -> Session:
    key = operations.assume_role(actor.client("sts"), role.arn, session_name, mfa=mfa)
    session = Session(role, deployment.admin.another(f"session of {role.logical}").sign_in(key), key, session_name)
    deployment.sessions[role.logical] = session
    return session


def session_of(deployment: Deployment, role_logical: str) -> Session:
    """The session of the role the scenario opened; one line if it opened none."""
    session = deployment.sessions.get(role_logical)
    if session is None:
        raise FeatureFileError(f"no session of the role \"{role_logical}\" was opened in this scenario before this "
                               "step")
    return session


def aim(deployment: Deployment, action: str, *, noun: str | None = None, logical: str | None = None,
        key: str | None = None, bucket: str | None = None, arn: str | None = None) -> Aim | None:
    """What ``on …`` names: an object or prefix in a bucket, an entity by kind noun, or an ARN; None for none."""
    if key is not None and bucket is not None:
        entity = deployment.entities.named(bucket, "bucket")
        return Aim({"Bucket": entity.name, "Key": key}, f"{entity.arn}/{key}", entity.name, key)
    if noun is not None and logical is not None:
        entity = deployment.entities.named(logical, noun)
        member = {"bucket": ("Bucket", entity.name), "queue": ("QueueUrl", entity.extra.get("url", "")),
                  "topic": ("TopicArn", entity.arn), "secret": ("SecretId", entity.arn),
                  "key": ("KeyId", entity.arn), "function": ("FunctionName", entity.name),
                  "table": ("TableName", entity.name), "role": ("RoleName", entity.name)}[noun]
        binding = dict([member])
        if noun == "table":
            binding["Key"] = table_key(deployment.admin.client("dynamodb"), entity.name)
        return Aim(binding, entity.arn, entity.name if noun == "bucket" else "")
    if arn is not None:
        filled = documents.fill(arn, deployment.placeholders(), name="the step's ARN")
        binding = {"RoleArn": filled} if action.lower() == "sts:assumerole" else {}
        return Aim(binding, filled)
    return None


# A stand-in value of each DynamoDB key attribute type: the item need not exist, the call is about authorization.
_KEY_STAND_INS = {"S": {"S": "rolecheck-probe"}, "N": {"N": "0"}, "B": {"B": b"rolecheck-probe"}}


def table_key(dynamodb: Any, table: str) -> dict[str, Any]:
    """A ``Key`` for an item call on ``table``, from the table's key schema as DescribeTable gives it (a partition
    key, and a sort key where it has one), each attribute a stand-in of its type."""
    description = dynamodb.describe_table(TableName=table)["Table"]
    types = {a["AttributeName"]: a["AttributeType"] for a in description["AttributeDefinitions"]}
    return {k["AttributeName"]: _KEY_STAND_INS[types[k["AttributeName"]]] for k in description["KeySchema"]}


def verify_action(deployment: Deployment, action: str, expect_allowed: bool, *, role: str | None = None,
                  user: str | None = None, target: Aim | None = None,
                  condition: tuple[str, str] | None = None) -> None:
    """``P can/cannot perform "action" [on R] [when "key" is "value"]``: tried with the session of the role (or the
    user's own key), predicted by the engine; a role with no session open in the scenario is decided by the engine."""
    iam = deployment.admin.client("iam")
    binding = dict(target.binding) if target else {}
    context: dict[str, Any] = {}
    if condition is not None:
        context[condition[0]] = condition[1]
        if condition[0].lower() == "s3:prefix":
            binding["Prefix"] = condition[1]
    p = probing.probe(action) if target is None and condition is None else _aimed(action, binding, target)
    if user is not None:
        entity = deployment.entities.named(user, "user")
        actor: Actor | None = user_actor(deployment, user)
        subject = _subject_of_user(deployment, entity)
        who, role_name = f'the user "{user}"', ""
    else:
        assert role is not None
        entity = deployment.entities.named(role, "role")
        session = deployment.sessions.get(role)
        actor = session.actor if session else None
        subject = probing.role_session_subject(iam, deployment.account_id, entity.name,
                                               entity.extra["role"].role_id, session.session_name if session else "")
        who, role_name = f'the session of the role "{role}"', entity.name
    ctx = probing.ProbeContext(account_id=deployment.account_id, bucket=target.bucket if target else "",
                               object_key=target.key if target else "", role_name=role_name,
                               registry=deployment.registry, region=deployment.region,
                               resource_facts=lambda arn: deployment.snapshot().resources.get(arn))
    runner = probing.ProbeRunner(admin=deployment.admin, audit=deployment.audit, context=lambda: ctx,
                                 untried=deployment.untried, no_credentials="no credentials act as the principal")
    if actor is None:
        runner.decided_by_engine(p, who, subject, expect_allowed, f"no session of the role \"{role}\" was opened "
                                 "in this scenario", context)
        return
    runner.verify(p, who, actor, subject, expect_allowed, context)


def _aimed(action: str, binding: Mapping[str, Any], target: Aim | None) -> probing.Probe:
    call = derive_call(action, binding)
    return probing.Probe(action, call.service, lambda client, _ctx: call.make(client),
                         lambda _ctx: target.arn if target else "*")


def _trial_runner(deployment: Deployment, role: Entity, no_credentials: str) -> probing.ProbeRunner:
    """The runner of a trial at assuming ``role`` (by a user, a token or an assertion): live where someone can act,
    else decided by the engine, saying ``no_credentials``."""
    ctx = probing.ProbeContext(account_id=deployment.account_id, bucket="", object_key="", role_name=role.name,
                               registry=deployment.registry, region=deployment.region)
    return probing.ProbeRunner(admin=deployment.admin, audit=deployment.audit, context=lambda: ctx,
                               untried=deployment.untried, no_credentials=no_credentials)


def verify_assume_with_mfa(deployment: Deployment, user_logical: str, role_logical: str, *, mfa: bool,
                           expect_allowed: bool) -> None:
    """The user tries to assume the role with its MFA device's code, or without one."""
    user = deployment.entities.named(user_logical, "user")
    role = deployment.entities.named(role_logical, "role")
    params: dict[str, Any] = {"RoleArn": role.arn, "RoleSessionName": "rolecheck-probe"}
    context: dict[str, Any] = {}
    actor = user_actor(deployment, user_logical)
    if mfa:
        device = _mfa_of(user)
        if device is None and not deployment.audit:
            raise FeatureFileError(f"the user \"{user_logical}\" has no MFA device in this scenario")
        if device is not None:
            params["SerialNumber"], params["TokenCode"] = device
        context = {"aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": "0"}
        # An audit never holds the device's seed, so no code: the engine decides the trial with MFA.
        actor = None if deployment.audit else actor
    p = probing.Probe("sts:AssumeRole", "sts", lambda client, _ctx: client.assume_role(**params),
                      lambda _ctx: role.arn)
    runner = _trial_runner(deployment, role, "an audit holds no MFA code of the user" if mfa else
                           "no credentials act as the user")
    runner.verify(p, f'the user "{user_logical}"', actor, _subject_of_user(deployment, user), expect_allowed,
                  context)


def check_role_trusts(deployment: Deployment, role_logical: str, trustees: Sequence[claims.Assumer]) -> None:
    """A role Given's sentence names its trustees: the engine must admit exactly those to the role."""
    role = deployment.entities.named(role_logical, "role")
    try:
        claims.check_assumers(deployment.snapshot(), role.arn, trustees,
                              f"the trust policy of the role \"{role_logical}\" names only "
                              + ", ".join(str(t) for t in trustees), picture=False)
    except ComplianceViolation as violation:
        if not deployment.audit:
            raise
        # As the Locator does with a document that differs: an audited role is still judged by every other check,
        # and the Then-steps that claim who may assume it fail with this finding.
        attach_text("the trust policy does not name only the sentence's trustees", str(violation))


def assumer_of(deployment: Deployment, principal: str, condition: str | None) -> claims.Assumer:
    """A row of the only-principals table: ``user "u"``, ``role "r"``, ``session of the role "r"``,
    ``federated "subject"``, ``service "name"``."""
    kind, _, quoted = principal.partition(" ")
    if principal.startswith("session of the role "):
        kind, quoted = "role", principal.removeprefix("session of the role ")
    name = quoted.strip().strip('"')
    if kind in ("user", "role"):
        return claims.Assumer(deployment.entities.named(name, kind).arn, condition)
    if kind == "federated":
        return claims.Assumer(None, condition, subject=name)
    if kind == "service":
        return claims.Assumer(f"Service:{name}", condition)
    raise FeatureFileError(f"unknown principal {principal!r}: write user \"u\", role \"r\", session of the role "
                           "\"r\", federated \"subject\" or service \"name\"")


def access_rows(deployment: Deployment, table: Sequence[Sequence[str]]) -> list[claims.Expected]:
    """The rows of an account-wide access table (action | resource [| condition]); with a condition column, an
    empty cell means the grant needs no condition."""
    header, *body = table
    placeholders = deployment.placeholders()
    with_condition = "condition" in header
    expected = []
    for row in body:
        cells = dict(zip(header, row, strict=True))
        expected.append(claims.Expected(cells["action"], documents.fill(cells["resource"], placeholders,
                                                                        name="the table's resource"),
                                        condition=cells.get("condition", "") if with_condition else None))
    attach_json("expected access", [str(e) for e in expected])
    return expected


def check_max_session(deployment: Deployment, role_logical: str, seconds: int) -> None:
    """The role's maximum session length, read back, is at most ``seconds``."""
    role = deployment.entities.named(role_logical, "role").extra["role"]
    checks.check_max_session_duration(deployment.admin.client("iam"), role, seconds)
    attach_json("maximum session length", {"role": role.name, "seconds": readback.role_max_session_duration(
        deployment.admin.client("iam"), role.name)})


def add_foreign_user(deployment: Deployment, logical: str, foreign_admin: Callable[[], Actor]) -> Entity:
    """The user ``logical`` of the other account, allowed by its own account to assume this account's roles, with
    an access key; made by that account's administrator (on moto, the second account the target makes). In an
    audit it is the user the mapping names by ARN, with no credentials: its trials are the engine's."""
    user = deployment.provisioner.foreign_user(deployment.provision_context(), logical, foreign_admin).entity
    account = user.arn.split(":")[4]
    if deployment.audit:
        return deployment.introduce("user", logical, user.name, user.arn, account=account, user=user, actor=None)
    admin = foreign_admin()
    actor = deployment.admin.another(f"user {logical} of the other account").sign_in(
        operations.create_access_key(admin.client("iam"), user))
    return deployment.introduce("user", logical, user.name, user.arn, account=account, user=user, actor=actor,
                                admin=admin)


def add_queue(deployment: Deployment, logical: str) -> Entity:
    """The SQS queue ``logical``, tagged with the run's tags (the sweeper finds it by tag on AWS) and tracked for
    teardown, or found in an audit; its URL is the entity's ``url``."""
    name, url = deployment.provisioner.queue(deployment.provision_context(), logical).entity
    return deployment.introduce("queue", logical, name, url=url)


def _add_topic(deployment: Deployment, logical: str) -> Entity:
    name = deployment.registry.unique_name(logical)
    arn = deployment.admin.client("sns").create_topic(Name=name, Tags=deployment.registry.tags())["TopicArn"]
    deployment.registry.track("topic", arn)
    return deployment.introduce("topic", logical, name, arn)


def _add_secret(deployment: Deployment, logical: str) -> Entity:
    name = deployment.registry.unique_name(logical)
    # The value stands in for one: the contract is about who may read the secret, not what it holds.
    arn = deployment.admin.client("secretsmanager").create_secret(
        Name=name, SecretString=secrets.token_urlsafe(16), Tags=deployment.registry.tags())["ARN"]
    deployment.registry.track("secret", arn)
    return deployment.introduce("secret", logical, name, arn)


def _add_key(deployment: Deployment, logical: str) -> Entity:
    # A key has no name: its id names it. Created with the default key policy, which delegates to IAM
    # (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
    tags = [{"TagKey": tag["Key"], "TagValue": tag["Value"]} for tag in deployment.registry.tags()]
    key = deployment.admin.client("kms").create_key(Description=f"rolecheck {logical}", Tags=tags)["KeyMetadata"]
    deployment.registry.track("key", key["KeyId"])
    return deployment.introduce("key", logical, key["KeyId"], key["Arn"])


# The key schema of a table the suite makes: one string partition key, so a probe's Key is {"id": {"S": ...}}.
TABLE_KEY_SCHEMA = ({"AttributeName": "id", "KeyType": "HASH"},)


def _add_table(deployment: Deployment, logical: str) -> Entity:
    name = deployment.registry.unique_name(logical)
    answer = deployment.admin.client("dynamodb").create_table(
        TableName=name, KeySchema=list(TABLE_KEY_SCHEMA), BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], Tags=deployment.registry.tags())
    deployment.registry.track("table", name)
    return deployment.introduce("table", logical, name, answer["TableDescription"]["TableArn"],
                                key_schema=list(TABLE_KEY_SCHEMA))


_RESOURCE_MAKERS = {"queue": add_queue, "topic": _add_topic, "secret": _add_secret, "key": _add_key,
                    "table": _add_table, "function": lambda deployment, logical: add_function(deployment, logical)}


def add_resource(deployment: Deployment, kind: str, logical: str, policy: str | None = None) -> Entity:
    """The resource ``logical`` of ``kind`` (queue, topic, secret, key, table, function), tagged and tracked; with
    ``policy`` (the reviewed document's text, rendered once the resource exists so that it may name itself) as
    its resource policy."""
    entity = _RESOURCE_MAKERS[kind](deployment, logical)
    if policy is not None:
        document = documents.render(policy, deployment.placeholders(), name=f"resource policy of {logical}")
        attach_json(f"resource policy of {logical}", document)
        deployment.documents[f"resource:{logical}"] = dict(document)
        set_resource_policy(deployment, entity, document)
    return entity


def set_resource_policy(deployment: Deployment, entity: Entity, document: Mapping[str, Any]) -> None:
    """Put ``document`` as the resource policy of ``entity`` (a queue, topic, secret, key or table)."""
    text = documents.dumps(document)
    client = deployment.admin.client(KINDS[entity.kind].service)
    if entity.kind == "queue":
        client.set_queue_attributes(QueueUrl=entity.extra["url"], Attributes={"Policy": text})
    elif entity.kind == "topic":
        client.set_topic_attributes(TopicArn=entity.arn, AttributeName="Policy", AttributeValue=text)
    elif entity.kind == "secret":
        client.put_resource_policy(SecretId=entity.arn, ResourcePolicy=text)
    elif entity.kind == "key":
        client.put_key_policy(KeyId=entity.name, PolicyName="default", Policy=text)
    elif entity.kind == "table":
        client.put_resource_policy(ResourceArn=entity.arn, Policy=text)
    else:
        raise FeatureFileError(f"a {KINDS[entity.kind].phrase} has no resource policy of its own here; write its "
                               "grants in the policies of its principals")


def add_group(deployment: Deployment, logical: str, user_logical: str) -> Entity:
    """The IAM group ``logical`` with the user ``user_logical`` as its member (groups carry no tags: tracked by
    the run's name)."""
    user = deployment.entities.named(user_logical, "user")
    iam = deployment.admin.client("iam")
    name = deployment.registry.unique_name(logical)
    arn = iam.create_group(GroupName=name)["Group"]["Arn"]
    deployment.registry.track("group", name)
    iam.add_user_to_group(GroupName=name, UserName=user.name)
    return deployment.introduce("group", logical, name, arn)


def locate_aws_policy(deployment: Deployment, name: str) -> Entity:
    """The AWS-managed policy ``name``, found (AWS owns it: never made); one line if AWS has none by that name."""
    arn = KINDS["aws-policy"].arn(name, account="aws", region=deployment.region)
    try:
        deployment.admin.client("iam").get_policy(PolicyArn=arn)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchEntity":
            raise
        raise FeatureFileError(f"AWS has no managed policy named {name!r} ({arn})") from None
    return deployment.introduce("aws-policy", name, name, arn)


def _policy_named(deployment: Deployment, logical: str) -> Entity:
    entity = deployment.entities.named(logical)
    if entity.kind not in ("policy", "aws-policy"):
        raise FeatureFileError(f"\"{logical}\" is a {entity.kind}, not a managed policy")
    return entity


def _subject_of_user(deployment: Deployment, user: Entity) -> Subject:
    admin = user.extra.get("admin")
    if user.account != deployment.account_id and admin is None:
        # An audit reads only the audited account: the other account is taken to let its user assume this
        # account's roles, so that the role's trust policy alone decides.
        facts = user.extra["user"]
        return Subject(Principal.user(user.account, facts.name, facts.user_id),
                       (Policy.parse("the other account's own policy (not read: assumed to allow)",
                                            assume_roles_of(deployment.account_id)),))
    if admin is None:
        return deployment.user_subject_of(user.extra["user"])
    facts = user.extra["user"]
    return probing.user_subject(admin.client("iam"), user.account, facts.name, facts.user_id)


def verify_assume_with_external_id(deployment: Deployment, user_logical: str, role_logical: str,
                                   external_id: str | None, *, expect_allowed: bool) -> None:
    """The other account's user tries the role with the external id, or without one."""
    user = deployment.entities.named(user_logical, "user")
    role = deployment.entities.named(role_logical, "role")
    params: dict[str, Any] = {"RoleArn": role.arn, "RoleSessionName": "rolecheck-probe"}
    context: dict[str, Any] = {}
    if external_id is not None:
        params["ExternalId"] = context["sts:ExternalId"] = external_id
    p = probing.Probe("sts:AssumeRole", "sts", lambda client, _ctx: client.assume_role(**params),
                      lambda _ctx: role.arn)
    runner = _trial_runner(deployment, role, "an audit holds no credentials of the other account's user")
    runner.verify(p, f'the user "{user_logical}" of the other account', user.extra.get("actor"),
                  _subject_of_user(deployment, user), expect_allowed, context)


def add_oidc_provider(deployment: Deployment, logical: str, issuer_url: str, audience: str) -> Entity:
    """The IAM OIDC provider for ``issuer_url`` admitting ``audience``: registered, tagged and tracked, or found."""
    arn = deployment.provisioner.oidc_provider(deployment.provision_context(), logical, issuer_url, audience).entity
    path = provider_path(issuer_url)
    return deployment.introduce("oidc-provider", logical, path, arn, url=path, issuer=issuer_url, audience=audience)


def add_function(deployment: Deployment, logical: str) -> Entity:
    """The Lambda function ``logical`` (made with an execution role of its own that no sentence names, or found)."""
    name, arn = deployment.provisioner.function(deployment.provision_context(), logical).entity
    return deployment.introduce("function", logical, name, arn)


def verify_token(deployment: Deployment, target: Any, provider_logical: str, subject: str, role_logical: str, *,
                 expect_allowed: bool) -> None:
    """A token of the provider for ``subject`` presented to STS for the role: minted and tried live where the
    target can mint one (moto), else decided by the engine, with the token's claims as condition keys."""
    provider = deployment.entities.named(provider_logical, "oidc-provider")
    role = deployment.entities.named(role_logical, "role")
    audience = str(provider.extra["audience"])
    token = target.web_identity_token(provider.extra["issuer"], subject, audience)
    claims_context = {f"{provider.name}:sub": subject, f"{provider.name}:aud": audience}
    def present(client: Any, _ctx: Any) -> Any:
        return client.assume_role_with_web_identity(RoleArn=role.arn, RoleSessionName="rolecheck-probe",
                                                    WebIdentityToken=token)

    p = probing.Probe("sts:AssumeRoleWithWebIdentity", "sts", present if token else None, lambda _ctx: role.arn)
    runner = _trial_runner(deployment, role, "no token can be minted")
    subject_model = Subject(Principal.web_identity(provider.arn, subject), ())
    who = f'a token from "{provider_logical}" for "{subject}"'
    if token is None:
        runner.decided_by_engine(p, who, subject_model, expect_allowed, f"the {target.name} target cannot mint a "
                                 "token of this provider (only the provider holds its signing key)", claims_context)
        return
    runner.verify(p, who, deployment.admin.another("token holder", anonymous=True), subject_model, expect_allowed,
                  claims_context)


def add_saml_provider(deployment: Deployment, logical: str) -> Entity:
    """The IAM SAML provider ``logical`` (its identity provider the suite's own): created, tagged and tracked, or
    found."""
    arn = deployment.provisioner.saml_provider(deployment.provision_context(), logical).entity
    return deployment.introduce("saml-provider", logical, arn.rsplit("/", 1)[-1], arn)


def verify_saml_assertion(deployment: Deployment, target: Any, provider_logical: str, subject: str,
                          role_logical: str, *, expect_allowed: bool) -> None:
    """A SAML assertion of the provider for ``subject`` presented to STS for the role: minted and tried live where
    the target can mint one (moto), else decided by the engine, with the assertion's saml: keys."""
    provider = deployment.entities.named(provider_logical, "saml-provider")
    role = deployment.entities.named(role_logical, "role")
    assertion = target.saml_assertion(provider.arn, role.arn, subject)
    claims_context = {"saml:sub": subject, "saml:aud": SAML_AUDIENCE, "saml:sub_type": SAML_SUBJECT_TYPE}

    def present(client: Any, _ctx: Any) -> Any:
        return client.assume_role_with_saml(RoleArn=role.arn, PrincipalArn=provider.arn, SAMLAssertion=assertion)

    p = probing.Probe("sts:AssumeRoleWithSAML", "sts", present if assertion else None, lambda _ctx: role.arn)
    runner = _trial_runner(deployment, role, "no assertion can be minted")
    subject_model = Subject(Principal.saml(provider.arn, subject), ())
    who = f'a SAML assertion from "{provider_logical}" for "{subject}"'
    if assertion is None:
        runner.decided_by_engine(p, who, subject_model, expect_allowed, f"the {target.name} target cannot mint an "
                                 "assertion of this provider (only the identity provider holds its signing key)",
                                 claims_context)
        return
    runner.verify(p, who, deployment.admin.another("assertion holder", anonymous=True), subject_model,
                  expect_allowed, claims_context)
