"""The examples, end to end through ``rolecheck audit``: the compliant ones pass, the others fail on the right rows.

Each run deploys a template or a plan into a moto server of its own and audits it from a pytest subprocess (about
ten seconds each), so there is one run per example.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from audit_helpers import (
    REPO,
    clean_env,
    outcomes,
    report_results,
    report_verdicts,
    rolecheck_audit,
    scenario_count,
)

EXAMPLES = REPO / "examples"

# The rows a role with an extra, unreviewed grant of s3:Get* fails (examples/terraform/noncompliant-plan.json), the
# account-wide claim among them; nothing else of the walkthrough changes, so no row fails for any other reason.
EXTRA_GRANT_ROWS = {
    "test_nothing_in_the_account_grants_the_roles_session_more_than_listing_the_buckets",
    "test_the_roles_effective_permissions_are_exactly_the_reviewed_set",
    "test_no_policy_of_the_role_grants_wildcard_actions",
    "test_the_deployed_documents_are_the_reviewed_documents",
    "test_the_role_cannot_activity[read objects in the bucket-s3:GetObject]",
    "test_the_role_cannot_activity[read the bucket policy-s3:GetBucketPolicy]",
}


def _audit(tmp_path: Path, *args: str):
    return rolecheck_audit(*args, env=clean_env(), results=tmp_path / "results")


@pytest.mark.parametrize("example", [
    ["--cloudformation", str(EXAMPLES / "cloudformation" / "compliant.yaml"), "--parameter", "OperatorName=carol"],
    ["--terraform-plan", str(EXAMPLES / "terraform" / "compliant-plan.json")],
], ids=["cloudformation", "terraform"])
def test_a_compliant_example_passes_every_scenario(tmp_path: Path, example: list[str]) -> None:
    result = _audit(tmp_path, *example)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    seen = outcomes(result.stdout)
    assert set(seen.values()) == {"PASSED"} and len(seen) >= 30, seen
    assert "not deployed" not in result.stderr
    assert report_results(tmp_path / "results") == scenario_count(result.stdout), "every scenario is in the report"


def test_a_trust_policy_naming_the_account_root_fails_at_the_trust_claim(tmp_path: Path) -> None:
    result = _audit(tmp_path, "--cloudformation", str(EXAMPLES / "cloudformation" / "noncompliant.yaml"))
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-2000:]
    verdicts = report_verdicts(tmp_path / "results")
    assert len(verdicts) >= 30
    for status, message in verdicts:
        assert status == "failed" and "trusts principals besides" in message and ":iam::123456789012:root" in message


def test_an_extra_grant_fails_exactly_its_rows_and_an_unsupported_resource_is_listed(tmp_path: Path) -> None:
    result = _audit(tmp_path, "--terraform-plan", str(EXAMPLES / "terraform" / "noncompliant-plan.json"),
                    "--mapping", str(EXAMPLES / "terraform" / "noncompliant-mapping.yaml"))
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-2000:]
    failed = {test for test, outcome in outcomes(result.stdout).items() if outcome == "FAILED"}
    assert failed >= EXTRA_GRANT_ROWS
    # Every failing row fails on the extra grant (newer checks may find it too), never on anything else.
    messages = [message for status, message in report_verdicts(tmp_path / "results")
                if status not in ("passed", "skipped")]
    assert len(messages) == len(failed)
    for message in messages:
        assert message.startswith("rolecheck.errors.ComplianceViolation") and (
            "read-reports" in message or "s3:Get" in message), message
    assert ("rolecheck: not deployed: aws_sqs_queue.report_events: resource type aws_sqs_queue is not supported"
            in result.stderr.splitlines())
