"""Facts shared by every file of a run: the project index (pass 1) and the knowledge base.

Both are built once in the parent process, before the workers start, so that forked
workers inherit them for free and a rule in one module knows about functions in another.
The project's root is found one way (``find_root``), whichever files are named and from where.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safelint.analysis.facts.index.index import ProjectIndex, build_index, module_name_for
from safelint.analysis.facts.knowledge import Knowledge
from safelint.discovery import GitIgnores

CACHE_DIR_NAME = ".safelint_cache"
PROJECT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", "safelint.toml")


def find_root(path: Path) -> Path:
    """The nearest folder at or above ``path`` holding a project marker, else the git work tree,
    else the folder checked (``path`` itself, or the folder of a file).

    The search stops at the work tree, as the configuration lookup does: a marker above it
    belongs to another project. A folder git ignores (a virtualenv, or pyenv's interpreters
    inside its clone) is not part of the work tree's project: it is a project of its own.
    """
    path = Path(os.path.abspath(path))
    start = path if path.is_dir() else path.parent
    for directory in (start, *start.parents):
        if any((directory / marker).is_file() for marker in PROJECT_MARKERS):
            return directory
        if (directory / ".git").exists():
            return start if GitIgnores(directory).ignores_folder(start) else directory
    return _existing_ancestor(start)


@dataclass
class Project:
    root: Path
    index: ProjectIndex
    python: str | None = None  # the interpreter whose stubs the knowledge base reads

    def module_name(self, path: Path) -> tuple[str, bool]:
        return module_name_for(path, self.root)


def build_project(
    paths: Iterable[Path],
    root: Path,
    map_fn: Callable[..., Any] = map,
    cache_dir: Path | None = None,
    python: str | None = None,
) -> Project:
    """Index ``paths``; summaries are cached under ``cache_dir`` when it is given and writable."""
    usable = cache_dir is not None and os.access(_existing_ancestor(cache_dir), os.W_OK)
    index_cache = cache_dir / "index" if cache_dir is not None and usable else None
    return Project(root, build_index(paths, root, cache_dir=index_cache, map_fn=map_fn), python)


def _existing_ancestor(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


_knowledge: dict[str | None, Knowledge] = {}


def knowledge(python: str | None = None) -> Knowledge:
    """The knowledge base for an interpreter (None: this one), loaded from its cache on first use.

    Loading it in the parent before the workers fork means they inherit it for free.
    """
    if python not in _knowledge:
        _knowledge[python] = Knowledge.load(python=python)
    return _knowledge[python]
