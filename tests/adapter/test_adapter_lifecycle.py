"""The adapter's own contract: the moto-internals self-test, install/uninstall, the decision record, server mode."""

from __future__ import annotations

import boto3
import pytest
from adapter_world import ACCOUNT, World, allow, error_code, session_of
from botocore.exceptions import ClientError
from moto.core.authorization import ActionAuthenticatorMixin
from moto.server import ThreadedMotoServer

from rolecheck.engine import Verdict
from rolecheck.moto_adapter import (
    MotoInternalsChanged,
    check_moto_internals,
    decisions,
    hooks_check,
    install,
    installed,
    is_installed,
    last_decision_for,
    uninstall,
)
from rolecheck.moto_adapter.hooks_check import check_service_internals


def test_check_moto_internals_passes() -> None:
    """The moto internals the adapter hooks have the shape it was written against."""
    check_moto_internals()


def test_changed_moto_internals_are_reported_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """A changed hook signature raises MotoInternalsChanged with a single-line message."""

    def changed(self, request_class):  # type: ignore[no-untyped-def]
        return None

    monkeypatch.setattr(ActionAuthenticatorMixin, "_authenticate_and_authorize_action", changed)
    with pytest.raises(MotoInternalsChanged) as error:
        check_moto_internals()
    assert "\n" not in str(error.value) and "_authenticate_and_authorize_action" in str(error.value)


@pytest.mark.parametrize("service", ["sqs", "sns", "secretsmanager", "kms", "awslambda"])
def test_service_internals_pass_and_a_change_is_reported(service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The moto internals resources.py reads for each service are checked on its first request; a vanished one
    raises MotoInternalsChanged in one line."""
    check_service_internals(service)
    monkeypatch.setattr(hooks_check, "_has_attributes", lambda cls, attributes: False)
    monkeypatch.setattr(hooks_check, "_assigned_in_init", lambda cls: frozenset())
    with pytest.raises(MotoInternalsChanged) as error:
        check_service_internals(service)
    assert "\n" not in str(error.value)


def test_install_is_idempotent_and_uninstall_restores(world: World) -> None:
    """A nested installed() keeps the outer installation; uninstall() restores moto's own hook."""
    assert is_installed()
    original = ActionAuthenticatorMixin.__dict__["_authenticate_and_authorize_action"]
    with installed():
        install()
        assert ActionAuthenticatorMixin.__dict__["_authenticate_and_authorize_action"] is original
    assert is_installed()
    uninstall()
    try:
        assert not is_installed()
        hook = ActionAuthenticatorMixin.__dict__["_authenticate_and_authorize_action"]
        assert hook.__module__ == "moto.core.authorization"
    finally:
        install()


def test_decisions_record_explains_a_denial(world: World) -> None:
    """Each decision is recorded with the engine's explanation, newest last."""
    world_user_arn, user = world.user(allow("iam:ListUsers"))
    with installed():
        with pytest.raises(ClientError):
            user.client("iam").list_roles()
        record = last_decision_for("IAM:ListRoles")
    assert record is not None and record.principal_arn == world_user_arn
    assert record.decision.verdict is Verdict.IMPLICIT_DENY
    assert "because no identity-based policy allows the iam:ListRoles action" in record.decision.explain()
    assert decisions[-1] is record


def test_unknown_access_key_is_rejected(world: World) -> None:
    """https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html : an access key id AWS does not
    know gets InvalidClientTokenId (403)."""
    with installed():
        stranger = session_of("AKIAIOSFODNN7EXAMPLE", "not-a-real-secret-key-000000000000000000")
        with pytest.raises(ClientError) as error:
            stranger.client("iam").list_roles()
    assert error_code(error) == "InvalidClientTokenId"


def test_server_mode_requests_are_decided_by_the_engine(world: World) -> None:
    """Requests over HTTP to a ThreadedMotoServer in this process are decided by the engine as well."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        with installed():
            user_arn, user = world.user(allow("iam:ListRoles"))
            keys = user.get_credentials()
            remote = boto3.Session(aws_access_key_id=keys.access_key, aws_secret_access_key=keys.secret_key,
                                   region_name="us-east-1")
            remote.client("iam", endpoint_url=endpoint).list_roles()
            with pytest.raises(ClientError) as error:
                remote.client("iam", endpoint_url=endpoint).list_users()
            assert error_code(error) == "AccessDenied"
            record = last_decision_for("iam:ListUsers")
            assert record is not None and record.principal_arn == user_arn
            assert record.decision.request.context["aws:SecureTransport"] == "false"
            assert f"arn:aws:iam::{ACCOUNT}:user/" in user_arn
    finally:
        server.stop()
