"""The state of one scenario: what it deployed, under which generated names, and who acts in it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from unittest import SkipTest

from rolecheck.analysis.snapshot import Snapshot
from rolecheck.analysis.subjects import Subject
from rolecheck.aws import consistency, operations, readback
from rolecheck.aws.clients import AccessKey, Actor
from rolecheck.aws.operations import Role, User
from rolecheck.aws.registry import ResourceRegistry
from rolecheck.engine import Policy
from rolecheck.policydoc import lint
from rolecheck.report.evidence import attach_json, attach_text
from rolecheck.suite import claims, probing, sessions
from rolecheck.suite.entities import Entities
from rolecheck.suite.entities import Entity as Introduced
from rolecheck.suite.kinds import KINDS
from rolecheck.suite.provisioning import Creator, ProvisionContext, Provisioned, Provisioner
from rolecheck.suite.sessions import NO_USER_CREDENTIALS

# Audit mode's stand-in for the role the "assume another role" probe would create: it trusts the whole account.
HYPOTHETICAL_OTHER_ROLE = "rolecheck-hypothetical-other-role"

Entity = TypeVar("Entity")


def account_trust(account_id: str) -> dict[str, Any]:
    """A trust policy that delegates to the account's identity policies."""
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                       "Action": "sts:AssumeRole"}],
    }


