"""A CloudFormation template (JSON or YAML, short-form tags included) deployed through moto's CloudFormation.

moto deploys what it supports and skips the rest with a log warning; an audit must not. So the template is read
first and everything moto would leave out is listed, one line each: resource types it has no model for, intrinsic
functions it does not resolve, and properties of the IAM and S3 types it ignores. A few of those gaps matter to the
walkthrough and are completed after the stack is created, through the API and with moto's own resolution of the
template's references: a user's LoginProfile, policies and boundary, a role's ManagedPolicyArns, and
AWS::S3::BucketPolicy. https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-iam-user.html
"""

from __future__ import annotations

import json
import secrets
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from botocore.exceptions import ClientError

from rolecheck.audit.iac import Applied, Deployed, IacError

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
# What moto leaves out and this module completes after the stack is created.
COMPLETED = {
    "AWS::IAM::User": {"LoginProfile", "Policies", "ManagedPolicyArns", "PermissionsBoundary"},
    "AWS::IAM::Role": {"ManagedPolicyArns"},
}
COMPLETED_TYPES = frozenset({"AWS::S3::BucketPolicy"})
_KINDS = {"AWS::IAM::User": "user", "AWS::IAM::Role": "role", "AWS::IAM::ManagedPolicy": "policy",
          "AWS::S3::Bucket": "bucket"}


class _TemplateLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short forms: ``!Ref X`` is ``{"Ref": X}``, ``!Sub s`` is ``{"Fn::Sub": s}``."""


def _short_form(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix in ("Ref", "Condition"):
        return {suffix: value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_TemplateLoader.add_multi_constructor("!", _short_form)


def load(path: str | Path) -> tuple[str, dict[str, Any]]:
    """The template's text and its parsed form; a malformed template is one ``IacError`` line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise IacError(f"cannot read the template {path}: {exc.strerror or exc}") from None
    try:
        template = json.loads(text) if text.lstrip().startswith("{") else yaml.load(text, Loader=_TemplateLoader)
    except (ValueError, yaml.YAMLError) as exc:
        raise IacError(f"{path}: not a valid template: {' '.join(str(exc).split())}") from None
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict) or not template["Resources"]:
        raise IacError(f"{path}: not a CloudFormation template (no Resources)")
    return text, template


def check_parameters(template: Mapping[str, Any], given: Mapping[str, str], source: str) -> None:
    """A parameter the template does not declare, or a required one not given, is one line."""
    declared = template.get("Parameters") or {}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise IacError(f"{source}: unknown parameter(s) {', '.join(unknown)}; "
                       f"the template declares {', '.join(sorted(declared)) or 'none'}")
    missing = sorted(k for k, v in declared.items() if k not in given and "Default" not in (v or {}))
    if missing:
        raise IacError(f"{source}: no value for parameter(s) {', '.join(missing)}; pass --parameter KEY=VALUE")


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
        if kind not in supported and not kind.startswith("Custom::"):
            lines.append(f"{logical}: resource type {kind} is not supported")
            continue
        honoured = HONOURED.get(kind)
        if honoured is not None:
            for prop in sorted(set(resource.get("Properties") or {}) - honoured - COMPLETED.get(kind, set())):
                lines.append(f"{logical}: property {prop} of {kind} is not supported")
        for function in sorted(set(_functions(resource)) - RESOLVED_FUNCTIONS):
            lines.append(f"{logical}: intrinsic function {function} is not supported")
    return lines


def deploy(cfn: Any, iam: Any, s3: Any, text: str, template: Mapping[str, Any], parameters: Mapping[str, str],
           stack_name: str, account_id: str, region: str) -> Applied:
    """Create the stack in moto (running in this process), complete what moto skips, and list what was deployed."""
    result = Applied(not_deployed=not_deployed(template))
    # moto warns of each type it skips; those are in not_deployed already, or completed below.
    warnings.filterwarnings("ignore", message=r"Tried to parse .* not supported by moto's CloudFormation")
    try:
        stack_id = cfn.create_stack(StackName=stack_name, TemplateBody=text, Parameters=[
            {"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()])["StackId"]
        status = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise IacError(f"{stack_name}: moto's CloudFormation refused the template: {error.get('Code')}: "
                       f"{' '.join(str(error.get('Message', '')).split())}") from None
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
        if logical not in physical:
            continue
        name = physical[logical]
        if kind == "AWS::IAM::ManagedPolicy" and not name.startswith("arn:"):
            name = f"arn:aws:iam::{account_id}:policy/{name}"
        _complete(iam, kind, name, resolve({k: v for k, v in (resource.get("Properties") or {}).items()
                                            if k in COMPLETED.get(kind, set())}))
        result.resources.append(Deployed(logical, _KINDS.get(kind), name))
    return result


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
