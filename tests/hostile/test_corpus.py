"""A hostile and careless input corpus: every input is one ``ERROR: rolecheck:`` line and exit status 4 (or is
honoured), writes nothing and prints no secret.

Run in process (``rolecheck.cli.main``), against a moto server that records every request: the suite's own pytest
must never be reached for a refused input (``subprocess.run`` is replaced by a failure). The classes are those of
issue 22: audit bypasses, encodings, duplicate keys, ARNs and partitions, sizes, unknown fields, dropped attributes,
errored plans, NaN/Infinity, endpoint URLs, feature files, YAML bombs, look-alike Unicode and placeholders.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rolecheck import cli
from rolecheck.audit import command
from rolecheck.errors import FeatureFileError, PolicyDocumentError
from rolecheck.plugin.collection import check_feature_text
from rolecheck.policydoc import documents
from rolecheck.targets.moto_server import MotoServer

REPO = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"
SECRET = "Planted-Hostile-Secret-9f3a"
GOOD = {"iam-test-user": "alice", "s3-list-role": f"arn:aws:iam::{ACCOUNT}:role/ops-list",
        "s3-list-buckets": "list-buckets", "demo-bucket": "ops-reports"}


def _yaml(entries: dict[str, str]) -> str:
    return "".join(f"{key}: {json.dumps(value)}\n" for key, value in entries.items())


# Mapping files: (case id, file name, bytes, a word of the refusal).
MAPPINGS: list[tuple[str, str, bytes, str]] = [
    ("empty-file", "m.yaml", b"", "expected a mapping"),
    ("a-list", "m.yaml", b"- alice\n", "expected a mapping"),
    ("a-scalar", "m.yaml", b"alice\n", "expected a mapping"),
    ("bad-yaml", "m.yaml", b"iam-test-user: [\n", "not valid YAML"),
    ("bad-json", "m.json", b"{\"iam-test-user\": ", "not valid JSON"),
    ("utf-16", "m.yaml", _yaml(GOOD).encode("utf-16"), "not UTF-8 text"),
    ("latin-1", "m.yaml", _yaml(GOOD).encode().replace(b"alice", b"al\xefce"), "not UTF-8 text"),
    ("nul-byte", "m.yaml", b"iam-test-user: a\x00lice\n", "not valid YAML"),
    ("duplicate-yaml", "m.yaml", (_yaml(GOOD) + "iam-test-user: mallory\n").encode(), "duplicate key"),
    ("duplicate-json", "m.json", b'{"iam-test-user": "a", "iam-test-user": "b"}', "duplicate key"),
    ("nan-json", "m.json", b'{"iam-test-user": NaN}', "is not JSON"),
    ("infinity-json", "m.json", b'{"iam-test-user": Infinity}', "is not JSON"),
    ("number-value", "m.yaml", _yaml(GOOD).replace('"alice"', "12").encode(), "every entry must map"),
    ("null-value", "m.yaml", _yaml(GOOD).replace('"alice"', "null").encode(), "every entry must map"),
    ("blank-value", "m.yaml", _yaml({**GOOD, "iam-test-user": "  "}).encode(), "every entry must map"),
    ("list-value", "m.yaml", _yaml(GOOD).replace('"alice"', "[a, b]").encode(), "every entry must map"),
    ("number-key", "m.yaml", (_yaml(GOOD) + "12: x\n").encode(), "every entry must map"),
    ("unknown-name", "m.yaml", _yaml({**GOOD, "chained": "x"}).encode(), "unknown logical name"),
    ("look-alike-name", "m.yaml", _yaml({**GOOD, "iam-test-us\u0435r": "alice"}).encode(), "unknown logical name"),
    ("missing-name", "m.yaml", _yaml({k: v for k, v in GOOD.items() if k != "demo-bucket"}).encode(), "no entry"),
    ("yaml-bomb", "m.yaml", b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
                            b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\niam-test-user: *c\n", "every entry must map"),
    ("python-tag", "m.yaml", b"iam-test-user: !!python/object/apply:os.system ['true']\n", "not valid YAML"),
    ("foreign-partition", "m.yaml", _yaml({**GOOD, "s3-list-role": f"arn:aws-evil:iam::{ACCOUNT}:role/x"}).encode(),
     "partition 'aws-evil'"),
    ("other-account", "m.yaml", _yaml({**GOOD, "s3-list-role": "arn:aws:iam::111122223333:role/ops-list"}).encode(),
     "is in account 111122223333"),
    ("other-real-partition", "m.yaml",
     _yaml({**GOOD, "s3-list-role": f"arn:aws-cn:iam::{ACCOUNT}:role/ops-list"}).encode(), "partition aws-cn"),
    ("object-arn", "m.yaml", _yaml({**GOOD, "demo-bucket": "arn:aws:s3:::ops-reports/key"}).encode(),
     "expected a bucket"),
    ("bucket-as-role", "m.yaml", _yaml({**GOOD, "s3-list-role": "arn:aws:s3:::ops-reports"}).encode(),
     "expected an IAM role ARN"),
    ("user-as-role", "m.yaml", _yaml({**GOOD, "s3-list-role": f"arn:aws:iam::{ACCOUNT}:user/alice"}).encode(),
     "expected an IAM role ARN"),
    ("empty-role-name", "m.yaml", _yaml({**GOOD, "s3-list-role": f"arn:aws:iam::{ACCOUNT}:role/"}).encode(),
     "empty name or path segment"),
    ("empty-path-segment", "m.yaml", _yaml({**GOOD, "s3-list-role": f"arn:aws:iam::{ACCOUNT}:role//x"}).encode(),
     "empty name or path segment"),
    ("short-account", "m.yaml", _yaml({**GOOD, "s3-list-role": "arn:aws:iam::1234:role/x"}).encode(),
     "12-digit account"),
    ("iam-region", "m.yaml", _yaml({**GOOD, "s3-list-role": f"arn:aws:iam:us-east-1:{ACCOUNT}:role/x"}).encode(),
     "no region"),
    ("ec2-arn", "m.yaml", _yaml({**GOOD, "iam-test-user": f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i"}).encode(),
     "not an IAM or S3 ARN"),
    ("path-as-name", "m.yaml", _yaml({**GOOD, "iam-test-user": "ops/alice"}).encode(), "neither a name nor an ARN"),
    ("secret-in-a-value", "m.yaml", (_yaml(GOOD) + f"extra: {SECRET}\n").encode(), "unknown logical name"),
]

# Options of ``rolecheck audit`` (after the mapping) and of ``rolecheck sweep``: (id, argv, a word of the refusal).
ARGVS: list[tuple[str, list[str], str]] = [
    (f"after-dashes{n}", ["--", *bypass.split()], "cannot follow --") for n, bypass in enumerate([
        "--audit-mapping=", "--audit-mapping=x.yaml", "-p no:rolecheck.plugin.audit", "-pno:x", "-p x",
        "-o addopts=", "-c /dev/null", "--noconftest", "--rootdir=/", "--confcutdir=/", "--target=moto",
        "--endpoint-url=http://x", "--allow-account=1", "--mutant=m", "--resume", "--alluredir=/tmp",
        "--audit-user-profile=p", "--aws-conditions=default", "-W error", "--import-mode=append", "-vo x=y",
        "--basetemp=/", "--", "--override-ini=x=y", "--pdb", "--trace", "--capture=no -p y", "-kx -p y",
    ])
] + [
    ("path-outside-features", ["--", "tests"], "paths under features/"),
    ("path-climbing", ["--", "features/../tests"], "paths under features/"),
    ("dangling-value", ["--", "-k"], "needs a value"),
    ("dangling-long-value", ["--", "--tb"], "needs a value"),
    ("unknown-audit-option", ["--bogus"], "unrecognized arguments"),
    ("parameter-without-template", ["--parameter", "K=V"], "--parameter is for --cloudformation"),
]
SWEEPS: list[tuple[str, list[str], str]] = [
    ("no-scope", ["sweep", "--target", "aws"], "--run-id"),
    ("bad-run-id", ["sweep", "--run-id", "Bad-Id"], "invalid run id"),
    ("long-run-id", ["sweep", "--run-id", "a" * 17], "invalid run id"),
    ("unicode-run-id", ["sweep", "--run-id", "r\u0455n"], "invalid run id"),
    ("own-backend", ["sweep", "--target", "moto", "--all-runs"], "nothing to sweep"),
    ("unknown-target", ["sweep", "--target", "azure", "--all-runs"], "unknown target"),
    ("endpoint-no-scheme", ["sweep", "--target", "moto-server", "--endpoint-url", "localhost:5000", "--all-runs"],
     "not an endpoint URL"),
    ("endpoint-ftp", ["sweep", "--target", "moto-server", "--endpoint-url", "ftp://h:1", "--all-runs"],
     "not an endpoint URL"),
    ("endpoint-port-range", ["sweep", "--target", "moto-server", "--endpoint-url", "http://h:99999", "--all-runs"],
     "not an endpoint URL"),
    ("endpoint-no-host", ["sweep", "--target", "moto-server", "--endpoint-url", "http://:80", "--all-runs"],
     "not an endpoint URL"),
    ("endpoint-on-aws", ["sweep", "--target", "aws", "--endpoint-url", "http://h:1", "--all-runs"],
     "--endpoint-url is for --target moto-server"),
    ("unknown-region", ["sweep", "--target", "aws", "--region", "us-mars-1", "--all-runs"], "region"),
    ("extra-argument", ["sweep", "--all-runs", "--bogus"], "unrecognized arguments"),
]

_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                             "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}]})


def _plan(*resources: tuple[str, dict[str, Any]], **flags: Any) -> dict[str, Any]:
    planned = [{"address": f"{kind}.r{n}", "mode": "managed", "type": kind, "name": f"r{n}", "values": values}
               for n, (kind, values) in enumerate(resources)]
    return {"format_version": "1.2", "planned_values": {"root_module": {"resources": planned}},
            "configuration": {"root_module": {"resources": []}}, **flags}


def _big(statements: int) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::b-{n:05d}/*"}
        for n in range(statements)]})


# Terraform plans: (id, the plan's text, a word of the refusal).
PLANS: list[tuple[str, str, str]] = [
    ("not-json", "plan", "not valid JSON"),
    ("a-list", "[]", "not a Terraform plan"),
    ("no-planned-values", '{"format_version": "1.2"}', "not a Terraform plan"),
    ("duplicate-key", '{"format_version": "1.2", "format_version": "1.1", "planned_values": {}}', "duplicate key"),
    ("nan", '{"format_version": "1.2", "planned_values": {}, "x": NaN}', "is not JSON"),
    ("errored", json.dumps(_plan(errored=True)), "errored=true"),
    ("not-applyable", json.dumps(_plan(applyable=False)), "applyable=false"),
    ("incomplete", json.dumps(_plan(complete=False)), "complete=false"),
    ("unknown-role-attribute", json.dumps(_plan(("aws_iam_role", {"name": "r", "assume_role_policy": _TRUST,
                                                                  "role_last_used": [{"region": "x"}]}))),
     "role_last_used cannot be applied"),
    ("unknown-user-attribute", json.dumps(_plan(("aws_iam_user", {"name": "u", "groups": ["admins"]}))),
     "groups cannot be applied"),
    ("half-inline-policy", json.dumps(_plan(("aws_iam_role", {"name": "r", "assume_role_policy": _TRUST,
                                                              "inline_policy": [{"name": "p", "policy": ""}]}))),
     "needs both a name and a policy"),
    ("duplicate-in-trust", json.dumps(_plan(("aws_iam_role", {"name": "r", "assume_role_policy":
                                                              '{"Statement": [], "Statement": []}'}))),
     "duplicate key 'Statement'"),
    ("managed-too-big", json.dumps(_plan(("aws_iam_policy", {"name": "p", "policy": _big(90)}))),
     "Cannot exceed quota for PolicySize: 6144"),
    ("trust-too-big", json.dumps(_plan(("aws_iam_role", {"name": "r", "assume_role_policy": _big(30)}))),
     "Cannot exceed quota for ACLSizePerRole: 2048"),
    ("inline-role-too-big", json.dumps(_plan(
        ("aws_iam_role", {"name": "r", "assume_role_policy": _TRUST}),
        *[("aws_iam_role_policy", {"name": f"p{n}", "role": "r", "policy": _big(40)}) for n in range(5)])),
     "Maximum policy size of 10240 bytes exceeded for role r"),
    ("policy-look-alike", json.dumps(_plan(("aws_iam_policy", {"name": "p", "policy": _big(1).replace(
        "GetObject", "Get\u041ebject")}))), "MalformedPolicyDocument"),
    ("policy-emoji", json.dumps(_plan(("aws_iam_policy", {"name": "p", "policy": _big(1).replace(
        "b-00000", "b-\U0001f600")}))), "MalformedPolicyDocument"),
    ("bucket-policy-too-big", json.dumps(_plan(("aws_s3_bucket_policy", {"bucket": "b", "policy": _big(300)}))),
     "Bucket policies are limited to 20 KB in size"),
    ("trust-not-a-document", json.dumps(_plan(("aws_iam_role", {"name": "r", "assume_role_policy": '"alice"'}))),
     "CreateRole: MalformedPolicyDocument"),
]



def _marked(kind: str, values: dict[str, Any], *, sensitive: dict | None = None, unknown: dict | None = None,
            expressions: dict | None = None) -> str:
    """A plan of one resource ``kind.r0`` with its sensitive_values, after_unknown and configured expressions."""
    plan = _plan((kind, values))
    plan["planned_values"]["root_module"]["resources"][0]["sensitive_values"] = sensitive or {}
    plan["resource_changes"] = [{"address": f"{kind}.r0", "change": {"after_unknown": unknown or {}}}]
    plan["configuration"]["root_module"]["resources"] = [{"address": f"{kind}.r0", "expressions": expressions or {}}]
    return json.dumps(plan)


_FROM_USER = {"references": ["aws_iam_user.u.arn", "aws_iam_user.u"]}
_ROLE = {"name": "r", "assume_role_policy": _TRUST}
PLANS += [
    (f"sensitive-{attribute}", _marked(kind, values | {attribute: value}, sensitive={attribute: mark}),
     "is marked sensitive")
    for attribute, kind, values, value, mark in [
        ("tags", "aws_iam_role", _ROLE, {"team": SECRET}, {"team": True}),
        ("name", "aws_iam_role", {"assume_role_policy": _TRUST}, SECRET, True),
        ("assume_role_policy", "aws_iam_role", {"name": "r"}, _TRUST + " " + SECRET, True),
        ("path", "aws_iam_user", {"name": "u"}, f"/{SECRET}/", True),
        ("policy", "aws_iam_policy", {"name": "p"}, _big(1), True),
        ("bucket", "aws_s3_bucket", {}, SECRET.lower(), True),
        ("user", "aws_iam_user_policy_attachment", {"policy_arn": "arn:aws:iam::aws:policy/x"}, SECRET, True),
        ("inline_policy", "aws_iam_role", _ROLE, [{"name": "p", "policy": _big(1) + SECRET}],
         [{"policy": True}]),
    ]
] + [
    (f"unknown-{attribute}", _marked(kind, values, unknown={attribute: True},
                                     expressions={attribute: _FROM_USER}), "is known only after apply")
    for attribute, kind, values in [
        ("assume_role_policy", "aws_iam_role", {"name": "r"}),
        ("tags", "aws_iam_role", _ROLE),
        ("inline_policy", "aws_iam_role", _ROLE),
        ("managed_policy_arns", "aws_iam_role", _ROLE),
        ("permissions_boundary", "aws_iam_role", _ROLE),
        ("policy", "aws_iam_policy", {"name": "p"}),
        ("policy", "aws_s3_bucket_policy", {"bucket": "b"}),
        ("policy", "aws_iam_role_policy", {"name": "p", "role": "r"}),
        ("tags", "aws_iam_user", {"name": "u"}),
    ]
] + [
    ("reference-to-two-resources", _marked("aws_iam_user_policy_attachment",
                                           {"policy_arn": "arn:aws:iam::aws:policy/x"},
                                           expressions={"user": {"references": [
                                               "aws_iam_user.a.name", "aws_iam_user.a", "aws_iam_user.b.name",
                                               "aws_iam_user.b"]}}), "user is not known until apply"),
    ("reference-outside-the-plan", _marked("aws_iam_user_policy_attachment",
                                           {"policy_arn": "arn:aws:iam::aws:policy/x"},
                                           expressions={"user": {"references": ["var.user_name"]}}),
     "user is not known until apply"),
]

# Policy documents as a feature file or a plan carries them: (id, text, a word of the refusal).
POLICIES: list[tuple[str, str, str]] = [
    ("deny-then-allow", '{"Statement": [{"Effect": "Deny", "Effect": "Allow"}]}', "duplicate key 'Effect'"),
    ("two-statements", '{"Statement": [], "Statement": [{"Effect": "Allow"}]}', "duplicate key 'Statement'"),
    ("nested-duplicate", '{"Statement": [{"Condition": {"Bool": {"a": "1", "a": "2"}}}]}', "duplicate key 'a'"),
    ("nan", '{"Statement": [], "Version": NaN}', "is not JSON"),
    ("minus-infinity", '{"Statement": [], "Version": -Infinity}', "is not JSON"),
    ("truncated", '{"Statement": [', "invalid JSON"),
    ("a-list", "[]", "must be a JSON object with a Statement"),
    ("no-statement", '{"Version": "2012-10-17"}', "must be a JSON object with a Statement"),
]

# Feature files: (id, text, a word of the refusal).
FEATURES: list[tuple[str, str, str]] = [
    ("empty", "", "no Feature: line"),
    ("only-comments", "# a comment\n", "no Feature: line"),
    ("no-scenario", "Feature: x\n  words\n", "no scenario"),
    ("background-only", "Feature: x\n  Background:\n    Given an IAM user \"u\"\n", "no scenario"),
    ("given-before-scenario", "Feature: x\n  Given an IAM user \"u\"\n  Scenario: s\n    Then y\n",
     "outside any scenario"),
    ("then-before-scenario", "Feature: x\n  Then the role can perform \"s3:*\"\n  Scenario: s\n    Given y\n",
     "outside any scenario"),
    ("star-step-outside", "Feature: x\n  * a step\n  Scenario: s\n    Given y\n", "outside any scenario"),
]


@pytest.fixture(scope="module")
def audited(server: MotoServer) -> MotoServer:
    return server


@pytest.fixture(autouse=True)
def no_suite_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """A refused input never reaches the suite's own pytest."""
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"the suite was started: {args}")
    monkeypatch.setattr(command.subprocess, "run", refuse)
    monkeypatch.delenv("ROLECHECK_RUN_ID", raising=False)


