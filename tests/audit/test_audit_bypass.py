"""No way to turn an audit off: options after ``--``, the environment, ini overrides and blocked plugins all fail to
make ``rolecheck audit`` (or ``pytest --audit-mapping``) write into the audited account.

The moto server records every request it receives, so each case counts the writes it caused: always zero. AWS's
access levels (what is a write): https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml
from audit_helpers import ACCOUNT, USAGE_ERROR, build_by_hand, clean_env, credentials_env, not_allow_listed, run

from rolecheck.moto_adapter import bootstrap_admin
from rolecheck.targets.moto_server import MotoServer

# Every option that, following the audit's own, would change what the suite's pytest does: a blank or other mapping,
# the audit plugin blocked, the configuration or conftest replaced, another target, a mutant.
BYPASSES = ["--audit-mapping=", "--audit-mapping=other.yaml", "-p no:rolecheck.plugin.audit",
            "-pno:rolecheck.plugin.audit", "-o bdd_features_base_dir=tests", "--noconftest", "--target moto",
            "--target=moto", "-c /dev/null",
            "--mutant m1", "--endpoint-url http://127.0.0.1:1", "--rootdir=/tmp", "--confcutdir=/tmp",
            "--resume", "--alluredir=/tmp/x", "-vp no:rolecheck.plugin.audit", "--", "../tests",
            "--audit-user-profile=x", "-W error", "--tb=short --audit-mapping="]


@pytest.fixture(scope="module")
def admin_key(server: MotoServer) -> tuple[str, str]:
    return bootstrap_admin(ACCOUNT, "audit-bypass-admin")


@pytest.fixture(scope="module")
def mapping_file(server: MotoServer, admin_key: tuple[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bypass") / "mapping.yaml"
    path.write_text(yaml.safe_dump(build_by_hand(server.url, admin_key, "bypass")))
    return path


def _audit(server: MotoServer, mapping_file: Path, after: list[str], env: dict[str, str], results: Path):
    return run([sys.executable, "-m", "rolecheck.cli", "audit", "--mapping", str(mapping_file), "--target",
                "moto-server", "--endpoint-url", server.url, "--allow-account", ACCOUNT, "--no-report", "--results",
                str(results), "--", "-q", "-p", "no:cacheprovider", *after], env)


@pytest.mark.parametrize("bypass", BYPASSES)
def test_no_option_after_the_dashes_turns_audit_mode_off(server: MotoServer, admin_key: tuple[str, str],
                                                          mapping_file: Path, tmp_path: Path, bypass: str) -> None:
    before = len(server.operations)
    result = _audit(server, mapping_file, bypass.split(), clean_env(**credentials_env(admin_key)), tmp_path / "r")
    assert result.returncode == USAGE_ERROR, result.stdout[-2000:]
    err = result.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ERROR: rolecheck: "), err
    assert "cannot follow --" in err[0] or "paths under features/" in err[0]
    assert server.operations[before:] == [], "refused before the suite ran"


def test_the_environment_cannot_turn_audit_mode_off(server: MotoServer, admin_key: tuple[str, str],
                                                   mapping_file: Path, tmp_path: Path) -> None:
    """Every environment override at once, and a plugin that would undo the read-only clients: the audit stays one."""
    (tmp_path / "undo_audit.py").write_text(
        "import rolecheck.aws.clients as c\n\ndef pytest_configure(config):\n    c._READ_ONLY_PROCESS = False\n")
    env = clean_env(**credentials_env(admin_key), PYTEST_ADDOPTS="--audit-mapping=", ROLECHECK_AUDIT_MAPPING="",
                    ROLECHECK_READ_ONLY="0", PYTEST_PLUGINS="undo_audit", ROLECHECK_TARGET="moto",
                    ROLECHECK_MUTANT="m1", ROLECHECK_RESUME="1")
    env["PYTHONPATH"] += f":{tmp_path}"
    before = len(server.operations)
    result = _audit(server, mapping_file, ["-k", "deployed_documents", "-rA"], env, tmp_path / "r")
    sent = server.operations[before:]
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "audit mode, read-only" in result.stdout
    assert sent and not_allow_listed(sent) == [], sent


@pytest.mark.parametrize(("option", "env"), [(["--audit-mapping="], {}), (["--audit-mapping", " "], {}),
                                             ([], {"ROLECHECK_AUDIT_MAPPING": ""})],
                         ids=["blank-option", "whitespace-option", "blank-env"])
def test_pytest_with_a_blank_audit_mapping_is_refused(server: MotoServer, admin_key: tuple[str, str],
                                                      option: list[str], env: dict[str, str]) -> None:
    before = len(server.operations)
    result = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "features", "--target",
                  "moto-server", "--endpoint-url", server.url, "--allow-account", ACCOUNT, *option],
                 clean_env(**credentials_env(admin_key), **env))
    assert result.returncode == USAGE_ERROR, result.stdout[-2000:]
    err = result.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ERROR: rolecheck: ") and "is empty" in err[0], err
    assert server.operations[before:] == []


def test_an_inherited_audit_makes_every_client_read_only(server: MotoServer, admin_key: tuple[str, str]) -> None:
    """A process started with ROLECHECK_READ_ONLY=1 refuses writes from any factory, even one not asking for it,
    and even after the variable is changed."""
    code = ("import os; from rolecheck.aws.clients import *; from rolecheck.aws.secrets import Secret\n"
            f"os.environ['ROLECHECK_READ_ONLY'] = '0'\n"
            f"key = AccessKey({admin_key[0]!r}, Secret({admin_key[1]!r}))\n"
            f"iam = Actor('x', ClientFactory('us-east-1', {server.url!r})).sign_in(key).client('iam')\n"
            "try:\n    iam.create_user(UserName='inherited-audit-must-not-exist')\n"
            "except WriteRefused:\n    print('refused')\n")
    before = len(server.operations)
    result = run([sys.executable, "-c", code], clean_env(ROLECHECK_READ_ONLY="1"))
    assert result.stdout.strip() == "refused", result.stderr
    assert server.operations[before:] == []


def test_an_inherited_audit_with_its_plugin_blocked_is_refused(server: MotoServer, admin_key: tuple[str, str],
                                                               mapping_file: Path) -> None:
    before = len(server.operations)
    result = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:rolecheck.plugin.audit",
                  "features", "--target", "moto-server", "--endpoint-url", server.url, "--allow-account", ACCOUNT],
                 clean_env(**credentials_env(admin_key), ROLECHECK_READ_ONLY="1"))
    assert result.returncode == USAGE_ERROR, result.stdout[-2000:]
    err = result.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ERROR: rolecheck: "), err
    assert server.operations[before:] == []
