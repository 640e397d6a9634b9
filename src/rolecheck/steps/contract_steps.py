"""The sentences of your own contracts: entities by logical name, trusts of each kind, sessions, probes aimed at a
named resource, and account-wide claims as tables. Each step parses and calls ``rolecheck.suite.contract``."""

from __future__ import annotations

from collections.abc import Callable

from pytest_bdd import given, parsers, then

from rolecheck.aws.clients import Actor
from rolecheck.policydoc import documents
from rolecheck.report.evidence import attach_json
from rolecheck.suite import claims, contract, preflight, probing
from rolecheck.suite.kinds import KIND_PHRASES, KINDS
from rolecheck.suite.replay import background_step
from rolecheck.suite.scene import Deployment
from rolecheck.targets.base import Target

# Before anything is deployed, every can / cannot perform sentence's action must be one a probe or the engine can
# decide.
preflight.STEP_CHECKS.append(probing.check_step_actions)

_ACTION = r'"(?P<action>[a-z0-9-]+:[A-Za-z0-9*]+)"'
_PRINCIPAL = r'(?:the role "(?P<role>[^"]+)"|the session of the role "(?P<session>[^"]+)"|the user "(?P<user>[^"]+)")'
_RESOURCE = (r'(?: on (?:"(?P<key>[^"]+)" in the bucket "(?P<bucket>[^"]+)"'
             r'|the (?P<noun>bucket|queue|topic|secret|key|function|table) "(?P<logical>[^"]+)"|"(?P<arn>[^"]+)"))?')
_CONDITION = r'(?: when "(?P<ckey>[^"]+)" is "(?P<cvalue>[^"]*)")?'


def _render(deployment: Deployment, docstring: str, name: str) -> dict:
    document = documents.render(docstring, deployment.placeholders(), name=name)
    attach_json(name, document)
    return document


@given(parsers.parse('an IAM user "{logical}" with an MFA device and no permissions of its own'))
@background_step
def _(deployment: Deployment, logical: str) -> None:
    """A user with a virtual MFA device, holding no permissions of its own."""
    contract.add_user_with_mfa(deployment, logical)
    deployment.check_user_has_no_access()


@given(parsers.parse('an S3 bucket "{logical}" holding the objects:'))
@background_step
def _(deployment: Deployment, logical: str, datatable: list[list[str]]) -> None:
    """A bucket holding the objects of the table's key column."""
    contract.add_bucket_with_objects(deployment, logical, [row[0] for row in datatable[1:]])


@given(parsers.parse('a role "{logical}" whose trust policy names only the user "{user}" with MFA:'))
@background_step
def _(deployment: Deployment, logical: str, user: str, docstring: str) -> None:
    """A role only the user may assume, and only with MFA (checked with the engine's who-can-assume)."""
    deployment.add_role(logical, _render(deployment, docstring, f"trust policy of {logical}"))
    trustee = claims.Assumer(deployment.entities.named(user, "user").arn, needs="aws:MultiFactorAuthPresent")
    contract.check_role_trusts(deployment, logical, [trustee])


@given(parsers.parse('a role "{logical}" whose trust policy names only the role "{role}":'))
@background_step
def _(deployment: Deployment, logical: str, role: str, docstring: str) -> None:
    """A role only the sessions of another role may assume (checked with the engine's who-can-assume)."""
    deployment.add_role(logical, _render(deployment, docstring, f"trust policy of {logical}"))
    contract.check_role_trusts(deployment, logical, [claims.Assumer(deployment.entities.named(role, "role").arn)])


@given(parsers.parse('an inline policy "{logical}" of the role "{role}" that allows only {activity}:'))
@background_step
def _(deployment: Deployment, logical: str, role: str, activity: str, docstring: str) -> None:
    """An inline policy of the role, whose document must allow exactly the activity's actions."""
    document = _render(deployment, docstring, f"inline policy {logical}")
    contract.add_inline_policy(deployment, logical, role, document)
    claims.check_document_allows_only(document, activity, f"inline policy {logical}", deployment.account_id,
                                      deployment.placeholders())