def _refused(capsys: pytest.CaptureFixture[str], argv: list[str], word: str) -> None:
    try:
        status = cli.main(argv)
    except SystemExit as exc:  # argparse's own errors
        status = exc.code
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert status == 4, (status, out, err)
    assert len(lines) == 1 and lines[0].startswith("ERROR: rolecheck: "), lines
    assert word in lines[0], lines[0]
    assert SECRET not in out + err


def _audit_argv(server: MotoServer, path: Path) -> list[str]:
    return ["audit", "--mapping", str(path), "--target", "moto-server", "--endpoint-url", server.url,
            "--allow-account", ACCOUNT, "--no-report"]


@pytest.mark.parametrize(("name", "data", "word"), [case[1:] for case in MAPPINGS], ids=[c[0] for c in MAPPINGS])
def test_a_hostile_mapping_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path, audited: MotoServer,
                                       name: str, data: bytes, word: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    before = len(audited.operations)
    argv = _audit_argv(audited, path)
    if word in ("is in account 111122223333", "partition aws-cn"):
        # Checked against the audited account, when the session starts: the suite's pytest (in process here).
        from rolecheck.audit import mapping
        from rolecheck.aws.clients import AccessKey, Actor, ClientFactory
        from rolecheck.aws.secrets import Secret
        from rolecheck.moto_adapter import bootstrap_admin

        key_id, secret = bootstrap_admin(ACCOUNT, "hostile-corpus-admin")
        admin = Actor("a", ClientFactory("us-east-1", audited.url, read_only=True)).sign_in(
            AccessKey(key_id, Secret(secret)))
        before = len(audited.operations)
        with pytest.raises(mapping.MappingError, match=word):
            mapping.check_exists(mapping.load(path), mapping.feature_resources(REPO / "features"),
                                 admin.client("iam"), admin.client("s3"), ACCOUNT)
    else:
        _refused(capsys, argv, word)
    assert audited.writes()[before:] == [] and audited.operations[before:] == []