@dataclass(eq=False)
class Deployment:
    """Everything a scenario created, keyed so that feature-file placeholders can be filled in."""

    registry: ResourceRegistry
    region: str
    account_id: str
    admin: Actor
    user_actor: Actor
    role_actor: Actor
    user: User | None = None
    role: Role | None = None
    policy_arn: str | None = None
    bucket: str | None = None
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    user_key: AccessKey | None = None
    role_key: AccessKey | None = None
    session_name: str | None = None
    names: dict[str, str] = field(default_factory=dict)
    object_key: str | None = None
    secure_transport: bool = True
    # Creates the Givens' resources (the walkthrough), or locates them (audit mode: rolecheck.audit.locate).
    provisioner: Provisioner = field(default_factory=Creator)
    shared: bool = False
    reused: bool = False
    replaying: bool = False
    _read_back: dict[str, Subject] = field(default_factory=dict)
    # Audit mode: resources no probe can try for real (by ARN), and why; the engine decides their probes.
    untried: dict[str, str] = field(default_factory=dict)
    _probe_context: probing.ProbeContext | None = None
    # Every entity by logical name (suite/entities.py); the slots above are the last of each kind.
    entities: Entities = field(default_factory=Entities)
    # Sessions the scenario opened by role logical name (suite/contract.py), beyond the walkthrough's one.
    sessions: dict[str, Any] = field(default_factory=dict)

    @property
    def audit(self) -> bool:
        """True in audit mode: the resources were located, and the run writes nothing."""
        return not self.provisioner.writes

    def provision_context(self) -> ProvisionContext:
        """The account the provisioner works in."""
        return ProvisionContext(admin=self.admin, registry=self.registry, region=self.region,
                                account_id=self.account_id)

    def _provisioned(self, provisioned: Provisioned[Entity]) -> Entity:
        """What the provisioner made or found; the resources it says no probe can try are the engine's."""
        self.untried.update(provisioned.untried)
        return provisioned.entity

    def add_user(self, logical: str) -> User:
        """The Given's IAM user ``logical``, created or located."""
        self.user = self._provisioned(self.provisioner.user(self.provision_context(), logical))
        self.names[logical] = self.user.name
        self.introduce("user", logical, self.user.name, self.user.arn, user=self.user)
        return self.user

    def introduce(self, kind: str, logical: str, name: str, arn: str | None = None, *, account: str | None = None,
                  **extra: Any) -> Introduced:
        """Record an entity the scenario made or found under its logical name (its ARN from its kind's template
        unless given)."""
        account = account or self.account_id
        arn = arn or KINDS[kind].arn(name, account=account, region=self.region)
        return self.entities.introduce(Introduced(kind, logical, name, arn, account, dict(extra)))

    def check_user_has_no_access(self) -> None:
        """The user's Given: nothing in the account grants the new user anything (``claims.check_no_access``).

        An audited account was not built step by step: its user already holds the role that a later Given names, and
        that Given judges the user's whole access (``claims.check_trusted_user``); the report says so here.
        """
        if self.audit:
            attach_text("no permissions of its own: judged with the role",
                        "An audited user already holds the role the next Given names; that Given checks that "
                        "assuming the role is all the user can do, account-wide.")
            return
        claims.check_no_access(self.snapshot(), self.require_user().arn)

    def add_role(self, logical: str, trust: Mapping[str, Any]) -> Role:
        """The Given's role ``logical`` with the reviewed trust policy, created or located."""
        self.documents["trust"] = dict(trust)
        self.role = self._provisioned(self.provisioner.role(self.provision_context(), logical, trust))
        self.names[logical] = self.role.name
        self.introduce("role", logical, self.role.name, self.role.arn, role=self.role)
        return self.role

    def add_policy(self, logical: str, document: Mapping[str, Any]) -> str:
        """The Given's customer-managed policy ``logical`` with the reviewed document, created or located."""
        self.documents["permissions"] = dict(document)
        self.policy_arn = self._provisioned(self.provisioner.policy(self.provision_context(), logical, document))
        self.names[logical] = self.policy_arn
        self.introduce("policy", logical, self.policy_arn.rsplit("/", 1)[-1], self.policy_arn)
        return self.policy_arn

    def attach_policy(self) -> None:
        """The reviewed policy attached to the role (attached, or found attached by the step's check)."""
        if self.policy_arn is None:
            raise RuntimeError("no permission policy was created before this step")
        self.provisioner.attach(self.provision_context(), self.require_role(), self.policy_arn)

    def add_bucket(self, logical: str, object_key: str | None = None) -> str:
        """The Given's bucket ``logical``, holding ``object_key`` when given, created or located."""
        self.bucket = self._provisioned(self.provisioner.bucket(self.provision_context(), logical, object_key))
        self.names[logical] = self.bucket
        self.object_key = object_key or self.object_key
        self.introduce("bucket", logical, self.bucket, objects=[object_key] if object_key else [])
        return self.bucket

    def add_console_access(self) -> None:
        """The user's console access, enabled or located (the step checks it afterwards)."""
        self.provisioner.console_access(self.provision_context(), self.require_user())

    def reuse(self) -> None:
        """Another scenario shares this deployment: its actors act with this deployment's credentials again."""
        self.reused = True
        if self.user_key is not None:
            self.user_actor.sign_in(self.user_key)
        if self.role_key is not None:
            self.role_actor.sign_in(self.role_key)

    def placeholders(self) -> dict[str, str]:
        """Values for the ``{{placeholders}}`` of the feature files' policy documents."""
        values = {"account_id": self.account_id, "region": self.region}
        if self.user:
            values |= {"user_name": self.user.name, "user_arn": self.user.arn}
        if self.role:
            values |= {"role_name": self.role.name, "role_arn": self.role.arn}
        if self.bucket:
            values["bucket"] = self.bucket
        if self.session_name:
            values["session_name"] = self.session_name
        return values | self.entities.placeholders()

    def sign_in_and_switch(self, duration: int | None = None) -> None:
        """Step 8: the user signs in with its own access key and switches to the role.

        In audit mode without credentials that act as the user, the engine decides the switch from the policies
        read back, and the role session is the engine's model of it.
        """
        user, role = self.require_user(), self.require_role()
        self.session_name = sessions.session_name(user)
        if self.user_key is None and sessions.overlaps_propagation(self.shared, self.audit):
            self._other_role_arn()
        if self.user_key is None:
            # A user has at most two keys: a deployment shared by several scenarios signs in with the one it has.
            self.user_key = self.provisioner.user_key(self.provision_context(), user)
        if self.user_key is None:
            sessions.decide_switch(self._probes(), role.arn, self.session_name, self.user_subject())
            return
        self.role_key = sessions.switch(self.user_actor, self.role_actor, self.user_key, role.arn, self.session_name,
                                        duration)

    def probe_context(self) -> probing.ProbeContext:
        """What the probes act on, for the whole scenario."""
        if self._probe_context is None:
            self._probe_context = probing.ProbeContext(
                account_id=self.account_id, bucket=self.bucket or "", object_key=self.object_key or "",
                role_name=self.require_role().name, registry=self.registry, region=self.region,
                secure_transport=self.secure_transport,
            )
        return self._probe_context

    def _other_role_arn(self) -> str:
        """The role the "assume another role" probe tries, created on first use (imagined in audit mode).

        It trusts the whole account, so only a principal whose own policies allow sts:AssumeRole on it could assume it.
        """
        ctx = self.probe_context()
        if ctx.other_role_arn is None and self.audit:
            ctx.other_role_arn = f"arn:aws:iam::{self.account_id}:role/{HYPOTHETICAL_OTHER_ROLE}"
            ctx.trust_policies[ctx.other_role_arn] = Policy.parse("trust policy of the hypothetical other role",
                                                                  account_trust(self.account_id), kind="trust")
        if ctx.other_role_arn is None:
            ctx.other_role_arn = operations.create_role(self.admin.client("iam"), self.registry, "other-role",
                                                         account_trust(self.account_id)).arn
        return ctx.other_role_arn

    def role_subject(self) -> Subject:
        """The role session as the engine sees it, from the state read back from the target.

        A deployment shared by read-only scenarios does not change while they run (one that fails a scenario is
        torn down at once), so it reads the role back once for all of them.
        """
        if self.shared and "role" in self._read_back:
            subject = self._read_back["role"]
            policies = [*subject.identity_policies, *filter(None, [subject.permissions_boundary])]
            attach_json("the role's policies, read back once for the scenarios sharing this deployment",
                        {policy.name: policy.document for policy in policies})
            return subject
        role = self.require_role()
        subject = probing.role_session_subject(self.admin.client("iam"), self.account_id, role.name, role.role_id,
                                              self.session_name or "")
        if self.shared:
            self._read_back["role"] = subject
        return subject

    def user_subject(self) -> Subject:
        """The IAM user as the engine sees it, from the state read back from the target."""
        return self.user_subject_of(self.require_user())

    def user_subject_of(self, user: User) -> Subject:
        """Any IAM user of the account as the engine sees it."""
        return probing.user_subject(self.admin.client("iam"), self.account_id, user.name, user.user_id)

    def verify_probe(self, action: str, as_role: bool, expect_allowed: bool,
                     subject: Subject | None = None) -> None:
        """Attempt ``action`` as the role session (or the user), predict it, and check it.

        ``subject`` is the principal as read back from the target; by default it is read back for this probe.
        """
        actor = self.role_actor if as_role else self.user_actor
        who = "the role session" if as_role else "the user"
        subject = subject or (self.role_subject() if as_role else self.user_subject())
        p = probing.probe(action)
        if p is probing.PROBES["sts:AssumeRole"] or (consistency.settle_window() > 0 and not self.audit):
            # Where IAM is eventually consistent the other role is made before the first probe, so that its
            # propagation overlaps the deployment's own instead of costing a wait of its own later.
            self._other_role_arn()
        if p is probing.PROBES["sts:AssumeRole"] and self.audit:
            self._probes().decided_by_engine(p, who, subject, expect_allowed, "audit mode creates no other role to "
                                             "try; it is imagined trusting the whole account")
            return
        self._probes().verify(p, who, actor, subject, expect_allowed)

    def _probes(self) -> probing.ProbeRunner:
        """This scenario's probe runner: the audit fallback to the engine, and the resources no probe can try."""
        return probing.ProbeRunner(admin=self.admin, audit=self.audit, context=self.probe_context,
                                   untried=self.untried, no_credentials=NO_USER_CREDENTIALS)

    def acting_as_user(self) -> Actor:
        """The user's actor, signed in; in audit mode a step that needs the user's own credentials is skipped
        without them (anywhere else their absence is a fault of the scenario, never a reason to skip a check)."""
        if self.user_key is None:
            self._no_credentials(f"{NO_USER_CREDENTIALS}: this check needs the user's own credentials")
        return self.user_actor

    def acting_as_role(self) -> Actor:
        """The role session's actor, signed in; a step that needs the session's credentials is skipped without them."""
        self.role_credentials()
        return self.role_actor

    def role_credentials(self) -> AccessKey:
        """The role session's temporary credentials; skipped in audit mode without credentials that act as the user."""
        if self.role_key is None:
            self._no_credentials(f"{NO_USER_CREDENTIALS}: the switch to the role was decided by the policy engine, "
                                 "so there are no session credentials to inspect")
        assert self.role_key is not None
        return self.role_key

    def _no_credentials(self, audit_reason: str) -> None:
        if self.audit:
            raise SkipTest(audit_reason)
        raise RuntimeError("the user has not signed in and switched to the role before this step")

    def generated_name(self, logical: str) -> str:
        """The generated name of a resource the feature file calls ``logical``."""
        try:
            return self.names[logical]
        except KeyError:
            raise KeyError(f"no resource called {logical!r} was deployed in this scenario") from None

    def require_user(self) -> User:
        if self.user is None:
            raise RuntimeError("no IAM user was created before this step")
        return self.user

    def require_role(self) -> Role:
        if self.role is None:
            raise RuntimeError("no role was created before this step")
        return self.role

    def __repr__(self) -> str:
        # Allure shows step arguments through repr(): name what was deployed, never the credentials.
        parts = [f"account={self.account_id}"]
        parts += [f"{k}={v}" for k, v in (("user", self.user and self.user.name),
                                            ("role", self.role and self.role.name),
                                            ("bucket", self.bucket)) if v]
        return f"<deployment {' '.join(parts)}>"

    def verify_user_can_assume(self) -> None:
        """The named user switches to the role (step 8), and that answer is trusted only as AWS's settled one
        (``sessions.verify_settled_switch``)."""
        self.sign_in_and_switch()
        if self.user_key is not None:
            sessions.verify_settled_switch(self._probes(), self.user_actor, self.require_role().arn,
                                           self.session_name or "", self.user_subject())

    def verify_cannot_assume(self, who: str, actor: Actor | None, subject: Subject) -> None:
        """An outsider's attempt to assume the walkthrough's role must be refused (and predicted refused).

        ``actor`` is None for an outsider audit mode only imagines: the engine decides for it.
        """
        self._probes().verify(probing.assume_role_probe(self.require_role().arn), who, actor, subject,
                              expect_allowed=False)

    def create_chained_role(self, logical: str) -> Role:
        """A role that trusts this scenario's role session directly and allows 12-hour sessions."""
        if self.audit:
            raise SkipTest("audit mode creates nothing, and the one-hour limit on chained sessions is AWS STS's own "
                           "guarantee, which no setting of the audited account can change")
        chained = sessions.create_chained_role(self.admin.client("iam"), self.registry, logical, self.account_id,
                                               self.require_role(), self.session_name or "")
        self.names[logical] = chained.name
        return chained

    def deployed_trust(self) -> dict[str, Any]:
        """The role's trust policy as the account returns it."""
        return dict(readback.trust_policy(self.admin.client("iam"), self.require_role().name).document)

    def deployed_permissions(self) -> dict[str, Any]:
        """The default version of the reviewed managed policy as the account returns it."""
        if self.policy_arn is None:
            raise RuntimeError("no permission policy was created before this step")
        return dict(readback.managed_policy(self.admin.client("iam"), self.policy_arn).document)

    def snapshot(self) -> Snapshot:
        """Everything in the account that can grant access, as it is now (a claim judges the account as it is).

        Read once per account state (``rolecheck.aws.snapshot_cache``): what the suite touched is re-read, and IAM
        is revalidated outside audit mode; an audit reads the account once.
        """
        return self.admin.factory.snapshots.get(self.admin.reader, self.account_id, self.region,
                                                revalidate_iam=not self.audit)

    def role_effective_actions(self) -> frozenset[str]:
        """The role session's allowed actions over the whole catalog, from the policies read back."""
        subject = self.role_subject()
        return lint.allowed_actions(subject.principal, subject.identity_policies,
                                    subject.permissions_boundary)