@given(parsers.parse('the policy "{policy}" is attached to the role "{role}"'))
@background_step
def _(deployment: Deployment, policy: str, role: str) -> None:
    """A managed policy (customer- or AWS-managed) attached to the role, and found attached."""
    contract.attach(deployment, policy, role)


@given(parsers.parse('the user "{user}" has signed in with its own credentials and switched to the role "{role}"'))
def _(deployment: Deployment, user: str, role: str) -> None:
    """The user switches to the role with its own key (and its MFA device when it has one)."""
    contract.switch(deployment, user, role)


@given(parsers.parse('the session of the role "{role}" has switched to the role "{other}"'))
def _(deployment: Deployment, role: str, other: str) -> None:
    """Role chaining: the session of one role switches to another."""
    contract.chain(deployment, role, other)


@then(parsers.re(rf"^{_PRINCIPAL} (?P<verb>can|cannot) perform {_ACTION}{_RESOURCE}{_CONDITION}$"))
def _(deployment: Deployment, role: str | None, session: str | None, user: str | None, verb: str, action: str,
      key: str | None, bucket: str | None, noun: str | None, logical: str | None, arn: str | None,
      ckey: str | None, cvalue: str | None) -> None:
    """P can / cannot perform "action" [on R] [when "key" is "value"]: tried live, predicted by the engine."""
    target = contract.aim(deployment, action, noun=noun, logical=logical, key=key, bucket=bucket, arn=arn)
    contract.verify_action(deployment, action, verb == "can", role=role or session, user=user, target=target,
                           condition=(ckey, cvalue or "") if ckey else None)


@then(parsers.re(r'^the user "(?P<user>[^"]+)" (?P<verb>can|cannot) assume the role "(?P<role>[^"]+)" '
                 r"(?P<how>with|without) MFA$"))
def _(deployment: Deployment, user: str, verb: str, role: str, how: str) -> None:
    """The user tries the role with, or without, its MFA device's code."""
    contract.verify_assume_with_mfa(deployment, user, role, mfa=how == "with", expect_allowed=verb == "can")


@then(parsers.parse("the role \"{role}\"'s account-wide access is exactly:"))
def _(deployment: Deployment, role: str, datatable: list[list[str]]) -> None:
    """Everything in the account grants the role's sessions exactly the table's rows (conditions included)."""
    arn = deployment.entities.named(role, "role").arn
    claims.check_principal_access(deployment.snapshot(), arn, contract.access_rows(deployment, datatable),
                                  f"the role \"{role}\"'s account-wide access is exactly the table")


@then(parsers.parse('the only principals that can assume the role "{role}" are:'))
def _(deployment: Deployment, role: str, datatable: list[list[str]]) -> None:
    """The engine admits exactly the table's principals to the role, each with the conditions it states."""
    header, *body = datatable
    rows = [dict(zip(header, row, strict=True)) for row in body]
    assumers = [contract.assumer_of(deployment, r["principal"], r.get("condition", "")) for r in rows]
    claims.check_assumers(deployment.snapshot(), deployment.entities.named(role, "role").arn, assumers,
                          f"the only principals that can assume the role \"{role}\" are the table's")


@then(parsers.parse('sessions of the role "{role}" last at most {seconds:d} seconds'))
def _(deployment: Deployment, role: str, seconds: int) -> None:
    """The role's maximum session length, read back, is at most the limit."""
    contract.check_max_session(deployment, role, seconds)


@then(parsers.parse('the session of the role "{role}" can reach no other role'))
def _(deployment: Deployment, role: str) -> None:
    """The role's sessions can assume no role, directly or through a chain."""
    arn = deployment.entities.named(role, "role").arn
    claims.check_reaches_only(deployment.snapshot(), arn, [], f"the session of the role \"{role}\" can reach no "
                              "other role")


