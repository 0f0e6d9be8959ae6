"""Build the stdlib table: every stdlib stub read once, plus the public name of each definition.

The table is what the cache holds. Linking (types, MROs) is left to query time, so the
build costs one ``ast`` parse per stub and the table loads in milliseconds.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from typing import Iterator

from .environment import Typeshed, stdlib_modules
from .resolve import Definition, Linker
from .stubs import (
    StubAlias,
    StubBinding,
    StubClass,
    StubImport,
    StubModule,
    StubOverloads,
    Target,
    read_stub,
)


@dataclass(frozen=True, slots=True)
class Table:
    modules: dict[str, bytes]
    """Module name -> pickled ``StubModule``: a worker unpickles only the modules it queries."""
    public: dict[str, str]
    """Qualified name where a class or function is defined -> the name users import it by,
    where they differ (``_io.TextIOWrapper`` -> ``io.TextIOWrapper``)."""


class DictSource:
    """A ``ModuleSource`` over records already in memory."""

    def __init__(self, modules: dict[str, StubModule]) -> None:
        self._modules = modules

    def module(self, name: str) -> StubModule | None:
        return self._modules.get(name)


def build_table(typeshed: Typeshed, target: Target) -> Table:
    modules: dict[str, StubModule] = {}
    for name, path in stdlib_modules(typeshed.stdlib, target.version).items():
        try:
            modules[name] = read_stub(path.read_bytes(), name, path.name == "__init__.pyi", target)
        except (OSError, SyntaxError, ValueError):
            continue  # an unreadable stub costs its facts, not the whole table
    return Table(
        {name: pickle.dumps(stub, pickle.HIGHEST_PROTOCOL) for name, stub in modules.items()},
        public_names(modules),
    )


def _private(module: str) -> bool:
    return any(part.startswith("_") for part in module.split("."))


def _star_exports(modules: dict[str, StubModule], module: str, seen: frozenset[str] = frozenset()) -> Iterator[str]:
    """The public names ``from module import *`` re-exports in a stub. A plain import does
    not: ``tracemalloc`` star-imports ``_tracemalloc``, which imports ``Sequence``, and that
    must not make ``tracemalloc.Sequence`` a candidate name for ``typing.Sequence``."""
    stub = modules.get(module)
    if stub is None or module in seen:
        return
    if stub.all is not None:
        yield from (name for name in stub.all if not name.startswith("_"))
        return
    yield from (name for name, binding in stub.members.items() if _reexported(stub, name, binding))
    for star in stub.stars:
        yield from _star_exports(modules, star, seen | {module})


def _reexported(stub: StubModule, name: str, binding: StubBinding) -> bool:
    """Stub semantics: ``import x as x``, ``__all__``, and public assignments re-export."""
    if name.startswith("_"):
        return False
    if stub.all is not None and name in stub.all:
        return True
    if isinstance(binding, StubImport):
        return binding.reexported
    return isinstance(binding, StubAlias)


def public_names(modules: dict[str, StubModule]) -> dict[str, str]:
    """Choose the name users write for every module-level class and function.

    Candidates are the defining module (when public) and every public module that
    re-exports the definition; the winner has the fewest module components, so
    ``asyncio.Lock`` beats ``asyncio.locks.Lock`` and ``typing.Mapping`` beats
    ``collections.abc.Mapping``; ties go to the alphabetically first module.
    """
    linker = Linker(DictSource(modules), {})
    candidates: dict[Definition, list[tuple[str, str]]] = {}
    for module in sorted(modules):
        if _private(module):
            continue
        stub = modules[module]
        names = [n for n, b in stub.members.items() if _reexported(stub, n, b)]
        for star in stub.stars:
            names.extend(_star_exports(modules, star))
        for name in dict.fromkeys(names):
            found = linker.member(module, name)
            if found is None or found.receiver is not None:
                continue
            target = found.target
            if (
                not isinstance(target, Definition)
                or not isinstance(target.binding, (StubClass, StubOverloads))
                or target.owner is not None
                or (target.module, target.path) == (module, (name,))
            ):
                continue
            candidates.setdefault(target, []).append((module, name))
    public: dict[str, str] = {}
    for definition, options in candidates.items():
        if not _private(definition.module):
            options.append((definition.module, definition.path[0]))
        module, name = min(options, key=lambda c: (len(c[0].split(".")), c[0], c[1]))
        chosen = f"{module}.{name}"
        if chosen != definition.qualname:
            public[definition.qualname] = chosen
    return public
