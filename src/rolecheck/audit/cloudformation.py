"""A CloudFormation template (JSON or YAML, as cfn-lint decodes it) deployed through moto's CloudFormation.

moto deploys what it supports and skips the rest with a log warning; an audit must not. So the template is read
first and everything moto would leave out is listed, one line each: resource types it has no model for, intrinsic
functions it does not resolve, and properties of the IAM and S3 types it ignores. A few of those gaps matter to the
walkthrough and are completed after the stack is created, through the API and with moto's own resolution of the
template's references: a user's LoginProfile, policies and boundary, a role's ManagedPolicyArns,
AWS::S3::BucketPolicy, and AWS::IAM::OIDCProvider (moto's CloudFormation has no model for it: it is registered through
the API, and a trust policy names it by ARN, ``!Sub arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/...``,
since moto cannot resolve a ``Ref`` to it). https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-iam-user.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-oidcprovider.html
"""

from __future__ import annotations

import datetime
import json
import re
import secrets
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from botocore.parsers import ResponseParserError

from rolecheck.audit.iac import Applied, Deployed, IacError
from rolecheck.policydoc import decoding
from rolecheck.policydoc.decoding import DecodingError
from rolecheck.suite.kinds import CFN_TYPES

# Intrinsic functions and condition functions moto's CloudFormation resolves (moto.cloudformation.parsing).
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
RESOLVED_FUNCTIONS = frozenset({
    "Ref", "Condition", "Fn::GetAtt", "Fn::Join", "Fn::Sub", "Fn::If", "Fn::Split", "Fn::Select", "Fn::FindInMap",
    "Fn::ImportValue", "Fn::GetAZs", "Fn::Base64", "Fn::ToJsonString", "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or",
})
# Properties moto's models honour, for the types whose every property matters to who can do what.
HONOURED = {
    "AWS::IAM::User": {"UserName", "Path"},
    "AWS::IAM::Role": {"RoleName", "AssumeRolePolicyDocument", "Path", "PermissionsBoundary", "Description", "Tags",
                       "MaxSessionDuration", "Policies"},
    "AWS::IAM::ManagedPolicy": {"ManagedPolicyName", "PolicyDocument", "Description", "Path", "Groups", "Users",
                                "Roles", "Tags"},
    "AWS::IAM::Policy": {"PolicyName", "PolicyDocument", "Users", "Roles", "Groups"},
    "AWS::S3::Bucket": {"BucketName", "BucketEncryption", "Tags"},
}
OIDC_PROVIDER = "AWS::IAM::OIDCProvider"
# What moto leaves out and this module completes after the stack is created.
COMPLETED = {
    "AWS::IAM::User": {"LoginProfile", "Policies", "ManagedPolicyArns", "PermissionsBoundary"},
    # moto makes a role's inline policies but keeps each document as an object, which its
    # GetAccountAuthorizationDetails then fails to serialize (a 500): they are put again, as JSON text.
    "AWS::IAM::Role": {"ManagedPolicyArns", "Policies"},
}
COMPLETED_TYPES = frozenset({"AWS::S3::BucketPolicy", OIDC_PROVIDER})


# Template sections that gate or describe a deployment and grant nothing: ``Rules`` only decide whether a stack may be
# created with the given parameters (moto ignores them).
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/rules-section-structure.html
# Resource types that grant nothing and that moto has no model for: ``AWS::CDK::Metadata`` is the CDK's usage report.
# https://docs.aws.amazon.com/cdk/v2/guide/cli.html#version-reporting
INERT_TYPES = frozenset({"AWS::CDK::Metadata"})
# A parameter of this type is read from SSM Parameter Store when the stack is created.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html#aws-ssm-parameter-types
SSM_PARAMETER_TYPE = "AWS::SSM::Parameter::Value<"
# ``cdk bootstrap`` keeps the bootstrap stack's version here; ``cdk synth`` adds a parameter reading it and a rule
# refusing the versions too old for the app. https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-env.html
CDK_BOOTSTRAP_VERSION = re.compile(r"^/cdk-bootstrap/[^/]+/version$")


