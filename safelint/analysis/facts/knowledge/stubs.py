"""Read one stub (or inline-typed module) into raw declarations, with the stdlib ``ast``.

Only what the knowledge base asks about is kept: signatures, class bases and members,
annotated variables, imports and aliases. ``if sys.version_info ...`` and
``if sys.platform ...`` branches are decided for the target here, so the declarations are
those mypy would see. Annotations are kept as source text and evaluated only when a query
needs them: most of the stdlib is never asked about, and evaluating every annotation
would dominate the build time.

The records are ``NamedTuple``s of strings, numbers and tuples: cheap to pickle, and
every module is pickled on its own so that a worker unpickles only what it queries.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import NamedTuple

from safelint.analysis.syntax import PROPERTY_ACCESSORS

POSITIONAL_ONLY = 0
POSITIONAL_OR_KEYWORD = 1
VAR_POSITIONAL = 2
KEYWORD_ONLY = 3
VAR_KEYWORD = 4


class Target(NamedTuple):
    """What ``sys.version_info`` and ``sys.platform`` are, for deciding stub branches."""

    version: tuple[int, int, int]
    platform: str


class StubParam(NamedTuple):
    name: str
    kind: int
    """One of the ``POSITIONAL_ONLY`` ... ``VAR_KEYWORD`` constants above."""
    annotation: str | None
    has_default: bool


class StubFunction(NamedTuple):
    """One signature: a plain ``def`` or one ``@overload`` of several."""

    params: tuple[StubParam, ...]
    returns: str | None
    is_async: bool
    decorators: frozenset[str]
    """Last component of each decorator's name: ``overload``, ``classmethod``, ..."""


class StubOverloads(NamedTuple):
    """A function or method name: its signatures in declaration order."""

    signatures: tuple[StubFunction, ...]


class StubClass(NamedTuple):
    bases: tuple[str, ...]
    members: dict[str, StubBinding]


class StubVariable(NamedTuple):
    """``name: annotation`` (``annotation`` is None when only a value was assigned)."""

    annotation: str | None


class StubAlias(NamedTuple):
    """``name = expression`` or ``name: TypeAlias = expression`` naming something else."""

    expression: str


class StubImport(NamedTuple):
    """``import module`` (``name`` None) or ``from module import name``."""

    module: str
    name: str | None
    reexported: bool
    """Stub convention: ``import x as x`` or ``from m import x as x`` re-exports ``x``."""


class StubTypeVar(NamedTuple):
    """A ``TypeVar`` (or ``ParamSpec``/``TypeVarTuple``): its bound or constraints."""

    bound: str | None
    constraints: tuple[str, ...]


StubBinding = StubOverloads | StubClass | StubVariable | StubAlias | StubImport | StubTypeVar


class StubModule(NamedTuple):
    name: str
    is_package: bool
    members: dict[str, StubBinding]
    stars: tuple[str, ...]
    """Modules ``from m import *`` pulls names from, in order."""
    all: tuple[str, ...] | None
    """``__all__`` when the stub declares it."""


_TYPEVAR_FACTORIES = frozenset({"TypeVar", "ParamSpec", "TypeVarTuple"})


