"""Live probes: try an action with a principal's credentials, and ask the engine what AWS should have answered.

Each probe is one real API call. Its outcome is compared with the engine's prediction made from the policies read
back from the target: a disagreement is engine drift (on moto: the adapter is miswired; on AWS: the engine is
wrong), and an allowed action that must be denied is a compliance violation.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from rolecheck.analysis import abac
from rolecheck.analysis.snapshot import ResourceFacts
from rolecheck.analysis.subjects import Subject, subject_request
from rolecheck.aws import consistency, readback
from rolecheck.aws.clients import Actor, WriteRefused
from rolecheck.aws.operation_models import ENGINE_ONLY, NotProbeable, derive_call
from rolecheck.aws.registry import ResourceRegistry
from rolecheck.engine import Decision, Policy, Principal, action_catalog, evaluate
from rolecheck.errors import (
    AUTHORIZATION_ERRORS,
    ComplianceViolation,
    EngineDrift,
    FeatureFileError,
    TargetError,
    refusal,
)
from rolecheck.report.evidence import attach_json, attach_text
from rolecheck.suite.kinds import KINDS

# A harmless bucket policy for the PutBucketPolicy probe: if the probe is wrongly allowed, the bucket stays usable.
_PROBE_BUCKET_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "RolecheckProbe", "Effect": "Deny", "Principal": "*", "Action": "s3:PutBucketWebsite",
                   "Resource": "arn:aws:s3:::{bucket}"}],
}
_ESCALATION_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@dataclass
class ProbeContext:
    """What the probes act on: the scenario's bucket, object, role and account."""

    account_id: str
    bucket: str
    object_key: str
    role_name: str
    registry: ResourceRegistry
    region: str
    secure_transport: bool = True
    other_role_arn: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # Trust policies of roles that are only imagined (audit mode creates none), by role ARN.
    trust_policies: dict[str, Policy] = field(default_factory=dict)
    # A resource's own policy and tags by its ARN (a queue, topic, secret, key, function, table...), as the
    # account's snapshot read them; None where the probes name no such resource.
    resource_facts: Callable[[str], ResourceFacts | None] | None = None


@dataclass(frozen=True)
class Probe:
    """One action to attempt: the IAM action it exercises, the API call that exercises it, and its resource."""

    action: str
    service: str
    call: Callable[[Any, ProbeContext], Any] | None
    resource: Callable[[ProbeContext], str]
    # The created resource's kind and name, so a wrongly allowed probe leaves nothing behind.
    creates: Callable[[ProbeContext], tuple[str, str]] | None = None

    @property
    def live(self) -> bool:
        """False for actions no single API call exercises (iam:PassRole): the engine alone decides those."""
        return self.call is not None


def _bucket_arn(ctx: ProbeContext) -> str:
    return f"arn:aws:s3:::{ctx.bucket}"


def _object_arn(ctx: ProbeContext) -> str:
    return f"arn:aws:s3:::{ctx.bucket}/{ctx.object_key}"


def _role_arn(ctx: ProbeContext) -> str:
    return f"arn:aws:iam::{ctx.account_id}:role/{ctx.role_name}"


def _new_name(ctx: ProbeContext, logical: str, bucket: bool = False) -> str:
    return ctx.extra.setdefault(logical, ctx.registry.unique_name(logical, bucket=bucket))


