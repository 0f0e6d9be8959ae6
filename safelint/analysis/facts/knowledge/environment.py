"""Where stubs live: mypy's bundled typeshed and the checked project's site-packages.

The checked project's interpreter is asked for its site-packages directories in a
subprocess started with ``-I`` (isolated: no user site, no PYTHON* variables, no current
directory on ``sys.path``), so only the standard library of that interpreter runs, never
the checked code.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path


class KnowledgeError(Exception):
    """The knowledge base cannot be built: no typeshed, or an unusable interpreter."""


@dataclass(frozen=True, slots=True)
class Environment:
    """The target the facts are derived for: stub branches depend on version and platform."""

    version: tuple[int, int, int]
    platform: str
    paths: tuple[Path, ...]
    """site-packages directories searched for ``*-stubs`` and ``py.typed`` packages."""


def _probe() -> dict[str, object]:
    # Runs in the target interpreter too (its source is sent with ``-c``), so it imports
    # what it needs and uses nothing newer than Python 3.8 at run time.
    import site
    import sys
    import sysconfig

    paths = []
    if hasattr(site, "getsitepackages"):  # absent in some old virtualenv's site.py
        paths.extend(site.getsitepackages())
    scheme = sysconfig.get_paths()
    paths.extend([scheme["purelib"], scheme["platlib"]])
    return {
        "version": list(sys.version_info[:3]),
        "platform": sys.platform,
        "paths": paths,
    }


def _environment_from(data: dict[str, object]) -> Environment:
    version = data["version"]
    platform = data["platform"]
    paths = data["paths"]
    if not (
        isinstance(version, list)
        and len(version) == 3
        and all(isinstance(part, int) for part in version)
        and isinstance(platform, str)
        and isinstance(paths, list)
        and all(isinstance(path, str) for path in paths)
    ):
        raise KnowledgeError(f"unexpected answer from the interpreter probe: {data!r}")
    unique: dict[Path, None] = {}
    for path in paths:
        resolved = Path(path)
        if resolved.is_dir():
            unique.setdefault(resolved)
    return Environment((version[0], version[1], version[2]), platform, tuple(unique))


def probe_environment(python: str | None) -> Environment:
    """Describe ``python`` (an interpreter path, as mypy's ``--python-executable``).

    ``None`` describes the interpreter safelint runs in, without a subprocess.
    """
    if python is None:
        return _environment_from(_probe())
    script = "\n".join(
        [
            "from __future__ import annotations",
            inspect.getsource(_probe),
            "import json",
            "print(json.dumps(_probe()))",
        ]
    )
    try:
        completed = subprocess.run(
            [python, "-I", "-c", script],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise KnowledgeError(f"cannot run the interpreter {python}: {error}") from error
    if completed.returncode != 0:
        raise KnowledgeError(
            f"the interpreter {python} failed (exit {completed.returncode}): {completed.stderr.strip()}"
        )
    try:
        data = json.loads(completed.stdout)
    except ValueError as error:
        raise KnowledgeError(f"unexpected output from {python}: {completed.stdout!r}") from error
    if not isinstance(data, dict):
        raise KnowledgeError(f"unexpected output from {python}: {completed.stdout!r}")
    return _environment_from(data)


def environment_paths(python: str | None) -> list[Path]:
    """The site-packages directories of ``python`` (``None``: the current environment)."""
    return list(probe_environment(python).paths)


@dataclass(frozen=True, slots=True)
class Typeshed:
    """The typeshed copy bundled with the installed mypy."""

    root: Path
    mypy_version: str

    @property
    def stdlib(self) -> Path:
        return self.root / "stdlib"

    @staticmethod
    def locate() -> Typeshed:
        """Find mypy's typeshed without importing mypy (a 10 ms import in every worker)."""
        spec = importlib.util.find_spec("mypy")
        locations = list(spec.submodule_search_locations or ()) if spec else []
        for location in locations:
            root = Path(location) / "typeshed"
            if (root / "stdlib" / "VERSIONS").is_file():
                return Typeshed(root, _read_mypy_version(Path(location) / "version.py"))
        raise KnowledgeError("mypy's bundled typeshed was not found: is mypy installed?")

    def stub_roots(self) -> tuple[Path, ...]:
        """Third-party stub distributions mypy ships (``typeshed/stubs/<dist>``)."""
        stubs = self.root / "stubs"
        if not stubs.is_dir():
            return ()
        return tuple(sorted(path for path in stubs.iterdir() if path.is_dir()))


def _read_mypy_version(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return "unknown"
    for line in text.splitlines():
        if line.startswith("__version__"):
            return line.partition("=")[2].strip().strip("\"'")
    return "unknown"


def _parse_version(text: str) -> tuple[int, int]:
    major, _, minor = text.strip().partition(".")
    return int(major), int(minor)


def read_versions(stdlib: Path) -> dict[str, tuple[tuple[int, int], tuple[int, int] | None]]:
    """Parse typeshed's ``VERSIONS``: module -> (first version, last version or None)."""
    ranges: dict[str, tuple[tuple[int, int], tuple[int, int] | None]] = {}
    for raw in (stdlib / "VERSIONS").read_text(encoding="utf-8").splitlines():
        line = raw.partition("#")[0].strip()
        if not line:
            continue
        module, _, span = line.partition(":")
        first, _, last = span.strip().partition("-")
        ranges[module.strip()] = (
            _parse_version(first),
            _parse_version(last) if last.strip() else None,
        )
    return ranges


def stdlib_modules(stdlib: Path, version: tuple[int, int, int]) -> dict[str, Path]:
    """Every stdlib stub available in ``version``: module name -> file.

    A submodule not listed in ``VERSIONS`` has the lifetime of its nearest listed parent.
    """
    ranges = read_versions(stdlib)
    target = version[:2]
    found: dict[str, Path] = {}
    for directory, subdirs, files in os.walk(stdlib):
        subdirs.sort()
        relative = Path(directory).relative_to(stdlib).parts
        for file in sorted(files):
            if not file.endswith(".pyi"):
                continue
            stem = file[:-4]
            parts = relative if stem == "__init__" else (*relative, stem)
            name = ".".join(parts)
            if _available(name, ranges, target):
                found[name] = Path(directory, file)
    return found


def _available(
    name: str,
    ranges: dict[str, tuple[tuple[int, int], tuple[int, int] | None]],
    target: tuple[int, int],
) -> bool:
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        span = ranges.get(".".join(parts[:end]))
        if span is not None:
            first, last = span
            return first <= target and (last is None or target <= last)
    return False


def stdlib_digest_items(stdlib: Path) -> list[tuple[str, int, int]]:
    """(relative path, mtime, size) of every file under the stdlib stubs, for the cache key."""
    items: list[tuple[str, int, int]] = []
    prefix = len(str(stdlib)) + 1
    stack = [str(stdlib)]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                else:
                    status = entry.stat()
                    items.append((entry.path[prefix:], status.st_mtime_ns, status.st_size))
    items.sort()
    return items


class ThirdPartyFinder:
    """Finds third-party modules the way PEP 561 orders them.

    Stub packages (``foo-stubs``) come first, then mypy's own bundled stubs, then inline
    typed packages (``foo/py.typed``); within a package ``.pyi`` wins over ``.py``.
    Found files are parsed on first use only: a large typed package costs nothing until a
    rule asks about it.
    """

    def __init__(self, site_paths: tuple[Path, ...], stub_roots: tuple[Path, ...]) -> None:
        self._site_paths = site_paths
        self._stub_roots = stub_roots
        self._roots: dict[str, tuple[Path, ...]] = {}

    def _roots_for(self, top: str) -> tuple[Path, ...]:
        """Directories that may hold ``top`` (as a package dir or ``top.pyi``)."""
        cached = self._roots.get(top)
        if cached is not None:
            return cached
        roots: list[Path] = []
        for site_path in self._site_paths:
            if (site_path / f"{top}-stubs").is_dir():
                roots.append(site_path / f"{top}-stubs")
        for stub_root in self._stub_roots:
            if (stub_root / top).is_dir() or (stub_root / f"{top}.pyi").is_file():
                roots.append(stub_root / top)
        for site_path in self._site_paths:
            if (site_path / top / "py.typed").is_file():
                roots.append(site_path / top)
        found = tuple(roots)
        self._roots[top] = found
        return found

    def find(self, module: str) -> tuple[Path, bool] | None:
        """The file defining ``module`` and whether it is a package, or None."""
        top, *rest = module.split(".")
        if not top.isidentifier():
            return None
        for root in self._roots_for(top):
            base = root.joinpath(*rest)
            for suffix in (".pyi", ".py"):
                init = base / f"__init__{suffix}"
                if init.is_file():
                    return init, True
                if rest and base.with_suffix(suffix).is_file():
                    return base.with_suffix(suffix), False
            if not rest and root.with_suffix(".pyi").is_file():
                return root.with_suffix(".pyi"), False
        return None
