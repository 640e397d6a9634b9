"""``rolecheck audit --mapping`` and ``pytest --audit-mapping``: the suite against an account built by hand.

The moto server records every request it receives, so these tests see exactly what an audit sent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from audit_helpers import (
    ACCOUNT,
    USAGE_ERROR,
    build_by_hand,
    clean_env,
    credentials_env,
    not_allow_listed,
    outcomes,
    pytest_audit,
    report_results,
    rolecheck_audit,
    scenario_count,
)

from rolecheck.moto_adapter import bootstrap_admin
from rolecheck.targets.moto_server import MotoServer


@pytest.fixture(scope="module")
def admin_key(server: MotoServer) -> tuple[str, str]:
    return bootstrap_admin(ACCOUNT, "audit-run-admin")


def _audit(server: MotoServer, key: tuple[str, str], mapping_file: Path):
    """``pytest --audit-mapping`` itself."""
    return pytest_audit("--target", "moto-server", "--endpoint-url", server.url, "--allow-account", ACCOUNT,
                        "--audit-mapping", str(mapping_file), env=clean_env(**credentials_env(key)))


def _command(server: MotoServer, key: tuple[str, str], mapping_file: Path, results: Path):
    """``rolecheck audit --mapping``, as the README shows it."""
    return rolecheck_audit("--mapping", str(mapping_file), "--target", "moto-server", "--endpoint-url", server.url,
                           "--allow-account", ACCOUNT, env=clean_env(**credentials_env(key)), results=results)


def _write(tmp_path: Path, mapping: dict) -> Path:
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump(mapping))
    return path


def test_a_compliant_setup_passes_and_the_audit_sends_only_allow_listed_requests(
        server: MotoServer, admin_key: tuple[str, str], tmp_path: Path) -> None:
    mapping = build_by_hand(server.url, admin_key, "compliant")
    before = len(server.operations)
    result = _command(server, admin_key, _write(tmp_path, mapping), tmp_path / "results")
    sent = server.operations[before:]
    assert result.returncode == 0, result.stdout[-3000:]
    assert sent, "the audit read the account"
    assert not_allow_listed(sent) == []
    seen = outcomes(result.stdout)
    assert seen["test_the_deployed_documents_are_the_reviewed_documents"] == "PASSED"
    assert seen["test_the_role_cannot_activity[write objects in the bucket-s3:PutObject]"] == "PASSED"
    assert "audit mode without credentials that act as the user" in result.stdout, "skips say why"
    assert report_results(tmp_path / "results") == scenario_count(result.stdout) >= 30


@pytest.mark.parametrize(("content", "message"), [
    ("iam-test-user: [", "not valid YAML"),
    ("iam-test-user: a\ns3-list-role: b\ns3-list-buckets: c\ndemo-bucket: d\nchained: e\n",
     "unknown logical name(s) chained"),
])
def test_a_bad_mapping_file_is_one_line_and_exit_4(server: MotoServer, admin_key: tuple[str, str],
                                                    tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "mapping.yaml"
    path.write_text(content)
    before = len(server.operations)
    result = _audit(server, admin_key, path)
    assert result.returncode == USAGE_ERROR
    lines = [line for line in (result.stdout + result.stderr).splitlines() if "rolecheck:" in line]
    assert len(lines) == 1 and message in lines[0], result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert not_allow_listed(server.operations[before:]) == []


def test_a_mapped_resource_the_account_lacks_is_one_line_and_exit_4(
        server: MotoServer, admin_key: tuple[str, str], tmp_path: Path) -> None:
    mapping = {**build_by_hand(server.url, admin_key, "ghostly"), "s3-list-role": "no-such-role"}
    before = len(server.operations)
    result = _command(server, admin_key, _write(tmp_path, mapping), tmp_path / "results")
    assert result.returncode == USAGE_ERROR, result.stdout[-2000:]
    output = result.stdout + result.stderr
    assert "ERROR: rolecheck: " in output
    assert "s3-list-role: role no-such-role does not exist in account 123456789012" in output
    assert "Traceback" not in result.stdout + result.stderr
    assert not_allow_listed(server.operations[before:]) == []
    assert outcomes(result.stdout) == {}, "no scenario ran"


def test_a_mutant_is_refused_in_audit_mode(server: MotoServer, admin_key: tuple[str, str], tmp_path: Path) -> None:
    path = _write(tmp_path, {"iam-test-user": "a", "s3-list-role": "b", "s3-list-buckets": "c", "demo-bucket": "d"})
    before = len(server.operations)
    result = pytest_audit("--target", "moto-server", "--endpoint-url", server.url, "--allow-account", ACCOUNT,
                          "--audit-mapping", str(path), "--mutant", "policy-allows-s3-star",
                          env=clean_env(**credentials_env(admin_key)))
    assert result.returncode == USAGE_ERROR
    assert "--mutant writes to the account; audit mode is read-only" in result.stdout + result.stderr
    assert server.operations[before:] == []


def test_a_target_the_suite_starts_empty_cannot_be_audited(tmp_path: Path) -> None:
    path = _write(tmp_path, {"iam-test-user": "a", "s3-list-role": "b", "s3-list-buckets": "c", "demo-bucket": "d"})
    result = pytest_audit("--target", "moto", "--audit-mapping", str(path), env=clean_env())
    assert result.returncode == USAGE_ERROR
    lines = [line for line in (result.stdout + result.stderr).splitlines() if "rolecheck:" in line]
    assert lines == ["ERROR: rolecheck: audit mode reads resources that exist, but the moto target starts an empty "
                     "account: use --target aws, or --target moto-server --endpoint-url URL"], lines
