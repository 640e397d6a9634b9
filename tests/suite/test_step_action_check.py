"""The collection check of can / cannot perform sentences: an action AWS's catalog lacks, or one no call can
exercise, is one line naming the step before anything is deployed; an action with a probe, or one the engine
decides (iam:PassRole), passes. The catalog is the Service Authorization Reference
(https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

import rolecheck.steps.contract_steps  # noqa: F401  (registers the check)
from rolecheck.errors import FeatureFileError
from rolecheck.suite import preflight, probing


def _step(text: str) -> SimpleNamespace:
    return SimpleNamespace(name=text)


def test_the_check_is_registered_for_collection() -> None:
    assert probing.check_step_actions in preflight.STEP_CHECKS


@pytest.mark.parametrize("text", [
    'the role "r" cannot perform "dynamodb:DeleteTable" on the table "t"',
    'the user "u" can perform "sns:Publish" on the topic "t"',
    'the role cannot perform "iam:PassRole"',
    'the role "r" cannot perform "<action>"',
    'the role "r"\'s account-wide access is exactly:',
])
def test_actions_a_probe_or_the_engine_decides_pass(text: str) -> None:
    probing.check_step_actions(_step(text), "f.feature, line 3")


@pytest.mark.parametrize(("text", "named"), [
    ('the role "r" cannot perform "dynamodb:DropTable" on the table "t"', "'dynamodb:DropTable' is not an action"),
    ('the user "u" cannot perform "ec2:LaunchRocket"', "'ec2:LaunchRocket' is not an action"),
])
def test_an_action_not_in_the_catalog_is_one_line_naming_the_step(text: str, named: str) -> None:
    with pytest.raises(FeatureFileError) as caught:
        probing.check_step_actions(_step(text), "f.feature, line 3")
    message = str(caught.value)
    assert message.startswith("f.feature, line 3: ") and named in message and "\n" not in message
