"""``rolecheck audit``: bad input is one line and exit status 4, before anything is deployed or run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rolecheck.audit import cloudformation, terraform
from rolecheck.audit.iac import Applied, Deployed, IacError, derive_mapping
from rolecheck.audit.mapping import AuditMapping
from rolecheck.cli import main

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "examples" / "cloudformation" / "compliant.yaml"
NEEDED = {"iam-test-user": "user", "s3-list-role": "role", "s3-list-buckets": "policy", "demo-bucket": "bucket"}


def _one_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse's own errors of the audit subcommand
        status = exc.code
    assert status == 4
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ERROR: rolecheck: "), err
    return err[0]


@pytest.mark.parametrize(("argv", "message"), [
    (["audit"], "needs --mapping FILE, --cloudformation TEMPLATE or --terraform-plan PLAN"),
    (["audit", "--cloudformation", str(TEMPLATE), "--parameter", "Nope=1"], "unknown parameter(s) Nope"),
    (["audit", "--cloudformation", str(TEMPLATE), "--parameter", "novalue"], "expects KEY=VALUE"),
    (["audit", "--cloudformation", str(TEMPLATE), "--target", "aws"], "moto server of rolecheck's own"),
    (["audit", "--terraform-plan", str(TEMPLATE)], "not valid JSON"),
    (["audit", "--cloudformation", "absent.yaml"], "cannot read the template"),
    (["audit", "--mapping", "absent.yaml"], "cannot read the audit mapping"),
    (["audit", "--cloudformation", str(TEMPLATE), "--terraform-plan", "p.json"], "not allowed with argument"),
    (["audit", "--bogus"], "unrecognized arguments"),
], ids=["no source", "unknown parameter", "malformed parameter", "target with template", "plan not json",
        "missing template", "missing mapping", "two sources", "unknown option"])
def test_bad_input_is_one_line_and_exit_4(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    assert message in _one_line(capsys, argv)


def test_a_required_parameter_without_a_value_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = tmp_path / "t.json"
    template.write_text(json.dumps({"Parameters": {"Name": {"Type": "String"}},
                                    "Resources": {"U": {"Type": "AWS::IAM::User"}}}))
    assert "no value for parameter(s) Name" in _one_line(capsys, ["audit", "--cloudformation", str(template)])


def test_short_form_tags_read_as_intrinsic_functions() -> None:
    _, template = cloudformation.load(TEMPLATE)
    role = template["Resources"]["ListBucketsRole"]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"] == {"Fn::GetAtt": ["Operator", "Arn"]}
    assert role["ManagedPolicyArns"] == [{"Ref": "ListBucketsPolicy"}]
    assert cloudformation.not_deployed(template) == []


def test_what_moto_would_leave_out_is_listed_one_line_each() -> None:
    template = {"Resources": {
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::Length": [1, 2]}}},
        "Group": {"Type": "AWS::IAM::Group"},
        "Admin": {"Type": "AWS::IAM::User", "Properties": {"Groups": ["g"], "UserName": {"Fn::Cidr": ["x", 1, 2]}}},
    }}
    assert cloudformation.not_deployed(template) == [
        "Queue: intrinsic function Fn::Length is not supported",
        "Group: resource type AWS::IAM::Group is not supported",
        "Admin: property Groups of AWS::IAM::User is not supported",
        "Admin: intrinsic function Fn::Cidr is not supported",
    ]


def test_a_plan_value_known_only_after_apply_is_refused_not_guessed() -> None:
    plan = {"format_version": "1.2", "planned_values": {"root_module": {"resources": [
        {"address": "aws_iam_role.r", "mode": "managed", "type": "aws_iam_role", "name": "r",
         "values": {"name": "r"}},
    ]}}, "configuration": {"root_module": {"resources": [
        {"address": "aws_iam_role.r", "expressions": {
            "assume_role_policy": {"references": ["aws_iam_user.u.arn", "aws_iam_user.u"]}}}]}}}
    with pytest.raises(IacError, match=r"^aws_iam_role.r: assume_role_policy is not known until apply \(it is "
                                       r"computed from aws_iam_user.u.arn, aws_iam_user.u\); apply the plan"):
        terraform.apply(None, None, plan, "123456789012", "us-east-1")


def test_the_mapping_is_derived_when_each_kind_is_unique_and_asked_for_otherwise() -> None:
    applied = Applied([Deployed("U", "user", "alice"), Deployed("R", "role", "ops"), Deployed("P", "policy", "arn:p"),
                       Deployed("B", "bucket", "b"), Deployed("P2", "policy", "arn:p2")])
    with pytest.raises(IacError, match=r"2 policy resource\(s\) \(P, P2\) for 's3-list-buckets'"):
        derive_mapping(applied, NEEDED, None, "t")
    derived = derive_mapping(applied, NEEDED, AuditMapping("m", {"s3-list-buckets": "P2"}), "t")
    assert derived == {"iam-test-user": "alice", "s3-list-role": "ops", "s3-list-buckets": "arn:p2",
                       "demo-bucket": "b"}


def test_a_plan_is_applied_in_the_account_it_was_made_for() -> None:
    plan = terraform.load(REPO / "examples" / "terraform" / "compliant-plan.json")
    assert terraform.account_id(plan) == "123456789012"
    assert terraform.account_id({"planned_values": {}}) is None


def test_the_reports_environment_says_what_was_audited_and_what_was_not_deployed() -> None:
    from rolecheck.report.environment import RunFacts, SuiteFacts, TargetFacts, environment_entries

    run = RunFacts(run_id="r1", audit="Terraform plan p.json, deployed into moto",
                   not_deployed=("aws_sqs_queue.q: resource type aws_sqs_queue is not supported",))
    entries = environment_entries(TargetFacts("moto-server", "us-east-1", "123456789012", None),
                                  SuiteFacts("v", "e", "p", {}), {}, run)
    assert entries["Audit (read-only)"] == "Terraform plan p.json, deployed into moto"
    assert entries["Not deployed 1"] == "aws_sqs_queue.q: resource type aws_sqs_queue is not supported"
    assert run.title_suffix == " (audit, read-only)"


def test_a_templates_mapping_may_be_partial_but_not_misspelled(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    mapping_file = tmp_path / "m.yaml"
    mapping_file.write_text("s3-list-buckts: aws_iam_policy.list\n")
    plan = REPO / "examples" / "terraform" / "noncompliant-plan.json"
    line = _one_line(capsys, ["audit", "--terraform-plan", str(plan), "--mapping", str(mapping_file)])
    assert "unknown logical name(s) s3-list-buckts" in line


# --- the project audited is the caller's, not the checkout's -----------------------------------------------------

def test_a_folder_without_feature_files_is_no_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = _one_line(capsys, ["audit", "--cloudformation", str(TEMPLATE), "--project", str(tmp_path)])
    assert line == (f"ERROR: rolecheck: no .feature files in {tmp_path}: run rolecheck in your project's folder "
                    "(or give --project DIR); rolecheck init DIR writes a starter project")


def test_a_path_after_dashes_must_be_under_the_projects_features(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "features").mkdir()
    (tmp_path / "features" / "a.feature").write_text("Feature: a\n")
    line = _one_line(capsys, ["audit", "--cloudformation", str(TEMPLATE), "--project", str(tmp_path), "--",
                              str(REPO / "features" / "walkthrough.feature")])
    assert f"an audit runs the project's feature files (paths under features/ in {tmp_path})" in line


def test_the_project_in_the_current_folder_is_audited_with_its_own_logical_names(tmp_path: Path) -> None:
    # A user's project outside the checkout whose names are not the walkthrough's: the mapping is derived for them,
    # and pytest runs there (its features, not the checkout's).
    import subprocess
    import sys

    from audit_helpers import clean_env, outcomes

    project = tmp_path / "bank"
    (project / "features").mkdir(parents=True)
    names = {"iam-test-user": "auditor", "s3-list-role": "ledger-reader", "s3-list-buckets": "list-ledgers",
             "demo-bucket": "ledgers"}
    for path in (REPO / "features").glob("*.feature"):
        text = path.read_text()
        for old, new in names.items():
            text = text.replace(f'"{old}"', f'"{new}"')
        (project / "features" / path.name).write_text(text)
    result = subprocess.run([sys.executable, "-m", "rolecheck.cli", "audit", "--cloudformation", str(TEMPLATE),
                             "--no-report", "--results", str(tmp_path / "results"), "--", "-q", "-rA",
                             "-p", "no:cacheprovider", "features/walkthrough.feature"],
                            cwd=project, env=clean_env(), capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    seen = outcomes(result.stdout)
    assert seen and set(seen.values()) == {"PASSED"}, seen
    ran = [line for line in result.stdout.splitlines() if line.startswith("PASSED ")]
    assert len(ran) == len(seen) and all(" features/walkthrough.feature::" in line for line in ran), ran



def test_the_project_is_found_from_a_folder_below_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rolecheck.project import locate

    (tmp_path / "features").mkdir()
    (tmp_path / "features" / "a.feature").write_text("Feature: a\n")
    (tmp_path / "terraform" / "modules").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "terraform" / "modules")
    assert locate() == locate(tmp_path) and locate().features == tmp_path.resolve() / "features"
    with pytest.raises(ValueError, match=r"no \.feature files in"):
        locate(tmp_path / "terraform")  # --project names the project's folder itself
