"""The project index: per-module facts that rules checking *other* modules need (pass 1).

A rule checking ``b.py`` must know that ``a.load()`` returns ``Optional``, that
``a.connect()`` returns a socket, that ``a.Worker`` owns a lock. Pass 1 summarises every
module with the stdlib ``ast`` parser (several times faster than libcst) and walks
statements, not expressions, wherever it can: this pass must stay a small fraction of a
run. Summaries are plain frozen dataclasses (picklable, for worker processes) and are
cached on disk by content hash as JSON (a cache file is data, never code: a checked-out
repository may contain a planted cache directory).

Summaries carry no line numbers and no paths on purpose: the :attr:`ProjectIndex.digest`
keys every file's result cache, and adding a line at the top of one file must not
invalidate the results of the whole project.
"""

from __future__ import annotations

import ast
import bisect
import builtins
import dataclasses
import gc
import hashlib
import json
import os
import sys
import threading
import warnings
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Final, Iterable, Iterator, Literal, Mapping, Sequence, Union

__all__ = [
    "ClassSummary",
    "FunctionSummary",
    "ModuleSummary",
    "ParamSummary",
    "ProjectIndex",
    "build_index",
    "build_summary",
    "module_name_for",
    "summarize_file",
]

INDEX_FORMAT: Final = 4
"""Bump when what a summary records changes: it keys the cache and the digest."""

ReturnKind = Literal["unannotated", "value", "optional", "none", "never"]
"""What the return annotation says the (awaited, for ``async def``) result is:
``optional`` may be None (``X | None``), ``none`` is always None (``-> None``),
``never`` does not return (``NoReturn``/``Never``)."""

ParamKind = Literal["positional_only", "positional", "var_positional", "keyword_only", "var_keyword"]


@dataclass(frozen=True, slots=True)
class ParamSummary:
    name: str
    kind: ParamKind
    optional: bool
    """Annotated ``Optional``/``X | None``, or defaulting to ``None``."""
    has_default: bool
    annotation: str | None
    """Qualified name of the annotated class (``builtins.int``, ``pkg.mod.C``)."""


@dataclass(frozen=True, slots=True)
class FunctionSummary:
    qualname: str
    """``pkg.mod.func`` or ``pkg.mod.Class.method``."""
    is_async: bool
    is_generator: bool
    is_context_manager: bool
    """Decorated ``@contextmanager``/``@asynccontextmanager`` (any module)."""
    must_use: bool
    """Decorated with anything whose last name component is ``must_use``."""
    return_kind: ReturnKind
    return_annotation: str | None
    """Qualified name of the returned class, with ``Optional``/``Annotated`` unwrapped."""
    returned_calls: tuple[str, ...]
    """Qualified callees of calls the function visibly returns (``return open(p)``, or
    ``f = open(p) ... return f``): the knowledge base decides which are resources."""
    decorators: tuple[str, ...]
    """Qualified (else dotted) names of the decorators, calls stripped."""
    params: tuple[ParamSummary, ...]
    calls: tuple[str, ...] = ()
    """What the body (nested functions included) calls within its own top-level package
    (qualified), and ``self.m``/``self.attr.m`` for a method: enough to follow a thread's
    work from module to module without recording every call of the project."""

    @property
    def returns_optional(self) -> bool:
        return self.return_kind == "optional"

    @property
    def returns_none(self) -> bool:
        return self.return_kind == "none"

    @property
    def no_return(self) -> bool:
        return self.return_kind == "never"

    @property
    def is_coroutine_function(self) -> bool:
        """``async def`` without ``yield`` (an async generator is not awaited)."""
        return self.is_async and not self.is_generator


@dataclass(frozen=True, slots=True)
class ClassSummary:
    qualname: str
    bases: tuple[str, ...]
    """Qualified (else dotted) names of the base classes."""
    methods: tuple[str, ...]
    attribute_calls: tuple[tuple[str, str], ...]
    """``(attribute, callee)`` for attributes assigned a call in ``__init__`` or the class
    body (``self._lock = threading.Lock()`` → ``("_lock", "threading.Lock")``)."""
    optional_attributes: tuple[str, ...]
    """Attributes declared ``X | None`` (class annotations, dataclass fields,
    ``self.x: T | None = ...``)."""
    none_then_set_attributes: tuple[str, ...]
    """Set to ``None`` in ``__init__`` and to something else in another method."""
    registers_self: bool = False
    """``__init__`` hands the new instance to something that will release it
    (``manager.enter_context(self)``, ``atexit.register(self.cleanup)``): whoever constructs
    one does not own it."""

    @property
    def defines_close(self) -> bool:
        return "close" in self.methods

    @property
    def defines_enter(self) -> bool:
        return "__enter__" in self.methods

    @property
    def defines_exit(self) -> bool:
        return "__exit__" in self.methods


@dataclass(frozen=True, slots=True)
class ModuleSummary:
    module: str
    is_package: bool
    imports: tuple[tuple[str, str], ...]
    """Module-level ``(alias, qualified name)``; names bound by conflicting imports (or
    also by an assignment) are left out."""
    star_imports: tuple[str, ...]
    functions: tuple[FunctionSummary, ...] = ()
    classes: tuple[ClassSummary, ...] = ()
    global_rebound: tuple[str, ...] = ()
    """Module names some function declares ``global`` and rebinds."""
    mutable_globals: tuple[tuple[str, str], ...] = ()
    """``(name, type or constructor)`` for module-level mutable containers
    (``CACHE = {}`` → ``("CACHE", "builtins.dict")``)."""
    thread_targets: tuple[str, ...] = ()
    """Functions this module starts on a thread (``Thread(target=m.f)``, ``Timer(t, m.f)``,
    ``asyncio.to_thread(m.f)``, ``pool.submit(f)`` on a ``ThreadPoolExecutor`` bound in
    the module), so their own module, and what they call, know they run there."""
    repeated_thread_targets: tuple[str, ...] = ()
    """Those of them started in a loop or a comprehension: they race with themselves."""
    parsed: bool = field(default=True)
    """False when the file could not be read or parsed (the summary is then empty)."""


