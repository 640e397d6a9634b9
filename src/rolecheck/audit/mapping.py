"""The audit mapping: which real user, role, policy and bucket each logical name of the feature files stands for.

A small YAML or JSON file, logical name -> real name or ARN::

    iam-test-user: alice
    s3-list-role: arn:aws:iam::123456789012:role/ops/ops-list
    s3-list-buckets: arn:aws:iam::123456789012:policy/list-buckets
    demo-bucket: ops-reports

A bad mapping (malformed file, a name the features do not use, a name they need but the file lacks, a resource the
account does not hold) is a ``MappingError``: one line, exit status 4, before any scenario runs.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from rolecheck.policydoc import decoding
from rolecheck.suite.features import Locations, introduction, scenarios

KINDS = ("user", "role", "policy", "bucket", "queue", "function", "oidc-provider")
# A user "of the other account": mapped by ARN, in an account that is not the audited one (nothing of it is read).
OTHER_ACCOUNT_USER = "other-account-user"

# An IAM or S3 ARN's parts; each is checked by _parts (the partition against botocore's list, the account, the
# resource type). https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
_ARN = re.compile(r"^arn:(?P<partition>[^:]*):(?P<service>iam|s3):(?P<region>[^:]*):(?P<account>[^:]*):"
                  r"(?P<resource>.*)$")
_IAM_RESOURCE = {"user": "user/", "role": "role/", "policy": "policy/", "oidc-provider": "oidc-provider/",
                 OTHER_ACCOUNT_USER: "user/"}
_NOT_FOUND = frozenset({"NoSuchEntity", "NoSuchBucket", "404", "NotFound"})


@functools.cache
def _partitions() -> tuple[str, ...]:
    """AWS's partitions, as botocore's endpoint data knows them."""
    import botocore.session

    return tuple(botocore.session.get_session().get_available_partitions())


class MappingError(ValueError):
    """The audit mapping cannot be used; the message is one line for the terminal."""


@dataclass(frozen=True)
class AuditMapping:
    """Logical names of the feature files and the real resources they stand for."""

    source: str
    entries: Mapping[str, str]

    def value(self, logical: str) -> str:
        try:
            return self.entries[logical]
        except KeyError:
            raise MappingError(f"{self.source}: no entry for {logical!r}") from None

    def name(self, logical: str, kind: str) -> str:
        """The real name of ``logical``: the last path segment of an ARN, or the value itself."""
        value = self.value(logical)
        match = _ARN.match(value)
        if match is None:
            if value.startswith("arn:"):
                raise MappingError(f"{self.source}: {logical}: not an IAM or S3 ARN: {value!r}")
            if "/" in value or not value.strip():
                raise MappingError(f"{self.source}: {logical}: {value!r} is neither a name nor an ARN")
            return value
        return self._parts(logical, kind, match)

    def _parts(self, logical: str, kind: str, match: re.Match[str]) -> str:
        """The name an ARN gives, once its partition, region, account and resource type fit ``kind``."""
        value, where = match.group(0), f"{self.source}: {logical}"
        if match["partition"] not in _partitions():
            raise MappingError(f"{where}: {value!r} names partition {match['partition']!r}, which AWS does not have "
                               f"({', '.join(_partitions())})")
        resource = match["resource"]
        if kind == "bucket":
            # arn:<partition>:s3:::<bucket>: a bucket ARN has no region, no account and no object key.
            if match["service"] != "s3" or match["region"] or match["account"] or not resource or "/" in resource:
                raise MappingError(f"{where}: expected a bucket (arn:{match['partition']}:s3:::NAME), got {value!r}")
            return resource
        if match["service"] != "iam" or not resource.startswith(_IAM_RESOURCE[kind]):
            raise MappingError(f"{where}: expected an IAM {kind} ARN, got {value!r}")
        allowed_accounts = "a 12-digit account or aws" if kind == "policy" else "a 12-digit account"
        if match["region"] or not (re.fullmatch(r"\d{12}", match["account"])
                                   or (kind == "policy" and match["account"] == "aws")):
            raise MappingError(f"{where}: {value!r}: an IAM ARN has no region and {allowed_accounts}")
        if any(not segment for segment in resource.split("/")):
            raise MappingError(f"{where}: {value!r} has an empty name or path segment")
        if kind == "oidc-provider":
            # A provider is named by its issuer's host and path, slashes included.
            return resource.removeprefix(_IAM_RESOURCE[kind])
        return resource.rsplit("/", 1)[-1]

    def check_partition(self, partition: str) -> None:
        """Every ARN must be of the audited account's partition: aws-cn's role is not this partition's namesake."""
        for logical, value in self.entries.items():
            match = _ARN.match(value)
            if match and match["partition"] != partition:
                raise MappingError(f"{self.source}: {logical}: {value} is in partition {match['partition']}, but "
                                   f"the audited account is in {partition}")

    def policy_arn(self, logical: str, account_id: str) -> str:
        """The ARN of the managed policy ``logical`` (a bare name is a customer-managed policy of the account)."""
        value = self.value(logical)
        return value if value.startswith("arn:") else f"arn:aws:iam::{account_id}:policy/{value}"

    def check_account(self, account_id: str, other_account: frozenset[str] = frozenset()) -> None:
        """Every ARN must name the audited account: a role of another account is not the one under audit. The
        ``other_account`` logical names are the users the features say are of another account."""
        for logical, value in self.entries.items():
            match = _ARN.match(value)
            if match and logical not in other_account and match["account"] not in ("", "aws", account_id):
                raise MappingError(f"{self.source}: {logical}: {value} is in account {match['account']}, "
                                   f"but the audited account is {account_id}")


