"""The live probes under IAM's propagation lag, end to end on in-process moto: a grant added after review is caught
although the first answer is a stale refusal (no false pass), and a grant made just before a probe that must be
allowed is waited for (no false violation). Lags are half a second, seeded; nothing asserts on time."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rolecheck import simulated_aws
from rolecheck.aws import consistency
from rolecheck.aws.clients import Actor, ClientFactory
from rolecheck.aws.registry import ResourceRegistry
from rolecheck.errors import ComplianceViolation
from rolecheck.policydoc import documents
from rolecheck.suite.scene import Deployment
from rolecheck.targets.moto import MotoTarget

LIST_ONLY = {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}
EVERYTHING = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@pytest.fixture
def world() -> Iterator[Deployment]:
    target = MotoTarget()
    key = target.start()
    profile = simulated_aws.parse("calm,seed=9,lag=0.5-0.5,latency=0")
    simulated_aws.install(simulated_aws.Conditions(profile))
    consistency.configure(10.0, settle=profile.max_lag)
    factory = ClientFactory(target.region)
    admin = Actor("administrator", factory).sign_in(key)
    world = Deployment(registry=ResourceRegistry("lagtest"), region=target.region, account_id="123456789012",
                       admin=admin, user_actor=Actor("user", factory), role_actor=Actor("role session", factory))
    try:
        user = world.add_user("user")
        world.add_role("role", {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": user.arn}, "Action": "sts:AssumeRole"}]})
        world.add_bucket("bucket", "report.csv")
        world.sign_in_and_switch()  # retried until the user's key and the role have propagated
        yield world
    finally:
        consistency.configure(0.0)
        simulated_aws.uninstall()
        target.stop()


def test_a_grant_added_after_review_is_caught_although_the_first_answer_is_stale(world: Deployment) -> None:
    iam = world.admin.client("iam")
    iam.put_role_policy(RoleName=world.require_role().name, PolicyName="late-grant",
                        PolicyDocument=documents.dumps(EVERYTHING))
    with pytest.raises(ComplianceViolation, match="s3:GetObject"):
        world.verify_probe("s3:GetObject", as_role=True, expect_allowed=False)


def test_a_grant_made_just_before_the_probe_is_waited_for(world: Deployment) -> None:
    iam = world.admin.client("iam")
    iam.put_role_policy(RoleName=world.require_role().name, PolicyName="list-only",
                        PolicyDocument=documents.dumps(LIST_ONLY))
    world.verify_probe("s3:ListAllMyBuckets", as_role=True, expect_allowed=True)
    assert consistency.waited()["reprobes"] >= 1


def test_a_user_removed_from_the_trust_policy_is_caught_although_the_old_trust_still_answers(
        world: Deployment) -> None:
    """The stale answer to the user's switch is the old trust policy's "yes"; the settled one is "no".

    https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency
    """
    iam = world.admin.client("iam")
    stranger = iam.create_user(UserName=world.registry.track("user", world.registry.unique_name("stranger")))["User"]
    iam.update_assume_role_policy(RoleName=world.require_role().name, PolicyDocument=documents.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": stranger["Arn"]}, "Action": "sts:AssumeRole"}]}))
    with pytest.raises(ComplianceViolation, match="sts:AssumeRole"):
        world.verify_user_can_assume()
