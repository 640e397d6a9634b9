"""Engine fidelity beyond the decision table: the global-key list's source, and keys AWS leaves undocumented."""

from __future__ import annotations

import pytest
from engine_cases import GLOBAL_KEYS, LAMBDA, OBJECT, allow, bucket_policy, cond

from rolecheck.engine import Request, UnsupportedFeature, evaluate
from rolecheck.engine.keys import GLOBAL_KEYS_PAGE, GLOBAL_KEYS_READ, KNOWN_GLOBAL_KEYS

# The data-perimeter and session keys the page lists (read on GLOBAL_KEYS_READ) and an older engine lacked.
NEWER_KEYS = ("aws:SourceVpcArn", "aws:VpceAccount", "aws:VpceOrgID", "aws:VpceOrgPaths", "aws:SignInSessionArn",
              "aws:ChatbotSourceArn", "aws:CalledViaAWSMCP", "aws:ViaAWSMCPService", "aws:IsMcpServiceAction")


def test_global_key_list_names_its_page_and_date() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html , as read on
    2026-11-30: every key of its five tables is known (tag keys by prefix)."""
    assert GLOBAL_KEYS_PAGE == GLOBAL_KEYS
    assert GLOBAL_KEYS_READ == "2026-11-30"
    assert {key.lower() for key in NEWER_KEYS} <= KNOWN_GLOBAL_KEYS
    assert len(KNOWN_GLOBAL_KEYS) == 49  # 10 + 10 + 8 + 3 + 18, tag keys aside


@pytest.mark.parametrize("key", ["aws:PrincipalType", "aws:PrincipalAccount", "aws:PrincipalArn", "aws:userid"])
@pytest.mark.parametrize("operator", ["StringEquals", "StringNotEqualsIfExists", "Null"])
def test_service_principal_undocumented_keys_are_not_guessed(key: str, operator: str) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html : the page says
    what a service principal's request carries for aws:PrincipalIsAWSService and aws:PrincipalServiceName only;
    a condition on another principal key is refused rather than decided on a guessed value."""
    value = "true" if operator == "Null" else "x"
    resource_policy = bucket_policy(allow("s3:GetObject", OBJECT, Principal="*", **cond(operator, key, value)))
    with pytest.raises(UnsupportedFeature, match=key):
        evaluate(Request(LAMBDA, "s3:GetObject", OBJECT, resource_policy=resource_policy))


def test_service_principal_key_supplied_by_caller_is_used() -> None:
    """A caller that knows the value (e.g. from CloudTrail) may supply it in Request.context."""
    resource_policy = bucket_policy(allow("s3:GetObject", OBJECT, Principal="*",
                                          **cond("StringEquals", "aws:PrincipalAccount", "111111111111")))
    request = Request(LAMBDA, "s3:GetObject", OBJECT, resource_policy=resource_policy,
                      context={"aws:PrincipalAccount": "111111111111"})
    assert evaluate(request).allowed
