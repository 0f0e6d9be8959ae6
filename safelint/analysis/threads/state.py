"""Shared state and how a function's code uses it (SL3): what counts as state other threads
can see — module-level mutable containers, names rebound with ``global``, class attributes,
fields of ``self`` — and which expressions of a function read, write, mutate, update or
iterate it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import libcst as cst

from safelint.analysis.facts.apis import CONTAINER_MUTATORS, ITERATING_METHODS, MUTABLE_CONTAINERS, THREAD_SAFE_PREFIXES
from safelint.analysis.syntax import dotted_name, parameters, push_children, target_elements, without_nested_defs
from safelint.analysis.threads.locks import Held
from safelint.analysis.threads.model import Function

if TYPE_CHECKING:
    from safelint.context import ModuleContext

__all__ = [
    "WRITES",
    "Access",
    "Kind",
    "Refs",
    "State",
    "guarded_by_annotation",
    "is_container",
    "is_list",
    "is_lock_call",
    "is_safe_call",
    "module_assignments",
    "self_name",
]


class Kind(enum.Enum):
    """How an access uses shared state."""

    READ = "read"
    ITER = "iterated"
    WRITE = "written"
    MUTATE = "mutated"
    RMW = "updated"


WRITES = frozenset({Kind.WRITE, Kind.MUTATE, Kind.RMW})


@dataclass(frozen=True)
class State:
    """A piece of shared state: a global (``g:name``), a field (``s:Class.attr``), a class
    attribute (``c:Class.attr``) or a function's local that a function it runs on other
    threads closes over (``l:outer.name``)."""

    key: str
    label: str
    """How messages name it: ``_cache``, ``self._conns``, ``Registry.handlers``."""
    container: bool
    owner: cst.ClassDef | None
    via_self: bool
    scope: str | None = None
    """For a local: the qualified name of the function it belongs to (each call has its own)."""
    is_list: bool = False
    """Every value bound to it is a list: an item appended while another thread loops over it
    is seen or not, and breaks nothing (a dict or a set changed in a loop raises)."""


@dataclass(eq=False)
class Access:
    """One use of shared state, with the locks every path to it holds and whether it can
    meet another thread at all (``__init__`` and code before a start or after a join cannot)."""

    state: State
    kind: Kind
    node: cst.CSTNode
    function: Function
    held: Held
    concurrent: bool
    check_then_act: bool = False
    checks_presence: bool = False
    """The test before it asks that the container hold something (``if queue:``,
    ``if len(queue):``): another thread that only adds to it cannot make that test false."""


_DECLARING: Final = frozenset(
    {
        cst.Global,
        cst.Nonlocal,
        cst.Assign,
        cst.AugAssign,
        cst.AnnAssign,
        cst.For,
        cst.WithItem,
        cst.NamedExpr,
        cst.CompFor,
        cst.Import,
        cst.ImportFrom,
    }
)
"""The nodes that bind or declare a name, as exact types: a cheap first test on every node."""


class Refs:
    """Which expressions of one function name shared state, and how they use it."""

    def __init__(self, states: Mapping[str, State], function: Function, own: list[cst.CSTNode]) -> None:
        """``own``: the function's nodes, nested functions left out."""
        self.states = states
        self.function = function
        self.me = self_name(function)
        self.cls = cls_name(function)
        owner = function.method
        self.klass = owner.klass.name.value if owner is not None and owner.klass is not None else None
        declared: set[str] = set()
        bound: set[str] = {p.name.value for p in parameters(function.node.params)}
        self.own = own
        for node in self.own:
            if type(node) not in _DECLARING:
                continue
            if isinstance(node, (cst.Global, cst.Nonlocal)):
                declared.update(n.name.value for n in node.names)
            elif isinstance(
                node, (cst.Assign, cst.AugAssign, cst.AnnAssign, cst.For, cst.WithItem, cst.NamedExpr, cst.CompFor)
            ):
                targets = (
                    [t.target for t in node.targets]
                    if isinstance(node, cst.Assign)
                    else [node.asname.name]
                    if isinstance(node, cst.WithItem) and node.asname is not None
                    else []
                    if isinstance(node, cst.WithItem)
                    else [node.target]
                )
                for target in targets:
                    bound.update(t.value for t in target_elements(target) if isinstance(t, cst.Name))
            elif isinstance(node, (cst.Import, cst.ImportFrom)) and not isinstance(node.names, cst.ImportStar):
                bound.update((a.evaluated_alias or a.evaluated_name).split(".")[0] for a in node.names)
        self.locals = bound - declared

    def ref(self, expr: cst.CSTNode) -> State | None:
        if isinstance(expr, cst.Name):
            name = expr.value
            if name in self.locals:
                return self.states.get(f"l:{self.function.qualname}.{name}")
            scope = self.function.parent
            while scope is not None:
                found = self.states.get(f"l:{scope.qualname}.{name}")
                if found is not None:
                    return found
                scope = scope.parent
            return self.states.get(f"g:{name}")
        if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
            owner, attr = expr.value.value, expr.attr.value
            if owner == self.me and self.klass is not None:
                return self.states.get(f"s:{self.klass}.{attr}") or self.states.get(f"c:{self.klass}.{attr}")
            if owner == self.cls and self.klass is not None:
                return self.states.get(f"c:{self.klass}.{attr}")
            if owner not in self.locals:
                return self.states.get(f"c:{owner}.{attr}")
        return None

    def possible(self) -> bool:
        return any(self.ref(n) is not None for n in self.own if isinstance(n, (cst.Name, cst.Attribute)))

    def all_refs(self, root: cst.CSTNode) -> list[State]:
        return [s for n in without_nested_defs(root) if (s := self.ref(n)) is not None]

    def writes(self, root: cst.CSTNode) -> list[tuple[State, Kind, cst.CSTNode]]:
        return [a for a in self.accesses(root) if a[1] in WRITES]

    def accesses(self, root: cst.CSTNode, iterated: bool = False) -> list[tuple[State, Kind, cst.CSTNode]]:
        out: list[tuple[State, Kind, cst.CSTNode]] = []
        consumed: set[int] = set()
        stack = [root]
        while stack:
            node = stack.pop()
            if id(node) in consumed or isinstance(
                node, (cst.FunctionDef, cst.ClassDef, cst.Lambda, cst.Global, cst.Nonlocal)
            ):
                continue
            if isinstance(node, (cst.Assign, cst.AugAssign, cst.AnnAssign)):
                self._assignment(node, out, consumed)
            elif isinstance(node, cst.Del):
                for inner in target_elements(node.target):
                    found = self._container_item(inner)
                    if found is not None:
                        out.append((found, Kind.MUTATE, node))
                        consumed.add(id(inner))
            elif (
                isinstance(node, cst.Call)
                and isinstance(node.func, cst.Attribute)
                and node.func.attr.value in CONTAINER_MUTATORS
            ):
                found = self.ref(node.func.value)
                if found is not None and found.container:
                    out.append((found, Kind.MUTATE, node))
                    consumed.add(id(node.func))
            elif isinstance(node, cst.CompFor):
                self._iteration(node.iter, out, consumed)
            elif iterated and node is root and isinstance(node, cst.BaseExpression):
                self._iteration(node, out, consumed)
            else:
                found = self.ref(node)
                if found is not None:
                    out.append((found, Kind.READ, node))
                    continue
            push_children(node, stack)
        return out

    def _iteration(
        self, expr: cst.BaseExpression, out: list[tuple[State, Kind, cst.CSTNode]], consumed: set[int]
    ) -> None:
        inner: cst.CSTNode = expr
        if (
            isinstance(expr, cst.Call)
            and isinstance(expr.func, cst.Attribute)
            and expr.func.attr.value in ITERATING_METHODS
            and not expr.args
        ):
            inner = expr.func.value
        found = self.ref(inner)
        if found is not None and found.container:
            out.append((found, Kind.ITER, expr))
            consumed.add(id(inner))

    def _assignment(
        self,
        node: cst.Assign | cst.AugAssign | cst.AnnAssign,
        out: list[tuple[State, Kind, cst.CSTNode]],
        consumed: set[int],
    ) -> None:
        if isinstance(node, cst.AnnAssign) and node.value is None:
            return
        targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
        keys = {s.key for s in (self.all_refs(node.value) if node.value is not None else [])}
        for target in targets:
            for inner in target_elements(target):
                found = self.ref(inner)
                kind = Kind.WRITE
                if found is None:
                    found = self._container_item(inner)
                    kind = Kind.MUTATE
                if found is None:
                    continue
                if isinstance(node, cst.AugAssign) or found.key in keys:
                    kind = Kind.RMW
                out.append((found, kind, node))
                consumed.add(id(inner))

    def _container_item(self, target: cst.CSTNode) -> State | None:
        if isinstance(target, cst.Subscript):
            found = self.ref(target.value)
            if found is not None and found.container:
                return found
        return None


