"""Audit mode in the domain layer: located resources, probes decided by the engine, writes refused, honest skips.

Each test builds a small account with a writing administrator, then audits it through a ``Deployment`` whose
provisioner is the ``Locator`` and whose clients are read-only, as a ``--audit-mapping`` run does.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from unittest import SkipTest

import pytest
from moto import mock_aws

from rolecheck.audit.locate import Locator
from rolecheck.audit.mapping import AuditMapping
from rolecheck.aws.call_log import CallRecorder
from rolecheck.aws.clients import AccessKey, Actor, ClientFactory
from rolecheck.aws.registry import ResourceRegistry
from rolecheck.aws.secrets import Secret
from rolecheck.errors import ComplianceViolation
from rolecheck.moto_adapter import bootstrap_admin, installed
from rolecheck.policydoc import documents
from rolecheck.suite import checks, outsiders
from rolecheck.suite.scene import Deployment

ACCOUNT = "123456789012"
LIST_ONLY = {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}


@pytest.fixture(scope="module")
def admin_key() -> Iterator[AccessKey]:
    with mock_aws(), installed():
        key_id, secret = bootstrap_admin(ACCOUNT, "audit-domain-admin")
        yield AccessKey(key_id, Secret(secret))


def _writer(key: AccessKey) -> Actor:
    return Actor("setup", ClientFactory("us-east-1")).sign_in(key)


def _build(key: AccessKey, trust_root: bool = False, extra_grant: str | None = None) -> dict[str, str]:
    """The walkthrough, built by hand; returns the mapping."""
    iam, s3 = _writer(key).client("iam"), _writer(key).client("s3")
    tag = secrets.token_hex(3)
    user = iam.create_user(UserName=f"alice-{tag}")["User"]
    principal = f"arn:aws:iam::{ACCOUNT}:root" if trust_root else user["Arn"]
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName=f"ops-{tag}", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    arn = iam.create_policy(PolicyName=f"list-{tag}", PolicyDocument=json.dumps(LIST_ONLY))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=role["RoleName"], PolicyArn=arn)
    if extra_grant:
        iam.put_role_policy(RoleName=role["RoleName"], PolicyName="extra", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": extra_grant, "Resource": "*"}]}))
    s3.create_bucket(Bucket=f"reports-{tag}")
    return {"iam-test-user": user["UserName"], "s3-list-role": role["Arn"], "s3-list-buckets": arn,
            "demo-bucket": f"reports-{tag}"}


def _audit(key: AccessKey, mapping: dict[str, str], user_key: AccessKey | None = None,
           recorder: CallRecorder | None = None) -> Deployment:
    factory = ClientFactory("us-east-1", recorder=recorder, read_only=True)
    world = Deployment(registry=ResourceRegistry("audit0"), region="us-east-1", account_id=ACCOUNT,
                       admin=Actor("auditor", factory).sign_in(key), user_actor=Actor("user", factory),
                       role_actor=Actor("role session", factory),
                       provisioner=Locator(AuditMapping("m", mapping), user_key))
    user = world.add_user("iam-test-user")
    world.add_role("s3-list-role", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": user.arn}, "Action": "sts:AssumeRole"}]})
    world.add_policy("s3-list-buckets", LIST_ONLY)
    world.add_bucket("demo-bucket", "report.csv")
    return world


def _user_key(key: AccessKey, mapping: dict[str, str]) -> AccessKey:
    answer = _writer(key).client("iam").create_access_key(UserName=mapping["iam-test-user"])["AccessKey"]
    return AccessKey(answer["AccessKeyId"], Secret(answer["SecretAccessKey"]))


def test_the_users_given_defers_to_the_roles_in_an_audit_and_fails_on_a_granted_user_otherwise(
        admin_key: AccessKey) -> None:
    audited = _audit(admin_key, _build(admin_key))
    audited.check_user_has_no_access()  # the audited user may assume the role: the role's Given judges that

    factory = ClientFactory("us-east-1")
    built = Deployment(registry=ResourceRegistry("given0"), region="us-east-1", account_id=ACCOUNT,
                       admin=Actor("admin", factory).sign_in(admin_key), user_actor=Actor("user", factory),
                       role_actor=Actor("role session", factory))
    user = built.add_user("iam-test-user")
    built.check_user_has_no_access()
    built.admin.client("iam").put_user_policy(UserName=user.name, PolicyName="extra",
                                              PolicyDocument=json.dumps(LIST_ONLY))
    with pytest.raises(ComplianceViolation, match="has no permissions of its own"):
        built.check_user_has_no_access()
    built.registry.teardown(built.admin.client)


def test_only_an_audit_skips_a_check_for_want_of_credentials(admin_key: AccessKey) -> None:
    factory = ClientFactory("us-east-1")
    built = Deployment(registry=ResourceRegistry("given1"), region="us-east-1", account_id=ACCOUNT,
                       admin=Actor("admin", factory).sign_in(admin_key), user_actor=Actor("user", factory),
                       role_actor=Actor("role session", factory))
    for needs_session in (built.role_credentials, built.acting_as_role, built.acting_as_user):
        with pytest.raises(RuntimeError, match="has not signed in and switched to the role"):
            needs_session()


def test_without_the_users_credentials_the_engine_decides_every_probe(admin_key: AccessKey) -> None:
    world = _audit(admin_key, _build(admin_key))
    world.sign_in_and_switch()
    assert world.role_key is None
    world.verify_probe("s3:ListAllMyBuckets", as_role=True, expect_allowed=True)
    world.verify_probe("s3:GetObject", as_role=True, expect_allowed=False)
    world.verify_probe("sts:AssumeRole", as_role=True, expect_allowed=False)


def test_an_engine_decided_probe_can_fail(admin_key: AccessKey) -> None:
    world = _audit(admin_key, _build(admin_key, extra_grant="sts:AssumeRole"))
    world.sign_in_and_switch()
    with pytest.raises(ComplianceViolation, match=r"can perform sts:AssumeRole.*decided by the policy engine"):
        world.verify_probe("sts:AssumeRole", as_role=True, expect_allowed=False)


def test_a_switch_the_trust_policy_does_not_allow_fails_when_decided_by_the_engine(admin_key: AccessKey) -> None:
    world = _audit(admin_key, _build(admin_key, trust_root=True))
    with pytest.raises(ComplianceViolation, match="cannot perform sts:AssumeRole: decided by the policy engine"):
        world.sign_in_and_switch()


def test_with_the_users_credentials_reads_are_real_and_writes_are_refused_then_decided(admin_key: AccessKey) -> None:
    mapping = _build(admin_key, extra_grant="s3:PutBucketPolicy")
    recorder = CallRecorder(sinks=())
    world = _audit(admin_key, mapping, _user_key(admin_key, mapping), recorder)
    world.sign_in_and_switch()
    assert world.role_key is not None and world.role_key.temporary, "the user's own AssumeRole is real"
    world.verify_probe("s3:ListAllMyBuckets", as_role=True, expect_allowed=True)
    with pytest.raises(ComplianceViolation, match=r"can perform s3:PutBucketPolicy.*decided by the policy engine"):
        world.verify_probe("s3:PutBucketPolicy", as_role=True, expect_allowed=False)
    sent = [(call.actor, call.operation) for call in recorder.calls]
    assert ("user", "AssumeRole") in sent and ("role session", "ListBuckets") in sent
    assert not [op for _, op in sent if op.startswith(("Put", "Create", "Delete", "Attach"))]
    s3 = _writer(admin_key).client("s3")
    with pytest.raises(s3.exceptions.ClientError, match="NoSuchBucketPolicy"):
        s3.get_bucket_policy(Bucket=mapping["demo-bucket"])


def test_an_object_the_bucket_does_not_hold_is_not_tried(admin_key: AccessKey) -> None:
    mapping = _build(admin_key, extra_grant="s3:GetObject")
    world = _audit(admin_key, mapping, _user_key(admin_key, mapping))
    world.sign_in_and_switch()
    assert list(world.untried) == [f"arn:aws:s3:::{mapping['demo-bucket']}/report.csv"]
    # Live, S3 would answer AccessDenied for the missing key and hide the grant; the engine does not.
    with pytest.raises(ComplianceViolation, match=r"can perform s3:GetObject.*decided by the policy engine"):
        world.verify_probe("s3:GetObject", as_role=True, expect_allowed=False)


def test_session_checks_are_skipped_with_their_reason_without_credentials(admin_key: AccessKey) -> None:
    world = _audit(admin_key, _build(admin_key))
    world.sign_in_and_switch()
    for needs_session in (world.role_credentials, world.acting_as_role, world.acting_as_user):
        with pytest.raises(SkipTest, match="audit mode without credentials that act as the user"):
            needs_session()
    with pytest.raises(SkipTest, match="audit mode creates nothing"):
        world.create_chained_role("chained-role")


@pytest.mark.parametrize(("kind", "trust_root"), [(outsiders.OTHER_USER, True), (outsiders.FOREIGN_ADMIN, False)])
def test_imagined_outsiders_are_judged_by_the_engine(admin_key: AccessKey, kind: str, trust_root: bool) -> None:
    compliant = _audit(admin_key, _build(admin_key))
    outsiders.verify(kind, compliant, {})
    if trust_root:
        rooted = _audit(admin_key, _build(admin_key, trust_root=True))
        with pytest.raises(ComplianceViolation, match="can perform sts:AssumeRole"):
            outsiders.verify(kind, rooted, {})


def test_a_user_without_a_login_profile_has_no_console_access(admin_key: AccessKey) -> None:
    world = _audit(admin_key, _build(admin_key))
    with pytest.raises(ComplianceViolation, match="has no console access"):
        checks.check_console_access(world.admin.client("iam"), world.require_user())


def test_documents_compare_semantically_and_name_the_difference() -> None:
    reviewed = {"Version": "2012-10-17", "Statement": [
        {"Sid": "A", "Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"},
        {"Sid": "B", "Effect": "Deny", "Action": ["iam:*"], "Resource": "*"}]}
    respelled = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "iam:*", "Resource": ["*"]},
        {"Effect": "Allow", "Resource": "*", "Action": ["s3:ListAllMyBuckets"]}]}
    assert documents.differences(respelled, reviewed) == []
    widened = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, respelled["Statement"][0]]}
    assert documents.differences(widened, reviewed) == [
        'deployed but not reviewed: {"Action": "s3:*", "Effect": "Allow", "Resource": "*"}',
        'reviewed but not deployed: {"Action": "s3:ListAllMyBuckets", "Effect": "Allow", "Resource": "*"}',
    ]
