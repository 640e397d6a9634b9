"""Safe by default: a pytest run refuses, in one line and before any write, what it must not touch.

Root user: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html (use it only for the tasks that
require it). GetCallerIdentity needs no permission:
https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs

import boto3
import pytest
from target_helpers import (
    FOREIGN_ACCOUNT,
    MOTO_ACCOUNT,
    PLUGIN_CONFTEST,
    REGION,
    clean_env,
    clients,
    credentials_env,
    leftovers,
    one_line_error,
    plain_moto_server,
    run_pytest,
)
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from rolecheck.aws import safety
from rolecheck.aws.identity import Identity
from rolecheck.errors import TargetError
from rolecheck.moto_adapter import bootstrap_admin
from rolecheck.targets.moto_server import MotoServer

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
    (["--region", "bad region"], False, "unknown AWS region 'bad region'"),
    (["--region", "xx-nowhere-1"], False, "unknown AWS region 'xx-nowhere-1'"),
    (["--region", "eu-west-9"], False, "unknown AWS region 'eu-west-9': did you mean eu-west-"),
    (["--target", "aws", "--endpoint-url", "http://127.0.0.1:4566"], True,
     "--endpoint-url is for --target moto-server; the aws target uses AWS's own endpoints"),
], ids=["unknown target", "missing credentials", "unreachable endpoint", "malformed endpoint", "bad allowlist",
        "bad region", "unknown region", "misspelt region", "endpoint with aws"])
def test_bad_configuration_is_one_line_and_a_non_zero_exit(args: list[str], creds: bool, expected: str) -> None:
    port = str(_closed_port())
    env = clean_env(**(credentials_env("AKIAEXAMPLEEXAMPLE01", "x") if creds else {}))

    run = run_pytest(*[a.replace("{port}", port) for a in args], env=env)

    assert run.returncode == USAGE_ERROR, run.stdout + run.stderr
    lines = one_line_error(run.stdout + run.stderr)
    assert len(lines) == 1 and lines[0].startswith("ERROR: rolecheck: " + expected.replace("{port}", port)), lines


def test_every_region_of_every_partition_is_known() -> None:
    """The regions come from botocore's own partition data, not from a pattern."""
    from rolecheck.targets.base import known_regions

    assert {"us-east-1", "eu-central-2", "us-gov-west-1", "cn-north-1", "ap-southeast-4"} <= known_regions()
    assert "xx-nowhere-1" not in known_regions() and "us-nowhere-1" not in known_regions()


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


def test_an_endpoint_that_does_not_enforce_iam_is_refused_before_any_scenario() -> None:
    """A stock moto server answers every request: each "cannot" check would become a false compliance violation.

    A conforming endpoint refuses a made-up access key with InvalidClientTokenId and an unsigned request with
    MissingAuthenticationToken: https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html
    """
    with plain_moto_server() as url:
        env = clean_env(**credentials_env("AKIAEXAMPLEEXAMPLE01", "any-secret"))

        run = run_pytest("--target", "moto-server", "--endpoint-url", url, "--allow-account", MOTO_ACCOUNT, env=env)

        assert run.returncode == USAGE_ERROR, run.stdout + run.stderr
        assert one_line_error(run.stdout + run.stderr) == [
            f"ERROR: rolecheck: target moto-server ({url}) does not enforce IAM as AWS does: it accepted a request "
            f"signed with a made-up access key (STS GetCallerIdentity answered arn:aws:sts::{MOTO_ACCOUNT}:user/moto)"
            "; its verdicts would be reported as compliance violations; run the suite on its own moto server "
            "instead (--target moto-server without --endpoint-url)"
        ]
        iam, s3 = clients(url, "AKIAEXAMPLEEXAMPLE01", "any-secret")
        assert iam.list_users()["Users"] == [] and iam.list_roles()["Roles"] == []
        assert s3.list_buckets()["Buckets"] == []


ONE_SCENARIO = """
from rolecheck.aws import operations


def test_scenario(deployment):
    operations.create_user(deployment.admin.client("iam"), deployment.registry, "iam-test-user")
"""


