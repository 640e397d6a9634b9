"""A Terraform plan (``terraform show -json plan.out``) applied into moto through boto3, resource by resource.

The plan's ``planned_values`` give each resource's known attributes; an attribute Terraform only knows after apply
(a policy's ARN, a user's name chosen elsewhere) is followed through the plan's ``configuration`` when it is a
reference to one attribute of another resource of the plan, and takes that attribute (``.arn`` is the ARN, ``.name``
the name). Resource types outside ``APPLIERS`` are listed one line each. A document, tag or attachment list known
only after apply (``resource_changes[].change.after_unknown``: a trust built with ``jsonencode`` from a user's ARN) is
refused in one line, never guessed, and so is a value the plan marks ``sensitive`` (``sensitive_values``) wherever
the audit would use it: an audit prints names, documents and tags.
Plans as teams write them: resources in modules (``child_modules``, ``module_calls``; a module's references are
relative to its instance), ``count`` and ``for_each`` instances (``aws_iam_role.r["a"]``,
``module.team[0].aws_iam_role.r``; a reference indexed by ``each.key`` or ``count.index`` is to the instance of the
same key), a name that is ``each.key``, ``name_prefix``.
https://developer.hashicorp.com/terraform/internals/json-format
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from rolecheck.audit.iac import Applied, Deployed, IacError
from rolecheck.aws.clients import guard
from rolecheck.aws.secrets import generate_password
from rolecheck.errors import PolicyDocumentError
from rolecheck.policydoc import decoding, documents


@dataclass
class _Resource:
    address: str
    type: str
    values: dict[str, Any]
    expressions: dict[str, Any] = field(default_factory=dict)
    # Mirrors of ``values`` with ``true`` where a value is sensitive, or known only after apply.
    sensitive: dict[str, Any] = field(default_factory=dict)
    unknown: dict[str, Any] = field(default_factory=dict)
    # The module instance it is in ('module.team["a"].', '' at the root) and its count/for_each key, if any.
    module: str = ""
    index: Any = None


# An instance key in an address: [0] or ["a key"] (a for_each key may hold any character, escaped as in JSON).
_INDEX = re.compile(r'\[(?:\d+|"(?:[^"\\]|\\.)*")\]')
# A reference to a managed resource: type.name, an optional instance key, an optional attribute.
_REFERENCE = re.compile(r'^([a-z][a-z0-9_]*\.[A-Za-z_][A-Za-z0-9_-]*)((?:\[(?:\d+|"(?:[^"\\]|\\.)*")\])?)'
                        r'(?:\.([A-Za-z_][A-Za-z0-9_]*))?$')
# What a reference without an attribute (aws_iam_role.r[each.key]) means for the attribute it fills.
_NATURAL = {"role": "name", "user": "name", "group": "name", "policy_arn": "arn", "bucket": "bucket"}
# Not resources: values of the configuration's own (a module's inputs, the instance's key...).
_NOT_RESOURCES = ("var.", "local.", "data.", "module.", "each.", "count.", "path.", "terraform.", "self.")


def _base(address: str) -> str:
    """An address without its instance keys: how the configuration names the resource."""
    return _INDEX.sub("", address)


class _Unresolved(Exception):
    """An attribute is unknown until apply and is not a reference this module can follow."""


def load(path: str | Path) -> dict[str, Any]:
    """The plan's JSON; a file that is not a ``terraform show -json`` plan is one ``IacError`` line."""
    path = Path(path)
    try:
        plan = decoding.json_value(decoding.read_text(path, "plan"), str(path))
    except decoding.DecodingError as exc:
        raise IacError(str(exc)) from None
    except ValueError as exc:
        raise IacError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(plan, dict) or "planned_values" not in plan or "format_version" not in plan:
        raise IacError(f"{path}: not a Terraform plan in JSON (expected `terraform show -json plan.out` output)")
    # A plan Terraform itself would not apply describes an account that will not exist: auditing it proves nothing.
    # https://developer.hashicorp.com/terraform/internals/json-format#plan-representation
    for flag, refusal in (("errored", True), ("applyable", False), ("complete", False)):
        if plan.get(flag) is refusal:
            raise IacError(f"{path}: the plan is {flag}={str(refusal).lower()}: Terraform would not apply it as "
                           "planned; fix the plan (terraform plan) and audit the new one")
    return plan


