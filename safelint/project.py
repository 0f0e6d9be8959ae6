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

from safelint.analysis.index import ProjectIndex, build_index, module_name_for
from safelint.analysis.knowledge import Knowledge

CACHE_DIR_NAME = ".safelint_cache"


@dataclass
class Project:
    root: Path
    index: ProjectIndex

    def module_name(self, path: Path) -> tuple[str, bool]:
        return module_name_for(path, self.root)


def build_project(
    paths: Iterable[Path],
    root: Path,
    map_fn: Callable[..., Any] = map,
    cache_dir: Path | None = None,
) -> Project:
    """Index ``paths``; summaries are cached under ``cache_dir`` when it is given and writable."""
    usable = cache_dir is not None and os.access(_existing_ancestor(cache_dir), os.W_OK)
    index_cache = cache_dir / "index" if cache_dir is not None and usable else None
    return Project(root, build_index(paths, root, cache_dir=index_cache, map_fn=map_fn))


def _existing_ancestor(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


_knowledge: list[Knowledge] = []


def knowledge() -> Knowledge:
    """The knowledge base of this process, loaded (from its cache) on first use."""
    if not _knowledge:
        _knowledge.append(Knowledge.load())
    return _knowledge[0]
