"""CloudFormation as teams write it, read by cfn-lint's decoder: unquoted dates are text, every error names the
template line, the shape of ``cdk synth`` output deploys, and a transform is refused in one line (exit 4).

CloudFormation reads template scalars as strings and a policy's ``Version`` is the string "2012-10-17":
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
Transforms are processed by CloudFormation when the stack is created:
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/transform-section-structure.html
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from audit_helpers import REPO, clean_env, outcomes, rolecheck_audit

from rolecheck.audit import cloudformation
from rolecheck.audit.iac import IacError
from rolecheck.cli import main
from rolecheck.moto_adapter import bootstrap_admin
from rolecheck.targets.moto_server import MotoServer

EXAMPLES = REPO / "examples" / "cloudformation"
CDK = EXAMPLES / "cdk-synth.template.json"
DATES = EXAMPLES / "unquoted-dates.yaml"
ACCOUNT = "123456789012"


def _refused(tmp_path: Path, text: str) -> str:
    template = tmp_path / "template.yaml"
    template.write_text(text)
    with pytest.raises(IacError) as raised:
        cloudformation.load(template)
    return str(raised.value)


def test_unquoted_dates_are_read_as_the_text_cloudformation_reads() -> None:
    text, template = cloudformation.load(DATES)
    assert template["AWSTemplateFormatVersion"] == "2010-09-09"
    policy = template["Resources"]["ListBucketsPolicy"]["Properties"]["PolicyDocument"]
    assert policy["Version"] == "2012-10-17" and isinstance(policy["Version"], str)
    # moto is given the decoded template, never the YAML (its own loader would meet the date again).
    assert json.loads(text)["Resources"]["ListBucketsRole"]["Properties"]["AssumeRolePolicyDocument"]["Version"] == (
        "2012-10-17")


def test_a_quoted_template_reads_as_before() -> None:
    _, template = cloudformation.load(EXAMPLES / "compliant.yaml")
    role = template["Resources"]["ListBucketsRole"]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Version"] == "2012-10-17"
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"] == {"Fn::GetAtt": ["Operator", "Arn"]}


@pytest.mark.parametrize(("text", "expected"), [
    ("Resources:\n  A:\n    Type: AWS::IAM::User\n   B: [\n", "template.yaml:4:"),
    ("Resources:\n  A: {Type: AWS::IAM::User}\n  A: {Type: AWS::S3::Bucket}\n", "template.yaml:2:"),
    ('{"Resources": {"A": {"Type": "AWS::IAM::User"},\n "B": [}}\n', "template.yaml:2:"),
], ids=["yaml indentation", "duplicate logical id", "json syntax"])
def test_a_malformed_template_is_one_line_naming_its_line(tmp_path: Path, text: str, expected: str) -> None:
    message = _refused(tmp_path, text)
    assert expected in message and "not a valid template" in message and "\n" not in message


@pytest.mark.parametrize(("transform", "names"), [
    ("Transform: AWS::Serverless-2016-10-31", "AWS::Serverless-2016-10-31"),
    ("Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]",
     "AWS::LanguageExtensions, AWS::Serverless-2016-10-31"),
    ("Transform:\n  - Name: AWS::Include\n    Parameters: {Location: s3://b/k}", "AWS::Include"),
], ids=["sam", "list", "include"])
def test_a_transform_is_refused_with_its_line(tmp_path: Path, transform: str, names: str) -> None:
    message = _refused(tmp_path, f"AWSTemplateFormatVersion: 2010-09-09\n{transform}\n"
                                 "Resources:\n  U: {Type: AWS::IAM::User}\n")
    assert f"template.yaml:2: Transform {names} is not supported" in message


def test_the_sam_example_is_one_line_and_exit_4_before_anything_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--cloudformation", str(EXAMPLES / "sam-transform.yaml")]) == 4
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ERROR: rolecheck: ") and captured.out == "", captured
    assert "sam-transform.yaml:2: Transform AWS::Serverless-2016-10-31 is not supported" in lines[0]


_ROLE = """    Type: AWS::IAM::Role
    Properties:
      RoleName: {name}
      AssumeRolePolicyDocument: {{Version: "2012-10-17", Statement: []}}