@pytest.mark.parametrize(("extra", "word"), [case[1:] for case in ARGVS], ids=[c[0] for c in ARGVS])
def test_a_hostile_audit_option_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                            audited: MotoServer, extra: list[str], word: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(_yaml(GOOD))
    before = len(audited.operations)
    argv = _audit_argv(audited, path)
    if "--parameter" in extra or "--bogus" in extra:
        argv = argv[:-1] + extra + argv[-1:]
    else:
        argv += extra
    _refused(capsys, argv, word)
    assert audited.operations[before:] == []


@pytest.mark.parametrize(("argv", "word"), [case[1:] for case in SWEEPS], ids=[c[0] for c in SWEEPS])
def test_a_hostile_sweep_option_is_one_line(capsys: pytest.CaptureFixture[str], audited: MotoServer,
                                            argv: list[str], word: str) -> None:
    before = len(audited.operations)
    _refused(capsys, argv, word)
    assert audited.operations[before:] == []


_USER = "    Type: AWS::IAM::User\n    Properties:\n"
# CloudFormation templates: (case id, bytes, a word of the refusal).
TEMPLATES: list[tuple[str, bytes, str]] = [
    ("empty", b"", "not a CloudFormation template"),
    ("no-resources", b"AWSTemplateFormatVersion: '2010-09-09'\n", "not a CloudFormation template"),
    ("resources-a-list", b"Resources:\n  - A\n", "not a CloudFormation template"),
    ("bad-yaml", b"Resources:\n  A: [\n", "not a valid template"),
    ("duplicate-resource", b"Resources:\n  A:\n" + _USER.encode() + b"      UserName: a\n  A:\n" + _USER.encode()
     + b"      UserName: b\n", "not a valid template"),
    ("latin-1", b"Resources:\n  A:\n" + _USER.encode() + b"      UserName: al\xefce\n", "not UTF-8 text"),
    ("sam-transform", b"Transform: AWS::Serverless-2016-10-31\nResources:\n  A:\n" + _USER.encode()
     + b"      UserName: a\n", "Transform"),
    ("transform-list", b"Transform: [AWS::LanguageExtensions]\nResources:\n  A:\n" + _USER.encode()
     + b"      UserName: a\n", "Transform"),
    ("cycle", b"Resources:\n  A:\n" + _USER.encode() + b"      UserName: !Ref B\n  B:\n" + _USER.encode()
     + b"      UserName: !Ref A\n", "Circular"),
    ("no-type", b"Resources:\n  A:\n    Properties: {}\n", "Type"),
    ("properties-a-number", b"Resources:\n  A:\n    Type: AWS::IAM::User\n    Properties: 7\n", "not of type"),
    ("resource-a-number", b"Resources:\n  A: 5\n", "would not deploy"),
    ("unknown-tag", b"Resources:\n  A:\n" + _USER.encode() + b"      UserName: !Foo bar\n", "Fn::Foo"),
    ("policy-not-an-object", b"Resources:\n  A:\n" + _USER.encode() + b"      Policies: 7\n", "not of type"),
    # an ABAC trust may admit any principal tagged team=platform: a user's tags dropped would be a false pass
    ("user-tags-dropped", b"Resources:\n  A:\n" + _USER.encode() + b"      UserName: a\n      Tags:\n"
     b"        - {Key: team, Value: platform}\n", "Tags would not be deployed"),
]


