"""What governs a document in the editor: the workspace folder it lies in, that folder's
configuration (through the CLI's ``SettingsResolver``), and the project it lies in, found by
``find_root`` as for ``safelint check``: the project may reach above the folder opened, and a
folder may hold several.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from safelint.api import RunOptions, SettingsResolver, open_project
from safelint.config import Overrides
from safelint.discovery import discover
from safelint.project import Project


def _codes(value: object) -> tuple[str, ...] | None:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        return None
    return tuple(str(c).strip().upper() for c in value if str(c).strip())


@dataclass(frozen=True)
class ClientOptions:
    """``select``/``extendSelect``/``ignore`` from ``initializationOptions`` or the client's
    settings; they override the configuration files as the same command-line options do."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, value: object) -> ClientOptions | None:
        """Options from a settings object (``{"safelint": {...}}`` or the inner table); None when
        it holds none of ours, so an empty settings push does not wipe what was given before."""
        if isinstance(value, Mapping) and isinstance(value.get("safelint"), Mapping):
            value = value["safelint"]
        if not isinstance(value, Mapping):
            return None
        keys = {
            "select": "select",
            "extendSelect": "extend_select",
            "extend-select": "extend_select",
            "ignore": "ignore",
        }
        found = {field: _codes(value[key]) for key, field in keys.items() if key in value}
        if not found:
            return None
        return cls(
            select=found.get("select"),
            extend_select=found.get("extend_select") or (),
            ignore=found.get("ignore") or (),
        )

    def overrides(self) -> Overrides:
        return Overrides(select=self.select, extend_select=self.extend_select, ignore=self.ignore)


class Folder:
    """One workspace folder (or, for a file outside every folder, that file's directory): the
    configuration its documents are checked with, and the projects they lie in."""

    def __init__(self, root: Path, options: ClientOptions) -> None:
        self.root = root
        self.resolver = SettingsResolver(root, options.overrides())
        self.projects: dict[Path, LiveProject] = {}

    def reconfigure(self, options: ClientOptions) -> None:
        """Forget every loaded configuration file (one changed on disk, or the client's options)."""
        self.resolver = SettingsResolver(self.root, options.overrides())

    def contains(self, path: Path) -> bool:
        return path == self.root or self.root in path.parents

    def excluded(self, path: Path) -> bool:
        """Whether the configuration excludes this file, as ``--force-exclude`` decides: an editor
        opening a file is not a user naming it to be checked."""
        return path.is_file() and not discover([path], self.resolver, self.root, force_exclude=True)


class LiveProject:
    """A project as the editor sees it: indexed by ``api.open_project`` as ``safelint check``
    indexes it, in the background, and swapped in whole, so a check running meanwhile sees
    either the old index or the new one, never half of one. Until the first index is ready a
    document is checked with an index of itself alone (``server.lint``)."""

    def __init__(self, root: Path, folder: Folder) -> None:
        self.root = root
        self.folder = folder
        self._project: Project | None = None
        self._lock = threading.Lock()
        self._indexing = False
        self._saved_while_indexing: set[Path] = set()

    def current(self) -> Project | None:
        with self._lock:
            return self._project

    def index(self) -> None:
        """Pass 1 over the whole project (in one process: forking a process that runs threads can
        deadlock the child)."""
        with self._lock:
            self._indexing = True
            self._saved_while_indexing.clear()
        project = open_project(self.root, self.folder.resolver, RunOptions(jobs=1))
        with self._lock:
            self._project = project
            self._indexing = False
            saved = sorted(self._saved_while_indexing)
        for path in saved:  # read before the save, maybe: summarise again
            self.refresh(path)

    def refresh(self, path: Path) -> None:
        """Summarise one saved file again, so the facts other files rely on follow its edits."""
        with self._lock:
            project = self._project
            if self._indexing:
                self._saved_while_indexing.add(path)
        if project is None:
            return
        fresh = project.refreshed([path])
        with self._lock:
            if self._project is project:
                self._project = fresh
