"""Which files a run checks: directories walked for ``*.py``/``*.pyi``, minus excludes and ``.gitignore``.

A file named explicitly on the command line is checked even when an exclude pattern matches
it (as ruff and flake8 do), unless ``force_exclude`` asks otherwise (pre-commit passes every
staged file by name).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pathspec

from safelint.config import Settings
from safelint.source import not_regular

SOURCE_SUFFIXES = (".py", ".pyi")


class DiscoveryError(Exception):
    """A path named on the command line that cannot be checked (exit 2)."""


@dataclass(frozen=True)
class SourceFile:
    """A file to check: its absolute path, the path shown to the user, and its settings."""

    path: Path
    display: str
    settings: Settings


def display_path(path: Path, cwd: Path) -> str:
    """Paths under the working directory are shown relative to it, others absolute.

    A name that is not valid in the file system's encoding is shown with U+FFFD in place of
    the bad bytes, so that every output format can be written.
    """
    try:
        shown = path.relative_to(cwd).as_posix()
    except ValueError:
        shown = str(path)
    return shown.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _exclude_spec(settings: Settings) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines([*settings.exclude, *settings.extend_exclude])


def _relative(path: Path, base: Path) -> str | None:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return None


class _Ignorer:
    """Answers "is this path excluded?" from the settings' globs and the ``.gitignore`` files.

    A directory named on the command line is checked even when it is itself excluded or
    git-ignored (a user who runs ``safelint check build/`` means it): then only what lies
    beneath it is matched, relative to it.
    """

    def __init__(self, settings: Settings, start: Path, named: bool) -> None:
        self.excludes = _exclude_spec(settings)
        repo_root = _repo_root(start) if settings.respect_gitignore else None
        self.git = GitIgnores(repo_root) if repo_root is not None else None
        self.base = settings.root
        if named and self.excluded(start, is_dir=True):
            self.base = start
            if self.git is not None:
                self.git = GitIgnores(start)

    def excluded(self, path: Path, is_dir: bool) -> bool:
        suffix = "/" if is_dir else ""
        rel = _relative(path, self.base)
        candidates = [path.name + suffix] if rel is None else [rel + suffix, path.name + suffix]
        if any(self.excludes.match_file(c) for c in candidates):
            return True
        return self.git is not None and self.git.ignored(path, is_dir)


class GitIgnores:
    """The ``.gitignore`` files of one work tree, each read once."""

    def __init__(self, repo_root: Path) -> None:
        self.repo_root = repo_root
        self.specs: dict[Path, pathspec.GitIgnoreSpec | None] = {}

    def ignored(self, path: Path, is_dir: bool) -> bool:
        """Whether the ``.gitignore`` files ignore ``path`` itself (its folders are not asked)."""
        directory = path.parent
        chain = []
        while True:
            chain.append(directory)
            if directory == self.repo_root or directory == directory.parent:
                break
            directory = directory.parent
        for base in chain:  # the deepest .gitignore with an opinion decides, as in git
            spec = self._spec(base)
            if spec is None:
                continue
            rel = _relative(path, base)
            if rel is None:
                continue
            result = spec.check_file(rel + ("/" if is_dir else ""))
            if result.include is not None:
                return bool(result.include)
        return False

    def ignores_folder(self, directory: Path) -> bool:
        """Whether git ignores ``directory`` or a folder between it and the work tree's root."""
        rel = _relative(directory, self.repo_root)
        parts = Path(rel).parts if rel is not None else ()
        return any(self.ignored(self.repo_root.joinpath(*parts[: n + 1]), is_dir=True) for n in range(len(parts)))

    def _spec(self, directory: Path) -> pathspec.GitIgnoreSpec | None:
        if directory not in self.specs:
            spec = None
            try:
                with (directory / ".gitignore").open(encoding="utf-8", errors="replace") as handle:
                    spec = pathspec.GitIgnoreSpec.from_lines(handle)
            except OSError:
                pass
            self.specs[directory] = spec
        return self.specs[directory]


def _repo_root(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return None


def discover(
    paths: list[Path],
    settings_for: Callable[[Path], Settings],
    cwd: Path,
    force_exclude: bool = False,
    problems: list[str] | None = None,
) -> list[SourceFile]:
    """All files to check, in a stable order, without duplicates.

    A named path that is not a regular file (a FIFO, a device) is left out, and said so in
    ``problems``: the other files are still checked, and the run ends with exit 2. Without
    ``problems`` it raises, as a missing path always does.
    """
    found: dict[Path, SourceFile] = {}
    for given in paths:
        absolute = Path(os.path.abspath(cwd / given))
        if not absolute.exists() and not absolute.is_symlink():
            raise DiscoveryError(f"{given}: no such file or directory")
        settings = settings_for(absolute)
        if absolute.is_dir():
            ignorer = _Ignorer(settings, absolute, named=True)
            for path in _walk(absolute, ignorer):
                found.setdefault(path, SourceFile(path, display_path(path, cwd), settings))
        else:
            if not os.access(absolute, os.R_OK):
                raise DiscoveryError(f"{given}: permission denied")
            mode = _mode(absolute)
            if mode is not None and not stat.S_ISREG(mode):
                problem = f"{given}: {not_regular(mode)}"
                if problems is None:
                    raise DiscoveryError(problem)
                problems.append(problem)
                continue
            if force_exclude and _Ignorer(settings, absolute.parent, named=False).excluded(absolute, is_dir=False):
                continue
            found.setdefault(absolute, SourceFile(absolute, display_path(absolute, cwd), settings))
    return [found[p] for p in sorted(found)]


def _mode(path: Path) -> int | None:
    """``path``'s file type and mode; None for a link that leads nowhere (reading it says why)."""
    try:
        return os.stat(path).st_mode
    except OSError:
        return None


def _walk(root: Path, ignorer: _Ignorer) -> Iterator[Path]:
    for directory, dirnames, filenames in os.walk(root, onerror=None, followlinks=False):
        base = Path(directory)
        dirnames[:] = sorted(d for d in dirnames if not ignorer.excluded(base / d, is_dir=True))
        for name in sorted(filenames):
            if name.endswith(SOURCE_SUFFIXES):
                path = base / name
                mode = _mode(path)  # a FIFO or a device named *.py is skipped: reading one blocks
                if (mode is None or stat.S_ISREG(mode)) and not ignorer.excluded(path, is_dir=False):
                    yield path