@pytest.mark.parametrize(("text", "word"), [case[1:] for case in TEMPLATES], ids=[c[0] for c in TEMPLATES])
def test_a_hostile_template_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path, audited: MotoServer,
                                        text: bytes, word: str) -> None:
    path = tmp_path / "template.yaml"
    path.write_bytes(text)
    before = len(audited.operations)
    _refused(capsys, ["audit", "--cloudformation", str(path), "--no-report"], word)
    assert audited.operations[before:] == [], "a refused template reaches no server"


@pytest.mark.parametrize(("text", "word"), [case[1:] for case in PLANS], ids=[c[0] for c in PLANS])
def test_a_hostile_plan_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path, audited: MotoServer,
                                    text: str, word: str) -> None:
    path = tmp_path / "plan.json"
    path.write_text(text)
    # One process runs every case here, and moto's backend outlives each command's own server: the deployer's
    # earlier keys would reach IAM's quota of two (a real run is a process of its own).
    from moto.iam.models import iam_backends

    backend = iam_backends[ACCOUNT]["aws"]
    if "rolecheck-iac-deployer" in backend.users:
        for key in list(backend.users["rolecheck-iac-deployer"].access_keys):
            backend.delete_access_key(key.access_key_id, "rolecheck-iac-deployer")
    before = len(audited.operations)
    _refused(capsys, ["audit", "--terraform-plan", str(path), "--no-report"], word)
    assert audited.operations[before:] == [], "a plan is applied into a moto server of the command's own"


