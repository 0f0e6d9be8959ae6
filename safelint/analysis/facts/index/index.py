"""The project index: per-module facts that rules checking *other* modules need (pass 1).

A rule checking ``b.py`` must know that ``a.load()`` returns ``Optional``, that
``a.connect()`` returns a socket, that ``a.Worker`` owns a lock. Pass 1 summarises every
module (``summarizer.py``, records in ``summary.py``), through the cache by content hash
(``codec.py``); this module names modules, indexes the summaries, and follows threads
from module to module.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections import OrderedDict
from pathlib import Path
from typing import Callable, Final, Iterable, Iterator, Mapping

from safelint.source import SourceError, read_source
from safelint.store import Store, content_key

from .codec import SUMMARIES, pack, unpack
from .summarizer import build_summary, is_package_file
from .summary import INDEX_FORMAT, ClassSummary, FunctionSummary, ModuleSummary, PackedSummary, ValueSource

__all__ = [
    "ProjectIndex",
    "build_index",
    "module_name_for",
    "pack_file",
    "summarize_file",
]


def module_name_for(path: str | os.PathLike[str], root: str | os.PathLike[str]) -> tuple[str, bool]:
    """The dotted module name of a file, and whether it is a package ``__init__``.

    The name follows the chain of ``__init__.py`` directories up from the file; the
    directory where the chain stops, if it is inside ``root``, contributes its path
    relative to ``root`` (minus a leading ``src``), so that namespace packages and
    ``src`` layouts get their import names and two ``utils.py`` never share a name.
    """
    return _ModuleNamer(Path(root)).name(Path(path))


class _ModuleNamer:
    """Caches which directories are packages, for one index build."""

    def __init__(self, root: Path) -> None:
        self._root = Path(os.path.abspath(root))
        self._is_package: dict[Path, bool] = {}

    def _has_init(self, directory: Path) -> bool:
        known = self._is_package.get(directory)
        if known is None:
            known = any((directory / init).is_file() for init in ("__init__.py", "__init__.pyi"))
            self._is_package[directory] = known
        return known

    def name(self, path: Path) -> tuple[str, bool]:
        path = Path(os.path.abspath(path))
        is_package = is_package_file(path)
        parts = [] if is_package else [path.stem]
        directory = path.parent
        while self._has_init(directory) and directory.parent != directory:
            parts.append(directory.name)
            directory = directory.parent
        try:
            outer = directory.relative_to(self._root).parts
        except ValueError:
            outer = ()
        if outer and outer[0] == "src":
            outer = outer[1:]
        parts.extend(reversed(outer))
        parts.reverse()
        return ".".join(p for p in parts if p), is_package


def summarize_file(path: str, module_name: str, cache_dir: str | None = None) -> ModuleSummary:
    """Read and summarise one file, through the cache folder ``cache_dir`` if given."""
    return unpack(pack_file(path, module_name, cache_dir))


def pack_file(path: str, module_name: str, cache_dir: str | None = None) -> PackedSummary:
    """Pass 1's unit of work: one file summarised (through the cache) and packed. A
    top-level function of picklable arguments, for ``ProcessPoolExecutor.map``."""
    is_package = is_package_file(path)
    try:
        source = read_source(Path(path))
    except (OSError, SourceError):  # unreadable, too big or not a regular file: pass 2 says which
        return pack(ModuleSummary(module_name, is_package, (), (), parsed=False))
    if cache_dir is None:
        return pack(build_summary(path, source, module_name))
    store = Store(cache_dir)
    python = f"{sys.version_info[0]}.{sys.version_info[1]}"  # ast differs between versions
    key = content_key(python, module_name, "package" if is_package else "module", source)
    cached = store.get(SUMMARIES, key)
    if cached is not None and cached.module == module_name:
        return cached
    packed = pack(build_summary(path, source, module_name))
    store.put(SUMMARIES, key, packed)
    return packed


# --------------------------------------------------------------------------- the index

_MAX_HOPS: Final = 16


class ProjectIndex:
    """Lookups over every module's summary, by qualified name.

    Summaries are kept packed (compressed JSON, a twentieth of their size as objects) and
    unpacked on demand into a small cache: every worker process holds the index, and it is
    what grows with the project. When two files claim the same module name, the first one
    given wins.
    """

    def __init__(self, summaries: Iterable[ModuleSummary | PackedSummary]) -> None:
        self._packed: dict[str, PackedSummary] = {}
        self._loaded: OrderedDict[str, _Loaded] = OrderedDict()
        self._thread_starts: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []
        self._class_bases: dict[str, tuple[str, ...]] = {}
        self.returning_names: set[str] = set()
        """Last components of the functions that return a call's value (``make_conn``)."""
        self.derived_class_names: set[str] = set()
        """Last components of the classes with explicit bases."""
        self.thread_helper_names: set[str] = set()
        """Last components of the functions that start a parameter on a thread (``spawn``)."""
        for item in summaries:
            packed = item if isinstance(item, PackedSummary) else pack(item)
            if packed.module in self._packed:
                continue
            self._packed[packed.module] = packed
            if packed.thread_targets:
                self._thread_starts.append((packed.module, packed.thread_targets, packed.repeated_thread_targets))
            self.returning_names.update(packed.returning_names)
            self.thread_helper_names.update(packed.thread_helpers)
            for qualname, bases in packed.class_bases:
                self._class_bases.setdefault(qualname, bases)
                self.derived_class_names.add(qualname.rpartition(".")[2])
        self._digest: str | None = None
        # Absolute paths of the files CPython's parser accepted in this pass: pass 2 need not
        # run it again to guard libcst's parser against pathological nesting.
        self.parsed_files: frozenset[str] = frozenset()
        self._threads: _ThreadReach | None = None

    def _load(self, module: str) -> _Loaded | None:
        loaded = self._loaded.get(module)
        if loaded is not None:
            self._loaded.move_to_end(module)
            return loaded
        packed = self._packed.get(module)
        if packed is None:
            return None
        loaded = _Loaded(unpack(packed))
        self._loaded[module] = loaded
        if len(self._loaded) > _LOADED_MODULES:
            self._loaded.popitem(last=False)
        return loaded

    def _locate(self, qualname: str) -> tuple[_Loaded, str] | None:
        """The module that would define ``qualname`` (its longest indexed prefix), and the rest."""
        cut = len(qualname)
        while True:
            cut = qualname.rfind(".", 0, cut)
            if cut <= 0:
                return None
            if qualname[:cut] in self._packed:
                loaded = self._load(qualname[:cut])
                assert loaded is not None
                return loaded, qualname[cut + 1 :]

    def module_of(self, qualname: str) -> str | None:
        """The module defining the function or class ``qualname`` (as written, not followed)."""
        found = self._locate(qualname)
        if found is None or (qualname not in found[0].functions and qualname not in found[0].classes):
            return None
        return found[0].summary.module

    def started_elsewhere(self, qualname: str) -> tuple[str, bool] | None:
        """The module that starts the function ``qualname`` on a thread, if another one does,
        and whether it may start it more than once."""
        return self._thread_reach().started.get(qualname)

    def called_from_thread(self, qualname: str) -> tuple[str, bool] | None:
        """For a function that code of another module calls while running on a thread (a
        thread target, or what one calls, followed from module to module): that caller,
        and whether the function may run on several threads at once."""
        return self._thread_reach().called.get(qualname)

    def built_on_thread(self, qualname: str) -> bool:
        """Whether the method ``qualname`` is reached from other modules' threads only while
        its object is being built: ``C()`` on a thread runs ``C.__init__``, which calls
        ``self.load()``. That object is not yet shared with any other thread."""
        return qualname in self._thread_reach().building

    def starts_threads_in(self, module: str) -> bool:
        """Whether code of another module runs one of ``module``'s functions on a thread."""
        return module in self._thread_reach().modules

    def _thread_reach(self) -> _ThreadReach:
        if self._threads is None:
            self._threads = _ThreadReach(self)
        return self._threads

    def updated(self, summaries: Iterable[ModuleSummary]) -> ProjectIndex:
        """A new index with ``summaries`` in place of the modules of the same names, the
        others kept packed as they are (an editor re-summarises a file on each save)."""
        fresh = [pack(summary) for summary in summaries]
        names = {packed.module for packed in fresh}
        return ProjectIndex([*fresh, *(p for name, p in self._packed.items() if name not in names)])

    @property
    def modules(self) -> Mapping[str, ModuleSummary]:
        """Every summary, unpacked as it is read: iterating it costs a decode per module."""
        return _Modules(self)

    def module(self, name: str) -> ModuleSummary | None:
        loaded = self._load(name)
        return None if loaded is None else loaded.summary

    def function(self, qualname: str) -> FunctionSummary | None:
        """The function or method ``qualname`` names, through re-exports
        (``pkg.helper`` where ``pkg/__init__.py`` does ``from .util import helper``)."""
        return self._function(qualname) or self._function(self.canonical(qualname))

    def _function(self, qualname: str) -> FunctionSummary | None:
        found = self._locate(qualname)
        return None if found is None else found[0].functions.get(qualname)

    def klass(self, qualname: str) -> ClassSummary | None:
        return self._klass(qualname) or self._klass(self.canonical(qualname))

    def _klass(self, qualname: str) -> ClassSummary | None:
        found = self._locate(qualname)
        return None if found is None else found[0].classes.get(qualname)

    def variable(self, qualname: str) -> tuple[ValueSource, ...] | None:
        """The value sources of a module-level variable (:attr:`ModuleSummary.variables`),
        through re-exports; None when the index does not tell."""
        return self._variable(qualname) or self._variable(self.canonical(qualname))

    def _variable(self, qualname: str) -> tuple[ValueSource, ...] | None:
        found = self._locate(qualname)
        return None if found is None else found[0].variables().get(qualname)

    def find_method(self, class_qualname: str, name: str) -> FunctionSummary | None:
        """A method defined on a class or, depth-first left to right, its indexed bases."""
        seen: set[str] = set()
        stack = [class_qualname]
        while stack:
            klass = self.klass(stack.pop())
            if klass is None or klass.qualname in seen:
                continue
            seen.add(klass.qualname)
            if name in klass.methods:
                return self._function(f"{klass.qualname}.{name}")
            stack.extend(reversed(klass.bases))
        return None

    def resolve_import(self, module: str, alias: str) -> str | None:
        """What a module-level name ``module`` imports refers to, followed to where it is
        defined (``from pkg.util import helper`` → ``pkg.util.helper``); None if
        ``module`` does not import ``alias``."""
        loaded = self._load(module)
        target = None if loaded is None else loaded.imports.get(alias)
        return None if target is None else self.canonical(target)

    def canonical(self, qualname: str) -> str:
        """``qualname`` with imported names replaced by what they import, repeatedly."""
        for _ in range(_MAX_HOPS):
            if qualname in self._packed:
                return qualname
            found = self._locate(qualname)
            if found is None:
                return qualname
            loaded, rest = found
            if qualname in loaded.functions or qualname in loaded.classes:
                return qualname
            head, dot, tail = rest.partition(".")
            target = loaded.imports.get(head)
            if target is None:
                return qualname
            qualname = target + dot + tail
        return qualname

    @property
    def digest(self) -> str:
        """A stable hash of every summary, for the result-cache key: it changes exactly
        when some summary does."""
        if self._digest is None:
            digest = hashlib.sha256(f"safelint-index-{INDEX_FORMAT}".encode())
            for name in sorted(self._packed):
                digest.update(self._packed[name].digest)
            self._digest = digest.hexdigest()
        return self._digest


