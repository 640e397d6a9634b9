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
    """The project at ``directory`` (the current folder by default); ``ProjectError`` if it holds no feature file."""
    root = Path(directory if directory is not None else Path.cwd()).resolve()
    if not root.is_dir():
        raise ProjectError(f"{root} is not a folder: give --project the folder of your feature files")
    features = root / "features" if (root / "features").is_dir() else root
    if next(features.rglob("*.feature"), None) is None:
        raise ProjectError(f"no .feature files in {features}: run rolecheck in your project's folder (or give "
                           "--project DIR); rolecheck init DIR writes a starter project")
    return Project(root, features)
