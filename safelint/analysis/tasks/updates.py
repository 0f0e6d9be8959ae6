"""Shared state read before a suspension point and written after it, in a coroutine that runs
concurrently with itself (SL307).

Between two suspension points a coroutine runs alone; across one, every other task of the
loop may run. So a value read from shared state, kept across an ``await`` and written back
(``n = self.count; await io(); self.count = n + 1``, ``self.total += await size()``), or a
test of shared state acted on after an ``await`` (``if key not in cache: cache[key] = await
load(key)``), loses what another task did in between — when another task runs the same code,
which :mod:`safelint.analysis.tasks.model` decides.

A forward dataflow over the coroutine's graph carries *facts*: "the local ``n`` holds a value
read from ``self.count``" and "the ``if`` at line 12 tested ``cache``", each with the first
suspension point passed since. A write of the state that uses such a local, or that sits in
such an ``if``, after a suspension point, with no lock held there, is the finding.

Shared state is a module-level name the coroutine rebinds with ``global`` or a module-level
mutable container; a name of the enclosing function (rebound with ``nonlocal``, or a
mutable container) for a nested coroutine; and a field of ``self`` when the concurrent tasks
share the object (``create_task(self.fetch(url))`` in a loop).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from safelint.analysis.flow.cfg import CFGNode, NodeKind
from safelint.analysis.flow.dataflow import ForwardAnalysis, solve
from safelint.analysis.syntax import dotted_name, preorder, push_children, without_nested_defs
from safelint.analysis.tasks.model import Start, task_model
from safelint.analysis.tasks.suspension import node_suspends, suspension_points
from safelint.analysis.threads.locks import LockAnalysis, LockNames
from safelint.analysis.threads.model import Function
from safelint.analysis.threads.state import Refs, State, is_container, is_safe_call, module_assignments, self_name

if TYPE_CHECKING:
    from safelint.context import ModuleContext

__all__ = ["Lost", "LostKind", "lost_updates"]


class LostKind(enum.Enum):
    LOST_UPDATE = "lost update"
    """A value read before the suspension is written back after it."""
    CHECK_THEN_ACT = "check then act"
    """A test made before the suspension is acted on after it."""


@dataclass(frozen=True)
class Lost:
    kind: LostKind
    state: State
    write: cst.CSTNode
    """The write after the suspension point: where it is reported."""
    source: cst.CSTNode
    """The read (its statement) or the ``if`` before the suspension point."""
    point: cst.CSTNode
    """The first suspension point between them."""
    function: Function
    start: Start
    """What makes the coroutine run concurrently with itself."""


_Fact = tuple[str, str, cst.CSTNode, "cst.CSTNode | None"]
"""(origin, state key, where the read or test is, the first suspension point since):
the origin is a local name, or ``"if"`` for the test of the enclosing ``if``."""
_Facts = frozenset[_Fact]

_ACCESSING = frozenset({NodeKind.STMT, NodeKind.TEST, NodeKind.EXPR, NodeKind.ASSERT, NodeKind.FOR_ITER})


def lost_updates(ctx: ModuleContext, declared: Sequence[str] = ()) -> list[Lost]:
    """Every lost update across a suspension point in the module, computed once per file."""
    if "async" not in ctx.text:
        return []
    return ctx.memo(("lost updates", tuple(declared)), lambda: _find(ctx, declared))


def _find(ctx: ModuleContext, declared: Sequence[str]) -> list[Lost]:
    model = task_model(ctx, declared)
    found: list[Lost] = []
    for function, start in model.concurrent.items():
        if function.node.asynchronous is None:
            continue
        states = _states(ctx, function, start)
        if states:
            found.extend(_Coroutine(ctx, function, start, states).find())
    return found


def _states(ctx: ModuleContext, function: Function, start: Start) -> dict[str, State]:
    """The shared state the coroutine can reach, keyed as :class:`Refs` looks it up."""
    states: dict[str, State] = {}
    own = without_nested_defs(function.node.body)
    rebound = {n.name.value for node in own if isinstance(node, (cst.Global, cst.Nonlocal)) for n in node.names}
    for name, value in module_assignments(ctx.module):
        if name in rebound or is_container(ctx, value):
            if not (isinstance(value, cst.Call) and is_safe_call(ctx, value)):
                states[f"g:{name}"] = State(f"g:{name}", name, is_container(ctx, value), None, False)
    outer = function.parent
    while outer is not None:
        for name, value in _local_assignments(outer.node):
            if name in rebound or is_container(ctx, value):
                states[f"g:{name}"] = State(f"g:{name}", name, is_container(ctx, value), None, False)
        outer = outer.parent
    me = self_name(function)
    if start.shares_self and me is not None and function.klass is not None:
        klass = function.klass.name.value
        for attr, container in _fields(ctx, function.klass).items():
            key = f"s:{klass}.{attr}"
            states[key] = State(key, f"{me}.{attr}", container, function.klass, True)
    return states


def _local_assignments(function: cst.FunctionDef) -> list[tuple[str, cst.BaseExpression]]:
    found: list[tuple[str, cst.BaseExpression]] = []
    for node in without_nested_defs(function.body):
        if isinstance(node, cst.Assign):
            found.extend((t.target.value, node.value) for t in node.targets if isinstance(t.target, cst.Name))
    return found


def _fields(ctx: ModuleContext, klass: cst.ClassDef) -> dict[str, bool]:
    """The fields the class's methods assign on ``self``, with whether each holds a mutable
    container; locks, queues, events and other synchronised values left out."""
    fields: dict[str, bool] = {}
    safe: set[str] = set()
    for node in preorder(klass.body):
        if not isinstance(node, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
            continue
        targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
        for target in targets:
            if isinstance(target, cst.Attribute) and dotted_name(target.value) == "self":
                attr = target.attr.value
                value = node.value
                if isinstance(value, cst.Call) and is_safe_call(ctx, value):
                    safe.add(attr)
                fields[attr] = fields.get(attr, False) or (value is not None and is_container(ctx, value))
    return {attr: container for attr, container in fields.items() if attr not in safe}


class _Coroutine:
    def __init__(self, ctx: ModuleContext, function: Function, start: Start, states: dict[str, State]) -> None:
        self.ctx = ctx
        self.function = function
        self.start = start
        own = without_nested_defs(function.node.body)
        self.refs = Refs(states, function, own)
        self.refs.locals -= {n.name.value for node in own if isinstance(node, cst.Nonlocal) for n in node.names}
        self.ifs: dict[cst.CSTNode, cst.If] = {}
        """Each node of an ``if`` body, to the innermost ``if`` whose body holds it."""
        for node in own:
            if isinstance(node, cst.If):
                for inner in without_nested_defs(node.body):
                    self.ifs[inner] = node

    def find(self) -> list[Lost]:
        if not self.refs.possible():
            return []
        cfg = self.ctx.cfg(self.function.node)
        analysis = _FactAnalysis(self)
        result = solve(cfg, analysis)
        locks = solve(cfg, LockAnalysis(self._locks(), self.function.node))
        if not result.converged or not locks.converged:
            return []
        found: dict[int, Lost] = {}
        for node in cfg.nodes:
            facts = result.before(node)
            if facts is None or node.kind is not NodeKind.STMT or locks.before(node):
                continue
            for lost in self.check(node, facts):
                found.setdefault(id(lost.write), lost)
        return list(found.values())

    def _locks(self) -> LockNames:
        """The module's lock names, and what ``async with`` enters that is typed a lock."""
        known: set[str] = set()
        for node in without_nested_defs(self.function.node.body):
            if isinstance(node, cst.With) and node.asynchronous is not None:
                for item in node.items:
                    cls = self.ctx.types.class_of(item.item, self.function.node)
                    name = dotted_name(item.item)
                    if cls is not None and name is not None and self.ctx.knowledge.is_lock_class(cls):
                        known.add(name)
        return LockNames(known)

    # -- facts

    def transfer(self, node: CFGNode, facts: _Facts) -> _Facts:
        if node.kind not in _ACCESSING or isinstance(node.ast, cst.BaseCompoundStatement):
            return facts
        ast = node.ast
        if node_suspends(node):
            point = _first_await(ast)
            facts = frozenset((o, k, w, p if p is not None else point) for o, k, w, p in facts)
        if node.kind is NodeKind.TEST and isinstance(node.stmt, cst.If) and ast is node.stmt.test:
            facts = frozenset(f for f in facts if not (f[0] == "if" and f[2] is node.stmt))
            read = {s.key for s in self.refs.all_refs(ast)}
            return facts | {("if", key, node.stmt, None) for key in read}
        if isinstance(ast, cst.Assign):
            bound = {t.target.value for t in ast.targets if isinstance(t.target, cst.Name)}
            bound &= self.refs.locals
            if bound:
                facts = frozenset(f for f in facts if f[0] not in bound)
                stale = _await_after_read(ast.value, self.refs)
                read = {s.key for s in self.refs.all_refs(ast.value)}
                facts |= {(name, key, ast, stale) for name in bound for key in read}
        return facts

    # -- writes

    def check(self, node: CFGNode, facts: _Facts) -> list[Lost]:
        ast = node.ast
        out: list[Lost] = []
        for state, _kind, target in self.refs.writes(ast):
            value = _written_value(target)
            if value is None:
                continue
            suspends_first = _first_await(value) if suspension_points(value) else None
            if isinstance(target, cst.AugAssign) and suspends_first is not None:
                out.append(self._lost(LostKind.LOST_UPDATE, state, target, target, suspends_first))
                continue
            if isinstance(target, cst.Assign):
                inline = _await_after_read(value, self.refs, state.key)
                if inline is not None:
                    out.append(self._lost(LostKind.LOST_UPDATE, state, target, target, inline))
                    continue
            used = {n.value for n in preorder(value) if isinstance(n, cst.Name)}
            for origin, key, where, point in sorted(facts, key=_order):
                if key != state.key:
                    continue
                passed = point or suspends_first
                if passed is None:
                    continue
                if origin in used:
                    out.append(self._lost(LostKind.LOST_UPDATE, state, target, where, passed))
                    break
                if origin == "if" and self._inside(target, where):
                    out.append(self._lost(LostKind.CHECK_THEN_ACT, state, target, where, passed))
                    break
        return out

    def _inside(self, node: cst.CSTNode, statement: cst.CSTNode) -> bool:
        enclosing = self.ifs.get(node)
        while enclosing is not None:
            if enclosing is statement:
                return True
            enclosing = self.ifs.get(enclosing)
        return False

    def _lost(self, kind: LostKind, state: State, write: cst.CSTNode, source: cst.CSTNode, point: cst.CSTNode) -> Lost:
        return Lost(kind, state, write, source, point, self.function, self.start)


