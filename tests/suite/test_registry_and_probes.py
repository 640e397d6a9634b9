"""Registry naming and teardown; the probe table and the least-privilege feature stay in step."""

from __future__ import annotations

import re
from pathlib import Path

from rolecheck.aws.registry import ResourceRegistry
from rolecheck.suite.probing import ALLOWED_TO_ROLE, PROBES, REFUSED_TO_ROLE

FEATURES = Path(__file__).resolve().parents[2] / "features"


def test_names_are_unique_prefixed_and_bucket_safe() -> None:
    registry = ResourceRegistry("ab12cd34", worker="gw1")
    first, second = registry.unique_name("iam-test-user"), registry.unique_name("iam-test-user")
    assert first != second and first.startswith("rolecheck-ab12cd34-gw1-")
    bucket = registry.unique_name("Demo_Bucket", bucket=True)
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]", bucket)
    assert registry.tags() == [{"Key": "rolecheck:run-id", "Value": "ab12cd34"}]


def test_teardown_is_newest_first_and_survives_a_failure() -> None:
    registry = ResourceRegistry("r")
    registry.track("policy", "arn:p")
    registry.track("role", "r1")
    registry.track("user", "u1")
    calls: list[tuple[str, str]] = []

    class Client:
        def __getattr__(self, name: str):
            def call(**kwargs: object) -> dict:
                calls.append((name, str(kwargs)))
                if name == "delete_role":
                    raise RuntimeError("stuck")
                return {"PolicyNames": [], "AttachedPolicies": [], "AccessKeyMetadata": [], "Groups": [],
                        "InstanceProfiles": [], "User": {}, "PolicyUsers": [], "PolicyGroups": [],
                        "PolicyRoles": [], "Versions": []}
            return call

    problems = registry.teardown(lambda service: Client())
    deleted = [name for name, _ in calls if name.startswith("delete_") and name != "delete_login_profile"]
    assert deleted == ["delete_user", "delete_role", "delete_policy"]
    assert problems == ["role r1: RuntimeError: stuck"]
    assert registry.created == ()


def test_least_privilege_table_lists_every_refused_probe() -> None:
    text = (FEATURES / "least_privilege.feature").read_text()
    rows = set(re.findall(r"\|\s*[^|]+\|\s*([a-z0-9]+:[A-Za-z]+)\s*\|", text))
    assert rows == set(REFUSED_TO_ROLE)
    assert set(ALLOWED_TO_ROLE) | set(REFUSED_TO_ROLE) == set(PROBES)
