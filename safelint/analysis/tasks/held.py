"""Thread locks a coroutine holds while it is suspended (SL306).

The held-locks dataflow of :mod:`safelint.analysis.threads.locks`, run on a coroutine, with
only the locks that block a thread: entered by a plain ``with`` or taken by a plain
``acquire()`` — an ``asyncio`` lock is entered by ``async with`` and acquired by ``await``,
so neither form touches one. A lock counts when its type is a ``threading`` or
``multiprocessing`` lock, semaphore or condition; when its type is unknown, when its name
says it is one, by the strict pattern SL404 uses (``self._lock``, ``mutex``): a plain ``with`` on an ``asyncio.Lock`` does
not run. A name whose type is known to be anything else (an ``asyncio`` lock, a project
class) is not a thread lock, and neither is another library's lock (``filelock.FileLock``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from safelint.analysis.facts.apis import LOCK_NAME
from safelint.analysis.flow.cfg import CFGNode, NodeKind
from safelint.analysis.flow.dataflow import solve
from safelint.analysis.syntax import dotted_name, iter_scopes, preorder, without_nested_defs
from safelint.analysis.tasks.suspension import node_suspends
from safelint.analysis.threads.locks import Held, LockAnalysis, LockNames
from safelint.analysis.threads.state import module_assignments

if TYPE_CHECKING:
    from safelint.context import ModuleContext

__all__ = ["HeldAcross", "thread_locks_across_awaits"]

_THREAD_LIBRARIES = ("threading.", "_thread.", "multiprocessing.")


@dataclass(frozen=True)
class HeldAcross:
    """A thread lock held at a suspension point."""

    lock: str
    lock_class: str | None
    """``threading.Lock``... when its type is known."""
    point: cst.CSTNode
    """The ``await``, ``async for`` or ``async with`` that suspends with it held."""
    taken: cst.CSTNode | None
    """The ``with`` item or ``acquire()`` call that took it, when found."""


class _ThreadLockAnalysis(LockAnalysis):
    """Held locks, ``async with`` left out: what it enters is not a thread lock."""

    def transfer(self, node: CFGNode, state: Held) -> Held:
        if node.kind in (NodeKind.WITH_ENTER, NodeKind.WITH_EXIT) and _is_async_with(node):
            return state
        return super().transfer(node, state)


def _is_async_with(node: CFGNode) -> bool:
    return isinstance(node.stmt, cst.With) and node.stmt.asynchronous is not None


def thread_locks_across_awaits(ctx: ModuleContext, function: cst.FunctionDef) -> list[HeldAcross]:
    """Each thread lock held across a suspension point of the coroutine, once per taking:
    the first point, in source order, at which each ``with``/``acquire()`` holds it."""
    locks = LockNames(())
    cfg = ctx.cfg(function)
    result = solve(cfg, _ThreadLockAnalysis(locks, function))
    if not result.converged:
        return []
    order = {id(n): i for i, n in enumerate(preorder(function))}
    found: dict[tuple[str, int], HeldAcross] = {}
    for node in cfg.nodes:
        held = result.before(node)
        if not held or not node_suspends(node):
            continue
        point = _point(node)
        for lock in sorted(held):
            blocks, cls = _thread_lock_class(ctx, function, lock)
            if not blocks:
                continue
            taken = _taking(ctx, function, point, lock)
            key = (lock, id(taken))
            previous = found.get(key)
            if previous is None or order.get(id(point), 0) < order.get(id(previous.point), 0):
                found[key] = HeldAcross(lock, cls, point, taken)
    return sorted(found.values(), key=lambda h: order.get(id(h.point), 0))


def _point(node: CFGNode) -> cst.CSTNode:
    """The syntax that suspends: the first ``await`` of the node, or its ``async`` statement."""
    if node.kind in (NodeKind.WITH_ENTER, NodeKind.WITH_EXIT, NodeKind.FOR_NEXT) and isinstance(
        node.stmt, (cst.With, cst.For)
    ):
        if node.stmt.asynchronous is not None:
            return node.stmt
    for inner in preorder(node.ast):
        if isinstance(inner, cst.Await) or (
            isinstance(inner, (cst.For, cst.With, cst.CompFor)) and inner.asynchronous is not None
        ):
            return inner
    return node.ast


def _thread_lock_class(ctx: ModuleContext, function: cst.FunctionDef, lock: str) -> tuple[bool, str | None]:
    """Whether the lock blocks a thread, and its class where known (None: its type is
    unknown, and its name made it a lock)."""
    if lock in _awaited_locks(ctx):
        return False, None  # `await lock.release()`: its methods are coroutines, an asyncio-style lock
    assigned = _assigned_classes(ctx).get(lock)
    if assigned is not None:
        return _blocks_thread(ctx, assigned), assigned
    expr = _find_expression(function, lock)
    cls = ctx.types.class_of(expr, function) if expr is not None else None
    if cls is None:
        return bool(LOCK_NAME.search(lock.rsplit(".", 1)[-1])), None
    return _blocks_thread(ctx, cls), cls


def _blocks_thread(ctx: ModuleContext, cls: str) -> bool:
    """A lock of ``threading``, ``_thread`` or ``multiprocessing``: a file lock or another
    library's lock may be taken without blocking (a leader election holds one for good)."""
    return cls.startswith(_THREAD_LIBRARIES) and ctx.knowledge.is_lock_class(cls)


