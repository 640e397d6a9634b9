"""``rolecheck init DIR``: a starter project of access contracts, ready for ``pytest``.

It writes the walkthrough's features as the example, a ``pytest.ini``, a commented ``rolecheck.yaml`` (the
project's own activity words), a GitHub Actions workflow and a README, from ``rolecheck/project_template``.
Nothing is overwritten: if any of those files exists, nothing at all is written.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath

# Packaged data skips names that start with a dot, so the template spells ".github" as "dot-github".
_DOT = "dot-"


class InitRefused(ValueError):
    """The project cannot be written; the message is one line for the terminal."""


def template_files() -> dict[PurePosixPath, bytes]:
    """The starter project: its path in the new project -> its content."""
    found: dict[PurePosixPath, bytes] = {}

    def walk(node: Traversable, parts: tuple[str, ...]) -> None:
        for child in sorted(node.iterdir(), key=lambda entry: entry.name):
            name = "." + child.name.removeprefix(_DOT) if child.name.startswith(_DOT) else child.name
            if child.is_dir():
                if child.name != "__pycache__":
                    walk(child, (*parts, name))
            else:
                found[PurePosixPath(*parts, name)] = child.read_bytes()

    walk(files("rolecheck") / "project_template", ())
    return found


def write_project(directory: str | Path) -> list[Path]:
    """Write the starter project into ``directory`` (made if missing); the files written, in order.

    Refuses (``InitRefused``) before writing anything when ``directory`` is a file or already holds one of them.
    """
    root = Path(directory)
    if root.exists() and not root.is_dir():
        raise InitRefused(f"{root} is not a directory; nothing written")
    template = template_files()
    targets = [root / path for path in template]
    existing = [target for target in targets if target.exists() or target.is_symlink()]
    if existing:
        raise InitRefused(f"{existing[0]} exists; nothing written")
    for target, content in zip(targets, template.values(), strict=True):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return targets
