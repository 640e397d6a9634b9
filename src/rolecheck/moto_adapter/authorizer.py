"""The authorization decision moto's services call before every operation, made by the rolecheck engine.

Policy evaluation: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

from moto.core.authorization import ActionAuthenticatorMixin

from rolecheck.engine import Decision, PolicyError, Principal, Request, UnsupportedFeature, evaluate

from . import actions, context, federation, resources, sessions, state, validation
from .calls import Call, call_of, denied
from .errors import AwsErrorResponse
from .identity import (
    Caller,
    Credential,
    credential_of,
    find_access_key,
    find_role_by_arn,
    find_session,
    session_caller,
    session_expired,
    user_caller,
)
from .params import first_param
from .sessions import facts_of

DECISIONS_KEPT = 500


@dataclass(frozen=True)
class DecisionRecord:
    """One decision the adapter asked the engine for."""

    action: str
    resource: str
    principal_arn: str
    decision: Decision


decisions: deque[DecisionRecord] = deque(maxlen=DECISIONS_KEPT)


def last_decision_for(action: str) -> DecisionRecord | None:
    """The most recent decision on ``action`` (case-insensitive, e.g. ``"s3:GetObject"``), or None."""
    wanted = action.lower()
    return next((record for record in reversed(decisions) if record.action.lower() == wanted), None)


def _invalid_key(call: Call) -> AwsErrorResponse:
    if call.protocol == "s3":
        message = "The AWS Access Key Id you provided does not exist in our records."
        return call.error("InvalidAccessKeyId", message, 403)
    if call.protocol == "ec2":
        return call.error("AuthFailure", "AWS was not able to validate the provided access credentials", 401)
    return call.error("InvalidClientTokenId", "The security token included in the request is invalid.", 403)


def _invalid_token(call: Call) -> AwsErrorResponse:
    if call.protocol == "s3":
        return call.error("InvalidToken", "The provided token is malformed or otherwise invalid.", 400)
    return _invalid_key(call)


def _expired(call: Call) -> AwsErrorResponse:
    # https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html
    if call.protocol == "s3":
        return call.error("ExpiredToken", "The provided token has expired.", 400)
    if call.protocol == "json":
        return call.error("ExpiredTokenException", "The security token included in the request is expired", 400)
    return call.error("ExpiredToken", "The security token included in the request is expired", 403)


def _security_token(call: Call) -> str | None:
    token = call.response.headers.get("X-Amz-Security-Token")
    if token is None and call.query.get("X-Amz-Security-Token"):
        token = call.query["X-Amz-Security-Token"][0]
    return token


def _check_signature(call: Call, iam_request_cls: type, credential: Credential) -> None:
    if credential.presigned:
        raise call.error(
            "RolecheckUnsupportedFeature", "rolecheck adapter: presigned URLs are not supported; sign requests", 400
        )
    response = call.response
    path = response.raw_path
    if urlparse(response.uri).query:
        path += "?" + urlparse(response.uri).query
    # A request with neither a body nor a form was signed over an empty payload: without a form, moto fills its
    # parameters from the headers, and checking their form-encoding failed every body-less REST call (Lambda's
    # GetFunction, GetPolicy, ListFunctions, DeleteFunction).
    signed_data = response.data if response.raw_body or response.form_data else ""
    moto_request = iam_request_cls(
        account_id=response.current_account, method=response.method, path=path, data=signed_data,
        body=response.raw_body, headers=response.headers, action=response._get_action(),
    )
    moto_request.check_signature()


def authenticate(call: Call, iam_request_cls: type, credential: Credential) -> Caller:
    """The caller behind a signed request, after checking its key, session token, expiry and signature."""
    found = find_access_key(credential.access_key_id)
    if found is None:
        raise _invalid_key(call)
    account, partition, key = found
    token = _security_token(call)
    if key.user_name is None:
        session = find_session(account, partition, credential.access_key_id)
        if session is None:
            raise _invalid_key(call)
        if token != session.session_token:
            raise _invalid_token(call)
        if session_expired(session):
            raise _expired(call)
        caller = session_caller(account, partition, session)
    else:
        if key.status != "Active":
            raise _invalid_key(call)
        if token is not None:
            raise _invalid_token(call)
        user = user_caller(account, partition, key)
        if user is None:
            raise _invalid_key(call)
        caller = user
    _check_signature(call, iam_request_cls, credential)
    return caller


def _authorized_as(call: Call, caller: Caller | None, moto_resource: str) -> tuple[str, str, str | None, Any, dict]:
    """(action, resource, resource account, resource-based policy or None, service context)."""
    caller_arn = caller.principal.arn if caller else "*"
    if call.service == "s3":
        is_object = moto_resource.count("/") > 0 and not moto_resource.endswith(":::*")
        action = actions.s3_action(call.operation, call.response.method, call.query, is_object)
        resource = actions.s3_resource(moto_resource)
        bucket_name = resource.split(":::", 1)[1].split("/", 1)[0] if ":::" in resource else ""
        located = state.bucket_of(bucket_name) if bucket_name else None
        if located is None:
            return action, resource, None, None, context.s3_context(call.query, action)
        bucket, owner = located
        return action, resource, owner, state.bucket_policy(bucket), context.s3_context(call.query, action)
    if call.service in resources.SERVICES:
        found = resources.authorized_as(call, caller.account if caller else call.response.current_account)
        return found.action, found.resource, found.account, found.policy, found.context
    action = actions.service_action(call.service, call.operation)
    if call.service == "iam" and caller is not None:
        resource = actions.iam_resource(call.operation, call.params, caller.account, caller.partition, caller_arn)
        service_context = actions.iam_context(call.operation, call.params)
        service_context.update(context.request_tag_context(call.params))
        entity = state.iam_entity(resource)
        if entity is not None:
            service_context.update(context.resource_tag_context(
                context.iam_entity_tags(entity, caller.account, caller.partition), iam=True))
        return action, resource, None, None, service_context
    if call.service == "sts" and call.operation == "AssumeRole":
        role_arn = first_param(call.params, "RoleArn") or "*"
        role = find_role_by_arn(role_arn)
        owner = role_arn.split(":")[4] if role_arn.count(":") >= 5 else None
        trust = state.trust_policy(role) if role is not None else None
        facts = facts_of(caller.session) if caller is not None and caller.session is not None else None
        inherited = facts.source_identity if facts else None
        return action, role_arn, owner, trust, context.assume_role_context(call.params, role, inherited)
    return action, moto_resource, None, None, {}


def _decide(call: Call, caller: Caller | None, principal: Principal, moto_resource: str) -> Decision:
    action, resource, resource_account, resource_policy, service_context = _authorized_as(call, caller, moto_resource)
    return _evaluate(call, caller, principal, action, resource, resource_account, resource_policy, service_context)


def _evaluate(call: Call, caller: Caller | None, principal: Principal, action: str, resource: str,
              resource_account: str | None, resource_policy: Any, service_context: dict) -> Decision:
    request_context = context.network_context(call.response, call.response.region)
    request_context.update(context.caller_context(caller))
    request_context.update(service_context)
    request = Request(
        principal=principal,
        action=action,
        resource=resource,
        resource_account=resource_account,
        identity_policies=state.identity_policies(caller) if caller else (),
        permissions_boundary=state.permissions_boundary(caller) if caller else None,
        session_policies=state.session_policies(caller) if caller else None,
        resource_policy=resource_policy,
        context=request_context,
        now=datetime.now(UTC),
    )
    return evaluate(request)


def authorize(response: Any, iam_request_cls: type, resource: str = "*") -> None:
    """Replacement for ActionAuthenticatorMixin._authenticate_and_authorize_action."""
    if response.headers.get("X-Amz-Target") in ActionAuthenticatorMixin.PUBLIC_OPERATIONS:
        return
    call = call_of(response)
    credential = credential_of(response.headers, call.query)
    if credential is None:
        if call.service == "sts" and call.operation in ("AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"):
            _authorize_federated(call)
            return
        if call.service != "s3":
            # https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html
            raise call.error("MissingAuthenticationToken", "Request is missing Authentication Token", 403)
        caller, principal = None, Principal.anonymous()
    else:
        caller = authenticate(call, iam_request_cls, credential)
        principal = caller.principal
    if call.service == "sts" and call.operation == "GetCallerIdentity":
        return
    if call.service == "s3" and "abac" in call.query and call.response.method == "PUT":
        # moto 5.2 would take PutBucketAbac for CreateBucket and answer 200 without enabling anything. (GetBucketAbac
        # answers no status, which is true: ABAC stays disabled on every bucket there.)
        message = ("rolecheck adapter: S3 bucket ABAC (PutBucketAbac) is not modelled on the moto target: bucket "
                   "tags are never aws:ResourceTag")
        raise call.error("RolecheckUnsupportedFeature", message, 400)
    try:
        decision = _decide(call, caller, principal, resource)
    except UnsupportedFeature as error:
        raise call.error("RolecheckUnsupportedFeature", f"rolecheck engine cannot decide: {error}", 400) from None
    except PolicyError as error:
        raise call.error("RolecheckPolicyError", f"rolecheck engine rejected a stored policy: {error}", 400) from None
    _record(decision)
    if not decision.allowed:
        raise denied(call, decision.message)
    if decision.request.action == "s3:GetObject":
        _missing_key_needs_list_bucket(call, caller, principal, decision)
    if decision.request.action == "sts:AssumeRole":
        _session_extras_need_trust(call, caller, principal, decision)
    if decision.request.action in _PASSES_ROLE:
        _passing_a_role_needs_pass_role(call, caller, principal, decision)
    validation.check_request(call)


def _authorize_federated(call: Call) -> None:
    """An unsigned AssumeRoleWithWebIdentity or AssumeRoleWithSAML: the token or assertion verified as STS does
    (``federation``), then the role's trust policy decided for its holder, with its claims as condition keys."""
    role_arn = first_param(call.params, "RoleArn") or "*"
    saml = call.operation == "AssumeRoleWithSAML"
    try:
        if saml:
            token = federation.verify_saml(first_param(call.params, "SAMLAssertion") or "", role_arn,
                                           first_param(call.params, "PrincipalArn") or "")
        else:
            token = federation.verify_web_identity(first_param(call.params, "WebIdentityToken") or "", role_arn)
    except federation.InvalidIdentityToken as error:
        raise call.error(error.code, str(error), 400) from None
    role = find_role_by_arn(role_arn)
    owner = role_arn.split(":")[4] if role_arn.count(":") >= 5 else None
    trust = state.trust_policy(role) if role is not None else None
    service_context = {**context.assume_role_context(call.params, role, None), **token.context}
    if saml:
        principal, action = Principal.saml(token.provider_arn, token.subject), "sts:AssumeRoleWithSAML"
    else:
        principal, action = Principal.web_identity(token.provider_arn, token.subject), "sts:AssumeRoleWithWebIdentity"
    decision = _evaluate(call, None, principal, action, role_arn, owner, trust, service_context)
    _record(decision)
    if not decision.allowed:
        raise denied(call, decision.message)
    validation.check_request(call)


