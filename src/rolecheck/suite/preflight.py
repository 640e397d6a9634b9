"""The feature files' policy documents, checked before anything is deployed.

A malformed document, a sentence naming an activity without defined actions, two features disagreeing on one
reviewed document, or a logical name used before any Given introduced it stops the run at collection in one line
naming the feature and the step, instead of failing each scenario halfway.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from rolecheck.engine import Policy, PolicyError, UnsupportedFeature
from rolecheck.errors import FeatureFileError, PolicyDocumentError
from rolecheck.policydoc.documents import check_limits, fill, render
from rolecheck.suite import features
from rolecheck.suite.features import Locations, document_steps
from rolecheck.suite.kinds import Kind
from rolecheck.suite.vocabulary import PLACEHOLDERS, activity_actions, entity_stand_ins, known_activities


def check_feature_documents(paths: Locations) -> int:
    """Render every policy document of every feature file with stand-in values before anything is deployed.

    A malformed document (bad JSON, unknown placeholder, a grammar error the engine refuses) then stops the run in
    one line naming the feature and the step, instead of failing each scenario halfway. Returns how many were read.
    """
    stand_ins = _stand_ins()
    count = 0
    for file_name, line, step, text in document_steps(paths):
        where = f"{file_name}, line {line} ({step.rstrip(':')})"
        kind = "trust" if "trust policy" in step else "identity"
        try:
            values = {**stand_ins, **entity_stand_ins(text)}
            Policy.parse(where, render(text, values, name=where), kind=kind)
            check_limits("trust" if kind == "trust" else "managed", fill(text, values, name=where), where)
        except (PolicyDocumentError, PolicyError, UnsupportedFeature) as exc:
            # An operator or key the engine does not know is as unusable as a grammar error: no verdict could be
            # trusted, so the run stops before anything is deployed.
            message = str(exc) if str(exc).startswith(where) else f"{where}: {exc}"
            raise PolicyDocumentError(f"malformed policy document: {message}") from None
        _check_activity(step, where)
        count += 1
    return count


_ALLOWS_ONLY = re.compile(r"that allows only (?P<activity>.+?):?$")


def _check_activity(step: str, where: str) -> None:
    """A sentence saying what its document allows must name an activity whose actions are defined."""
    found = _ALLOWS_ONLY.search(step)
    if found and activity_actions(found["activity"]) is None:
        raise PolicyDocumentError(f"{where}: no actions are defined for the activity {found['activity']!r}; "
                                  f"known: {', '.join(known_activities())}")


def check_reviewed_documents_agree(paths: Locations) -> int:
    """Every copy of one entity's reviewed document must be the same document; returns how many documents.

    The feature files each show the documents they deploy, so that an auditor reads them where they apply; the copies
    of one role's trust policy, one policy's permissions, one role's inline policy are one document, and a copy
    widened in one feature would be reviewed nowhere. The entity is the logical name its Given introduces (two
    roles are two documents, in one folder or not). A disagreement is one line naming the features.
    """
    stand_ins = _stand_ins()
    copies: dict[tuple[str, str], list[tuple[str, int, dict[str, Any]]]] = {}
    for file_name, line, step, text in document_steps(paths):
        document = render(text, {**stand_ins, **entity_stand_ins(text)}, name=file_name)
        copies.setdefault(_document_of(step), []).append((file_name, line, document))
    for (entity, part), found in copies.items():
        first_file, first_line, reviewed = found[0]
        differing = [f"{file_name} (line {line})" for file_name, line, document in found[1:] if document != reviewed]
        if differing:
            raise PolicyDocumentError(
                f"the reviewed {part} document of {entity} differs between features: {first_file} (line "
                f"{first_line}) and {', '.join(differing)}; every copy must be the same document")
    return len(copies)


_QUOTED = re.compile(r'"[^"]*"')


def _document_of(step: str) -> tuple[str, str]:
    """Whose document a step carries and which part: (the entity as a reader names it, trust | permissions | ...)."""
    introduced = features.introduction(step)
    if introduced is None:
        # A document no Given introduces an entity with: its sentence, names removed, stands for it.
        sentence = _QUOTED.sub('"..."', step.rstrip(":"))
        return f'"{sentence}"', "policy"
    if introduced.owner is not None:
        return f'the role "{introduced.owner}"', f'inline policy "{introduced.logical}"'
    if introduced.kind.name == "role" and "trust polic" in step:
        return f'the role "{introduced.logical}"', "trust"
    return f'the {introduced.kind.phrase} "{introduced.logical}"', "permissions"


# Checks of one step each, made at collection with every step definition known: (step, where) -> None, raising
# FeatureFileError. Other packages register theirs here (which actions a probe can exercise, the vocabulary).
STEP_CHECKS: list[Callable[[Any, str], None]] = []


def check_names_introduced(paths: Locations) -> int:
    """Every logical name a step refers to must be introduced earlier in its scenario (its Background included),
    as an entity of the kind the step names; returns how many references were checked.

    "the queue "jobs"" with no queue "jobs" introduced would fail halfway through a deployment; here it is one line
    naming the file, the line and the names that were introduced.
    """
    checked = 0
    for path, scenario in features.scenarios(paths):
        introduced: dict[str, Kind] = {}
        for step in scenario.steps:
            where = f"{path.name}, line {step.line_number}"
            for noun, logical in features.references(step.name):
                kind = introduced.get(logical)
                if kind is None:
                    known = ", ".join(f'{k.noun} "{name}"' for name, k in introduced.items()) or "none"
                    raise FeatureFileError(f"{where}: {noun or 'provider'} \"{logical}\" is not introduced before "
                                           f"\"{step.name.rstrip(':')}\" in its scenario (introduced: {known})")
                if noun is not None and kind.noun != noun:
                    raise FeatureFileError(f"{where}: \"{logical}\" is the {kind.phrase} introduced earlier, not a "
                                           f"{noun}")
                checked += 1
            found = features.introduction(step.name)
            if found is not None:
                introduced[found.logical] = found.kind
    return checked


def _stand_ins() -> dict[str, str]:
    return {name: _STAND_INS.get(name, f"rolecheck-{name.replace('_', '-')}") for name in PLACEHOLDERS}


_STAND_INS = {"account_id": "123456789012", "region": "us-east-1",
              "user_arn": "arn:aws:iam::123456789012:user/rolecheck-user",
              "role_arn": "arn:aws:iam::123456789012:role/rolecheck-role"}