def load(path: str | Path) -> AuditMapping:
    """Read a mapping file (``.json``, or YAML otherwise); every problem is one ``MappingError`` line."""
    path = Path(path)
    try:
        text = decoding.read_text(path, "audit mapping")
    except decoding.DecodingError as exc:
        raise MappingError(str(exc)) from None
    return parse(text, source=str(path), as_json=path.suffix.lower() == ".json")


def parse(text: str, *, source: str = "audit mapping", as_json: bool = False) -> AuditMapping:
    """Parse a mapping's text."""
    data: Any
    try:
        data = decoding.json_value(text, source) if as_json else decoding.yaml_value(text, source)
    except decoding.DecodingError as exc:
        raise MappingError(str(exc)) from None
    except ValueError as exc:
        raise MappingError(f"{source}: not valid JSON: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict) or not data:
        raise MappingError(f"{source}: expected a mapping of logical names to real names or ARNs")
    bad = [str(k) for k, v in data.items() if not isinstance(k, str) or not isinstance(v, str) or not v.strip()]
    if bad:
        raise MappingError(f"{source}: every entry must map a logical name to a name or ARN (check: {', '.join(bad)})")
    return AuditMapping(source, {k: v.strip() for k, v in data.items()})


def feature_resources(paths: Locations) -> dict[str, str]:
    """Every logical name the feature files' Given steps give a user, role, policy or bucket, with its kind.

    Read through the kinds table (``suite.features.introduction``), so any sentence that introduces an entity of
    those kinds counts, whatever its logical name; the other kinds are located by the audit's locator.
    """
    found: dict[str, str] = {}
    for _, scenario in scenarios(paths):
        for step in scenario.steps:
            introduced = introduction(step.name)
            # A role whose sentence states no trust policy ("... that trusts the role's session") exists only for
            # a check: the suite makes it, nothing maps it.
            if (introduced is not None and introduced.kind.name in KINDS
                    and (introduced.kind.name != "role" or "whose trust policy" in step.name)):
                other = introduced.kind.name == "user" and step.name.endswith(" of the other account")
                found[introduced.logical] = OTHER_ACCOUNT_USER if other else introduced.kind.name
    return found


def check_names(mapping: AuditMapping, needed: Mapping[str, str], *, complete: bool = True) -> None:
    """The mapping must name exactly the resources the features use: a typo must not pass as "not mapped".

    With ``complete`` False (a template's mapping, whose other names are derived) it need not name them all.
    """
    unknown = sorted(set(mapping.entries) - set(needed))
    if unknown:
        raise MappingError(f"{mapping.source}: unknown logical name(s) {', '.join(unknown)}; "
                           f"the feature files name {', '.join(sorted(needed))}")
    if not complete:
        return
    missing = sorted(set(needed) - set(mapping.entries))
    if missing:
        raise MappingError(f"{mapping.source}: no entry for {', '.join(missing)} "
                           f"({', '.join(needed[m] for m in missing)} named in the feature files)")
    for logical, kind in needed.items():
        mapping.name(logical, kind)


def check_exists(mapping: AuditMapping, needed: Mapping[str, str], iam: Any, s3: Any, account_id: str) -> None:
    """Every mapped resource must exist in the audited account; read-only calls only."""
    mapping.check_account(account_id, frozenset(k for k, v in needed.items() if v == OTHER_ACCOUNT_USER))
    mapping.check_partition(iam.meta.partition)
    for logical, kind in sorted(needed.items()):
        name = mapping.name(logical, kind)
        try:
            if kind in (OTHER_ACCOUNT_USER, "queue", "function"):
                # Another account is not read; a queue or function is located by its Given, which names it.
                continue
            if kind == "oidc-provider":
                iam.get_open_id_connect_provider(OpenIDConnectProviderArn=mapping.value(logical))
            elif kind == "user":
                iam.get_user(UserName=name)
            elif kind == "role":
                iam.get_role(RoleName=name)
            elif kind == "policy":
                iam.get_policy(PolicyArn=mapping.policy_arn(logical, account_id))
            else:
                s3.head_bucket(Bucket=name)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in _NOT_FOUND:
                raise MappingError(f"{mapping.source}: {logical}: {kind} {mapping.value(logical)} does not exist "
                                   f"in account {account_id}") from None
            raise MappingError(f"{mapping.source}: {logical}: cannot read {kind} {mapping.value(logical)}: "
                               f"{code}: {exc.response.get('Error', {}).get('Message', '')}") from None