def account_id(plan: Mapping[str, Any]) -> str | None:
    """The account the plan was made for, from its ``aws_caller_identity`` data source, when it reads one.

    The plan's documents name that account (trust policies, ARNs), so the moto account must be the same one.
    """
    state = ((plan.get("prior_state") or {}).get("values") or {}).get("root_module", {})
    for item in _walk(state):
        if item.get("type") == "aws_caller_identity" and (item.get("values") or {}).get("account_id"):
            return str(item["values"]["account_id"])
    return None


def _walk(module: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    yield from module.get("resources", [])
    for child in module.get("child_modules", []):
        yield from _walk(child)


def _expressions(configuration: Mapping[str, Any], prefix: str = "") -> dict[str, dict[str, Any]]:
    """Each configured resource's expressions, by address (without an instance index)."""
    found = {f"{prefix}{r['address']}": r.get("expressions", {}) for r in configuration.get("resources", [])}
    for name, call in (configuration.get("module_calls") or {}).items():
        found |= _expressions(call.get("module", {}), f"{prefix}module.{name}.")
    return found


def _walk_modules(module: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[dict[str, Any], str]]:
    """Each resource with the address of its module instance ('module.a["x"].module.b[0].', '' at the root)."""
    for item in module.get("resources", []):
        yield item, prefix
    for child in module.get("child_modules", []):
        yield from _walk_modules(child, f"{child['address']}.")


def resources(plan: Mapping[str, Any]) -> list[_Resource]:
    """The plan's managed resources with their planned values and configured expressions."""
    expressions = _expressions((plan.get("configuration") or {}).get("root_module", {}))
    changes = {change.get("address"): change.get("change") or {} for change in plan.get("resource_changes") or []}
    found = []
    for item, module in _walk_modules(plan["planned_values"].get("root_module", {})):
        if item.get("mode", "managed") != "managed":
            continue
        address = item["address"]
        change = changes.get(address, {})
        found.append(_Resource(address, item["type"], dict(item.get("values") or {}),
                               expressions.get(_base(address), {}),
                               _mirror(item.get("sensitive_values")) | _mirror(change.get("after_sensitive")),
                               _mirror(change.get("after_unknown")), module, item.get("index")))
    return found


def _mirror(value: Any) -> dict[str, Any]:
    """A ``sensitive_values``/``after_unknown`` structure as a mapping (Terraform writes ``true`` for all of it)."""
    return value if isinstance(value, dict) else {}


def _marked(mark: Any) -> bool:
    """Whether a mirror entry marks anything: ``true``, or ``true`` somewhere inside (a tag, a list element)."""
    if isinstance(mark, dict):
        return any(_marked(v) for v in mark.values())
    if isinstance(mark, list):
        return any(_marked(v) for v in mark)
    return mark is True


@dataclass
class _Applying:
    iam: Any
    s3: Any
    account_id: str
    region: str
    # Attributes of what was created, by address, for the references of later resources.
    created: dict[str, dict[str, str]] = field(default_factory=dict)

    def value(self, resource: _Resource, attribute: str, default: Any = None, *, follow: bool = True) -> Any:
        """A known value, or the followed reference ``type.name.attr`` of the attribute's expression.

        Only an expression naming one attribute of one resource is followed, to that attribute: Terraform lists the
        references of ``jsonencode({...aws_iam_user.u.arn...})`` just as those of ``aws_iam_user.u.arn``, so a
        document (``follow=False``) is never taken from a reference, nor is a value built from several.
        """
        if resource.values.get(attribute) is not None:
            return resource.values[attribute]
        expression = resource.expressions.get(attribute) or {}
        if "constant_value" in expression:
            return expression["constant_value"]
        references = expression.get("references", [])
        if follow and references == ["each.key"] and isinstance(resource.index, str):
            return resource.index
        if attribute == "name" and resource.values.get("name_prefix"):
            # AWS appends a unique suffix to the prefix; the audit's own suffix stands in for it.
            return f"{resource.values['name_prefix']}{secrets.token_hex(6)}"
        # Terraform lists each reference's own address too (aws_iam_user.u beside aws_iam_user.u.arn), and the
        # instance key's (aws_iam_user.u[count.index] lists aws_iam_user.u and count.index).
        own_key = resource.index is not None and any(r in ("each.key", "count.index") for r in references)
        named = [r for r in references if not any(other.startswith((f"{r}.", f"{r}[")) for other in references)
                 and not (own_key and r in ("each.key", "count.index"))]
        matched = _REFERENCE.match(named[0]) if follow and len(named) == 1 else None
        if matched and not named[0].startswith(_NOT_RESOURCES):
            address, key, attr = matched.groups()
            # Inside a module a reference is to its own instance's resource; unindexed beside each.key or
            # count.index, to the instance of the same key.
            key = key or (f"[{json.dumps(resource.index)}]" if own_key else "")
            created = self.created.get(f"{resource.module}{address}{key}", {})
            attr = attr or _NATURAL.get(attribute)
            if attr in created:
                return created[attr]
        if references or default is None:
            raise _Unresolved(f"{attribute} is not known until apply"
                              + (f" (it is computed from {', '.join(expression['references'])})"
                                 if expression.get("references") else ""))
        return default

    def document(self, resource: _Resource, attribute: str) -> str:
        """A policy document attribute as text, refused unless it is strict JSON (no duplicate keys)."""
        value = self.value(resource, attribute, follow=False)
        if not isinstance(value, str):
            return json.dumps(value)
        try:
            decoding.json_value(value, f"{resource.address}: {attribute}")
        except decoding.DecodingError as exc:
            raise IacError(str(exc)) from None
        except ValueError as exc:
            raise IacError(f"{resource.address}: {attribute} is not valid JSON: {exc}") from None
        return value


def _tags(r: _Resource) -> list[dict[str, str]]:
    """The resource's tags as IAM takes them; ``tags_all`` adds the provider's default tags, which AWS gets too."""
    tags = r.values.get("tags_all") or r.values.get("tags") or {}
    return [{"Key": str(key), "Value": str(value)} for key, value in sorted(tags.items())]


def _user(a: _Applying, r: _Resource) -> Deployed:
    name = a.value(r, "name")
    arn = a.iam.create_user(UserName=name, Path=r.values.get("path") or "/", Tags=_tags(r))["User"]["Arn"]
    if r.values.get("permissions_boundary"):
        a.iam.put_user_permissions_boundary(UserName=name, PermissionsBoundary=r.values["permissions_boundary"])
    a.created[r.address] = {"name": name, "id": name, "arn": arn}
    return Deployed(r.address, "user", name)


def _group(a: _Applying, r: _Resource) -> Deployed:
    name = a.value(r, "name")
    arn = a.iam.create_group(GroupName=name, Path=r.values.get("path") or "/")["Group"]["Arn"]
    a.created[r.address] = {"name": name, "id": name, "arn": arn}
    return Deployed(r.address, None, name)


def _role(a: _Applying, r: _Resource) -> Deployed:
    name = a.value(r, "name")
    params: dict[str, Any] = {"RoleName": name, "AssumeRolePolicyDocument": a.document(r, "assume_role_policy"),
                              "Path": r.values.get("path") or "/",
                              "MaxSessionDuration": int(r.values.get("max_session_duration") or 3600),
                              "Tags": _tags(r)}
    if r.values.get("permissions_boundary"):
        params["PermissionsBoundary"] = r.values["permissions_boundary"]
    arn = a.iam.create_role(**params)["Role"]["Arn"]
    for inline in _inline_policies(r):
        a.iam.put_role_policy(RoleName=name, PolicyName=inline["name"], PolicyDocument=inline["policy"])
    for arn_attached in r.values.get("managed_policy_arns") or []:
        a.iam.attach_role_policy(RoleName=name, PolicyArn=arn_attached)
    a.created[r.address] = {"name": name, "id": name, "arn": arn}
    return Deployed(r.address, "role", name)


def _inline_policies(r: _Resource) -> list[dict[str, str]]:
    """The role's ``inline_policy`` blocks; one with a name but no policy (or the reverse) is refused, not skipped.

    An empty block (neither) is how Terraform says the role has none.
    """
    found = []
    for inline in r.values.get("inline_policy") or []:
        if bool(inline.get("name")) != bool(inline.get("policy")):
            raise IacError(f"{r.address}: an inline_policy block needs both a name and a policy "
                           "(one may be known only after apply): it would be dropped")
        if inline.get("name"):
            found.append(inline)
    return found


def _policy(a: _Applying, r: _Resource) -> Deployed:
    name = a.value(r, "name")
    arn = a.iam.create_policy(PolicyName=name, Path=r.values.get("path") or "/",
                              PolicyDocument=a.document(r, "policy"))["Policy"]["Arn"]
    a.created[r.address] = {"name": name, "id": arn, "arn": arn}
    return Deployed(r.address, "policy", arn)


def _bucket(a: _Applying, r: _Resource) -> Deployed:
    name = r.values.get("bucket") or f"{r.values.get('bucket_prefix') or 'terraform-'}{secrets.token_hex(6)}"
    extra = {} if a.region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": a.region}}
    a.s3.create_bucket(Bucket=name, **extra)
    a.created[r.address] = {"bucket": name, "id": name, "arn": f"arn:aws:s3:::{name}"}
    return Deployed(r.address, "bucket", name)


def _bucket_policy(a: _Applying, r: _Resource) -> None:
    a.s3.put_bucket_policy(Bucket=a.value(r, "bucket"), Policy=a.document(r, "policy"))


def _login_profile(a: _Applying, r: _Resource) -> None:
    # Terraform generates the password (or encrypts it with a PGP key); the audit only needs the profile to exist.
    # Whoever made the client, guarded: the Secret goes on the wire masked in any traceback.
    guard(a.iam).create_login_profile(UserName=a.value(r, "user"), Password=generate_password(),
                                      PasswordResetRequired=bool(a.value(r, "password_reset_required", False)))


def _inline(kind: str) -> Callable[[_Applying, _Resource], None]:
    def put(a: _Applying, r: _Resource) -> None:
        owner = a.value(r, kind)
        name = a.value(r, "name", f"terraform-{secrets.token_hex(4)}")
        getattr(a.iam, f"put_{kind}_policy")(**{f"{kind.capitalize()}Name": owner}, PolicyName=name,
                                              PolicyDocument=a.document(r, "policy"))
    return put


def _attachment(kind: str) -> Callable[[_Applying, _Resource], None]:
    def attach(a: _Applying, r: _Resource) -> None:
        getattr(a.iam, f"attach_{kind}_policy")(**{f"{kind.capitalize()}Name": a.value(r, kind)},
                                                 PolicyArn=a.value(r, "policy_arn"))
    return attach


def _group_membership(a: _Applying, r: _Resource) -> None:
    group = a.value(r, "group")
    for user in a.value(r, "users"):
        a.iam.add_user_to_group(GroupName=group, UserName=user)


def _user_groups(a: _Applying, r: _Resource) -> None:
    user = a.value(r, "user")
    for group in a.value(r, "groups"):
        a.iam.add_user_to_group(GroupName=group, UserName=user)


# In dependency order: the principals, policies and buckets first, then what connects them.
APPLIERS: dict[str, Callable[[_Applying, _Resource], Deployed | None]] = {
    "aws_iam_user": _user,
    "aws_iam_group": _group,
    "aws_iam_role": _role,
    "aws_iam_policy": _policy,
    "aws_s3_bucket": _bucket,
    "aws_iam_user_login_profile": _login_profile,
    "aws_iam_user_policy": _inline("user"),
    "aws_iam_role_policy": _inline("role"),
    "aws_iam_group_policy": _inline("group"),
    "aws_iam_user_policy_attachment": _attachment("user"),
    "aws_iam_role_policy_attachment": _attachment("role"),
    "aws_iam_group_policy_attachment": _attachment("group"),
    "aws_iam_group_membership": _group_membership,
    "aws_iam_user_group_membership": _user_groups,
    "aws_s3_bucket_policy": _bucket_policy,
}
_ORDER = {kind: index for index, kind in enumerate(APPLIERS)}

# Every attribute of a user and a role is applied above or cannot change a verdict: computed by AWS, or
# descriptive. Any other with a value (a newer provider's, or one this module does not apply) is refused rather
# than dropped: a dropped tag once turned a role trusting "team=platform" principals into a compliant audit.
# https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_role
_ACCOUNTED: dict[str, frozenset[str]] = {
    "aws_iam_user": frozenset({"name", "path", "permissions_boundary", "tags", "tags_all",
                               "arn", "id", "unique_id", "force_destroy"}),
    "aws_iam_role": frozenset({"name", "path", "assume_role_policy", "max_session_duration", "permissions_boundary",
                               "inline_policy", "managed_policy_arns", "tags", "tags_all",
                               "arn", "id", "unique_id", "create_date", "description", "force_detach_policies",
                               "name_prefix"}),
}


# Where a plan's known policy documents go, for IAM's size quotas: (resource type, attribute) -> quota kind.
_DOCUMENTS = {("aws_iam_policy", "policy"): "managed", ("aws_iam_role", "assume_role_policy"): "trust"}
_INLINE = {"aws_iam_role_policy": "role", "aws_iam_user_policy": "user", "aws_iam_group_policy": "group"}


def check(plan: Mapping[str, Any]) -> None:
    """Refuse, before anything is created, what would be dropped or refused by IAM (one ``IacError`` line each).

    A user or role attribute this module does not apply, and a document over IAM's size quotas (an entity's inline
    policies count together) or with a character IAM does not allow.
    """
    inline: dict[tuple[str, str], list[str]] = {}
    for resource in resources(plan):
        _known_and_printable(resource)
        accounted = _ACCOUNTED.get(resource.type)
        if accounted is not None:
            dropped = sorted(k for k, v in resource.values.items()
                             if k not in accounted and v not in (None, "", [], {}))
            if dropped:
                raise IacError(f"{resource.address}: {', '.join(dropped)} cannot be applied into moto, and dropping "
                               "it could change the verdict; audit the deployed account with --mapping instead")
        for (kind, attribute), quota in _DOCUMENTS.items():
            if resource.type == kind and isinstance(resource.values.get(attribute), str):
                _within_limits(quota, resource.values[attribute], f"{resource.address}: {attribute}")
        if resource.type == "aws_s3_bucket_policy" and isinstance(resource.values.get("policy"), str):
            try:
                documents.check_bucket_policy_size(resource.values["policy"], f"{resource.address}: policy")
            except PolicyDocumentError as exc:
                raise IacError(str(exc)) from None
        if resource.type == "aws_iam_role" and resource.values.get("name"):
            inline.setdefault(("role", resource.values["name"]), []).extend(
                block["policy"] for block in _inline_policies(resource))
        owner_kind = _INLINE.get(resource.type)
        if owner_kind and isinstance(resource.values.get(owner_kind), str) and \
                isinstance(resource.values.get("policy"), str):
            inline.setdefault((owner_kind, resource.values[owner_kind]), []).append(resource.values["policy"])
    for (kind, owner), texts in inline.items():
        _within_limits(f"inline {kind}", "".join(texts), f"the inline policies of {kind} {owner}", owner)


# What decides a verdict and cannot be followed as a reference: documents, tags, attachments, boundaries.
# https://developer.hashicorp.com/terraform/internals/json-format#change-representation
_VERDICT_BEARING = frozenset({"assume_role_policy", "policy", "tags", "tags_all", "inline_policy",
                              "managed_policy_arns", "permissions_boundary"})
# Attributes that carry a secret the audit never uses: it gives the login profile a password of its own.
_SECRET_ATTRIBUTES = {"aws_iam_user_login_profile": frozenset({"password", "encrypted_password", "pgp_key"})}


def _known_and_printable(resource: _Resource) -> None:
    """Refuse a value the audit would use but must not print (``sensitive``), and a verdict-bearing attribute the
    configuration sets to a value known only after apply; an attribute the provider computes (``tags_all`` from
    ``tags``, ``inline_policy`` from the plan's own role-policy resources) is read from those instead."""
    if resource.type not in APPLIERS:
        return
    secret = _SECRET_ATTRIBUTES.get(resource.type, frozenset())
    for attribute, mark in sorted(resource.sensitive.items()):
        if attribute not in secret and _marked(mark):
            raise IacError(f"{resource.address}: {attribute} is marked sensitive; an audit reports names, documents "
                           "and tags, so it cannot be audited without printing it: audit the deployed account with "
                           "--mapping instead")
    for attribute, mark in sorted(resource.unknown.items()):
        if attribute in _VERDICT_BEARING and attribute in resource.expressions and _marked(mark):
            references = resource.expressions[attribute].get("references") or []
            source = f" (it is computed from {', '.join(references)})" if references else ""
            raise IacError(f"{resource.address}: {attribute} is known only after apply{source}, and it can change "
                           "the verdict: apply the plan and audit the deployed account with --mapping")


def _within_limits(quota: str, text: str, name: str, entity: str = "") -> None:
    try:
        documents.check_limits(quota, text, name, entity)
    except PolicyDocumentError as exc:
        raise IacError(str(exc)) from None


def apply(iam: Any, s3: Any, plan: Mapping[str, Any], account_id: str, region: str) -> Applied:
    """Create the plan's supported resources; everything else is one line of ``not_deployed``."""
    check(plan)
    applying = _Applying(iam, s3, account_id, region)
    result = Applied()
    for resource in sorted(resources(plan), key=lambda r: _ORDER.get(r.type, len(_ORDER))):
        applier = APPLIERS.get(resource.type)
        if applier is None:
            result.not_deployed.append(f"{resource.address}: resource type {resource.type} is not supported")
            continue
        try:
            deployed = applier(applying, resource)
        except _Unresolved as exc:
            # Skipping it would audit an account without it: a role left out grants nothing, and passes.
            raise IacError(f"{resource.address}: {exc}; apply the plan and audit the deployed account with "
                           "--mapping") from None
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise IacError(f"{resource.address}: {exc.operation_name}: {error.get('Code')}: "
                           f"{' '.join(str(error.get('Message', '')).split())}") from None
        if deployed is not None:
            result.resources.append(deployed)
    return result
