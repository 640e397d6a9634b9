"""docs/sentences.md is the reference generated from the step definitions, never a stale copy of it."""

from __future__ import annotations

from pathlib import Path

from rolecheck.steps import reference

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "sentences.md"


def test_the_sentence_reference_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == reference.markdown(), (
        "docs/sentences.md is stale: regenerate it with `python -m rolecheck.steps.reference > docs/sentences.md`")


def test_it_lists_every_step_definition_once_and_only_the_suites() -> None:
    from pytest_bdd.steps import step_function_context_registry

    listed = reference.sentences()
    ours = [c for c in step_function_context_registry.values() if c.step_func.__module__.startswith("rolecheck.")]
    assert len(listed) == len(ours) and len({(s.type, s.pattern) for s in listed}) == len(listed)
    assert 'a role "{logical}" whose trust policy names only that user:' in {s.pattern for s in listed}