def line_of(node: Any) -> int | None:
    """The 1-based template line a decoded node starts on (``None`` for a value that was not read from a file)."""
    mark = getattr(node, "start_mark", None)
    return mark.line + 1 if mark is not None else None


def where(source: str, node: Any) -> str:
    """``source:line`` of a decoded node, or just ``source``."""
    line = line_of(node)
    return f"{source}:{line}" if line else source


def _key(mapping: Mapping[str, Any], name: str) -> Any:
    """The decoded key itself (it carries the line), not its value."""
    return next((key for key in mapping if key == name), name)


def _dates_as_text(value: Any) -> Any:
    """YAML reads an unquoted ``2012-10-17`` as a date; CloudFormation reads every scalar as text, so a policy's
    ``Version: 2012-10-17`` is the string "2012-10-17". Containers are edited in place, so they keep their lines."""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        for key, item in value.items():
            value[key] = _dates_as_text(item)
    elif isinstance(value, list):
        value[:] = [_dates_as_text(item) for item in value]
    return value


def load(path: str | Path) -> tuple[str, dict[str, Any]]:
    """The template as JSON text for moto, and its decoded form (cfn-lint's decoder: short forms read as intrinsic
    functions, every node with its line); a malformed template or a transform is one ``IacError`` line naming the
    template line."""
    path = Path(path)
    try:
        text = decoding.read_text(path, "template")
    except DecodingError as exc:
        raise IacError(str(exc)) from None
    from cfnlint.decode import decode_str

    template, problems = decode_str(text)
    if problems:
        first = problems[0]
        raise IacError(f"{path}:{first.linenumber}:{first.columnnumber}: not a valid template: "
                       f"{' '.join(str(first.message).split())}")
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict) or not template["Resources"]:
        raise IacError(f"{path}: not a CloudFormation template (no Resources)")
    _refuse_transforms(template, str(path))
    _check_structure(text, str(path))
    _refuse_dropped_grants(template, str(path))
    _dates_as_text(template)
    # moto is given the decoded template, so its own YAML reader never meets short forms or unquoted dates.
    return json.dumps(template), template


# cfn-lint's rules for what CloudFormation itself refuses before it creates anything: a resource that is not an
# object or has no Type, a property value of the wrong type (an unknown short-form tag is one: !Foo reads as
# Fn::Foo), circular dependencies. Its other rules judge style and best practice, which an audit does not.
_STRUCTURAL_RULES = frozenset({"E0000", "E0001", "E0002", "E1001", "E3001", "E3002", "E3004", "E3012"})


def _check_structure(text: str, source: str) -> None:
    """Refuse, in one line naming the template line, a template CloudFormation would not deploy; moto would
    answer it with a traceback or a 500. cfn-lint decides it, by the rules above."""
    from cfnlint.api import ManualArgs, lint

    problems = sorted((match for match in lint(text, config=ManualArgs(regions=["us-east-1"]))
                       if match.rule.id in _STRUCTURAL_RULES), key=lambda match: match.linenumber)
    if problems:
        first = problems[0]
        raise IacError(f"{source}:{first.linenumber}: CloudFormation would not deploy this template: "
                       f"{' '.join(str(first.message).split())} (cfn-lint {first.rule.id})")


# Properties that decide who can do what: one moto would leave out makes the audit judge another account than the
# template's (a user's tags, which an ABAC trust or a bucket policy may match on, above all).
_GRANTING_PROPERTIES = frozenset({"Tags", "Policies", "ManagedPolicyArns", "PermissionsBoundary",
                                  "AssumeRolePolicyDocument", "PolicyDocument", "Groups", "Users", "Roles"})