_LOADED_MODULES: Final = 128
"""Unpacked summaries a process keeps: a module's checks touch its own and its imports'.
On the stdlib, 128 instead of 512 unpacks 4% more often and peaks 16 MB lower."""

_CONSTRUCTORS: Final = frozenset({"__init__", "__new__", "__post_init__"})
"""Methods that run on an object no other thread holds yet."""


class _Loaded:
    """One unpacked summary with its lookup tables."""

    __slots__ = ("summary", "functions", "classes", "imports", "_variables")

    def __init__(self, summary: ModuleSummary) -> None:
        self.summary = summary
        self.functions: dict[str, FunctionSummary] = {}
        for function in summary.functions:
            self.functions.setdefault(function.qualname, function)
        self.classes: dict[str, ClassSummary] = {}
        for klass in summary.classes:
            self.classes.setdefault(klass.qualname, klass)
        self.imports = dict(summary.imports)
        self._variables: dict[str, tuple[ValueSource, ...]] | None = None

    def variables(self) -> dict[str, tuple[ValueSource, ...]]:
        """The module's variables by qualified name, gathered on first use."""
        if self._variables is None:
            gathered: dict[str, list[ValueSource]] = {}
            for name, how, what in self.summary.variables:
                gathered.setdefault(f"{self.summary.module}.{name}", []).append((how, what))
            self._variables = {name: tuple(sources) for name, sources in gathered.items()}
        return self._variables


