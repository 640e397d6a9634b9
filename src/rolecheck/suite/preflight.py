"""The feature files' policy documents, checked before anything is deployed.

A malformed document, a sentence naming an activity without defined actions, or two features disagreeing on one
reviewed document stops the run at collection in one line naming the feature and the step, instead of failing each
scenario halfway.
"""

from __future__ import annotations

import re
from typing import Any

from rolecheck.engine import Policy, PolicyError, UnsupportedFeature
from rolecheck.errors import PolicyDocumentError
from rolecheck.policydoc.documents import render
from rolecheck.suite.features import Locations, document_steps
from rolecheck.suite.vocabulary import ACTIVITIES, PLACEHOLDERS


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
            Policy.parse(where, render(text, stand_ins, name=where), kind=kind)
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
    if found and found["activity"] not in ACTIVITIES:
        raise PolicyDocumentError(f"{where}: no actions are defined for the activity {found['activity']!r}; "
                                  f"known: {', '.join(sorted(ACTIVITIES))}")


_QUOTED = re.compile(r'"[^"]*"')


def check_reviewed_documents_agree(paths: Locations) -> int:
    """Every feature must carry the same reviewed document under the same sentence; returns how many sentences.

    The feature files each show the documents they deploy, so that an auditor reads them where they apply; the copies
    are one document, and a copy widened in one feature (its sentence unchanged) would be reviewed nowhere. Steps are
    the same sentence when they differ only in their quoted names. A disagreement is one line naming the features.
    """
    stand_ins = _stand_ins()
    copies: dict[str, list[tuple[str, int, dict[str, Any]]]] = {}
    for file_name, line, step, text in document_steps(paths):
        sentence = _QUOTED.sub('"..."', step.rstrip(":"))
        copies.setdefault(sentence, []).append((file_name, line, render(text, stand_ins, name=file_name)))
    for sentence, found in copies.items():
        first_file, first_line, reviewed = found[0]
        differing = [f"{file_name} (line {line})" for file_name, line, document in found[1:] if document != reviewed]
        if differing:
            raise PolicyDocumentError(
                f"the reviewed document of \"{sentence}\" differs between features: {first_file} (line {first_line}) "
                f"and {', '.join(differing)}; every copy must be the same document")
    return len(copies)


def _stand_ins() -> dict[str, str]:
    return {name: _STAND_INS.get(name, f"rolecheck-{name.replace('_', '-')}") for name in PLACEHOLDERS}


_STAND_INS = {"account_id": "123456789012", "region": "us-east-1",
              "user_arn": "arn:aws:iam::123456789012:user/rolecheck-user",
              "role_arn": "arn:aws:iam::123456789012:role/rolecheck-role"}