@pytest.mark.parametrize("kind", ["user", "group", "queue"])
def test_a_run_id_already_in_use_is_refused_unless_resumed(server: MotoServer, admin_key: tuple[str, str],
                                                           tmp_path: Path, kind: str) -> None:
    """A copied ROLECHECK_RUN_ID: two runs would sweep each other's resources, so the second does not start.
    Every kind the suite names is looked at: a user, an IAM group (which no tag can mark), an SQS queue."""
    run_id = f"dup{kind}"
    (tmp_path / "conftest.py").write_text(PLUGIN_CONFTEST)
    (tmp_path / "test_module.py").write_text(ONE_SCENARIO)
    iam, _ = clients(server.url, *admin_key)
    name = f"rolecheck-{run_id}-main-1-iam-test-{kind}"
    shown = name
    if kind == "user":
        iam.create_user(UserName=name)
    elif kind == "group":
        iam.create_group(GroupName=name)
    else:
        sqs = boto3.Session(*admin_key, region_name=REGION).client("sqs", endpoint_url=server.url)
        shown = sqs.create_queue(QueueName=name)["QueueUrl"]
    env = clean_env(**credentials_env(*admin_key), ROLECHECK_TARGET="moto-server", ROLECHECK_ENDPOINT_URL=server.url,
                    ROLECHECK_ALLOWED_ACCOUNTS=MOTO_ACCOUNT, ROLECHECK_RUN_ID=run_id)
    writes_before = len(server.writes())

    refused = run_pytest(env=env, cwd=tmp_path)

    assert refused.returncode == USAGE_ERROR, refused.stdout + refused.stderr
    assert one_line_error(refused.stdout + refused.stderr) == [
        f"ERROR: rolecheck: run id {run_id} is already in use in account {MOTO_ACCOUNT}: {kind} {shown} carry it; "
        "another run may be using it (a copied ROLECHECK_RUN_ID?). "
        "Use another run id, or --resume (ROLECHECK_RESUME=1) if this run continues that one"
    ]
    assert server.writes()[writes_before:] == []

    resumed = run_pytest(env={**env, "ROLECHECK_RESUME": "1"}, cwd=tmp_path)

    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"rolecheck: resuming run {run_id}: deleted 1 resource(s) of its earlier attempt" in resumed.stdout
    assert leftovers(server.url, *admin_key, run_id) == []


def test_a_run_id_that_cannot_be_looked_up_is_refused_in_one_line(server: MotoServer, tmp_path: Path) -> None:
    """Without sqs:ListQueues the run could not tell whether its run id is in use, nor sweep its queues: it does
    not start, and says why in one line."""
    key = bootstrap_admin(MOTO_ACCOUNT, "no-queue-listing-admin")
    clients(server.url, *key)[0].put_user_policy(
        UserName="no-queue-listing-admin", PolicyName="no-queue-listing", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "sqs:ListQueues", "Resource": "*"}]}))
    (tmp_path / "conftest.py").write_text(PLUGIN_CONFTEST)
    (tmp_path / "test_module.py").write_text(ONE_SCENARIO)
    env = clean_env(**credentials_env(*key), ROLECHECK_TARGET="moto-server", ROLECHECK_ENDPOINT_URL=server.url,
                    ROLECHECK_ALLOWED_ACCOUNTS=MOTO_ACCOUNT, ROLECHECK_RUN_ID="unlisted1")
    writes_before = len(server.writes())

    refused = run_pytest(env=env, cwd=tmp_path)

    assert refused.returncode == USAGE_ERROR, refused.stdout + refused.stderr
    [line] = one_line_error(refused.stdout + refused.stderr)
    assert line.startswith(f"ERROR: rolecheck: cannot check whether run id unlisted1 is already in use in account "
                           f"{MOTO_ACCOUNT} (ClientError: ") and "ListQueues" in line, line
    assert server.writes()[writes_before:] == []


def test_on_a_backend_the_suite_did_not_start_the_skipped_rows_say_why(server: MotoServer,
                                                                       admin_key: tuple[str, str]) -> None:
    """The features say which rows a real account skips; the skip reasons must say the same, and how to run them."""
    env = clean_env(**credentials_env(*admin_key), ROLECHECK_ALLOWED_ACCOUNTS=MOTO_ACCOUNT)

    run = run_pytest("--target", "moto-server", "--endpoint-url", server.url, "-rs",
                     "-k", "expired or (administrator and account)", env=env)

    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 skipped" in run.stdout
    assert ("not checked on the moto-server target: the other-account row needs an administrator of a second "
            "account; pass --foreign-profile PROFILE (or ROLECHECK_FOREIGN_PROFILE)") in run.stdout
    assert "clock cannot be moved" in run.stdout