@pytest.mark.parametrize(("text", "word"), [case[1:] for case in POLICIES], ids=[c[0] for c in POLICIES])
def test_a_hostile_policy_document_is_one_line(text: str, word: str) -> None:
    with pytest.raises(PolicyDocumentError, match=word) as refused:
        documents.parse(text, name="reviewed document")
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(("text", "word"), [case[1:] for case in FEATURES], ids=[c[0] for c in FEATURES])
def test_a_hostile_feature_file_is_one_line(text: str, word: str) -> None:
    with pytest.raises(FeatureFileError, match=word) as refused:
        check_feature_text(text, "hostile.feature")
    assert "\n" not in str(refused.value)


def test_the_walkthroughs_feature_files_are_honoured() -> None:
    for path in sorted((REPO / "features").glob("*.feature")):
        check_feature_text(path.read_text(encoding="utf-8"), path.name)


def test_the_corpus_covers_every_class_many_times() -> None:
    sizes = {"mappings": len(MAPPINGS), "options": len(ARGVS) + len(SWEEPS), "plans": len(PLANS),
             "templates": len(TEMPLATES), "policies": len(POLICIES), "features": len(FEATURES)}
    assert sum(sizes.values()) >= 100 and min(sizes.values()) >= 7, sizes


def _one_line_status(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str]:
    status = cli.main(argv)
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ERROR: rolecheck: "), (out, err)
    assert "Traceback" not in out + err and SECRET not in out + err
    return status, lines[0]