def _decorated(function: Function, name: str) -> bool:
    return any(dotted_name(d.decorator) == name for d in function.node.decorators)


def self_name(function: Function) -> str | None:
    """The name of ``self`` in a method, or in a closure nested in one that does not rebind it."""
    owner = function.method
    if owner is None or _decorated(owner, "staticmethod") or _decorated(owner, "classmethod"):
        return None
    params = parameters(owner.node.params)
    name = params[0].name.value if params else None
    if owner is not function and name in {p.name.value for p in parameters(function.node.params)}:
        return None
    return name


def cls_name(function: Function) -> str | None:
    if function.klass is None or not _decorated(function, "classmethod"):
        return None
    params = parameters(function.node.params)
    return params[0].name.value if params else None


def module_assignments(module: cst.Module) -> list[tuple[str, cst.BaseExpression]]:
    found: list[tuple[str, cst.BaseExpression]] = []
    for line in module.body:
        if isinstance(line, cst.SimpleStatementLine):
            for small in line.body:
                if isinstance(small, cst.Assign):
                    found.extend((t.target.value, small.value) for t in small.targets if isinstance(t.target, cst.Name))
                elif (
                    isinstance(small, cst.AnnAssign) and small.value is not None and isinstance(small.target, cst.Name)
                ):
                    found.append((small.target.value, small.value))
    return found


