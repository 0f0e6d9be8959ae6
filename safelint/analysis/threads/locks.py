"""Which locks are held at each point of a function: a must-analysis over its CFG (SL3).

A lock is held after ``with lock:`` (until the matching ``__exit__``), after a
``lock.acquire()`` statement (or on the branch where ``if lock.acquire(...)`` succeeded)
until ``lock.release()``, and inside ``with self._locked():`` when ``_locked`` is a
context manager of the module that itself takes a lock. Paths meet by intersection: a
lock counts as held only when every path holds it, so "maybe held" never silences a report
that the code does not deserve, and "maybe not held" is what the rules report.

Precision comes first for the SL3 family, so an expression counts as a lock when its type
is known to be a lock *or* its name says so (``_lock``, ``mutex``, ``cond``): taking any
lock silences the rules, and a lock mistaken for something else would cost a false report.
"""

from __future__ import annotations

from collections.abc import Iterable

import libcst as cst

from safelint.analysis.facts.apis import LOCK_LIKE_NAME
from safelint.analysis.flow.cfg import CFGNode, EdgeKind, NodeKind
from safelint.analysis.flow.dataflow import ForwardAnalysis
from safelint.analysis.syntax import dotted_name, walk

__all__ = ["Held", "LockAnalysis", "LockNames", "acquire_release"]

Held = frozenset[str]
"""The dotted names of the locks held (``self._lock``, ``_cache_lock``)."""


class LockNames:
    """Decides which expressions are locks and which calls take one, for one module.

    ``is_lock`` answers for a dotted name; ``helpers`` maps a context-manager function of
    the module (by name, ``f`` or ``self.m``) to the locks its body takes, and
    ``acquirers``/``releasers`` map functions that only acquire (``_acquireLock()``) or only
    release a lock to that lock.
    """

    def __init__(self, known_locks: Iterable[str]) -> None:
        self.known = set(known_locks)
        self.entered_async: set[str] = set()
        """Locks some ``async with`` takes: asyncio locks, which a plain ``with`` cannot take."""
        self.helpers: dict[str, Held] = {}
        self.acquirers: dict[str, Held] = {}
        self.releasers: dict[str, Held] = {}

    def is_lock(self, name: str | None) -> bool:
        if name is None:
            return False
        return name in self.known or bool(LOCK_LIKE_NAME.search(name.rsplit(".", 1)[-1]))

    def entered(self, item: cst.WithItem) -> Held:
        """The locks ``with <item>:`` takes."""
        expr = item.item
        if isinstance(expr, cst.Call):
            return self.helpers.get(dotted_name(expr.func) or "", frozenset())
        name = dotted_name(expr)
        return frozenset({name}) if name is not None and self.is_lock(name) else frozenset()

    def learn_helper(self, key: str, body: cst.CSTNode) -> None:
        """Record what the function ``key`` does to locks, from the calls in its body."""
        taken: set[str] = set()
        for node in walk(body):
            if isinstance(node, cst.WithItem):
                taken |= self.entered(node)
        acquired, released = acquire_release(self, body)
        if taken or acquired:
            self.helpers[key] = frozenset(taken | acquired)
        if acquired and not released:
            self.acquirers[key] = frozenset(acquired)
        if released and not acquired:
            self.releasers[key] = frozenset(released)


def acquire_release(locks: LockNames, body: cst.CSTNode) -> tuple[set[str], set[str]]:
    """The locks ``body`` calls ``acquire()`` and ``release()`` on."""
    acquired: set[str] = set()
    released: set[str] = set()
    for node in walk(body):
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            name = dotted_name(node.func.value)
            if not locks.is_lock(name):
                continue
            assert name is not None
            if node.func.attr.value == "acquire":
                acquired.add(name)
            elif node.func.attr.value == "release":
                released.add(name)
    return acquired, released