def read_stub(source: bytes, name: str, is_package: bool, target: Target) -> StubModule:
    """Extract the declarations of module ``name`` from its stub source."""
    reader = _Reader(source, name, is_package, target)
    tree = ast.parse(source, type_comments=False)
    members: dict[str, StubBinding] = {}
    stars: list[str] = []
    exports: list[str] | None = None
    for node in reader.live(tree.body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname is not None:
                    members[alias.asname] = StubImport(alias.name, None, alias.asname == alias.name)
                else:
                    top = alias.name.partition(".")[0]
                    members[top] = StubImport(top, None, False)
        elif isinstance(node, ast.ImportFrom):
            module = reader.absolute(node.module, node.level)
            for alias in node.names:
                if alias.name == "*":
                    stars.append(module)
                else:
                    local = alias.asname or alias.name
                    members[local] = StubImport(module, alias.name, alias.asname == alias.name)
        elif _assigns_all(node):
            exports = _extend_all(exports, node)
        else:
            reader.declare(node, members)
    return StubModule(name, is_package, members, tuple(stars), tuple(exports) if exports is not None else None)


def _assigns_all(node: ast.stmt) -> bool:
    if isinstance(node, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
    if isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        return isinstance(node.target, ast.Name) and node.target.id == "__all__"
    return False


def _extend_all(exports: list[str] | None, node: ast.stmt) -> list[str]:
    value = node.value if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) else None
    names = [
        element.value
        for element in (value.elts if isinstance(value, (ast.List, ast.Tuple)) else [])
        if isinstance(element, ast.Constant) and isinstance(element.value, str)
    ]
    if isinstance(node, ast.AugAssign):
        return [*(exports or []), *names]
    return names


class _Reader:
    def __init__(self, source: bytes, name: str, is_package: bool, target: Target) -> None:
        self._source = source
        self._name = name
        self._is_package = is_package
        self._target = target
        starts = [0]
        index = source.find(b"\n")
        while index != -1:
            starts.append(index + 1)
            index = source.find(b"\n", index + 1)
        self._line_starts = starts

    def text(self, node: ast.expr) -> str:
        """The source text of ``node`` (``ast`` offsets are UTF-8 byte offsets)."""
        end_line = node.end_lineno if node.end_lineno is not None else node.lineno
        end_col = node.end_col_offset if node.end_col_offset is not None else node.col_offset
        start = self._line_starts[node.lineno - 1] + node.col_offset
        end = self._line_starts[end_line - 1] + end_col
        return self._source[start:end].decode("utf-8", "replace")

    def absolute(self, module: str | None, level: int) -> str:
        if level == 0:
            return module or ""
        parts = self._name.split(".")
        if not self._is_package:
            parts = parts[:-1]
        if level > 1:
            parts = parts[: len(parts) - (level - 1)]
        return ".".join([*parts, module] if module else parts)

    def live(self, body: Iterable[ast.stmt]) -> Iterable[ast.stmt]:
        """The statements of ``body`` that exist for the target, branches flattened."""
        for node in body:
            if isinstance(node, ast.If):
                verdict = self.condition(node.test)
                if verdict is not False:
                    yield from self.live(node.body)
                if verdict is not True:
                    yield from self.live(node.orelse)
            elif isinstance(node, ast.Try):
                yield from self.live(node.body)
            else:
                yield node

    def condition(self, test: ast.expr) -> bool | None:
        """Decide a ``sys.version_info``/``sys.platform`` test; None when it is something else.

        ``TYPE_CHECKING`` is true, as for mypy: typed ``.py`` modules import their
        annotation-only names under it.
        """
        if _dotted(test).rpartition(".")[2] == "TYPE_CHECKING":
            return True
        if isinstance(test, ast.BoolOp):
            verdicts = [self.condition(value) for value in test.values]
            if isinstance(test.op, ast.And):
                if False in verdicts:
                    return False
                return True if all(v is True for v in verdicts) else None
            if True in verdicts:
                return True
            return False if all(v is False for v in verdicts) else None
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            verdict = self.condition(test.operand)
            return None if verdict is None else not verdict
        if isinstance(test, ast.Call) and _dotted(test.func) == "sys.platform.startswith":
            prefix = test.args[0] if len(test.args) == 1 else None
            if isinstance(prefix, ast.Constant) and isinstance(prefix.value, str):
                return self._target.platform.startswith(prefix.value)
            return None
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            left = self._sys_value(test.left)
            right = _constant(test.comparators[0])
            if left is None or right is None:
                return None
            return _compare(test.ops[0], left, right)
        return None

    def _sys_value(self, node: ast.expr) -> object:
        name = _dotted(node)
        if name == "sys.platform":
            return self._target.platform
        if name == "sys.version_info":
            return self._target.version
        if isinstance(node, ast.Subscript) and _dotted(node.value) == "sys.version_info":
            index = node.slice
            if isinstance(index, ast.Constant) and isinstance(index.value, int):
                return self._target.version[index.value]
            if isinstance(index, ast.Slice) and index.lower is None and index.step is None:
                upper = _constant(index.upper) if index.upper is not None else None
                if isinstance(upper, int):
                    return self._target.version[:upper]
        return None

    def declare(self, node: ast.stmt, members: dict[str, StubBinding]) -> None:
        """Record what ``node`` binds (a def, class or assignment) into ``members``."""
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            decorators = frozenset(_decorator_name(d) for d in node.decorator_list)
            if decorators & PROPERTY_ACCESSORS:
                return
            signature = StubFunction(
                self._params(node.args),
                self.text(node.returns) if node.returns is not None else None,
                isinstance(node, ast.AsyncFunctionDef) and not _yields(node.body),
                decorators,
            )
            previous = members.get(node.name)
            overloaded = isinstance(previous, StubOverloads) and all(
                "overload" in s.decorators for s in previous.signatures
            )
            if overloaded and "overload" in decorators:
                assert isinstance(previous, StubOverloads)
                members[node.name] = StubOverloads((*previous.signatures, signature))
                return
            if overloaded:
                return  # the implementation after its overloads (inline-typed code): callers see the overloads
            members[node.name] = StubOverloads((signature,))
        elif isinstance(node, ast.ClassDef):
            body: dict[str, StubBinding] = {}
            for child in self.live(node.body):
                self.declare(child, body)
            members[node.name] = StubClass(tuple(self.text(base) for base in node.bases), body)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            annotation = self.text(node.annotation)
            if _dotted(node.annotation).rpartition(".")[2] == "TypeAlias" and node.value:
                members[node.target.id] = StubAlias(self.text(node.value))
            elif (
                _dotted(node.annotation).rpartition(".")[2] == "Final"
                and isinstance(node.value, ast.Constant)
                and type(node.value.value) in (bool, int, float, complex, str, bytes)
            ):
                # ``NOTSET: Final = 0``: the type is the constant's (Literal[0], read as int)
                members[node.target.id] = StubVariable(type(node.value.value).__name__)
            elif _dotted(node.annotation).rpartition(".")[2] == "Final" and isinstance(
                node.value, (ast.Name, ast.Attribute)
            ):
                # ``AF_INET: Final = AddressFamily.AF_INET``: another name for that value
                members[node.target.id] = StubAlias(self.text(node.value))
            else:
                members[node.target.id] = StubVariable(annotation)
        elif isinstance(node, ast.Assign):
            binding = self._assigned(node.value)
            for target in node.targets:
                if isinstance(target, ast.Name):
                    members[target.id] = binding

    def _assigned(self, value: ast.expr) -> StubBinding:
        if isinstance(value, ast.Call):
            factory = _dotted(value.func).rpartition(".")[2]
            if factory in _TYPEVAR_FACTORIES:
                bound = next((k.value for k in value.keywords if k.arg == "bound"), None)
                return StubTypeVar(
                    self.text(bound) if bound is not None else None,
                    tuple(self.text(arg) for arg in value.args[1:]),
                )
            if factory == "NewType" and len(value.args) == 2:
                return StubAlias(self.text(value.args[1]))
            return StubVariable(None)
        if isinstance(value, (ast.Name, ast.Attribute, ast.Subscript, ast.BinOp)):
            return StubAlias(self.text(value))
        return StubVariable(None)

    def _params(self, arguments: ast.arguments) -> tuple[StubParam, ...]:
        positional = [*arguments.posonlyargs, *arguments.args]
        first_default = len(positional) - len(arguments.defaults)
        params: list[StubParam] = []
        for index, arg in enumerate(positional):
            kind = POSITIONAL_ONLY if index < len(arguments.posonlyargs) else POSITIONAL_OR_KEYWORD
            if kind == POSITIONAL_OR_KEYWORD and not arguments.posonlyargs and _dunder_private(arg.arg):
                kind = POSITIONAL_ONLY  # the pre-PEP 570 convention: ``__x`` is positional-only
            params.append(self._param(arg, kind, index >= first_default))
        if arguments.vararg is not None:
            params.append(self._param(arguments.vararg, VAR_POSITIONAL, True))
        for arg, default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True):
            params.append(self._param(arg, KEYWORD_ONLY, default is not None))
        if arguments.kwarg is not None:
            params.append(self._param(arguments.kwarg, VAR_KEYWORD, True))
        return tuple(params)

    def _param(self, arg: ast.arg, kind: int, has_default: bool) -> StubParam:
        annotation = self.text(arg.annotation) if arg.annotation is not None else None
        return StubParam(arg.arg, kind, annotation, has_default)