class _Modules(Mapping[str, ModuleSummary]):
    def __init__(self, index: ProjectIndex) -> None:
        self._index = index

    def __getitem__(self, name: str) -> ModuleSummary:
        summary = self._index.module(name)
        if summary is None:
            raise KeyError(name)
        return summary

    def __iter__(self) -> Iterator[str]:
        return iter(self._index._packed)

    def __len__(self) -> int:
        return len(self._index._packed)


class _ThreadReach:
    """Which functions run on threads, followed through the recorded calls of every
    module: a thread's target and everything it calls, transitively. Only what crosses a
    module boundary is kept; each module's own thread model follows its own calls."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self.started: dict[str, tuple[str, bool]] = {}
        self.called: dict[str, tuple[str, bool]] = {}
        self.building: set[str] = set()
        self.modules: set[str] = set()
        self._module_of: dict[str, str | None] = {}
        roots: dict[str, bool] = {}
        for starter, targets, repeated_targets in index._thread_starts:
            for target in targets:
                key = index.canonical(target)
                repeated = target in repeated_targets
                roots[key] = roots.get(key, False) or repeated or key in roots
                home = self.module_of(key)
                if home is not None and home != starter:
                    module, before = self.started.get(key, (starter, False))
                    self.started[key] = (module, before or repeated)
                    self.modules.add(home)
        for klass in self._thread_classes():
            run = index.find_method(klass, "run")
            if run is not None:
                roots.setdefault(run.qualname, False)
        self._follow(roots)

    def module_of(self, qualname: str) -> str | None:
        if qualname not in self._module_of:
            self._module_of[qualname] = self.index.module_of(qualname)
        return self._module_of[qualname]

    def _thread_classes(self) -> Iterator[str]:
        """Project classes deriving from ``threading.Thread``: their ``run`` is a root."""
        bases = self.index._class_bases
        derived: dict[str, bool] = {}

        def derives(name: str, depth: int) -> bool:
            if name == "threading.Thread":
                return True
            if name not in bases:
                name = self.index.canonical(name)
            if name not in bases or depth > 8:
                return False
            if name not in derived:
                derived[name] = False
                derived[name] = any(derives(b, depth + 1) for b in bases[name])
            return derived[name]

        for name in bases:
            if derives(name, 0):
                yield name

    def _follow(self, roots: Mapping[str, bool]) -> None:
        reached_by: dict[str, int] = {}
        repeated_at: set[str] = set()
        callers: dict[str, str] = {}
        shared: set[str] = set()
        """Cross-module callees reached at least once on an object other threads may hold."""
        for root, repeated in roots.items():
            # A name is reached "building" when every call on the way from the last ``C()``
            # is ``self.m()`` from ``C.__init__`` or from a method so reached.
            seen = {(root, False)}
            stack = [(root, False)]
            counted: set[str] = set()
            while stack:
                name, building = stack.pop()
                if name not in counted:
                    counted.add(name)
                    reached_by[name] = reached_by.get(name, 0) + 1
                if repeated:
                    repeated_at.add(name)
                constructing = building or name.rpartition(".")[2] in _CONSTRUCTORS
                for callee, via_self in self._callees(name):
                    fresh = constructing and via_self
                    if self.module_of(callee) != self.module_of(name):
                        callers.setdefault(callee, name)
                        if not fresh:
                            shared.add(callee)
                    if (callee, fresh) not in seen:
                        seen.add((callee, fresh))
                        stack.append((callee, fresh))
        for callee, caller in callers.items():
            self.called[callee] = (caller, callee in repeated_at or reached_by.get(callee, 0) > 1)
            if callee not in shared:
                self.building.add(callee)
            home = self.module_of(callee)
            assert home is not None
            self.modules.add(home)

    def _callees(self, qualname: str) -> Iterator[tuple[str, bool]]:
        """What ``qualname`` calls, each with whether the call is ``self.m()``."""
        index = self.index
        function = index.function(qualname)
        if function is None:
            return
        owner = qualname.rpartition(".")[0]
        for call in function.calls:
            found: FunctionSummary | None
            if call.startswith("self."):
                first, _, method = call[5:].partition(".")
                if not method:
                    found = index.find_method(owner, first)
                else:
                    attribute_class = self._attribute_class(owner, first)
                    found = None if attribute_class is None else index.find_method(attribute_class, method)
            else:
                target = index.canonical(call)
                found = index.function(target)
                if found is None and index.klass(target) is not None:
                    found = index.find_method(target, "__init__")
            if found is not None and self.module_of(found.qualname) is not None:
                yield found.qualname, call.startswith("self.") and "." not in call[5:]

    def _attribute_class(self, owner: str, attribute: str) -> str | None:
        """The class of ``self.<attribute>`` as the class (or an indexed base) constructs it."""
        seen: set[str] = set()
        stack = [owner]
        while stack:
            klass = self.index.klass(stack.pop())
            if klass is None or klass.qualname in seen:
                continue
            seen.add(klass.qualname)
            constructed = dict(klass.attribute_calls).get(attribute)
            if constructed is not None:
                target = self.index.canonical(constructed)
                return target if self.index.klass(target) is not None else None
            stack.extend(klass.bases)
        return None


def build_index(
    paths: Iterable[str | os.PathLike[str]],
    root: str | os.PathLike[str],
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    map_fn: Callable[..., Iterable[PackedSummary]] = map,
) -> ProjectIndex:
    """Summarise every file and index them, through the cache folder ``cache_dir`` if given.
    Pass ``executor.map`` as ``map_fn`` to summarise in worker processes; files are taken
    in sorted order, so which of two same-named modules wins does not depend on discovery
    order."""
    namer = _ModuleNamer(Path(root))
    files = sorted({os.path.abspath(p) for p in paths})
    names = [namer.name(Path(f))[0] for f in files]
    cache = None if cache_dir is None else os.fspath(cache_dir)
    parsed: list[str] = []

    def summaries() -> Iterator[PackedSummary]:
        # Streamed, not listed: a summary the index drops (a module name taken by an earlier
        # file) is freed at once.
        for path, packed in zip(files, map_fn(pack_file, files, names, [cache] * len(files))):
            if packed.parsed:
                parsed.append(path)
            yield packed

    index = ProjectIndex(summaries())
    index.parsed_files = frozenset(parsed)
    return index