class LockAnalysis(ForwardAnalysis[Held]):
    """The locks held before each node of ``scope``; ``entry`` holds what every caller holds."""

    track_exits = False

    def __init__(self, locks: LockNames, scope: cst.CSTNode, entry: Held = frozenset()) -> None:
        self.locks = locks
        self.entry = entry
        acquired, released = acquire_release(locks, scope)
        unpaired = released - acquired
        self.pinned = frozenset(unpaired - _forced_releases(locks, scope) if unpaired else ())
        self.entry = entry | self.pinned
        """A function that releases a lock it never takes runs with it held
        (``set_and_release`` after ``acquire_and_get``); not one that only forces a release
        it lets fail (``try: lock.release() except RuntimeError: pass`` in a teardown),
        which says it may not hold the lock."""
        for node in walk(scope):
            if isinstance(node, cst.Call):
                released |= locks.releasers.get(dotted_name(node.func) or "", frozenset())
        self.paired = frozenset(released)
        """The locks this function releases itself: an ``acquire()`` without a matching
        ``release()`` is a semaphore used as a counter, not a lock held."""
        self.busy_flags = frozenset(_early_exit_flags(scope))
        """Flags whose test ends the function early (``if self._stopping: return``): set to
        True under a lock, such a flag admits one thread at a time until it is cleared, and
        holds like a lock (``with lock: if busy: return; busy = True`` ... ``finally: busy =
        False``)."""

    def initial(self) -> Held:
        return self.entry

    def join(self, a: Held, b: Held) -> Held:
        return a & b

    def transfer(self, node: CFGNode, state: Held) -> Held:
        kind = node.kind
        if kind is NodeKind.WITH_ENTER:
            assert isinstance(node.ast, cst.WithItem)
            entered = self.locks.entered(node.ast)
            if entered and isinstance(node.stmt, cst.With) and node.stmt.asynchronous is not None:
                self.locks.entered_async |= entered
            return state | entered
        if kind is NodeKind.WITH_EXIT:
            assert isinstance(node.ast, cst.WithItem)
            return state - (self.locks.entered(node.ast) - self.pinned)
        if kind is NodeKind.STMT and isinstance(node.ast, (cst.Expr, cst.Assign)):
            call = node.ast.value
            if isinstance(call, cst.Call):
                return self._call(call, state)
            if self.busy_flags and isinstance(node.ast, cst.Assign) and len(node.ast.targets) == 1:
                return self._flag(dotted_name(node.ast.targets[0].target), call, state)
        return state

    def _flag(self, flag: str | None, value: cst.BaseExpression, state: Held) -> Held:
        if flag not in self.busy_flags or not isinstance(value, cst.Name):
            return state
        assert flag is not None
        if value.value == "True" and state - self.busy_flags:
            return state | {flag}
        return state - {flag} if value.value == "False" else state

    def transfer_edge(self, label: EdgeKind, node: CFGNode, state: Held) -> Held:
        if node.kind is NodeKind.TEST and isinstance(node.ast, cst.BaseExpression):
            test, success = node.ast, EdgeKind.TRUE
            if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
                test, success = test.expression, EdgeKind.FALSE
            if isinstance(test, cst.Call) and label is success:
                return self._call(test, state)
        return state

    def _call(self, call: cst.Call, state: Held) -> Held:
        func = call.func
        name = dotted_name(func)
        if name is None:
            return state
        if name in self.locks.acquirers:
            return state | self.locks.acquirers[name]
        if name in self.locks.releasers:
            return state - self.locks.releasers[name]
        if isinstance(func, cst.Attribute):
            receiver = name.rsplit(".", 1)[0]
            if func.attr.value == "acquire" and receiver in self.paired:
                return state | {receiver}
            if func.attr.value == "release" and self.locks.is_lock(receiver):
                return state - {receiver}
        return state


def _early_exit_flags(scope: cst.CSTNode) -> Iterable[str]:
    """The dotted names tested by an ``if`` whose body starts with ``return``."""
    for node in walk(scope):
        if isinstance(node, cst.If) and isinstance(node.body, cst.IndentedBlock) and node.body.body:
            first = node.body.body[0]
            if isinstance(first, cst.SimpleStatementLine) and isinstance(first.body[0], cst.Return):
                name = dotted_name(node.test)
                if name is not None:
                    yield name


def _forced_releases(locks: LockNames, scope: cst.CSTNode) -> set[str]:
    """The locks every ``release()`` of which in ``scope`` sits in a ``try`` with handlers."""
    guarded: set[int] = set()
    for node in walk(scope):
        if isinstance(node, (cst.Try, cst.TryStar)) and node.handlers:
            guarded.update(id(sub) for sub in walk(node.body) if isinstance(sub, cst.Call))
    forced: set[str] = set()
    unforced: set[str] = set()
    for node in walk(scope):
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "release":
            name = dotted_name(node.func.value)
            if name is not None and locks.is_lock(name):
                (forced if id(node) in guarded else unforced).add(name)
    return forced - unforced