def _yields(body: list[ast.stmt]) -> bool:
    """Whether a function body (of a typed ``.py`` module) yields: ``async def`` plus
    ``yield`` is an async generator, not a coroutine function. Stub bodies are ``...``."""
    pending: list[ast.AST] = list(body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return True
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            pending.extend(ast.iter_child_nodes(node))
    return False


def _dunder_private(name: str) -> bool:
    return name.startswith("__") and not name.endswith("__")


def _dotted(node: ast.expr) -> str:
    """``a.b.c`` for a Name/Attribute chain, else the empty string."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def _decorator_name(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    return _dotted(node).rpartition(".")[2]


def _compare(op: ast.cmpop, left: object, right: object) -> bool | None:
    """``left op right`` for platform strings and version tuples (or their items)."""
    if isinstance(op, ast.Eq):
        return left == right
    if isinstance(op, ast.NotEq):
        return left != right
    low, high = _version(left), _version(right)
    if low is None or high is None:
        return None
    if isinstance(op, ast.Lt):
        return low < high
    if isinstance(op, ast.LtE):
        return low <= high
    if isinstance(op, ast.Gt):
        return low > high
    if isinstance(op, ast.GtE):
        return low >= high
    return None


def _version(value: object) -> tuple[int, ...] | None:
    if isinstance(value, int):
        return (value,)
    if isinstance(value, tuple) and all(isinstance(part, int) for part in value):
        return tuple(int(part) for part in value)
    return None


def _constant(node: ast.expr) -> object:
    """A constant or a tuple of constants (``(3, 10)``), else None."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Tuple):
        values = [_constant(element) for element in node.elts]
        return None if None in values else tuple(values)
    return None