PROBES: dict[str, Probe] = {
    probe.action: probe
    for probe in (
        Probe("s3:ListAllMyBuckets", "s3", lambda c, x: c.list_buckets(), lambda x: "*"),
        Probe("s3:GetObject", "s3", lambda c, x: c.get_object(Bucket=x.bucket, Key=x.object_key), _object_arn),
        Probe("s3:PutObject", "s3", lambda c, x: c.put_object(Bucket=x.bucket, Key=x.object_key, Body=b"overwritten"),
              _object_arn),
        Probe("s3:DeleteObject", "s3", lambda c, x: c.delete_object(Bucket=x.bucket, Key=x.object_key), _object_arn),
        Probe("s3:ListBucket", "s3", lambda c, x: c.list_objects_v2(Bucket=x.bucket), _bucket_arn),
        Probe("s3:GetBucketPolicy", "s3", lambda c, x: c.get_bucket_policy(Bucket=x.bucket), _bucket_arn),
        Probe("s3:PutBucketPolicy", "s3",
              lambda c, x: c.put_bucket_policy(
                  Bucket=x.bucket, Policy=json.dumps(_PROBE_BUCKET_POLICY).replace("{bucket}", x.bucket)),
              _bucket_arn),
        # The bucket holds an object, so a wrongly allowed DeleteBucket fails with BucketNotEmpty and nothing is lost.
        Probe("s3:DeleteBucket", "s3", lambda c, x: c.delete_bucket(Bucket=x.bucket), _bucket_arn),
        Probe("s3:CreateBucket", "s3", lambda c, x: c.create_bucket(Bucket=_new_name(x, "probe-bucket", True)),
              lambda x: f"arn:aws:s3:::{_new_name(x, 'probe-bucket', True)}",
              creates=lambda x: ("bucket", _new_name(x, "probe-bucket", True))),
        Probe("iam:CreateUser", "iam", lambda c, x: c.create_user(UserName=_new_name(x, "probe-user")),
              lambda x: f"arn:aws:iam::{x.account_id}:user/{_new_name(x, 'probe-user')}",
              creates=lambda x: ("user", _new_name(x, "probe-user"))),
        Probe("iam:AttachRolePolicy", "iam",
              lambda c, x: c.attach_role_policy(RoleName=x.role_name,
                                                PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"),
              _role_arn),
        Probe("iam:PutRolePolicy", "iam",
              lambda c, x: c.put_role_policy(RoleName=x.role_name, PolicyName="rolecheck-probe-escalation",
                                             PolicyDocument=json.dumps(_ESCALATION_POLICY)),
              _role_arn),
        Probe("iam:PassRole", "iam", None, _role_arn),
        Probe("sts:AssumeRole", "sts",
              lambda c, x: c.assume_role(RoleArn=x.other_role_arn, RoleSessionName="rolecheck-probe"),
              lambda x: x.other_role_arn or "*"),
        Probe("sns:ListTopics", "sns", lambda c, x: c.list_topics(), lambda x: "*"),
    )
}


def probe(action: str) -> Probe:
    """The probe for an action: a hand-written one where the call needs setup (``PROBES``), else one derived from
    botocore's service models (``derived_probe``); ``FeatureFileError`` for an action that is not AWS's."""
    return PROBES.get(action) or derived_probe(action)


# The name a derived probe gives what the scenario does not name (a table, a queue...): it need not exist, since
# an answer other than access denied (ResourceNotFoundException, ...) means the call got past authorization.
_STAND_IN_NAME = "rolecheck-probe"
# Members of a derived call whose stand-in names a resource of a kind (suite/kinds.py), for the engine's prediction.
_MEMBER_KINDS = {"TableName": "table", "FunctionName": "function", "SecretId": "secret", "QueueUrl": "queue",
                 "TopicArn": "topic", "KeyId": "key", "UserName": "user", "GroupName": "group"}


def _binding(ctx: ProbeContext, service: str) -> dict[str, Any]:
    """What a derived call of ``service`` is aimed at: the scenario's bucket and object, or its role."""
    if service == "s3":
        return {"Bucket": ctx.bucket, "Key": ctx.object_key}
    if service == "iam":
        return {"RoleName": ctx.role_name}
    return {}


def _derived_resource(ctx: ProbeContext, action: str) -> str:
    """The ARN the derived call acts on, as the engine predicts it (``*`` for a call on no resource)."""
    call = derive_call(action, _binding(ctx, action.split(":", 1)[0].lower()))
    if call.service == "s3" and "Bucket" in call.params:
        return f"arn:aws:s3:::{ctx.bucket}/{ctx.object_key}" if "Key" in call.params else f"arn:aws:s3:::{ctx.bucket}"
    if call.service == "iam" and "RoleName" in call.params:
        return f"arn:aws:iam::{ctx.account_id}:role/{ctx.role_name}"
    for member, kind in _MEMBER_KINDS.items():
        if member in call.params:
            return KINDS[kind].arn(_STAND_IN_NAME, account=ctx.account_id, region=ctx.region)
    return "*"


def derived_probe(action: str) -> Probe:
    """A probe derived from botocore's service models (``rolecheck.aws.operation_models``), aimed at the scenario's
    bucket, object or role; an action no call exercises (``ENGINE_ONLY``) is the engine's alone.

    ``FeatureFileError`` names an action that is not in AWS's catalog, or one no operation exercises.
    """
    if action not in action_catalog():
        raise FeatureFileError(f"{action!r} is not an action of AWS's catalog (engine.catalog); the spelling is "
                               "service:ActionName, e.g. dynamodb:DeleteTable")
    service = action.split(":", 1)[0].lower()
    if action.lower() in ENGINE_ONLY:
        return Probe(action, service, None, lambda x: "*")
    try:
        checked = derive_call(action)
    except NotProbeable as exc:
        raise FeatureFileError(f"no probe can exercise {exc}") from None
    return Probe(action, checked.service,
                 lambda c, x: derive_call(action, _binding(x, service)).make(c),
                 lambda x: _derived_resource(x, action))


# The quoted action of a can / cannot perform sentence, whatever its principal, resource or condition.
_PERFORM = re.compile(r'\b(?:can|cannot) perform "(?P<action>[^"]*)"')


def check_step_actions(step: Any, where: str) -> None:
    """A collection check (``preflight.STEP_CHECKS``): the action a can / cannot perform sentence quotes must be
    in AWS's catalog and have a probe, or be one the engine decides (``ENGINE_ONLY``); one line naming the step
    otherwise, before anything is deployed."""
    found = _PERFORM.search(step.name)
    if found is None or found["action"].startswith("<"):
        return
    try:
        probe(found["action"])
    except FeatureFileError as exc:
        raise FeatureFileError(f"{where}: {exc}") from None


@dataclass(frozen=True)
class Outcome:
    """What the target answered to a probe."""

    allowed: bool
    error_code: str | None = None
    error_message: str | None = None

    def evidence(self) -> dict[str, Any]:
        return {"observed": "allowed" if self.allowed else "denied", "error_code": self.error_code,
                "error_message": self.error_message}


def attempt(p: Probe, client: Any, ctx: ProbeContext) -> Outcome:
    """Make the probe's API call and say whether authorization let it through.

    An authorization error means denied; an error of the credentials or of the offline engine is a target problem
    (``TargetError``), never a verdict; any other answer (NoSuchKey, BucketNotEmpty...) means it got past authorization.
    """
    assert p.call is not None
    try:
        p.call(client, ctx)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code, message = str(error.get("Code", "")), str(error.get("Message", ""))
        if code in AUTHORIZATION_ERRORS:
            return Outcome(False, code, message)
        problem = refusal(code, message, f"probe {p.action}")
        if isinstance(problem, TargetError):
            raise problem from None
        return Outcome(True, code, message)
    finally:
        if p.creates is not None:
            kind, name = p.creates(ctx)
            # Tracked whether or not it was created: teardown treats a missing resource as deleted.
            ctx.registry.track(kind, name)
    return Outcome(True)


def role_session_subject(iam: Any, account_id: str, role_name: str, role_id: str, session_name: str) -> Subject:
    """The role session as deployed: the role's policies and boundary read back from the target."""
    return Subject(Principal.assumed_role(account_id, role_name, session_name, role_id),
                   tuple(readback.role_identity_policies(iam, role_name)), readback.role_boundary(iam, role_name),
                   context=abac.principal_tags(readback.role_tags(iam, role_name)))


def user_subject(iam: Any, account_id: str, user_name: str, user_id: str) -> Subject:
    """The IAM user as deployed: its own, its groups' and its boundary's policies read back from the target."""
    return Subject(Principal.user(account_id, user_name, user_id),
                   tuple(readback.user_identity_policies(iam, user_name)), readback.user_boundary(iam, user_name),
                   context=abac.principal_tags(readback.user_tags(iam, user_name)))


def predict(p: Probe, subject: Subject, ctx: ProbeContext, iam: Any, s3: Any,
            context: Mapping[str, Any] | None = None) -> Decision:
    """The engine's verdict for the probe, from the state read back from the target."""
    resource = p.resource(ctx)
    resource_policy = None
    resource_tags: dict[str, str] = {}
    if resource == _bucket_arn(ctx) or resource.startswith(_bucket_arn(ctx) + "/"):
        resource_policy = readback.bucket_policy(s3, ctx.bucket)
        tags = readback.bucket_tags(s3, ctx.bucket)
        # The ABAC switch is read only when it can change the verdict: the bucket has tags and a policy reads them.
        policies = (*subject.identity_policies, subject.permissions_boundary, *(subject.session_policies or ()),
                    resource_policy)
        enabled = bool(tags) and abac.reads_resource_tags(policies) and readback.bucket_abac(s3, ctx.bucket)
        resource_tags = abac.resource_tags("s3", "bucket", tags, bucket_abac=enabled)
    elif p.action in ("sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML") and resource != "*":
        if resource in ctx.trust_policies:
            resource_policy = ctx.trust_policies[resource]
        else:
            role_name = resource.rsplit("/", 1)[-1]
            resource_policy = readback.trust_policy(iam, role_name)
            resource_tags = abac.resource_tags("iam", "role", readback.role_tags(iam, role_name))
    elif ctx.resource_facts is not None and resource != "*" and (facts := ctx.resource_facts(resource)) is not None:
        resource_policy = facts.policy
        resource_tags = abac.resource_tags(facts.service, facts.resource_type, facts.tags)
    return evaluate(subject_request(subject, p.action, resource, resource_account=ctx.account_id,
                                    resource_policy=resource_policy,
                                    request_keys={"aws:SecureTransport": ctx.secure_transport},
                                    resource_context={**resource_tags, **(context or {})}))


def check_agrees(p: Probe, outcome: Outcome, decision: Decision) -> None:
    """The engine and the target must give the same answer."""
    if outcome.allowed != decision.allowed:
        raise EngineDrift(
            f"{p.action}: the target {'allowed' if outcome.allowed else 'denied'} it "
            f"({outcome.error_code or 'no error'}) but the engine predicts {decision.verdict.value}: {decision.message}"
        )


def _basis(outcome: Outcome | None, decision: Decision) -> str:
    if outcome is None:
        return f"decided by the policy engine, {decision.verdict.value}: {decision.message}"
    observed = "allowed it" if outcome.allowed else f"refused it ({outcome.error_code}: {outcome.error_message})"
    return f"the account {observed}; the policy engine says {decision.verdict.value}: {decision.message}"


def check_denied(p: Probe, who: str, outcome: Outcome | None, decision: Decision) -> None:
    """A least-privilege check: the action must be denied (by the account; by the engine when no call can tell)."""
    if (outcome.allowed if outcome is not None else decision.allowed):
        raise ComplianceViolation(f"{who} can perform {p.action} on {decision.request.resource}: "
                                  f"{_basis(outcome, decision)}")


def check_allowed(p: Probe, who: str, outcome: Outcome | None, decision: Decision) -> None:
    """The one action the role exists for must work."""
    if not (outcome.allowed if outcome is not None else decision.allowed):
        raise ComplianceViolation(f"{who} cannot perform {p.action}: {_basis(outcome, decision)}")


def assume_role_probe(role_arn: str, session_name: str = "rolecheck-probe") -> Probe:
    """A probe of sts:AssumeRole on a given role: the trust-boundary checks try the walkthrough's own role."""
    return Probe("sts:AssumeRole", "sts", lambda c, x: c.assume_role(RoleArn=role_arn, RoleSessionName=session_name),
                 lambda x: role_arn)


def anonymous_subject() -> Subject:
    """An unsigned request: no identity, no policies."""
    return Subject(Principal.anonymous(), ())


def verify(p: Probe, who: str, client: Any, subject: Subject, ctx: ProbeContext, iam: Any, s3: Any,
           expect_allowed: bool, context: Mapping[str, Any] | None = None) -> tuple[Outcome | None, Decision]:
    """Attempt a probe (when it is live), predict it, attach both as evidence, and check compliance, then agreement.

    ``context`` holds the condition keys the probe's call carries (``s3:prefix``...), for the prediction.

    The target's answer decides compliance: an action the account allows is allowed, whatever the engine thinks.
    Drift is checked after, so that a compliant account whose answer the engine fails to predict is still reported.
    """
    outcome = attempt(p, client, ctx) if p.live else None
    decision = predict(p, subject, ctx, iam, s3, context)
    if outcome is not None:
        # IAM is eventually consistent: a disagreement or an early refusal is asked again before it is believed.
        outcome = consistency.settled_answer(lambda: attempt(p, client, ctx), outcome,
                                             agrees=lambda o: o.allowed == decision.allowed,
                                             refused=lambda o: not o.allowed, relevant=ctx.registry.concerns)
    if outcome is not None:
        attach_json(f"observed: {p.action}", outcome.evidence())
    attach_text(f"engine: {p.action} is {decision.verdict.value}", decision.explain())
    (check_allowed if expect_allowed else check_denied)(p, who, outcome, decision)
    if outcome is not None:
        check_agrees(p, outcome, decision)
    return outcome, decision


# The role exists for one action; every other probe is one the role must be refused, and so must the user.
@dataclass(frozen=True)
class ProbeRunner:
    """Attempts a scenario's probes and checks them; in audit mode the engine decides what cannot or may not be tried.

    ``context`` is called when a probe needs it (it names the role, which the first Givens have not made yet), and
    ``untried`` names the resources (by ARN) that no probe can try for real, with why.
    """

    admin: Actor
    audit: bool
    context: Callable[[], ProbeContext]
    untried: Mapping[str, str]
    no_credentials: str

    def verify(self, p: Probe, who: str, actor: Actor | None, subject: Subject, expect_allowed: bool,
               context: Mapping[str, Any] | None = None) -> None:
        """Attempt the probe as ``actor`` and check it, or have the engine decide it where audit mode cannot try it.

        ``context``: the condition keys the probe's call carries, for the prediction."""
        if self.audit and (actor is None or (actor.key is None and not actor.anonymous)):
            self.decided_by_engine(p, who, subject, expect_allowed, self.no_credentials, context)
            return
        untried = self.untried.get(p.resource(self.context()))
        if untried is not None:
            self.decided_by_engine(p, who, subject, expect_allowed, untried, context)
            return
        assert actor is not None
        try:
            verify(p, who, actor.client(p.service), subject, self.context(), self.admin.client("iam"),
                   self.admin.client("s3"), expect_allowed, context)
        except WriteRefused as refused:
            self.decided_by_engine(p, who, subject, expect_allowed, str(refused), context)

    def decided_by_engine(self, p: Probe, who: str, subject: Subject, expect_allowed: bool, reason: str,
                          context: Mapping[str, Any] | None = None) -> None:
        """The engine decides the probe from the state read back (audit mode, or no call can try it), and the
        report says why."""
        attach_text(f"{p.action} decided by the policy engine", f"{reason}; the policy engine decides {p.action} "
                    "from the policies read back from the account")
        verify(dataclasses.replace(p, call=None), who, None, subject, self.context(), self.admin.client("iam"),
               self.admin.client("s3"), expect_allowed, context)


ALLOWED_TO_ROLE = ("s3:ListAllMyBuckets",)
REFUSED_TO_ROLE = tuple(action for action in PROBES if action not in ALLOWED_TO_ROLE)
