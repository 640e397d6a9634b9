"""The reference of every sentence a feature file may use, generated from the step definitions themselves.

``python -m rolecheck.steps.reference`` prints it as Markdown; docs/sentences.md is that output, and a test keeps it
so (tests/project/test_sentence_reference.py), so that the reference never lists a sentence no step matches or
misses one that does.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
from dataclasses import dataclass

import rolecheck.steps

_ORDER = {"given": 0, "when": 1, "then": 2}


@dataclass(frozen=True)
class Sentence:
    """One step definition as a writer meets it: its keyword, its pattern, what it does, where it is defined."""

    type: str
    pattern: str
    kind: str  # how the pattern reads: "text", "parse" ({name} fields) or "re"
    doc: str
    module: str


def sentences() -> list[Sentence]:
    """Every step definition of rolecheck's step modules, module by module, Givens before Whens before Thens."""
    from pytest_bdd.steps import step_function_context_registry

    for module in pkgutil.iter_modules(rolecheck.steps.__path__):
        if module.name.endswith("_steps"):
            importlib.import_module(f"{rolecheck.steps.__name__}.{module.name}")
    found = []
    for context in list(step_function_context_registry.values()):
        module = context.step_func.__module__
        if not module.startswith(f"{rolecheck.steps.__name__}."):
            continue
        parser = context.parser
        kind = {"string": "text", "parse": "parse", "cfparse": "parse", "re": "re"}.get(type(parser).__name__, "re")
        doc = (inspect.getdoc(context.step_func) or "").split("\n\n")[0].replace("\n", " ")
        found.append(Sentence(context.type or "any", str(parser.name), kind, doc, module))
    return sorted(found, key=lambda s: (s.module, _ORDER.get(s.type, 3)))


def markdown() -> str:
    """The reference as Markdown: one section per step module, a table of its sentences."""
    lines = ["# Sentences", "",
             "Every sentence a feature file may use, generated from the step definitions by "
             "`python -m rolecheck.steps.reference` (a test keeps this file up to date). `{name}` is a value the "
             "sentence takes (`{seconds:d}`: a whole number); a pattern marked *re* is a regular expression; a "
             "step ending in `:` takes a document or a table under it."]
    module = None
    for sentence in sentences():
        if sentence.module != module:
            module = sentence.module
            summary = (inspect.getdoc(sys.modules[module]) or "").split("\n\n")[0].replace("\n", " ")
            lines += ["", f"## {module.rsplit('.', 1)[-1]}", "", summary, "",
                      "| step | sentence | what it does |", "| --- | --- | --- |"]
        pattern, doc = (text.replace("|", "\\|") for text in (sentence.pattern, sentence.doc))
        marker = " *re*" if sentence.kind == "re" else ""
        lines.append(f"| {sentence.type.capitalize()} | `{pattern}`{marker} | {doc} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown())