@then(parsers.parse('the session of the role "{role}" can reach only the role "{other}"'))
def _(deployment: Deployment, role: str, other: str) -> None:
    """The role's sessions can reach exactly the other role, directly or through a chain."""
    arn, reached = (deployment.entities.named(name, "role").arn for name in (role, other))
    claims.check_reaches_only(deployment.snapshot(), arn, [reached],
                              f"the session of the role \"{role}\" can reach only the role \"{other}\"")


@given(parsers.parse('an IAM user "{logical}" of the other account'))
@background_step
def _(deployment: Deployment, logical: str, foreign_admin: Callable[[], Actor]) -> None:
    """A user of another account (the target's second account on moto; --foreign-profile elsewhere)."""
    contract.add_foreign_user(deployment, logical, foreign_admin)


# The resource kinds a Given makes by their phrase ("an SNS topic "alerts""), and those with a resource policy.
_RESOURCE_PHRASE = "|".join(KINDS[k].phrase for k in ("queue", "topic", "secret", "key", "table"))


@given(parsers.re(rf'^an? (?P<phrase>{_RESOURCE_PHRASE}) "(?P<logical>[^"]+)"$'))
@background_step
def _(deployment: Deployment, phrase: str, logical: str) -> None:
    """An SQS queue, SNS topic, Secrets Manager secret, KMS key or DynamoDB table, with no resource policy (a key
    has its default key policy)."""
    contract.add_resource(deployment, KIND_PHRASES[phrase].name, logical)


@given(parsers.re(rf'^an? (?P<phrase>{_RESOURCE_PHRASE}) "(?P<logical>[^"]+)" whose resource policy is:$'))
@background_step
def _(deployment: Deployment, phrase: str, logical: str, docstring: str) -> None:
    """A queue, topic, secret, key or table whose resource policy is the reviewed document (which may name the
    resource itself: {{<logical>.arn}})."""
    contract.add_resource(deployment, KIND_PHRASES[phrase].name, logical, docstring)


@given(parsers.parse('an IAM group "{logical}" that the user "{user}" belongs to'))
@background_step
def _(deployment: Deployment, logical: str, user: str) -> None:
    """An IAM group with the user as its member."""
    contract.add_group(deployment, logical, user)


@given(parsers.parse('the AWS-managed policy "{name}"'))
@background_step
def _(deployment: Deployment, name: str) -> None:
    """An AWS-managed policy by its name (its logical name too): located, never made."""
    contract.locate_aws_policy(deployment, name)


@given(parsers.re(r'^the policy "(?P<policy>[^"]+)" is attached to the (?P<kind>user|group) "(?P<logical>[^"]+)"$'))
@background_step
def _(deployment: Deployment, policy: str, kind: str, logical: str) -> None:
    """A managed policy (customer- or AWS-managed) attached to the user or group, and found attached."""
    contract.attach(deployment, policy, logical, kind)


@given(parsers.re(r'^the policy "(?P<policy>[^"]+)" is the permissions boundary of the (?P<kind>role|user) '
                  r'"(?P<logical>[^"]+)"$'))
@background_step
def _(deployment: Deployment, policy: str, kind: str, logical: str) -> None:
    """A managed policy set as the permissions boundary of the role or user, and found to be it."""
    contract.set_boundary(deployment, policy, logical, kind)


@given(parsers.parse('a role "{logical}" whose trust policy names only the service "{service}":'))
@background_step
def _(deployment: Deployment, logical: str, service: str, docstring: str) -> None:
    """A role only the AWS service may assume (checked with the engine's who-can-assume)."""
    deployment.add_role(logical, _render(deployment, docstring, f"trust policy of {logical}"))
    contract.check_role_trusts(deployment, logical, [claims.Assumer(f"Service:{service}")])


@given(parsers.parse('a role "{logical}" whose trust policy names only the user "{user}" of the other account with '
                     'an external id:'))
