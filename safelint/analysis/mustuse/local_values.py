"""Is a value kept only in a local dropped on some path, never read?

Three SL1 rules share this question: a task (``t = create_task(...)``), a coroutine
(``c = fetch()``) or a thread (``t = Thread(...)``) bound to a local does its job only if
the local is read — awaited, stored, returned, passed on, started. If some path reaches the
end of the function, or a rebinding of the name, without a read in between, the value is
lost there. It is a forward dataflow problem on the function's CFG with a one-bit state
("the value is bound and not read yet").

Only normal ways out count: a path that leaves by an exception has a louder problem, and
reporting it would flag every ``t = create_task(...)`` followed by a call that may raise.
Where the answer is uncertain the value is taken as kept: a name declared ``global`` or
``nonlocal``, read by a nested function or comprehension (a closure keeps it), or a function
that calls ``locals()`` or ``vars()``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import libcst as cst

from safelint.analysis.flow.cfg import CFG, EVALUATES_NOTHING, CFGNode, NodeKind, nested_scopes
from safelint.analysis.flow.dataflow import ForwardAnalysis, solve
from safelint.analysis.syntax import bind_target, parameters, push_children, walk

if TYPE_CHECKING:
    from safelint.context import ModuleContext

__all__ = ["Keeps", "dropped_on_some_path", "local_from_call"]

Keeps = Callable[[str | None], bool]
"""Whether a read keeps the value, given the attribute it goes through (``t.start`` →
``"start"``; a bare read → None). The default: every read does."""


def local_from_call(
    node: cst.Assign | cst.AnnAssign, scope: cst.CSTNode | None
) -> tuple[cst.FunctionDef, str, cst.Call] | None:
    """``name = call(...)`` (or ``name: T = call(...)``) inside a function: the shape whose
    value :func:`dropped_on_some_path` follows (the function, the name and the call)."""
    call = node.value
    if type(call) is not cst.Call or not isinstance(scope, cst.FunctionDef):
        return None
    if isinstance(node, cst.AnnAssign):
        target = node.target
    elif len(node.targets) == 1:
        target = node.targets[0].target
    else:
        return None
    if type(target) is not cst.Name:
        return None
    return scope, target.value, call


def dropped_on_some_path(
    ctx: ModuleContext,
    function: cst.FunctionDef,
    statement: cst.BaseSmallStatement,
    name: str,
    keeps: Keeps | None = None,
    *,
    after_exceptions: bool = True,
) -> bool:
    """Whether the value ``statement`` (in ``function``'s own body) binds to the local
    ``name`` reaches, on some path, the function's normal exit or a rebinding of ``name``
    without a read that ``keeps`` it. False whenever the analysis cannot tell, and for ``_``,
    the name of an explicit discard. ``after_exceptions=False`` leaves out the paths where
    something raised and a handler caught it: the handler decided what happens then."""
    if name == "_":
        return False
    facts = _facts(ctx, function)
    if name in facts.unsure or facts.opaque:
        return False
    nodes = facts.cfg.nodes_for(statement)
    if not nodes:
        return False
    result = solve(facts.cfg, _Pending(set(nodes), name, keeps or _always, facts, after_exceptions))
    if not result.converged:
        return False
    if result.before(facts.cfg.exit):
        return True
    for node in facts.cfg.nodes:
        if result.before(node) and name in facts.binds(node) and not facts.kept(node, name, keeps or _always):
            return True
    return False


def _always(attr: str | None) -> bool:
    return True


class _Pending(ForwardAnalysis[bool]):
    """True: the value is bound and has not been read yet."""

    def __init__(self, creators: set[CFGNode], name: str, keeps: Keeps, facts: _Facts, after_exceptions: bool) -> None:
        self.creators = creators
        self.name = name
        self.keeps = keeps
        self.facts = facts
        self.after_exceptions = after_exceptions

    def initial(self) -> bool:
        return False

    def join(self, a: bool, b: bool) -> bool:
        return a or b

    def transfer(self, node: CFGNode, state: bool) -> bool:
        if node in self.creators:
            return True
        # Read, or rebound (the loss is found at the rebinding node): no longer pending.
        return state and not self.facts.kept(node, self.name, self.keeps) and self.name not in self.facts.binds(node)

    def transfer_exception(self, node: CFGNode, state: bool) -> bool:
        """A statement that raises has read its operands first: ``await t`` under
        ``assertRaises`` has used the task even though it raised."""
        return state and self.after_exceptions and not self.facts.kept(node, self.name, self.keeps)


class _Facts:
    """One function's graph and, per graph node, the names it reads and binds."""

    def __init__(self, function: cst.FunctionDef, cfg: CFG) -> None:
        self.cfg = cfg
        self.unsure: set[str] = set()
        self.opaque = False
        self._reads: dict[int, list[tuple[str, str | None]]] = {}
        self._binds: dict[int, set[str]] = {}
        self._scan(function)

    def _scan(self, function: cst.FunctionDef) -> None:
        for node in walk(function.body):
            if isinstance(node, (cst.Global, cst.Nonlocal)):
                self.unsure.update(n.name.value for n in node.names)
            elif (
                isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value in ("locals", "vars")
            ):
                self.opaque = True
        for scope in nested_scopes(function):
            for node in walk(scope):
                if isinstance(node, cst.Name):
                    self.unsure.add(node.value)

    def reads(self, node: CFGNode) -> list[tuple[str, str | None]]:
        found = self._reads.get(node.index)
        if found is None:
            self._analyse(node)
            found = self._reads[node.index]
        return found

    def binds(self, node: CFGNode) -> set[str]:
        found = self._binds.get(node.index)
        if found is None:
            self._analyse(node)
            found = self._binds[node.index]
        return found

    def kept(self, node: CFGNode, name: str, keeps: Keeps) -> bool:
        return any(read == name and keeps(attr) for read, attr in self.reads(node))

    def _analyse(self, node: CFGNode) -> None:
        reads: list[tuple[str, str | None]] = []
        binds: set[str] = set()
        for root in _read_roots(node, binds):
            _collect_reads(root, reads, binds)
        self._reads[node.index] = reads
        self._binds[node.index] = binds


def _read_roots(node: CFGNode, binds: set[str]) -> list[cst.CSTNode]:
    """The parts of a graph node's syntax that are evaluated there; names it binds go to ``binds``."""
    ast = node.ast
    kind = node.kind
    if kind in EVALUATES_NOTHING:
        return []
    if kind is NodeKind.FOR_NEXT:
        return bind_target(ast, binds)
    if isinstance(ast, cst.WithItem):
        roots: list[cst.CSTNode] = [ast.item]
        if ast.asname is not None:
            roots += bind_target(ast.asname.name, binds)
        return roots
    if isinstance(ast, (cst.ExceptHandler, cst.ExceptStarHandler)):
        if ast.name is not None:
            roots = bind_target(ast.name.name, binds)
        else:
            roots = []
        return roots + ([ast.type] if ast.type is not None else [])
    if isinstance(ast, cst.Match):
        return [ast.subject]
    if isinstance(ast, cst.MatchCase):
        return [ast.pattern]
    if isinstance(ast, (cst.FunctionDef, cst.ClassDef)):
        binds.add(ast.name.value)
        if isinstance(ast, cst.ClassDef):
            return [*(d.decorator for d in ast.decorators), *(a.value for a in (*ast.bases, *ast.keywords))]
        return [*(d.decorator for d in ast.decorators), *(p.default for p in parameters(ast.params) if p.default)]
    if isinstance(ast, cst.Assign):
        roots = [ast.value]
        for target in ast.targets:
            roots += bind_target(target.target, binds)
        return roots
    if isinstance(ast, cst.AnnAssign):
        return bind_target(ast.target, binds) + ([ast.value] if ast.value is not None else [])
    if isinstance(ast, cst.Del):
        return bind_target(ast.target, binds)
    if isinstance(ast, cst.AugAssign):
        bind_target(ast.target, binds)
        return [ast.target, ast.value]
    return [ast]


def _collect_reads(root: cst.CSTNode, reads: list[tuple[str, str | None]], binds: set[str]) -> None:
    """Every name read under ``root``, with the attribute read through it; walrus targets bind."""
    stack = [root]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is cst.Name:
            reads.append((node.value, None))  # type: ignore[attr-defined]
        elif kind is cst.Attribute and type(node.value) is cst.Name:  # type: ignore[attr-defined]
            reads.append((node.value.value, node.attr.value))  # type: ignore[attr-defined]
        elif kind is cst.NamedExpr:
            assert isinstance(node, cst.NamedExpr)
            stack += bind_target(node.target, binds)
            stack.append(node.value)
        else:
            push_children(node, stack)


def _facts(ctx: ModuleContext, function: cst.FunctionDef) -> _Facts:
    """Built once per function and file, whichever rule asks first."""
    return ctx.memo(("local values", function), lambda: _Facts(function, ctx.cfg(function)))