@pytest.mark.parametrize("source", [["--terraform-plan", str(REPO / "examples" / "terraform" / "compliant-plan.json")],
                                    ["--cloudformation", str(REPO / "examples" / "cloudformation" / "compliant.yaml"),
                                     "--parameter", "OperatorName=carol"]], ids=["terraform", "cloudformation"])
def test_a_read_only_shell_auditing_a_template_is_one_line(capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch, source: list[str]) -> None:
    """ROLECHECK_READ_ONLY=1 exported in a user's shell reaches the command itself, whose deployer must write into
    its own moto server: one line and exit 4, not the deployer's WriteRefused traceback."""
    monkeypatch.setattr("rolecheck.aws.clients._READ_ONLY_PROCESS", True)
    status, line = _one_line_status(capsys, ["audit", *source, "--no-report"])
    assert status == 4 and "ROLECHECK_READ_ONLY=1 is set" in line and "unset ROLECHECK_READ_ONLY" in line


@pytest.mark.parametrize("failure", [RuntimeError("boom"), KeyError("planned_values"), RecursionError()],
                         ids=["runtime", "key", "recursion"])
def test_an_unexpected_failure_while_reading_input_is_one_line_and_exit_3(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        failure: Exception) -> None:
    """rolecheck's own bug is not the input's fault: one line, but exit 3 (no verdict), never 4, so the corpus
    cannot pass by swallowing a bug; ROLECHECK_DEBUG=1 shows the traceback."""
    def fail(*_: Any) -> Any:
        raise failure
    monkeypatch.setattr("rolecheck.audit.terraform.load", fail)
    argv = ["audit", "--terraform-plan", str(REPO / "examples" / "terraform" / "compliant-plan.json"), "--no-report"]
    status, line = _one_line_status(capsys, argv)
    assert status == 3 and line.startswith(f"ERROR: rolecheck: internal error ({type(failure).__name__}") and \
        line.endswith("no verdict was reached; ROLECHECK_DEBUG=1 shows the traceback")
    monkeypatch.setenv("ROLECHECK_DEBUG", "1")
    with pytest.raises(type(failure)):
        cli.main(argv)


def test_a_sweep_that_cannot_list_exits_3(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                          audited: MotoServer) -> None:
    """Leftovers that cannot be listed are neither a verdict (1) nor bad input (4): nothing was deleted, exit 3."""
    from botocore.exceptions import ClientError

    from rolecheck.moto_adapter import bootstrap_admin

    key_id, secret = bootstrap_admin(ACCOUNT, "corpus-sweeper")
    for name, value in (("AWS_ACCESS_KEY_ID", key_id), ("AWS_SECRET_ACCESS_KEY", secret)):
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "ROLECHECK_ALLOWED_ACCOUNTS", "ROLECHECK_TARGET", "ROLECHECK_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)

    def throttled(*_: Any) -> Any:
        raise ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, "ListRoles")
    monkeypatch.setattr("rolecheck.aws.sweeper.find_leftovers", throttled)
    before = len(audited.operations)

    status, line = _one_line_status(capsys, ["sweep", "--target", "moto-server", "--endpoint-url", audited.url,
                                             "--all-runs", "--allow-account", ACCOUNT])

    assert status == 3 and "could not list the leftovers of any run" in line and "nothing was deleted" in line
    assert [op for op in audited.operations[before:] if not op.startswith(("sts:", "iam:Get", "iam:List"))] == []