def _record(decision: Decision) -> None:
    request = decision.request
    decisions.append(DecisionRecord(request.action, request.resource, request.principal.arn, decision))


def _missing_key_needs_list_bucket(call: Call, caller: Caller | None, principal: Principal,
                                   decision: Decision) -> None:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html : a missing key is a 404 only for a
    caller who may list the bucket; anyone else gets 403, so the key's absence does not leak."""
    bucket_arn, _, key = decision.request.resource.partition("/")
    located = state.bucket_of(bucket_arn.split(":::", 1)[1])
    if located is None or key in located[0].keys:
        return
    listing = _evaluate(call, caller, principal, "s3:ListBucket", bucket_arn, decision.request.resource_account,
                        decision.request.resource_policy, {})
    _record(listing)
    if not listing.allowed:
        raise denied(call, listing.message)


def _session_extras_need_trust(call: Call, caller: Caller | None, principal: Principal, decision: Decision) -> None:
    """AssumeRole with session tags also needs sts:TagSession, and with a source identity (passed, or carried
    along a role chain) sts:SetSourceIdentity, each allowed like sts:AssumeRole itself (by the trust policy).
    Inherited transitive tags alone ask for no sts:TagSession: the page requires it for tags the request passes.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_permissions-required ,
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html
    """
    request = decision.request
    extras = []
    if sessions.requested_tags(call.params) or sessions.transitive_keys(call.params):
        extras.append("sts:TagSession")
    if "sts:sourceidentity" in {key.lower() for key in request.context}:
        extras.append("sts:SetSourceIdentity")
    for action in extras:
        extra = _evaluate(call, caller, principal, action, request.resource, request.resource_account,
                          request.resource_policy, dict(request.context))
        _record(extra)
        if not extra.allowed:
            raise denied(call, extra.message)



# Operations that hand a role to a service, and the service principal it is passed to.
_PASSES_ROLE = {"lambda:CreateFunction": "lambda.amazonaws.com",
                "lambda:UpdateFunctionConfiguration": "lambda.amazonaws.com"}


def _passing_a_role_needs_pass_role(call: Call, caller: Caller | None, principal: Principal,
                                    decision: Decision) -> None:
    """Handing a role to a service also needs iam:PassRole on that role, with iam:PassedToService and
    iam:AssociatedResourceArn in the context.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html ,
    https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html
    """
    role_arn = resources.param(call, "Role")
    if not role_arn:
        return
    request = decision.request
    service_context = {"iam:PassedToService": _PASSES_ROLE[request.action],
                       "iam:AssociatedResourceArn": request.resource}
    passing = _evaluate(call, caller, principal, "iam:PassRole", role_arn, None, None, service_context)
    _record(passing)
    if not passing.allowed:
        raise denied(call, passing.message)
