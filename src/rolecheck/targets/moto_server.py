"""moto over HTTP: a moto server on loopback with rolecheck's engine, or someone else's endpoint by URL.

The server notes every request's operation (so tests can count the writes a refused run made) and routes unsigned
STS and IAM calls to their service, as AWS does by host name.
"""

from __future__ import annotations

import functools
import io
import json
import re
import threading
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from rolecheck.aws.clients import SIMULATED_READS, AccessKey
from rolecheck.aws.credentials import resolve
from rolecheck.aws.secrets import Secret

from .base import MOTO_ACCOUNT, MOTO_ADMIN, Target

# The suite's own route on its own server: a process that runs against the server (a pytest subprocess of
# ``rolecheck audit``) asks for web-identity tokens here, minted where the signing key lives (moto_adapter.federation).
TOKEN_ROUTE = "/_rolecheck/web-identity-token"
_READ_OPERATIONS = re.compile(r"^(Get|List|Describe|Head|Simulate)")
_UNSIGNED_SERVICE = "rolecheck.unsigned_service"
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")


class MotoServer:
    """moto's server application with rolecheck's engine, on a free local port in a background thread.

    It does what moto's ``ThreadedMotoServer`` does, and also notes the operation of every request it receives,
    so that tests can count the writes a refused run made: zero.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.operations: list[str] = []
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> str:
        """Install the adapter, start serving and return the endpoint URL."""
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
        from werkzeug.serving import make_server

        from rolecheck import moto_adapter

        class QuietHandler(MotoRequestHandler):
            def log_request(self, *args: Any, **kwargs: Any) -> None:
                """One access-log line per API call would drown the test output."""

        class Dispatcher(DomainDispatcherApplication):
            def infer_service_region_host(self, environ: dict[str, Any], path: str) -> str | None:
                """An unsigned STS or IAM call goes to its service, as it would by host name on AWS."""
                service = environ.get(_UNSIGNED_SERVICE)
                return f"{service}.amazonaws.com" if service else super().infer_service_region_host(environ, path)

        moto_adapter.install()
        app = Dispatcher(create_backend_app)
        self._server = make_server(self.host, self.port, self._noting(app), threaded=True,
                                   request_handler=QuietHandler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto-server", daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        """Stop serving and remove the adapter; idempotent."""
        if self._server is None:
            return
        from rolecheck import moto_adapter

        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = None
        moto_adapter.uninstall()

    def writes(self) -> list[str]:
        """The operations received so far that can change state (everything but Get/List/Describe/Head)."""
        return [op for op in self.operations if not _READ_OPERATIONS.match(op.split(":", 1)[1])]

    def _noting(self, app: Any) -> Any:
        def noted(environ: dict[str, Any], start_response: Any) -> Any:
            if environ.get("PATH_INFO") == TOKEN_ROUTE and environ.get("REQUEST_METHOD") == "POST":
                return _mint(environ, start_response)
            self.operations.append(_route(environ))
            return app(environ, start_response)

        return noted


def _mint(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """A web-identity token for the JSON body's issuer, subject and audience (loopback only: the server binds it)."""
    from rolecheck.moto_adapter.federation import mint_web_identity

    try:
        asked = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
        token = mint_web_identity(str(asked["issuer"]), str(asked["subject"]), str(asked["audience"]))
    except (ValueError, KeyError, TypeError):
        start_response("400 Bad Request", [("Content-Type", "text/plain")])
        return [b"expected a JSON object with issuer, subject and audience"]
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps({"token": token}).encode()]


def request_token(endpoint_url: str, issuer_url: str, subject: str, audience: str) -> str | None:
    """A token from a rolecheck moto server on loopback (``TOKEN_ROUTE``); None from any other endpoint."""
    if not endpoint_url.startswith(("http://127.0.0.1:", "http://localhost:")):
        return None
    body = json.dumps({"issuer": issuer_url, "subject": subject, "audience": audience}).encode()
    request = urllib.request.Request(endpoint_url.rstrip("/") + TOKEN_ROUTE, body, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return str(json.loads(answer.read())["token"])
    except (OSError, ValueError, KeyError):
        # Not a rolecheck server (moto's own answers 404): no token, the engine decides.
        return None


def _route(environ: dict[str, Any]) -> str:
    """``service:Operation`` of a request (``s3:<METHOD>`` for S3's REST API), pointing unsigned ones at their service.

    moto's server tells the services apart by the signature's credential scope. Real AWS tells them apart by
    host name (sts.amazonaws.com), so an unsigned STS or IAM call must reach that service and be refused there,
    not land in S3, moto's guess for an unsigned request.
    """
    scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    action = parse_qs(environ.get("QUERY_STRING", "")).get("Action")
    if not action and environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        # The application reads the body again after us.
        environ["wsgi.input"] = io.BytesIO(body)
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
    service = scope.group(1) if scope else None
    if service is None and action:
        service = _query_service_of(action[0])
        environ[_UNSIGNED_SERVICE] = service
    service = service or "unsigned"
    if action:
        return f"{service}:{action[0]}"
    # JSON-protocol services (SQS, KMS, Secrets Manager...) name the operation in a header: "AmazonSQS.ListQueues".
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return f"{service}:{target.rsplit('.', 1)[-1]}"
    method = environ.get("REQUEST_METHOD", "GET")
    return f"{service}:{'Head' if method == 'HEAD' else 'Get' if method == 'GET' else method}"


@functools.cache
def _query_operations() -> dict[str, str]:
    import botocore.session

    loader = botocore.session.get_session().get_component("data_loader")
    return {operation: service for service in ("iam", "sts")
            for operation in loader.load_service_model(service, "service-2")["operations"]}


def _query_service_of(action: str) -> str | None:
    return _query_operations().get(action)


@dataclass
class MotoServerTarget(Target):
    """moto over HTTP, exactly as a remote endpoint is used: started locally, or any endpoint given by URL.

    Without ``endpoint_url`` it starts a ``MotoServer`` in this process with its own administrator, and its
    account is the suite's own simulation. With ``endpoint_url`` it is someone else's endpoint: the credentials
    come from boto3's standard chain and the account must be allowlisted like a real one.
    """

    name = "moto-server"
    reads = SIMULATED_READS
    admin_user: str = MOTO_ADMIN

    def __post_init__(self) -> None:
        self.server: MotoServer | None = None
        self._external = self.endpoint_url is not None

    @property
    def own_account(self) -> str | None:
        return None if self._external else MOTO_ACCOUNT

    def start(self) -> AccessKey:
        if self._external:
            return resolve(self.credentials, self.region, self.endpoint_url, self.describe())
        from rolecheck import moto_adapter

        self.server = MotoServer()
        self.endpoint_url = self.server.start()
        self.account_id = MOTO_ACCOUNT
        key_id, secret = moto_adapter.bootstrap_admin(self.account_id, self.admin_user)
        return AccessKey(key_id, Secret(secret))

    def web_identity_token(self, issuer_url: str, subject: str, audience: str) -> str | None:
        if self.endpoint_url is None:
            return None
        return request_token(self.endpoint_url, issuer_url, subject, audience)

    def saml_assertion(self, provider_arn: str, role_arn: str, subject: str) -> str | None:
        # Only a server of this process verifies this process's assertions; a process running against a server it
        # did not start leaves the trial to the engine.
        if self.server is None:
            return None
        from rolecheck.moto_adapter.federation import mint_saml

        return mint_saml(provider_arn, role_arn, subject)

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
