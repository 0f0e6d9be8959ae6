"""The project a checked file belongs to: its root, its configuration, its index (pass 1), the
knowledge base, and where its cache lives.

The root is found one way for every entry (the command line with files, directories or
standard input, the language server, ``--fix``), so that a file's findings do not depend on
how it was named or from where: module names and the index both follow from the root.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from safelint.analysis.facts.index.index import ProjectIndex, build_index, module_name_for
from safelint.analysis.facts.knowledge import Knowledge
from safelint.analysis.types.library import Library
from safelint.config import Overrides, Settings, find_config_file, load_settings
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


class SettingsResolver:
    """Finds and loads the configuration governing a path, each file loaded once."""

    def __init__(self, cwd: Path, overrides: Overrides, config: Path | None = None, isolated: bool = False) -> None:
        self.cwd = cwd
        self.overrides = overrides
        self.config = config
        self.isolated = isolated
        self._loaded: dict[Path | None, Settings] = {}

    def __call__(self, path: Path) -> Settings:
        if self.isolated:
            config_path = None
        elif self.config is not None:
            config_path = self.config
        else:
            config_path = find_config_file(path)
        if config_path not in self._loaded:
            self._loaded[config_path] = self.overrides.apply(load_settings(config_path, self.cwd))
        return self._loaded[config_path]


@dataclass(frozen=True)
class Project:
    """What every file of one project is checked with. ``cache_dir`` is None without a cache."""

    root: Path
    index: ProjectIndex
    python: str | None = None  # the interpreter whose stubs the knowledge base reads
    cache_dir: Path | None = None

    def module_name(self, path: Path) -> tuple[str, bool]:
        return module_name_for(path, self.root)

    def refreshed(self, paths: Iterable[Path]) -> Project:
        """This project with ``paths`` summarised again (saved in an editor); the rest is kept."""
        fresh = build_project(paths, self.root, cache_dir=self.cache_dir).index.modules
        return replace(self, index=self.index.updated(fresh.values()))


def build_project(
    paths: Iterable[Path],
    root: Path,
    map_fn: Callable[..., Any] = map,
    cache_dir: Path | None = None,
    python: str | None = None,
) -> Project:
    """Index ``paths``; summaries are cached under ``cache_dir`` when it is given (the store
    reads a read-only cache and simply keeps nothing new in it)."""
    return Project(root, build_index(paths, root, cache_dir=cache_dir, map_fn=map_fn), python, cache_dir)


def _existing_ancestor(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


_knowledge: dict[str | None, Knowledge] = {}
_knowledge_lock = threading.Lock()  # the language server's check and index threads both ask


def knowledge(python: str | None = None) -> Knowledge:
    """The knowledge base for an interpreter (None: this one), loaded from its cache on first use.

    Loading it in the parent before the workers fork means they inherit it for free.
    """
    with _knowledge_lock:
        if python not in _knowledge:
            _knowledge[python] = Knowledge.load(python=python)
        return _knowledge[python]


_libraries: dict[str | None, Library] = {}


def library(python: str | None = None) -> Library:
    """The stubs of an interpreter read as types: one per process, like its knowledge base,
    so that what one file's check learnt about ``dict`` serves the next."""
    kb = knowledge(python)
    with _knowledge_lock:
        if python not in _libraries:
            _libraries[python] = Library(kb)
        return _libraries[python]