@background_step
def _(deployment: Deployment, logical: str, user: str, docstring: str) -> None:
    """A role only the other account's user may assume, and only with an external id (checked with the engine)."""
    deployment.add_role(logical, _render(deployment, docstring, f"trust policy of {logical}"))
    trustee = claims.Assumer(deployment.entities.named(user, "user").arn, needs="sts:ExternalId")
    contract.check_role_trusts(deployment, logical, [trustee])


@then(parsers.parse('the user "{user}" of the other account can assume the role "{role}" with the external id '
                    '"{external_id}"'))
def _(deployment: Deployment, user: str, role: str, external_id: str) -> None:
    """The other account's user assumes the role, passing the external id."""
    contract.verify_assume_with_external_id(deployment, user, role, external_id, expect_allowed=True)


@then(parsers.parse('the user "{user}" of the other account cannot assume the role "{role}" without the external id'))
def _(deployment: Deployment, user: str, role: str) -> None:
    """The other account's user is refused the role when it passes no external id."""
    contract.verify_assume_with_external_id(deployment, user, role, None, expect_allowed=False)


@given(parsers.parse('an OIDC provider "{logical}" for "{issuer}" with the audience "{audience}"'))
@background_step
def _(deployment: Deployment, logical: str, issuer: str, audience: str) -> None:
    """An IAM OIDC provider for the issuer, admitting the audience."""
    contract.add_oidc_provider(deployment, logical, issuer, audience)


@given(parsers.parse('a Lambda function "{logical}"'))
@background_step
def _(deployment: Deployment, logical: str) -> None:
    """A Lambda function (with an execution role of its own that no sentence names)."""
    contract.add_function(deployment, logical)


@given(parsers.parse('a role "{logical}" whose trust policy names only the OIDC provider "{provider}" for the '
                     'subject "{subject}":'))
@background_step
def _(deployment: Deployment, logical: str, provider: str, subject: str, docstring: str) -> None:
    """A role only tokens of the provider for that subject may assume (checked with the engine's who-can-assume)."""
    deployment.entities.named(provider, "oidc-provider")
    deployment.add_role(logical, _render(deployment, docstring, f"trust policy of {logical}"))
    contract.check_role_trusts(deployment, logical, [claims.Assumer(None, subject=subject)])


@then(parsers.re(r'^a token from "(?P<provider>[^"]+)" for the subject "(?P<subject>[^"]+)" (?P<verb>can|cannot) '
                 r'assume the role "(?P<role>[^"]+)"$'))
def _(deployment: Deployment, target: Target, provider: str, subject: str, verb: str, role: str) -> None:
    """A token of the provider for the subject, presented to STS for the role (minted and tried live on moto)."""
    contract.verify_token(deployment, target, provider, subject, role, expect_allowed=verb == "can")


@given(parsers.parse('a SAML provider "{logical}"'))
@background_step
def _(deployment: Deployment, logical: str) -> None:
    """An IAM SAML provider whose identity provider is the suite's own (the target mints its assertions)."""
    contract.add_saml_provider(deployment, logical)


@given(parsers.parse('a role "{logical}" whose trust policy names only the SAML provider "{provider}":'))
@background_step
def _(deployment: Deployment, logical: str, provider: str, docstring: str) -> None:
    """A role only assertions of the SAML provider may assume (checked with the engine's who-can-assume)."""
    arn = deployment.entities.named(provider, "saml-provider").arn
    deployment.add_role(logical, _render(deployment, docstring, f"trust policy of {logical}"))
    contract.check_role_trusts(deployment, logical, [claims.Assumer(f"Federated:{arn}")])


@then(parsers.re(r'^a SAML assertion from "(?P<provider>[^"]+)" for the subject "(?P<subject>[^"]+)" '
                 r'(?P<verb>can|cannot) assume the role "(?P<role>[^"]+)"$'))
def _(deployment: Deployment, target: Target, provider: str, subject: str, verb: str, role: str) -> None:
    """A SAML assertion of the provider for the subject, presented to STS for the role (minted and tried live on
    moto)."""
    contract.verify_saml_assertion(deployment, target, provider, subject, role, expect_allowed=verb == "can")