def is_lock_call(ctx: ModuleContext, call: cst.Call) -> bool:
    name = ctx.names.qualified_name(call.func, None)
    return name is not None and ctx.knowledge.is_lock_class(name)


def is_safe_call(ctx: ModuleContext, call: cst.Call) -> bool:
    name = ctx.names.qualified_name(call.func, None) or dotted_name(call.func) or ""
    return (
        name.startswith(THREAD_SAFE_PREFIXES)
        or name in ("local", "Queue", "SimpleQueue", "ContextVar")
        or is_lock_call(ctx, call)
    )


def is_container(ctx: ModuleContext, value: cst.BaseExpression, scope: cst.CSTNode | None = None) -> bool:
    """Whether ``value`` builds a mutable container; with ``scope``, the evaluator is asked
    too (``handlers or {}``, a parameter annotated ``dict[str, Handler]``)."""
    if isinstance(value, (cst.Dict, cst.List, cst.Set, cst.DictComp, cst.ListComp, cst.SetComp)):
        return True
    if scope is not None and isinstance(value, (cst.Name, cst.BooleanOperation, cst.Attribute)):
        return ctx.types.class_of(value, scope) in MUTABLE_CONTAINERS
    if isinstance(value, cst.Call):
        name = ctx.names.qualified_name(value.func, None) or dotted_name(value.func) or ""
        return (
            name in MUTABLE_CONTAINERS
            or f"builtins.{name}" in MUTABLE_CONTAINERS
            or name.rsplit(".", 1)[-1]
            in (
                "defaultdict",
                "OrderedDict",
                "deque",
                "Counter",
            )
        )
    return False


def is_list(ctx: ModuleContext, value: cst.BaseExpression | None, scope: cst.CSTNode | None) -> bool:
    """Whether ``value`` is a list, or None (a field not set up yet is not looped over)."""
    if value is None or isinstance(value, (cst.List, cst.ListComp)):
        return True
    if isinstance(value, cst.Name) and value.value == "None":
        return True
    return ctx.types.class_of(value, scope) == "builtins.list"


def guarded_by_annotation(annotation: cst.BaseExpression) -> str | None:
    for node in without_nested_defs(annotation):
        if (
            isinstance(node, cst.Call)
            and (dotted_name(node.func) or "").rsplit(".", 1)[-1] == "GuardedBy"
            and node.args
        ):
            value = node.args[0].value
            if isinstance(value, cst.SimpleString):
                text = value.evaluated_value
                return text if isinstance(text, str) else None
    return None
