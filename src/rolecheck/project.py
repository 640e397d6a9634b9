"""The user's project: the folder whose feature files are the contracts, as ``pytest`` and ``rolecheck`` find it.

A project is a folder with a ``features/`` folder of ``.feature`` files (``rolecheck init`` writes one), or a folder
of ``.feature`` files itself. ``rolecheck audit`` runs the project it is started in (or ``--project DIR``), never
files next to the installed package.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# The project's own words for what its policies allow (rolecheck.suite.vocabulary reads it).
CONFIG_NAME = "rolecheck.yaml"


class ProjectError(ValueError):
    """No project where one was looked for; the message is one line for the terminal (exit status 4)."""


@dataclass(frozen=True)
class Project:
    """A project's root (where pytest runs, its ``pytest.ini`` and ``rolecheck.yaml``) and its features folder."""

    root: Path
    features: Path

    @property
    def config(self) -> Path | None:
        """The project's ``rolecheck.yaml``, if it has one."""
        path = self.root / CONFIG_NAME
        return path if path.is_file() else None


def locate(directory: str | Path | None = None) -> Project:
    """The project at ``directory``, or, by default, the one the current folder is in (itself or the nearest parent
    with a ``features/`` folder of feature files, as from a repository's ``terraform/``); ``ProjectError`` if none.
    """
    start = Path(directory if directory is not None else Path.cwd()).resolve()
    if not start.is_dir():
        raise ProjectError(f"{start} is not a folder: give --project the folder of your feature files")
    candidates = [start] if directory is not None else [start, *start.parents]
    for root in candidates:
        features = root / "features" if (root / "features").is_dir() else root
        if next(features.rglob("*.feature"), None) is not None and (features != root or root == start):
            return Project(root, features)
    raise ProjectError(f"no .feature files in {start}: run rolecheck in your project's folder (or give "
                       "--project DIR); rolecheck init DIR writes a starter project")