def _refuse_dropped_grants(template: Mapping[str, Any], source: str) -> None:
    """Refuse, in one line naming its line, a property that decides access and that moto would drop: listed as "not
    deployed", the audit would go on and could call the account compliant."""
    for logical, resource in template["Resources"].items():
        kind = resource.get("Type") if isinstance(resource, Mapping) else None
        honoured = HONOURED.get(kind) if isinstance(kind, str) else None
        properties = resource.get("Properties") if honoured is not None else None
        if not isinstance(properties, Mapping):
            continue
        dropped = sorted(set(properties) & _GRANTING_PROPERTIES - honoured - COMPLETED.get(kind, set()))
        if dropped:
            raise IacError(f"{where(source, _key(properties, dropped[0]))}: {logical}'s {dropped[0]} would not be "
                           f"deployed (moto's {kind} leaves it out), so the audit would judge an account without it")


def _refuse_transforms(template: Mapping[str, Any], source: str) -> None:
    """A transform (SAM, AWS::LanguageExtensions, AWS::Include, a macro) rewrites the template when it is deployed;
    moto does not run it, so what would be audited is not what would be deployed.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/transform-section-structure.html"""
    transform = template.get("Transform")
    if transform is None:
        return
    names = [transform] if isinstance(transform, str) else [
        item if isinstance(item, str) else item.get("Name", "?") for item in transform]
    raise IacError(f"{where(source, _key(template, 'Transform'))}: Transform {', '.join(map(str, names))} is not "
                   "supported: audit the processed template instead (create a change set, then aws cloudformation "
                   "get-template --template-stage Processed)")


def check_parameters(template: Mapping[str, Any], given: Mapping[str, str], source: str) -> None:
    """A parameter the template does not declare, a required one not given, or one read from SSM Parameter Store
    other than the CDK's bootstrap version, is one line naming the template line."""
    declared = template.get("Parameters") or {}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise IacError(f"{source}: unknown parameter(s) {', '.join(unknown)}; "
                       f"the template declares {', '.join(sorted(declared)) or 'none'}")
    missing = [k for k, v in declared.items() if k not in given and "Default" not in (v or {})]
    if missing:
        raise IacError(f"{where(source, _key(declared, missing[0]))}: no value for parameter(s) "
                       f"{', '.join(sorted(missing))}; pass --parameter KEY=VALUE")
    for name, spec in declared.items():
        store_name = given.get(name, (spec or {}).get("Default"))
        if str((spec or {}).get("Type", "")).startswith(SSM_PARAMETER_TYPE) and not CDK_BOOTSTRAP_VERSION.match(
                str(store_name)):
            raise IacError(f"{where(source, _key(declared, name))}: parameter {name} is read from SSM Parameter "
                           f"Store ({store_name}) when the stack is created; an audit has no Parameter Store to "
                           "read it from")


def _bootstrap_versions(template: Mapping[str, Any], parameters: Mapping[str, str]) -> dict[str, str]:
    """The SSM names of the CDK bootstrap version parameters, each with a version the template's Rules accept.

    ``cdk synth`` writes ``Fn::Not: [Fn::Contains: [[versions too old], Ref: BootstrapVersion]]``: the audit's account
    is bootstrapped one past the newest refused version (the rule grants nothing; moto would fail without a value).
    """
    refused = [int(item) for item in _contained(template.get("Rules") or {}) if str(item).isdigit()]
    version = str(max(refused, default=0) + 1)
    declared = template.get("Parameters") or {}
    names = (parameters.get(name, (spec or {}).get("Default")) for name, spec in declared.items()
             if str((spec or {}).get("Type", "")).startswith(SSM_PARAMETER_TYPE))
    return {str(name): version for name in names if CDK_BOOTSTRAP_VERSION.match(str(name))}


