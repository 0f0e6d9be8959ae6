"""Facts shared by every file of a run: the project index (pass 1) and the knowledge base.

Both are built once in the parent process, before the workers start, so that forked
workers inherit them for free and a rule in one module knows about functions in another.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safelint.analysis.facts.index.index import ProjectIndex, build_index, module_name_for
from safelint.analysis.facts.knowledge import Knowledge

CACHE_DIR_NAME = ".safelint_cache"


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
    return Project(root, build_index(paths, root, cache_dir=cache_dir if usable else None, map_fn=map_fn), python)


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