def _assigned_classes(ctx: ModuleContext) -> dict[str, str]:
    """What the module assigns to lock-like names (``lock = threading.Lock()``,
    ``self._lock = FileLock(path)``): the called class or factory, by qualified name, a
    thread lock's first where several calls assign one name."""

    def compute() -> dict[str, str]:
        found: dict[str, str] = {}

        def record(name: str, value: cst.Call, scope: cst.FunctionDef | None) -> None:
            called = ctx.names.qualified_name(value.func, scope)
            previous = found.get(name)
            if called is not None and (previous is None or not _blocks_thread(ctx, previous)):
                found[name] = called

        for name, value in module_assignments(ctx.module):
            if isinstance(value, cst.Call):
                record(name, value, None)
        for scope, _ in iter_scopes(ctx.module):
            if not isinstance(scope, cst.FunctionDef):
                continue
            for node in without_nested_defs(scope.body):
                if isinstance(node, cst.Assign) and isinstance(node.value, cst.Call):
                    for target in node.targets:
                        lock = dotted_name(target.target)
                        if lock is not None and lock.startswith("self."):
                            record(lock, node.value, scope)
        return found

    return ctx.memo(("assigned lock classes",), compute)


def _awaited_locks(ctx: ModuleContext) -> frozenset[str]:
    """Locks whose ``acquire()`` or ``release()`` the module awaits somewhere: they do not
    block a thread, whatever their name says."""

    def compute() -> frozenset[str]:
        found: set[str] = set()
        for node in preorder(ctx.module):
            if not isinstance(node, cst.Await) or not isinstance(node.expression, cst.Call):
                continue
            func = node.expression.func
            if isinstance(func, cst.Attribute) and func.attr.value in ("acquire", "release"):
                name = dotted_name(func.value)
                if name is not None:
                    found.add(name)
        return frozenset(found)

    return ctx.memo(("awaited locks",), compute)


def _find_expression(function: cst.FunctionDef, lock: str) -> cst.BaseExpression | None:
    """An expression of the function that spells the lock, for the type evaluator."""
    for node in preorder(function.body):
        if isinstance(node, (cst.Name, cst.Attribute)) and dotted_name(node) == lock:
            return node
    return None


def _taking(ctx: ModuleContext, function: cst.FunctionDef, point: cst.CSTNode, lock: str) -> cst.CSTNode | None:
    """The ``with`` item around ``point`` that holds the lock, else the function's first
    ``acquire()`` of it."""
    parent = ctx.parents.get(point)
    while parent is not None and parent is not function:
        if isinstance(parent, cst.With) and parent.asynchronous is None:
            for item in parent.items:
                if dotted_name(item.item) == lock:
                    return item
        parent = ctx.parents.get(parent)
    for node in preorder(function.body):
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "acquire"
            and dotted_name(node.func.value) == lock
        ):
            return node
    return None