def _contained(value: Any) -> Iterator[Any]:
    """Every item of the lists an ``Fn::Contains`` looks in."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key == "Fn::Contains" and isinstance(item, list) and item and isinstance(item[0], list):
                yield from item[0]
            yield from _contained(item)
    elif isinstance(value, list):
        for item in value:
            yield from _contained(item)


def _functions(value: Any) -> Iterator[str]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key == "Ref" or key == "Condition" or str(key).startswith("Fn::"):
                yield str(key)
            yield from _functions(item)
    elif isinstance(value, list):
        for item in value:
            yield from _functions(item)


def not_deployed(template: Mapping[str, Any]) -> list[str]:
    """One line per thing moto's CloudFormation would leave out and this module does not complete."""
    from moto.cloudformation.parsing import NULL_MODELS, get_model_map

    supported = set(get_model_map()) | set(NULL_MODELS) | COMPLETED_TYPES
    lines = []
    for logical, resource in template["Resources"].items():
        kind = resource.get("Type", "?")
        if kind in INERT_TYPES:
            continue
        line = line_of(logical)
        named = f"{logical} (line {line})" if line else logical
        if kind not in supported and not kind.startswith("Custom::"):
            lines.append(f"{named}: resource type {kind} is not supported")
            continue
        honoured = HONOURED.get(kind)
        if honoured is not None:
            for prop in sorted(set(resource.get("Properties") or {}) - honoured - COMPLETED.get(kind, set())):
                lines.append(f"{named}: property {prop} of {kind} is not supported")
        for function in sorted(set(_functions(resource)) - RESOLVED_FUNCTIONS):
            lines.append(f"{named}: intrinsic function {function} is not supported")
    return lines


