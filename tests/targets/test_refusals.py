"""Safe by default: a pytest run refuses, in one line and before any write, what it must not touch.

Root user: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html (use it only for the tasks that
require it). GetCallerIdentity needs no permission:
https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from urllib.parse import parse_qs

import pytest
from target_helpers import FOREIGN_ACCOUNT, clean_env, credentials_env, one_line_error, run_pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from rolecheck import safety
from rolecheck.errors import TargetError
from rolecheck.targets import MotoServer
from rolecheck.walkthrough import Identity

USAGE_ERROR = 4


@pytest.mark.parametrize("workers", ["0", "2"])
def test_an_account_outside_the_allowlist_is_refused_with_zero_writes(server: MotoServer, foreign_key: tuple[str, str],
                                                                      workers: str) -> None:
    key_id, secret = foreign_key
    before, writes_before = len(server.operations), len(server.writes())
    env = clean_env(**credentials_env(key_id, secret), ROLECHECK_ALLOWED_ACCOUNTS="123456789012")

    run = run_pytest("--target", "moto-server", "--endpoint-url", server.url, "-n", workers, env=env)

    assert run.returncode == USAGE_ERROR, run.stdout + run.stderr
    assert one_line_error(run.stdout + run.stderr) == [
        f"ERROR: rolecheck: account {FOREIGN_ACCOUNT} is not in the allowlist (123456789012); add it with "
        f"--allow-account {FOREIGN_ACCOUNT} or ROLECHECK_ALLOWED_ACCOUNTS if it is a sandbox"
    ]
    assert server.operations[before:] == ["sts:GetCallerIdentity"]
    assert len(server.writes()) - writes_before == 0


class RootEndpoint:
    """An AWS-compatible endpoint whose caller is the account root user; it notes every request it receives."""

    def __init__(self) -> None:
        self.actions: list[str] = []
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    @Request.application
    def _app(self, request: Request) -> Response:
        action = parse_qs(request.get_data(as_text=True)).get("Action", ["?"])[0]
        self.actions.append(action)
        if action != "GetCallerIdentity":
            return Response("unexpected", status=500)
        return Response(
            '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>'
            f"<Arn>arn:aws:iam::{FOREIGN_ACCOUNT}:root</Arn><UserId>{FOREIGN_ACCOUNT}</UserId>"
            f"<Account>{FOREIGN_ACCOUNT}</Account></GetCallerIdentityResult>"
            "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>",
            content_type="text/xml",
        )

    def __enter__(self) -> RootEndpoint:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def root_endpoint() -> Iterator[RootEndpoint]:
    with RootEndpoint() as endpoint:
        yield endpoint


def test_the_root_user_is_refused_even_in_an_allowlisted_account(root_endpoint: RootEndpoint) -> None:
    env = clean_env(**credentials_env("AKIAROOTROOTROOTROOT", "root-secret"))

    run = run_pytest("--target", "moto-server", "--endpoint-url", root_endpoint.url,
                     "--allow-account", FOREIGN_ACCOUNT, env=env)

    assert run.returncode == USAGE_ERROR, run.stdout + run.stderr
    assert one_line_error(run.stdout + run.stderr) == [
        f"ERROR: rolecheck: refusing to run as the root user of account {FOREIGN_ACCOUNT}; "
        "sign in as an IAM administrator"
    ]
    assert root_endpoint.actions == ["GetCallerIdentity"]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(("args", "creds", "expected"), [
    (["--target", "localstack"], False, "unknown target 'localstack'; choose one of: aws, moto, moto-server"),
    (["--target", "aws"], False, "no AWS credentials for target aws (AWS us-east-1)"),
    (["--target", "moto-server", "--endpoint-url", "http://127.0.0.1:{port}"], True,
     "cannot reach target moto-server (http://127.0.0.1:{port})"),
    (["--target", "moto-server", "--endpoint-url", "localhost:4566"], True, "not an endpoint URL: 'localhost:4566'"),
    (["--target", "moto", "--allow-account", "12345"], False, "not a 12-digit AWS account id in the allowlist: 12345"),
    (["--region", "bad region"], False, "not an AWS region name: 'bad region'"),
], ids=["unknown target", "missing credentials", "unreachable endpoint", "malformed endpoint", "bad allowlist",
        "bad region"])
def test_bad_configuration_is_one_line_and_a_non_zero_exit(args: list[str], creds: bool, expected: str) -> None:
    port = str(_closed_port())
    env = clean_env(**(credentials_env("AKIAEXAMPLEEXAMPLE01", "x") if creds else {}))

    run = run_pytest(*[a.replace("{port}", port) for a in args], env=env)

    assert run.returncode == USAGE_ERROR, run.stdout + run.stderr
    lines = one_line_error(run.stdout + run.stderr)
    assert len(lines) == 1 and lines[0].startswith("ERROR: rolecheck: " + expected.replace("{port}", port)), lines


def test_the_allowlist_comes_from_options_and_the_environment() -> None:
    assert safety.allowed_accounts(["111122223333"], env="444455556666, 777788889999") == {
        "111122223333", "444455556666", "777788889999"}
    assert safety.allowed_accounts([], env="") == frozenset()


def test_an_implicitly_allowed_simulation_still_refuses_other_accounts_and_root() -> None:
    user = Identity(arn="arn:aws:iam::123456789012:user/admin", account="123456789012", user_id="AIDA")
    safety.check_caller(user, frozenset(), implicitly_allowed="123456789012")
    with pytest.raises(TargetError, match="not in the allowlist"):
        safety.check_caller(user, frozenset({"111122223333"}))
    root = Identity(arn="arn:aws:iam::123456789012:root", account="123456789012", user_id="123456789012")
    with pytest.raises(TargetError, match="root user"):
        safety.check_caller(root, frozenset({"123456789012"}), implicitly_allowed="123456789012")