"""


@pytest.mark.parametrize(("text", "line", "says"), [
    ("Resources:\n  A:\n" + _ROLE.format(name="!Ref B") + "  B:\n" + _ROLE.format(name="!Ref A"), 2,
     "Circular Dependencies for resource A"),
    ("Resources:\n  A:\n    Properties: {}\n", 2, "'Type' is a required property"),
    ("Resources:\n  A:\n    Type: AWS::IAM::User\n    Properties: 7\n", 4, "7 is not of type object"),
    ("Resources:\n  A: 5\n", 1, ""),
    ("Resources:\n  A:\n    Type: AWS::IAM::User\n    Properties:\n      UserName: !Foo bar\n", 5, "Fn::Foo"),
], ids=["a cycle", "a resource without Type", "properties that are not an object", "a resource that is a number",
        "an unknown short-form tag"])
def test_a_template_cloudformation_would_not_deploy_is_one_line_with_its_line_and_exit_4(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, line: int, says: str) -> None:
    """Each of these reached moto, which answered with a traceback, a 500 or an internal error; cfn-lint's
    structural rules refuse them before anything is deployed."""
    template = tmp_path / "template.yaml"
    template.write_text(text)
    assert main(["audit", "--cloudformation", str(template)]) == 4
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ERROR: rolecheck: ") and captured.out == "", captured
    assert f"template.yaml:{line}: CloudFormation would not deploy this template: " in lines[0]
    assert says in lines[0]


def test_every_shipped_template_passes_the_structural_check() -> None:
    """The check refuses only what CloudFormation refuses: no template the suite ships (cdk synth output, unquoted
    dates, the contracts) is caught by it."""
    shipped = [path for path in (REPO / "examples").rglob("*") if path.suffix in (".yaml", ".json")
               and "cloudformation" in path.parts and path.name != "sam-transform.yaml"]
    assert len(shipped) >= 10
    for path in shipped:
        cloudformation._check_structure(path.read_text(encoding="utf-8"), str(path))


def test_a_missing_parameter_names_the_line_it_is_declared_on(tmp_path: Path) -> None:
    template = tmp_path / "t.yaml"
    template.write_text("Parameters:\n  Other: {Type: String, Default: x}\n  Name:\n    Type: String\n"
                        "Resources:\n  U: {Type: AWS::IAM::User}\n")
    _, decoded = cloudformation.load(template)
    with pytest.raises(IacError, match=r"t.yaml:3: no value for parameter\(s\) Name"):
        cloudformation.check_parameters(decoded, {}, str(template))


def test_a_parameter_read_from_parameter_store_is_refused_unless_it_is_the_cdk_bootstrap_version(
        tmp_path: Path) -> None:
    template = tmp_path / "t.yaml"
    template.write_text("Parameters:\n  Ami:\n    Type: AWS::SSM::Parameter::Value<String>\n"
                        "    Default: /team/base-ami\nResources:\n  U: {Type: AWS::IAM::User}\n")
    _, decoded = cloudformation.load(template)
    with pytest.raises(IacError, match=r"t.yaml:2: parameter Ami is read from SSM Parameter Store \(/team/base-ami\)"):
        cloudformation.check_parameters(decoded, {}, str(template))
    _, cdk = cloudformation.load(CDK)
    cloudformation.check_parameters(cdk, {}, str(CDK))


def test_the_cdk_shape_is_inert_where_it_grants_nothing() -> None:
    _, template = cloudformation.load(CDK)
    assert cloudformation.not_deployed(template) == []


def test_what_moto_leaves_out_names_its_template_line(tmp_path: Path) -> None:
    template = tmp_path / "t.yaml"
    template.write_text("Resources:\n  U: {Type: AWS::IAM::User}\n  G:\n    Type: AWS::IAM::Group\n")
    _, decoded = cloudformation.load(template)
    assert cloudformation.not_deployed(decoded) == ["G (line 3): resource type AWS::IAM::Group is not supported"]


@pytest.fixture(scope="module")
def clients(server: MotoServer) -> dict[str, Any]:
    key_id, secret = bootstrap_admin(ACCOUNT, "cfn-decode-tests-admin")
    session = boto3.Session(aws_access_key_id=key_id, aws_secret_access_key=secret, region_name="us-east-1")
    return {name: session.client(name, endpoint_url=server.url) for name in ("cloudformation", "iam", "s3", "ssm")}


def test_the_cdk_synth_example_deploys_with_its_bootstrap_version(clients: dict[str, Any]) -> None:
    text, template = cloudformation.load(CDK)
    applied = cloudformation.deploy(clients["cloudformation"], clients["iam"], clients["s3"], text, template, {},
                                    "cdk-shape", ACCOUNT, "us-east-1")
    kinds = {d.source_id: d.kind for d in applied.resources}
    assert {"Operator4F9AB2C6": "user", "ListBucketsRole3B8E5F21": "role", "ListBucketsPolicy7D2C1E0A": "policy",
            "Reports5C0D8A94": "bucket"}.items() <= kinds.items()
    role = clients["iam"].list_attached_role_policies(RoleName="ops-list")["AttachedPolicies"]
    assert [p["PolicyName"] for p in role] == ["list-buckets"]
    # The Rules refuse bootstrap versions 1 to 5: the audit's account is bootstrapped at 6.
    version = clients["ssm"].get_parameter(Name="/cdk-bootstrap/hnb659fds/version")["Parameter"]["Value"]
    assert version == "6"


@pytest.mark.parametrize("example", [CDK, DATES], ids=["cdk-synth", "unquoted-dates"])
def test_the_example_audits_compliant(tmp_path: Path, example: Path) -> None:
    result = rolecheck_audit("--cloudformation", str(example), env=clean_env(), results=tmp_path / "results")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    seen = outcomes(result.stdout)
    assert set(seen.values()) == {"PASSED"} and len(seen) >= 30, seen
    assert "not deployed" not in result.stderr and "Traceback" not in result.stderr


def test_an_audit_writes_in_a_folder_of_its_input_never_the_suites(tmp_path: Path) -> None:
    from rolecheck.audit.command import audit_folder

    compliant, other = audit_folder(EXAMPLES / "compliant.yaml"), audit_folder(EXAMPLES / "noncompliant.yaml")
    assert compliant.parts[:2] == ("reports", "audit") and compliant.name.startswith("compliant-")
    assert compliant != other and compliant == audit_folder(EXAMPLES / "compliant.yaml")
    edited = tmp_path / "compliant.yaml"
    edited.write_text(Path(EXAMPLES / "compliant.yaml").read_text() + "\n# edited\n")
    assert audit_folder(edited) != compliant, "another content is another input"


def test_a_roles_inline_policy_from_a_template_reads_back_account_wide(clients: dict[str, Any],
                                                                        tmp_path: Path) -> None:
    # Left as moto stores it, GetAccountAuthorizationDetails (the snapshot's read) failed with a 500.
    template = tmp_path / "t.yaml"
    template.write_text(
        "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: inline-holder\n"
        "      AssumeRolePolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n"
        "          - {Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}\n"
        "      Policies:\n        - PolicyName: list\n          PolicyDocument:\n"
        "            Version: '2012-10-17'\n"
        "            Statement: [{Effect: Allow, Action: s3:ListAllMyBuckets, Resource: '*'}]\n")
    text, decoded = cloudformation.load(template)
    cloudformation.deploy(clients["cloudformation"], clients["iam"], clients["s3"], text, decoded, {}, "inline",
                          ACCOUNT, "us-east-1")
    details = clients["iam"].get_account_authorization_details(Filter=["Role"])["RoleDetailList"]
    [role] = [r for r in details if r["RoleName"] == "inline-holder"]
    assert [p["PolicyName"] for p in role["RolePolicyList"]] == ["list"]
    assert role["RolePolicyList"][0]["PolicyDocument"]["Statement"][0]["Action"] == "s3:ListAllMyBuckets"