def deploy(cfn: Any, iam: Any, s3: Any, text: str, template: Mapping[str, Any], parameters: Mapping[str, str],
           stack_name: str, account_id: str, region: str) -> Applied:
    """Create the stack in moto (running in this process), complete what moto skips, and list what was deployed."""
    result = Applied(not_deployed=not_deployed(template))
    # moto warns of each type it skips; those are in not_deployed already, or completed below.
    warnings.filterwarnings("ignore", message=r"Tried to parse .* not supported by moto's CloudFormation")
    _bootstrap(_bootstrap_versions(template, parameters), account_id, region)
    try:
        stack_id = cfn.create_stack(StackName=stack_name, TemplateBody=text, Parameters=[
            {"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()])["StackId"]
        status = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise IacError(f"{stack_name}: moto's CloudFormation refused the template: {error.get('Code')}: "
                       f"{' '.join(str(error.get('Message', '')).split())}") from None
    except ResponseParserError:
        # moto answers a template it has no way to deploy with an HTML error page (a crash inside its models).
        raise IacError(f"{stack_name}: moto's CloudFormation failed on the template (an error inside moto, not a "
                       "verdict); nothing is audited") from None
    if status["StackStatus"] != "CREATE_COMPLETE":
        raise IacError(f"{stack_name}: stack {status['StackStatus']}: {status.get('StackStatusReason', '')}")
    physical = {r["LogicalResourceId"]: r["PhysicalResourceId"]
                for r in cfn.list_stack_resources(StackName=stack_id)["StackResourceSummaries"]}
    resolve = _resolver(account_id, region, stack_id)
    for logical, resource in template["Resources"].items():
        kind = resource.get("Type")
        if kind == "AWS::S3::BucketPolicy":
            props = resolve(resource.get("Properties") or {})
            s3.put_bucket_policy(Bucket=props["Bucket"], Policy=_text(props["PolicyDocument"]))
            continue
        if kind == OIDC_PROVIDER:
            result.resources.append(Deployed(logical, "oidc-provider",
                                             _oidc_provider(iam, resolve(resource.get("Properties") or {}))))
            continue
        if logical not in physical:
            continue
        name = physical[logical]
        if kind == "AWS::IAM::ManagedPolicy" and not name.startswith("arn:"):
            name = f"arn:aws:iam::{account_id}:policy/{name}"
        _complete(iam, kind, name, resolve({k: v for k, v in (resource.get("Properties") or {}).items()
                                            if k in COMPLETED.get(kind, set())}))
        if kind == "AWS::SQS::Queue":
            # The queue's physical id is its URL; the audit names it by its name, the URL's last segment.
            name = name.rstrip("/").rsplit("/", 1)[-1]
        deployed_kind = CFN_TYPES.get(kind)
        result.resources.append(Deployed(logical, deployed_kind.name if deployed_kind else None, name))
    return result


def _oidc_provider(iam: Any, props: Mapping[str, Any]) -> str:
    """Register the template's OIDC provider through the API; its ARN."""
    # IAM no longer needs a thumbprint for the issuers it verifies itself (GitHub's among them), so a template may
    # give none; moto still wants one, and nothing in the audit reads it.
    return iam.create_open_id_connect_provider(
        Url=props["Url"], ClientIDList=list(props.get("ClientIdList") or []),
        ThumbprintList=list(props.get("ThumbprintList") or ["0" * 40]))["OpenIDConnectProviderArn"]


def _bootstrap(versions: Mapping[str, str], account_id: str, region: str) -> None:
    """Put the CDK bootstrap version into the SSM Parameter Store of moto (running in this process)."""
    if not versions:
        return
    from moto.ssm.models import ssm_backends

    store = ssm_backends[account_id][region]
    for name, version in versions.items():
        store.put_parameter(name=name, description="the CDK bootstrap version the template's Rules require",
                            value=version, parameter_type="String", allowed_pattern=None, keyid=None,
                            overwrite=True, tags=[], data_type="text", tier=None, policies=None)


def _resolver(account_id: str, region: str, stack_id: str) -> Any:
    """Resolve a template value (Ref, GetAtt, Sub...) exactly as moto resolved the rest of the stack."""
    from moto.cloudformation.models import cloudformation_backends
    from moto.cloudformation.parsing import clean_json

    stack = cloudformation_backends[account_id][region].stacks[stack_id]
    return lambda value: clean_json(value, stack.resource_map)


def _text(document: Any) -> str:
    return document if isinstance(document, str) else json.dumps(document)


def _complete(iam: Any, kind: str, name: str, props: Mapping[str, Any]) -> None:
    if kind == "AWS::IAM::User":
        profile = props.get("LoginProfile")
        if profile:
            # The template's password is never read back or shown; the account only needs a login profile.
            iam.create_login_profile(UserName=name, Password=f"Rc-{secrets.token_urlsafe(18)}-9a",
                                     PasswordResetRequired=bool(profile.get("PasswordResetRequired", False)))
        for policy in props.get("Policies") or []:
            iam.put_user_policy(UserName=name, PolicyName=policy["PolicyName"],
                                PolicyDocument=_text(policy["PolicyDocument"]))
        for arn in props.get("ManagedPolicyArns") or []:
            iam.attach_user_policy(UserName=name, PolicyArn=arn)
        if props.get("PermissionsBoundary"):
            iam.put_user_permissions_boundary(UserName=name, PermissionsBoundary=props["PermissionsBoundary"])
    elif kind == "AWS::IAM::Role":
        for arn in props.get("ManagedPolicyArns") or []:
            iam.attach_role_policy(RoleName=name, PolicyArn=arn)
        for policy in props.get("Policies") or []:
            iam.put_role_policy(RoleName=name, PolicyName=policy["PolicyName"],
                                PolicyDocument=_text(policy["PolicyDocument"]))


# The properties that name a resource; a finding naming one is shown on that resource's line.
NAME_PROPERTIES = ("UserName", "RoleName", "ManagedPolicyName", "PolicyName", "GroupName", "BucketName", "TopicName",
                   "QueueName")


def resource_lines(path: str | Path) -> dict[str, int]:
    """Each resource's logical id, and each literal name it gives itself, with the template line it starts on."""
    _, template = load(path)
    lines: dict[str, int] = {}
    for logical, resource in template["Resources"].items():
        line = line_of(logical) or 1
        lines.setdefault(str(logical), line)
        props = resource.get("Properties") or {}
        for prop in NAME_PROPERTIES:
            if isinstance(props.get(prop), str):
                lines.setdefault(props[prop], line)
    return lines