# Callables that run their argument on a new thread, and where that argument is.
_THREAD_POOLS: Final = frozenset(
    {"concurrent.futures.ThreadPoolExecutor", "concurrent.futures.thread.ThreadPoolExecutor"}
)

_THREAD_STARTERS: Final = {
    "threading.Thread": ("target", None),
    "threading.Timer": ("function", 1),
    "_thread.start_new_thread": ("function", 0),
    "asyncio.to_thread": ("func", 0),
}


# --------------------------------------------------------------------------- module names


def _is_init(path: str | os.PathLike[str]) -> bool:
    return Path(path).stem == "__init__"


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
        is_package = _is_init(path)
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


# --------------------------------------------------------------------------- summarising

_TYPING_MODULES: Final = ("typing", "typing_extensions")
_NEVER: Final = frozenset({"NoReturn", "Never"})
_MUTABLE_CONSTRUCTORS: Final = frozenset(
    {
        "builtins.dict",
        "builtins.list",
        "builtins.set",
        "builtins.bytearray",
        "collections.defaultdict",
        "collections.OrderedDict",
        "collections.Counter",
        "collections.deque",
        "collections.ChainMap",
        "weakref.WeakKeyDictionary",
        "weakref.WeakValueDictionary",
        "weakref.WeakSet",
    }
)
_LITERAL_CONTAINERS: Final[dict[type, str]] = {
    ast.Dict: "builtins.dict",
    ast.DictComp: "builtins.dict",
    ast.List: "builtins.list",
    ast.ListComp: "builtins.list",
    ast.Set: "builtins.set",
    ast.SetComp: "builtins.set",
}
_BUILTIN_NAMES: Final = frozenset(n for n in dir(builtins) if not n.startswith("_"))
_FUNCTION_TYPES: Final = (ast.FunctionDef, ast.AsyncFunctionDef)
_SCOPE_TYPES: Final = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)

# Statement fields holding nested statement lists, for walks that skip expressions.
_TRY_TYPES: Final = tuple(t for t in (ast.Try, getattr(ast, "TryStar", None)) if t is not None)
_BLOCKS: Final[dict[type, tuple[str, ...]]] = {
    ast.If: ("body", "orelse"),
    ast.For: ("body", "orelse"),
    ast.AsyncFor: ("body", "orelse"),
    ast.While: ("body", "orelse"),
    ast.With: ("body",),
    ast.AsyncWith: ("body",),
    **{t: ("body", "handlers", "orelse", "finalbody") for t in _TRY_TYPES},
    ast.Match: ("cases",),
}