class _FactAnalysis(ForwardAnalysis[_Facts]):
    track_exits = False

    def __init__(self, coroutine: _Coroutine) -> None:
        self.coroutine = coroutine

    def initial(self) -> _Facts:
        return frozenset()

    def join(self, a: _Facts, b: _Facts) -> _Facts:
        return a | b

    def transfer(self, node: CFGNode, state: _Facts) -> _Facts:
        return self.coroutine.transfer(node, state)


def _order(fact: _Fact) -> tuple[str, str]:
    return fact[0], fact[1]


def _written_value(target: cst.CSTNode) -> cst.CSTNode | None:
    """What is written: an assignment's value, a mutating call's arguments."""
    if isinstance(target, (cst.Assign, cst.AugAssign, cst.AnnAssign)):
        return target.value
    if isinstance(target, cst.Call):
        return target
    return None


def _first_await(root: cst.CSTNode) -> cst.CSTNode:
    points = suspension_points(root)
    if not points:
        return root
    order = {id(n): i for i, n in enumerate(preorder(root))}
    return min(points, key=lambda n: order.get(id(n), 0))


def _await_after_read(value: cst.CSTNode | None, refs: Refs, key: str | None = None) -> cst.CSTNode | None:
    """The first ``await`` of ``value`` evaluated after it reads shared state (``key`` only,
    when given): the value read is then stale when the statement stores its result."""
    if value is None:
        return None
    read = False
    stack: list[cst.CSTNode] = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Await) and read:
            return node
        state = refs.ref(node)
        if state is not None and (key is None or state.key == key):
            read = True
            continue
        kids: list[cst.CSTNode] = []
        push_children(node, kids)
        stack.extend(reversed(kids))
    return None
