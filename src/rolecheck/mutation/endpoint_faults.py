"""Moto-only mutants: an AWS-compatible endpoint that breaks a guarantee AWS itself gives.

Each one patches moto's STS, or the adapter through its public modules, for one scenario and returns the undo. They
show that the checks of AWS's own guarantees (temporary credentials, the role-chaining limit, expiry, attribution,
signed requests) can fail too, against an endpoint that does not keep them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from rolecheck.mutation.context import MutationContext, Undo
from rolecheck.policydoc import documents
from rolecheck.suite.scene import Deployment


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

    from rolecheck.moto_adapter.calls import call_of, denied
    from rolecheck.moto_adapter.identity import credential_of, find_role_by_arn
    from rolecheck.moto_adapter.params import first_param
    from rolecheck.policydoc.lint import internet_accessible

    installed = ActionAuthenticatorMixin.__dict__["_authenticate_and_authorize_action"]

    def authorize(response: Any, iam_request_cls: type, resource: str = "*") -> None:
        call = call_of(response)
        if call.service == "sts" and credential_of(response.headers, call.query) is None:
            role = find_role_by_arn(first_param(call.params, "RoleArn") or "")
            if role is None or not internet_accessible(documents.from_api(role.assume_role_policy_document)):
                raise denied(call, "the trust policy does not admit anonymous callers")
            return
        installed(response, iam_request_cls, resource)

    return _undo_of(_patched(ActionAuthenticatorMixin, "_authenticate_and_authorize_action", authorize))