def _statements(body: Sequence[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement of a block, in source order, through compound statements but not
    into nested functions or classes."""
    stack: list[Iterator[ast.stmt]] = [iter(body)]
    while stack:
        for stmt in stack[-1]:
            yield stmt
            fields = _BLOCKS.get(type(stmt))
            if fields is not None:
                nested: list[ast.stmt] = []
                for name in fields:
                    for item in getattr(stmt, name):
                        if isinstance(item, ast.stmt):
                            nested.append(item)
                        else:  # an except handler or a match case
                            nested.extend(item.body)
                stack.append(iter(nested))
                break
        else:
            stack.pop()


def _target_names(target: ast.expr) -> Iterator[str]:
    stack = [target]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, (ast.Tuple, ast.List)):
            stack.extend(node.elts)
        elif isinstance(node, ast.Starred):
            stack.append(node.value)


_BINDING_TYPES: Final = frozenset(
    {
        ast.Assign,
        ast.AnnAssign,
        ast.AugAssign,
        ast.For,
        ast.AsyncFor,
        ast.With,
        ast.AsyncWith,
        ast.FunctionDef,
        ast.AsyncFunctionDef,
        ast.ClassDef,
        ast.Delete,
        *_TRY_TYPES,
    }
)


def _bound_names(stmt: ast.stmt) -> list[str]:
    """Names a statement binds in its own scope (imports excluded)."""
    if type(stmt) not in _BINDING_TYPES:  # most statements: a cheap exit
        return []
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [stmt.name]
    if isinstance(stmt, _TRY_TYPES):
        return [h.name for h in stmt.handlers if h.name]
    targets: list[ast.expr]
    if isinstance(stmt, (ast.Assign, ast.Delete)):
        targets = stmt.targets
    elif isinstance(stmt, (ast.With, ast.AsyncWith)):
        targets = [i.optional_vars for i in stmt.items if i.optional_vars is not None]
    elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor)):
        targets = [stmt.target]
    else:
        return []
    return [name for target in targets for name in _target_names(target)]


def _dotted(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _is_none(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


class _Scope:
    """Bindings that decide what a name means: a module's, or a function's on top."""

    def __init__(self, imports: dict[str, str], defined: set[str], ambiguous: set[str]) -> None:
        self.imports = imports
        """Names bound only by imports, all of one thing."""
        self.defined = defined
        """Names bound only otherwise (def, class, assignment, ...)."""
        self.ambiguous = ambiguous
        """Names bound both ways, or by imports of different things."""


def _from_module(stmt: ast.ImportFrom, anchor: Callable[[int], str | None]) -> str:
    """The module a ``from`` import imports from; a relative one stays dotted
    (``..a``) when the importing module's package is unknown."""
    module = stmt.module or ""
    if not stmt.level:
        return module
    package = anchor(stmt.level)
    if package is None:
        return "." * stmt.level + module
    return f"{package}.{module}" if module else package


def _import_sites(stmt: ast.Import | ast.ImportFrom, anchor: Callable[[int], str | None]) -> Iterator[tuple[str, str]]:
    """``(bound name, qualified name)`` for each alias of an import statement."""
    if isinstance(stmt, ast.Import):
        for alias in stmt.names:
            if alias.asname:
                yield alias.asname, alias.name
            else:
                top = alias.name.partition(".")[0]
                yield top, top
        return
    base = _from_module(stmt, anchor)
    sep = "" if base.endswith(".") else "."
    for alias in stmt.names:
        if alias.name != "*":
            yield alias.asname or alias.name, f"{base}{sep}{alias.name}"


def _make_scope(sites: Iterable[tuple[str, str | None]]) -> _Scope:
    """Sites are ``(name, import target)`` with None for a non-import binding."""
    imports: dict[str, str] = {}
    defined: set[str] = set()
    ambiguous: set[str] = set()
    for name, target in sites:
        if name in ambiguous:
            continue
        if target is None:
            if name in imports:
                del imports[name]
                ambiguous.add(name)
            else:
                defined.add(name)
        elif name in defined or imports.setdefault(name, target) != target:
            imports.pop(name, None)
            defined.discard(name)
            ambiguous.add(name)
    return _Scope(imports, defined, ambiguous)


_AttrWrite = tuple[str, Union[ast.expr, None], Union[ast.expr, None], _Scope]
"""``self.<attr> = value`` in a method: the attribute, the value (None: annotated only),
the annotation, and the method's scope (to resolve a callee)."""

_SOMETHING: Final = ast.Constant(value=Ellipsis)
"""Stands for a value we do not see (unpacking, augmented assignment): not None."""


def _self_assignments(stmt: ast.stmt, self_name: str) -> Iterator[tuple[str, ast.expr | None, ast.expr | None]]:
    """``(attr, value, annotation)`` for each ``self.<attr>`` a statement assigns."""

    def attr(node: ast.expr) -> str | None:
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == self_name:
            return node.attr
        return None

    if isinstance(stmt, ast.Assign):
        for target in stmt.targets:
            name = attr(target)
            if name is not None:
                yield name, stmt.value, None
            elif isinstance(target, (ast.Tuple, ast.List)):
                values: Sequence[ast.expr] = ()
                value = stmt.value
                if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts):
                    values = value.elts
                for i, element in enumerate(target.elts):
                    name = attr(element)
                    if name is not None:
                        yield name, values[i] if values else _SOMETHING, None
    elif isinstance(stmt, ast.AnnAssign):
        name = attr(stmt.target)
        if name is not None:
            yield name, stmt.value, stmt.annotation
    elif isinstance(stmt, ast.AugAssign):
        name = attr(stmt.target)
        if name is not None:
            yield name, _SOMETHING, None


class _Summarizer:
    """Summarises one parsed module. Module-level names are resolved flow-insensitively
    from the module's own bindings; a function's imports and assignments are layered on
    top for what its body returns."""

    def __init__(self, module: str, is_package: bool, source: bytes, tree: ast.Module) -> None:
        self.module = module
        self.is_package = is_package
        self.tree = tree
        # Lines mentioning ``yield``: only functions spanning one are walked for it, as
        # that walk (every expression of the body) would cost more than the rest.
        self.yield_lines = (
            [i for i, line in enumerate(source.splitlines(), 1) if b"yield" in line] if b"yield" in source else []
        )
        self.may_global = b"global" in source
        self.may_start_threads = b"hread" in source  # Thread, Timer's threading, to_thread
        self.star_imports: list[str] = []
        sites: list[tuple[str, str | None]] = []
        for stmt in _statements(tree.body):
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                if isinstance(stmt, ast.ImportFrom) and any(a.name == "*" for a in stmt.names):
                    self.star_imports.append(_from_module(stmt, self._anchor))
                sites.extend(_import_sites(stmt, self._anchor))
            else:
                sites.extend((name, None) for name in _bound_names(stmt))
        self.scope = _make_scope(sites)

    def _anchor(self, level: int) -> str | None:
        parts = self.module.split(".") if self.module else []
        if not self.is_package:
            parts = parts[:-1]
        if len(parts) < level:
            return None
        return ".".join(parts[: len(parts) - level + 1])

    # ----------------------------------------------------------------- names

    def qualify(self, node: ast.expr, local: _Scope | None = None) -> str | None:
        """The qualified name of a name/attribute chain, or None if unknown."""
        dotted = _dotted(node)
        if dotted is None:
            return None
        head, dot, rest = dotted.partition(".")
        base: str | None
        if local is not None and head in local.imports:
            base = local.imports[head]
        elif local is not None and (head in local.defined or head in local.ambiguous):
            return None  # a local variable
        elif head in self.scope.imports:
            base = self.scope.imports[head]
        elif head in self.scope.defined:
            base = f"{self.module}.{head}" if self.module else head
        elif head in self.scope.ambiguous:
            return None
        elif head in _BUILTIN_NAMES and not self.star_imports:
            base = f"builtins.{head}"
        else:
            return None
        return base + dot + rest

    def _named(self, node: ast.expr, local: _Scope | None = None) -> str | None:
        """Qualified if possible, else the dotted source text (for decorators, bases)."""
        if isinstance(node, ast.Call):
            node = node.func
        return self.qualify(node, local) or _dotted(node)

    def _is_typing(self, node: ast.expr, name: str | frozenset[str]) -> bool:
        """Whether ``node`` names ``typing.<name>``; an unresolvable name (a star import)
        is judged by its last component."""
        names = frozenset({name}) if isinstance(name, str) else name
        qualified = self.qualify(node)
        if qualified is not None:
            module, _, last = qualified.rpartition(".")
            return module in _TYPING_MODULES and last in names
        dotted = _dotted(node)
        return dotted is not None and dotted.rpartition(".")[2] in names

    # ----------------------------------------------------------------- annotations

    def annotation(self, node: ast.expr | None) -> tuple[ReturnKind, str | None]:
        """What an annotation says about None, and the class it names."""
        if node is None:
            return "unannotated", None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return "value", None
        if _is_none(node) or self.qualify(node) in ("types.NoneType", "builtins.NoneType"):
            return "none", None
        if self._is_typing(node, _NEVER):
            return "never", None
        members = self._union_members(node)
        if members is None:
            return self._unwrapped(node)
        others = [m for m in members if not _is_none(m)]
        if not others:
            return "none", None
        head = self.annotation(others[0])[1] if len(others) == 1 else None
        return ("optional" if len(others) < len(members) else "value"), head

    def _unwrapped(self, node: ast.expr) -> tuple[ReturnKind, str | None]:
        if isinstance(node, ast.Subscript):
            if self._is_typing(node.value, "Annotated"):
                inner = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) else node.slice
                return self.annotation(inner)
            return "value", self.qualify(node.value)
        return "value", self.qualify(node)

    def _union_members(self, node: ast.expr) -> list[ast.expr] | None:
        """The members of ``Optional[X]``, ``Union[...]`` or ``X | Y``; None otherwise."""
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            members: list[ast.expr] = []
            stack: list[ast.expr] = [node]
            while stack:
                item = stack.pop()
                if isinstance(item, ast.BinOp) and isinstance(item.op, ast.BitOr):
                    stack.extend((item.right, item.left))
                else:
                    members.append(item)
            return members
        if isinstance(node, ast.Subscript):
            if self._is_typing(node.value, "Optional"):
                return [node.slice, ast.Constant(value=None)]
            if self._is_typing(node.value, "Union"):
                return list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
        return None

    def _optional_annotation(self, node: ast.expr | None) -> bool:
        return self.annotation(node)[0] == "optional"

    # ----------------------------------------------------------------- functions

    def function(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, qualname: str, *, method: bool
    ) -> tuple[FunctionSummary, list[_AttrWrite]]:
        """The summary and, for a method, the ``self.<attr>`` assignments its body makes
        (facts about the enclosing class)."""
        decorators = tuple(filter(None, (self._named(d) for d in node.decorator_list)))
        last = {d.rpartition(".")[2] for d in decorators}
        params = self._params(node.args)
        local_sites: list[tuple[str, str | None]] = [(p.name, None) for p in params]
        counts: dict[str, int] = {p.name: 1 for p in params}
        assigned: dict[str, ast.expr] = {}
        returns: list[ast.expr] = []
        self_name = None
        if (
            method
            and params
            and params[0].kind in ("positional_only", "positional")
            and not last & {"staticmethod", "classmethod"}
        ):
            self_name = params[0].name
        self_sets: list[tuple[str, ast.expr | None, ast.expr | None]] = []
        for stmt in _statements(node.body):
            if isinstance(stmt, ast.Return):
                if stmt.value is not None:
                    returns.append(stmt.value)
                continue
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                local_sites.extend(_import_sites(stmt, self._anchor))
                continue
            for name in _bound_names(stmt):
                local_sites.append((name, None))
                counts[name] = counts.get(name, 0) + 1
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        assigned[target.id] = stmt.value
            if self_name is not None:
                self_sets.extend(_self_assignments(stmt, self_name))
        local = _make_scope(local_sites)
        kind, head = self.annotation(node.returns)
        summary = FunctionSummary(
            qualname=qualname,
            is_async=isinstance(node, ast.AsyncFunctionDef),
            is_generator=self._may_yield(node) and _yields(node),
            is_context_manager=bool(last & {"contextmanager", "asynccontextmanager"}),
            must_use="must_use" in last,
            return_kind=kind,
            return_annotation=head,
            returned_calls=self._returned_calls(returns, local, counts, assigned),
            decorators=decorators,
            params=params,
            calls=self._calls(node, local, self_name),
        )
        return summary, [(attr, value, annotation, local) for attr, value, annotation in self_sets]

    def _calls(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, local: _Scope, self_name: str | None
    ) -> tuple[str, ...]:
        found: dict[str, None] = {}
        top = self.module.partition(".")[0]
        stack: list[ast.AST] = list(node.body)
        while stack:
            item = stack.pop()
            if isinstance(item, ast.ClassDef):
                continue
            stack.extend(ast.iter_child_nodes(item))
            if not isinstance(item, ast.Call):
                continue
            dotted = _dotted(item.func)
            if dotted is None:
                continue
            head, _, rest = dotted.partition(".")
            if head == self_name:
                if rest and rest.count(".") <= 1:
                    found[f"self.{rest}"] = None
                continue
            callee = self.qualify(item.func, local)
            if callee is not None and callee.partition(".")[0] == top:
                found[callee] = None
        return tuple(found)

    def _may_yield(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        lines = self.yield_lines
        i = bisect.bisect_left(lines, node.lineno)
        return i < len(lines) and lines[i] <= (node.end_lineno or node.lineno)

    def _params(self, args: ast.arguments) -> tuple[ParamSummary, ...]:
        positional = [*args.posonlyargs, *args.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
        defaults.extend(args.defaults)
        listed: list[tuple[ast.arg, ParamKind, ast.expr | None, bool]] = [
            (
                arg,
                "positional_only" if i < len(args.posonlyargs) else "positional",
                default,
                default is not None,
            )
            for i, (arg, default) in enumerate(zip(positional, defaults))
        ]
        if args.vararg is not None:
            listed.append((args.vararg, "var_positional", None, False))
        listed.extend(
            (arg, "keyword_only", default, default is not None)
            for arg, default in zip(args.kwonlyargs, args.kw_defaults)
        )
        if args.kwarg is not None:
            listed.append((args.kwarg, "var_keyword", None, False))
        out = []
        for arg, kind, default, has_default in listed:
            annotated, head = self.annotation(arg.annotation)
            out.append(
                ParamSummary(
                    name=arg.arg,
                    kind=kind,
                    optional=annotated == "optional" or _is_none(default),
                    has_default=has_default,
                    annotation=head,
                )
            )
        return tuple(out)

    def _returned_calls(
        self,
        returns: list[ast.expr],
        local: _Scope,
        counts: dict[str, int],
        assigned: dict[str, ast.expr],
    ) -> tuple[str, ...]:
        callees: dict[str, None] = {}
        for value in returns:
            if isinstance(value, ast.Name) and counts.get(value.id) == 1:
                value = assigned.get(value.id, value)
            if isinstance(value, ast.Call):
                callee = self.qualify(value.func, local)
                if callee is not None:
                    callees[callee] = None
        return tuple(callees)

    # ----------------------------------------------------------------- classes

    def klass(self, node: ast.ClassDef, qualname: str, functions: list[FunctionSummary]) -> list[ClassSummary]:
        """The class's summary and its nested classes'; methods go to ``functions``."""
        classes: list[ClassSummary] = []
        methods: dict[str, None] = {}
        calls: dict[str, str] = {}
        optional: dict[str, None] = {}
        none_in_init: dict[str, None] = {}
        set_elsewhere: set[str] = set()
        registers_self = False
        for stmt in _statements(node.body):
            if isinstance(stmt, _FUNCTION_TYPES):
                methods[stmt.name] = None
                summary, writes = self.function(stmt, f"{qualname}.{stmt.name}", method=True)
                if not _is_overload(summary):
                    functions.append(summary)
                in_init = stmt.name == "__init__"
                if in_init and not registers_self:
                    registers_self = _hands_self_on(stmt)
                for attr, value, annotation, local in writes:
                    if annotation is not None and self._optional_annotation(annotation):
                        optional[attr] = None
                    if in_init:
                        if _is_none(value):
                            none_in_init[attr] = None
                        elif isinstance(value, ast.Call):
                            callee = self.qualify(value.func, local)
                            if callee is not None:
                                calls.setdefault(attr, callee)
                    elif value is not None and not _is_none(value):
                        set_elsewhere.add(attr)
            elif isinstance(stmt, ast.ClassDef):
                classes.extend(self.klass(stmt, f"{qualname}.{stmt.name}", functions))
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                if self._optional_annotation(stmt.annotation):
                    optional[stmt.target.id] = None
                if isinstance(stmt.value, ast.Call):
                    self._class_call(calls, stmt.target.id, stmt.value)
            elif isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        self._class_call(calls, target.id, stmt.value)
        own = ClassSummary(
            qualname=qualname,
            bases=tuple(filter(None, (self._named(b) for b in node.bases))),
            methods=tuple(methods),
            attribute_calls=tuple(calls.items()),
            optional_attributes=tuple(optional),
            none_then_set_attributes=tuple(a for a in none_in_init if a in set_elsewhere),
            registers_self=registers_self,
        )
        return [own, *classes]

    def _class_call(self, calls: dict[str, str], attr: str, value: ast.Call) -> None:
        callee = self.qualify(value.func)
        if callee is not None:
            calls.setdefault(attr, callee)

    # ----------------------------------------------------------------- module

    def summary(self) -> ModuleSummary:
        started, repeated = self._thread_targets()
        functions: list[FunctionSummary] = []
        classes: list[ClassSummary] = []
        mutable: dict[str, str] = {}
        for stmt in _statements(self.tree.body):
            if isinstance(stmt, _FUNCTION_TYPES):
                summary, _ = self.function(stmt, f"{self.module}.{stmt.name}", method=False)
                if not _is_overload(summary):
                    functions.append(summary)
            elif isinstance(stmt, ast.ClassDef):
                classes.extend(self.klass(stmt, f"{self.module}.{stmt.name}", functions))
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
                kind = self._mutable_kind(stmt.value)
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        if kind is None:
                            mutable.pop(target.id, None)
                        else:
                            mutable.setdefault(target.id, kind)
        return ModuleSummary(
            module=self.module,
            is_package=self.is_package,
            imports=tuple(self.scope.imports.items()),
            star_imports=tuple(self.star_imports),
            functions=tuple(functions),
            classes=tuple(classes),
            global_rebound=self._global_rebound() if self.may_global else (),
            mutable_globals=tuple(mutable.items()),
            thread_targets=started,
            repeated_thread_targets=repeated,
        )

    def _thread_targets(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Functions started on threads here, and those started in a loop (or mapped over a
        pool): they race with themselves."""
        if not self.may_start_threads:
            return (), ()
        pools: set[str] = set()
        submitted: list[tuple[str, ast.expr, bool]] = []
        targets: set[str] = set()
        repeated: set[str] = set()
        stack: list[tuple[ast.AST, bool, tuple[str, str] | None]] = [(self.tree, False, None)]
        while stack:
            node, looping, owner = stack.pop()
            inner = looping or isinstance(node, (ast.For, ast.AsyncFor, ast.While, ast.comprehension))
            # ``owner``: None at module level; (class, "") in a class body; (class, self's
            # name) in a method; ("", "") anywhere else (a class there is not indexed).
            if isinstance(node, ast.ClassDef):
                if owner is None or (owner[0] and not owner[1]):
                    owner = (f"{owner[0] if owner else self.module}.{node.name}", "")
                else:
                    owner = ("", "")
            elif isinstance(node, _FUNCTION_TYPES):
                arguments = [*node.args.posonlyargs, *node.args.args]
                in_class = owner is not None and owner[0] and not owner[1]
                owner = (owner[0], arguments[0].arg) if owner is not None and in_class and arguments else ("", "")
            stack.extend((child, inner, owner) for child in ast.iter_child_nodes(node))
            if isinstance(node, (ast.Assign, ast.withitem)):
                value = node.value if isinstance(node, ast.Assign) else node.context_expr
                bound = node.targets if isinstance(node, ast.Assign) else [node.optional_vars]
                if isinstance(value, ast.Call) and self.qualify(value.func) in _THREAD_POOLS:
                    pools.update(filter(None, (_dotted(t) for t in bound if t is not None)))
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            argument: ast.expr | None = None
            if isinstance(func, ast.Attribute) and func.attr in ("submit", "map") and node.args:
                receiver = _dotted(func.value)
                if receiver is not None:
                    submitted.append((receiver, node.args[0], looping or func.attr == "map"))
                continue
            if isinstance(func, ast.Attribute) and func.attr == "run_in_executor" and len(node.args) > 1:
                argument = node.args[1]
            starter = _THREAD_STARTERS.get(self.qualify(func) or "")
            if starter is not None:
                keyword, position = starter
                argument = next((k.value for k in node.keywords if k.arg == keyword), None)
                if argument is None and position is not None and len(node.args) > position:
                    argument = node.args[position]
            target = self._started(argument, owner) if argument is not None else None
            if target is not None:
                targets.add(target)
                if looping:
                    repeated.add(target)
        for receiver, argument, many in submitted:
            target = self._started(argument, None) if receiver in pools else None
            if target is not None:
                targets.add(target)
                if many:
                    repeated.add(target)
        return tuple(sorted(targets)), tuple(sorted(repeated))

    def _started(self, argument: ast.expr, owner: tuple[str, str] | None) -> str | None:
        """The qualified function a thread start names: a module-level name, or
        ``self.m`` in a method of the class ``owner`` names (with its ``self`` parameter)."""
        if (
            owner is not None
            and owner[1]
            and isinstance(argument, ast.Attribute)
            and isinstance(argument.value, ast.Name)
            and argument.value.id == owner[1]
        ):
            return f"{owner[0]}.{argument.attr}"
        return self.qualify(argument)

    def _mutable_kind(self, value: ast.expr) -> str | None:
        literal = _LITERAL_CONTAINERS.get(type(value))
        if literal is not None:
            return literal
        if isinstance(value, ast.Call):
            callee = self.qualify(value.func)
            if callee in _MUTABLE_CONSTRUCTORS:
                return callee
        return None

    def _global_rebound(self) -> tuple[str, ...]:
        found: dict[str, None] = {}
        bodies: list[tuple[list[ast.stmt], bool]] = [(self.tree.body, False)]
        while bodies:
            body, in_function = bodies.pop()
            declared: list[str] = []
            bound: set[str] = set()
            for stmt in _statements(body):
                if isinstance(stmt, (*_FUNCTION_TYPES, ast.ClassDef)):
                    bodies.append((stmt.body, not isinstance(stmt, ast.ClassDef)))
                if not in_function:
                    continue
                if isinstance(stmt, ast.Global):
                    declared.extend(stmt.names)
                elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
                    bound.update(name for name, _ in _import_sites(stmt, self._anchor))
                else:
                    bound.update(_bound_names(stmt))
            for name in declared:
                if name in bound:
                    found[name] = None
        return tuple(sorted(found))


_RELEASING_ATTRS = frozenset({"close", "cleanup", "shutdown", "terminate", "release", "__exit__"})
_REGISTERING_CALLS = frozenset(
    {
        "enter_context",
        "enter_async_context",
        "push",
        "push_async_exit",
        "callback",
        "register",
        "finalize",
        "add",
        "append",
    }
)


def _hands_self_on(init: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether ``__init__`` registers the instance (or its release method) with something
    that will release it: ``stack.enter_context(self)``, ``atexit.register(self.close)``,
    ``weakref.finalize(self, ...)``, ``_open_instances.add(self)``."""
    args = init.args.posonlyargs + init.args.args
    if not args:
        return False
    me = args[0].arg
    for stmt in _statements(init.body):
        for node in ast.walk(stmt):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
            if name not in _REGISTERING_CALLS:
                continue
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                if isinstance(arg, ast.Name) and arg.id == me:
                    return True
                if (
                    isinstance(arg, ast.Attribute)
                    and isinstance(arg.value, ast.Name)
                    and arg.value.id == me
                    and arg.attr in _RELEASING_ATTRS
                ):
                    return True
    return False


def _is_overload(summary: FunctionSummary) -> bool:
    return any(d.rpartition(".")[2] == "overload" for d in summary.decorators)


def _yields(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether the function's own body (not nested scopes) contains ``yield``."""
    stack: list[ast.AST] = list(node.body)
    while stack:
        item = stack.pop()
        if isinstance(item, (ast.Yield, ast.YieldFrom)):
            return True
        if not isinstance(item, _SCOPE_TYPES):
            stack.extend(ast.iter_child_nodes(item))
    return False


def build_summary(path: str | os.PathLike[str], source: bytes, module_name: str) -> ModuleSummary:
    """Summarise one module; never raises (an unparseable file gives an empty summary)."""
    is_package = _is_init(path)
    # An ast tree holds no reference cycles, so the cyclic collector, which the many
    # allocations of a parse keep triggering, has nothing to find: ~15 % of this pass.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for "\d" etc. is not ours to show
            tree = ast.parse(source, filename=os.fspath(path))
        return _Summarizer(module_name, is_package, source, tree).summary()
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return ModuleSummary(module_name, is_package, (), (), parsed=False)
    finally:
        if collecting:
            gc.enable()


# --------------------------------------------------------------------------- (de)serialising


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {value!r}")
    # Names repeat across a project (``self``, ``builtins.str``, every qualname prefix): one
    # copy each keeps the index, which every process holds, small.
    return sys.intern(value)


def _text_or_none(value: object) -> str | None:
    return None if value is None else _text(value)


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected a boolean, got {value!r}")
    return value


def _items(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"expected a list, got {value!r}")
    return value


def _texts(value: object) -> tuple[str, ...]:
    return tuple(_text(v) for v in _items(value))


def _pairs(value: object) -> tuple[tuple[str, str], ...]:
    out = []
    for item in _items(value):
        first, second = _items(item)
        out.append((_text(first), _text(second)))
    return tuple(out)


def _choice(value: object, allowed: tuple[str, ...]) -> Any:
    if value not in allowed:
        raise ValueError(f"expected one of {allowed}, got {value!r}")
    return value


_RETURN_KINDS: Final = ("unannotated", "value", "optional", "none", "never")
_PARAM_KINDS: Final = ("positional_only", "positional", "var_positional", "keyword_only", "var_keyword")


def _decode_module(data: Any) -> ModuleSummary:
    """A summary from its JSON form; raises ValueError/KeyError/TypeError when malformed."""
    return ModuleSummary(
        module=_text(data["module"]),
        is_package=_flag(data["is_package"]),
        imports=_pairs(data["imports"]),
        star_imports=_texts(data["star_imports"]),
        functions=tuple(
            FunctionSummary(
                qualname=_text(f["qualname"]),
                is_async=_flag(f["is_async"]),
                is_generator=_flag(f["is_generator"]),
                is_context_manager=_flag(f["is_context_manager"]),
                must_use=_flag(f["must_use"]),
                return_kind=_choice(f["return_kind"], _RETURN_KINDS),
                return_annotation=_text_or_none(f["return_annotation"]),
                returned_calls=_texts(f["returned_calls"]),
                decorators=_texts(f["decorators"]),
                calls=_texts(f["calls"]),
                params=tuple(
                    ParamSummary(
                        name=_text(p["name"]),
                        kind=_choice(p["kind"], _PARAM_KINDS),
                        optional=_flag(p["optional"]),
                        has_default=_flag(p["has_default"]),
                        annotation=_text_or_none(p["annotation"]),
                    )
                    for p in _items(f["params"])
                ),
            )
            for f in _items(data["functions"])
        ),
        classes=tuple(
            ClassSummary(
                qualname=_text(c["qualname"]),
                bases=_texts(c["bases"]),
                methods=_texts(c["methods"]),
                attribute_calls=_pairs(c["attribute_calls"]),
                optional_attributes=_texts(c["optional_attributes"]),
                none_then_set_attributes=_texts(c["none_then_set_attributes"]),
                registers_self=_flag(c.get("registers_self", False)),
            )
            for c in _items(data["classes"])
        ),
        global_rebound=_texts(data["global_rebound"]),
        mutable_globals=_pairs(data["mutable_globals"]),
        thread_targets=_texts(data["thread_targets"]),
        repeated_thread_targets=_texts(data["repeated_thread_targets"]),
        parsed=_flag(data["parsed"]),
    )


# --------------------------------------------------------------------------- cache


def _cache_key(source: bytes, module_name: str, is_package: bool) -> str:
    digest = hashlib.sha256()
    python = f"{sys.version_info[0]}.{sys.version_info[1]}"  # ast differs between versions
    digest.update(f"{INDEX_FORMAT}\0{python}\0{module_name}\0{is_package}\0".encode("utf-8", "surrogateescape"))
    digest.update(source)
    return digest.hexdigest()


def _load(path: Path) -> tuple[ModuleSummary, bytes] | None:
    """A cached summary and its JSON text, or None when absent or unreadable in any way
    (then rebuilt)."""
    try:
        text = path.read_bytes()
        return _decode_module(json.loads(text)), text
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return None


def _to_json(summary: ModuleSummary) -> str:
    return json.dumps(summary, default=_field_dict, separators=(",", ":"))


def _field_dict(value: object) -> dict[str, object]:
    """A summary dataclass as its fields, in field order (they have slots, not ``vars``)."""
    return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}  # type: ignore[arg-type]


def _store(path: Path, text: bytes) -> None:
    """Write atomically (a private temporary file, then rename): a concurrent reader or
    an interrupted run never sees half a file. A cache that cannot be written is skipped."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(text)
        os.replace(tmp, path)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass


def summarize_file(path: str, module_name: str, cache_dir: str | None = None) -> ModuleSummary:
    """Read and summarise one file, through the cache in ``cache_dir`` if given."""
    return _summarize_file(path, module_name, cache_dir)[0]


def _summarize_file(path: str, module_name: str, cache_dir: str | None) -> tuple[ModuleSummary, bytes | None]:
    """The summary and, when the cache had or took it, its JSON text."""
    is_package = _is_init(path)
    try:
        source = Path(path).read_bytes()
    except OSError:
        return ModuleSummary(module_name, is_package, (), (), parsed=False), None
    if cache_dir is None:
        return build_summary(path, source, module_name), None
    entry = Path(cache_dir) / f"{_cache_key(source, module_name, is_package)}.json"
    cached = _load(entry)
    if cached is not None and cached[0].module == module_name:
        return cached
    summary = build_summary(path, source, module_name)
    text = _to_json(summary).encode()
    _store(entry, text)
    return summary, text


def pack_file(path: str, module_name: str, cache_dir: str | None = None) -> PackedSummary:
    """Pass 1's unit of work: one file summarised (through the cache) and packed. A
    top-level function of picklable arguments, for ``ProcessPoolExecutor.map``."""
    return PackedSummary.of(*_summarize_file(path, module_name, cache_dir))


# --------------------------------------------------------------------------- the index

_MAX_HOPS: Final = 16


@dataclass(frozen=True, slots=True)
class PackedSummary:
    """A summary as the index keeps it (compressed JSON) with the few facts the index
    needs about every module at once. Pass 1's workers send these, not summaries: they
    pickle in a fraction of the time, and a cached summary is never decoded and encoded
    again just to be packed."""

    module: str
    parsed: bool
    compressed: bytes
    digest: bytes
    thread_targets: tuple[str, ...]
    repeated_thread_targets: tuple[str, ...]
    returning_names: tuple[str, ...]
    class_bases: tuple[tuple[str, tuple[str, ...]], ...]

    @classmethod
    def of(cls, summary: ModuleSummary, text: bytes | None = None) -> PackedSummary:
        """``text``: the summary's JSON when at hand (read from the cache)."""
        if text is None:
            text = _to_json(summary).encode()
        return cls(
            module=summary.module,
            parsed=summary.parsed,
            compressed=zlib.compress(text, 1),
            digest=hashlib.sha256(text).digest(),
            thread_targets=summary.thread_targets,
            repeated_thread_targets=summary.repeated_thread_targets,
            returning_names=tuple({f.qualname.rpartition(".")[2]: None for f in summary.functions if f.returned_calls}),
            class_bases=tuple((c.qualname, c.bases) for c in summary.classes if c.bases),
        )


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
        for item in summaries:
            packed = item if isinstance(item, PackedSummary) else PackedSummary.of(item)
            if packed.module in self._packed:
                continue
            self._packed[packed.module] = packed
            if packed.thread_targets:
                self._thread_starts.append((packed.module, packed.thread_targets, packed.repeated_thread_targets))
            self.returning_names.update(packed.returning_names)
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
        loaded = _Loaded(_decode_module(json.loads(zlib.decompress(packed.compressed))))
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
        fresh = [PackedSummary.of(summary) for summary in summaries]
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


class _Loaded:
    """One unpacked summary with its lookup tables."""

    __slots__ = ("summary", "functions", "classes", "imports")

    def __init__(self, summary: ModuleSummary) -> None:
        self.summary = summary
        self.functions: dict[str, FunctionSummary] = {}
        for function in summary.functions:
            self.functions.setdefault(function.qualname, function)
        self.classes: dict[str, ClassSummary] = {}
        for klass in summary.classes:
            self.classes.setdefault(klass.qualname, klass)
        self.imports = dict(summary.imports)


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
        for root, repeated in roots.items():
            seen = {root}
            stack = [root]
            while stack:
                name = stack.pop()
                reached_by[name] = reached_by.get(name, 0) + 1
                if repeated:
                    repeated_at.add(name)
                for callee in self._callees(name):
                    if self.module_of(callee) != self.module_of(name):
                        callers.setdefault(callee, name)
                    if callee not in seen:
                        seen.add(callee)
                        stack.append(callee)
        for callee, caller in callers.items():
            self.called[callee] = (caller, callee in repeated_at or reached_by.get(callee, 0) > 1)
            home = self.module_of(callee)
            assert home is not None
            self.modules.add(home)

    def _callees(self, qualname: str) -> Iterator[str]:
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
                yield found.qualname

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
    """Summarise every file and index them. Pass ``executor.map`` as ``map_fn`` to
    summarise in worker processes; files are taken in sorted order, so which of two
    same-named modules wins does not depend on discovery order."""
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
