"""Who owns a resource, on every path: the ownership analysis the SL4 rules share.

A resource is *owned* by a local from the call that acquires it (``f = open(p)``,
``r, w = os.pipe()``, ``lock.acquire()``) until it is released (``f.close()``, ``with f:``,
``os.close(fd)``, ``lock.release()``) or its ownership visibly moves elsewhere: returned,
yielded, stored on an attribute, in a container or a global, aliased, passed to a callee
that may keep it (an unknown function, a constructor, a method of another object),
captured by a nested function. Passing it to a function that only uses it (``json.load(f)``,
``print(..., file=f)``) keeps ownership where it was.

The analysis is a forward dataflow problem on the function's CFG. Its state is a set of
``(site, status, origin)`` facts: for each acquisition site, which statuses are possible
here (owned, released, moved — "owned on some path" is the join), and, for an owned one,
the first statement whose exception the path went through (``origin``), so that a leak on
an exception path can name the line that raises.

What a rule asks for is a :class:`Leak` per acquisition site: owned at the function's
normal exit or at a rebinding of its name (SL401), released on every normal path but owned
where an exception leaves the function (SL402), or a lock held at an exit (SL404).

Where the answer is uncertain the resource is taken as handed on and nothing is reported:
a name declared ``global``/``nonlocal``, read by a nested function or lambda, a function
that calls ``locals()``/``vars()``, a value bound through a conditional expression.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import libcst as cst

from safelint.analysis.flow.cfg import CFG, CFGNode, EdgeKind, Jump, NodeKind
from safelint.analysis.flow.dataflow import ForwardAnalysis, solve
from safelint.analysis.resources.acquisition import (
    Acquisition,
    Effect,
    Leak,
    LeakKind,
)
from safelint.analysis.resources.effects import analyse_node
from safelint.analysis.resources.facts import FunctionFacts, NodeFacts
from safelint.analysis.syntax import dotted_name, enclosing, walk
from safelint.analysis.threads.locks import LockNames, acquire_release

if TYPE_CHECKING:
    from safelint.context import ModuleContext

__all__ = ["Acquisition", "Leak", "LeakKind", "function_leaks", "line_of"]

# -- the analysis ------------------------------------------------------------------------------

_OWNED, _RELEASED, _MOVED = 0, 1, 2
Fact = tuple[int, int, int]  # (site, status, origin node index or -1)
State = frozenset[Fact]


def _settle(state: State, origins: set[int], status: int) -> State:
    """Give ``status`` to the owned facts whose exception came from one of ``origins``."""
    return frozenset(
        (s, status, -1) if st == _OWNED and origin in origins else (s, st, origin) for s, st, origin in state
    )


def _reraises(handler: cst.CSTNode) -> bool:
    body = getattr(handler, "body", None)
    return body is None or any(isinstance(n, cst.Raise) for n in walk(body))


def _catches_exception(handler: cst.CSTNode) -> bool:
    caught = getattr(handler, "type", None)
    if caught is None:
        return False
    types = [e.value for e in caught.elements] if isinstance(caught, cst.Tuple) else [caught]
    return any(dotted_name(t) in ("Exception", "builtins.Exception") for t in types)


def _catches_timeout(handler: cst.CSTNode) -> bool:
    caught = getattr(handler, "type", None)
    if caught is None:
        return False
    types = [e.value for e in caught.elements] if isinstance(caught, cst.Tuple) else [caught]
    return any((dotted_name(t) or "").endswith("TimeoutExpired") for t in types)


class _Ownership(ForwardAnalysis[State]):
    def __init__(self, function: FunctionFacts) -> None:
        self.f = function
        self._prepared: set[int] = set()
        self.timeouts: set[int] = set()  # nodes waiting for a child with a timeout

    def facts(self, node: CFGNode) -> NodeFacts:
        if node.index not in self._prepared:
            self._prepared.add(node.index)
            analyse_node(self.f, node)
            found = self.f.facts(node)
            if any(effect is Effect.RELEASE_IF_RETURNS for _, effect in found.effects):
                self.timeouts.add(node.index)
            return found
        return self.f.facts(node)

    def initial(self) -> State:
        return frozenset()

    def join(self, a: State, b: State) -> State:
        return a | b

    def _apply(self, node: CFGNode, state: State, raised: bool) -> State:
        facts = self.facts(node)
        if not facts.effects and not facts.lock_releases and not facts.lock_moves:
            return state
        changes: dict[int, int] = {}
        for name, effect in facts.effects:
            if effect is Effect.BORROW or (raised and effect is Effect.RELEASE_IF_RETURNS):
                continue
            status = _MOVED if effect is Effect.MOVE else _RELEASED
            for site in self.f.by_name.get(name, ()):
                if changes.get(site.index) != _MOVED:
                    changes[site.index] = status
        for key in facts.lock_releases:
            for site in self.f.lock_sites.get(key, ()):
                changes[site.index] = _RELEASED
        for key in facts.lock_moves:
            for site in self.f.lock_sites.get(key, ()):
                changes[site.index] = _MOVED
        if not changes:
            return state
        return frozenset((s, changes.get(s, status), origin if s not in changes else -1) for s, status, origin in state)

    def mid(self, node: CFGNode, state: State) -> State:
        """The state after the node's uses, before it binds anything."""
        return self._apply(node, state, False)

    def transfer(self, node: CFGNode, state: State) -> State:
        state = self._apply(node, state, False)
        facts = self.facts(node)
        if facts.binds:
            dropped = {site.index for name in facts.binds for site in self.f.by_name.get(name, ())}
            # A lock is followed by the name it is reached through: rebound, that name no
            # longer reaches it (a re-check loop taking a fresh semaphore each round).
            dropped |= {
                site.index
                for key, sites in self.f.lock_sites.items()
                if key.split(".", 1)[0] in facts.binds
                for site in sites
            }
            if dropped:
                state = frozenset(fact for fact in state if fact[0] not in dropped)
        for site in facts.acquires:
            state = frozenset(fact for fact in state if fact[0] != site.index) | {(site.index, _OWNED, -1)}
        for site in facts.lock_acquires:
            state = frozenset(fact for fact in state if fact[0] != site.index) | {(site.index, _OWNED, -1)}
        return state

    def transfer_exception(self, node: CFGNode, state: State) -> State | None:
        if self.f.quiet(node) or node.jump is Jump.EXCEPTION:
            # A `finally` or `__exit__` running for an exception that raises again is a
            # double fault: its cleanup is not where a leak is worth reporting.
            return None
        state = self._apply(node, state, True)
        if any(status == _OWNED and origin == -1 for _, status, origin in state):
            state = frozenset(
                (s, status, node.index if status == _OWNED and origin == -1 else origin) for s, status, origin in state
            )
        return state

    def transfer_edge(self, label: EdgeKind, node: CFGNode, state: State) -> State | None:
        if label is EdgeKind.FALSE and node.kind is NodeKind.ASSERT:
            return None  # a failing assertion is a bug in the program, not a path to clean up on
        if label is EdgeKind.FALSE and node.kind is NodeKind.EXCEPT and _catches_exception(node.ast):
            return None  # past `except Exception:` only KeyboardInterrupt and SystemExit go on
        out = self.transfer(node, state)
        if node.kind is NodeKind.EXCEPT and _catches_timeout(node.ast) and self.timeouts:
            if label is EdgeKind.FALSE:
                # Not a TimeoutExpired: a child waited for with a timeout was reaped after all.
                out = _settle(out, self.timeouts, _RELEASED)
            elif label is EdgeKind.TRUE and not _reraises(node.ast):
                # The timeout is handled without raising: leaving the child running is a decision.
                out = _settle(out, self.timeouts, _MOVED)
        facts = self.facts(node)
        dead = facts.refinements.get(label)
        if dead:
            gone = {site.index for name in dead for site in self.f.by_name.get(name, ())}
            out = frozenset(fact for fact in out if fact[0] not in gone)
        for key in facts.lock_refinements.get(label, ()):
            gone = {site.index for site in self.f.lock_sites.get(key, ())}
            out = frozenset(fact for fact in out if fact[0] not in gone)
        if facts.conditional_lock is not None and facts.conditional_lock[1] is label:
            site = facts.conditional_lock[0]
            out = frozenset(fact for fact in out if fact[0] != site.index) | {(site.index, _OWNED, -1)}
        return out


# -- results -----------------------------------------------------------------------------------


def function_leaks(ctx: ModuleContext, function: cst.FunctionDef | cst.Module) -> list[Leak]:
    """Every leak in ``function``'s own body (nested functions are analysed on their own),
    computed once per function whichever SL4 rule asks first. A module's top level is a
    scope too, whose exit is the module's end: scripts acquire and leak there."""
    return ctx.memo(("leaks", function), lambda: _leaks(ctx, function))


def _own_statements(scope: cst.FunctionDef | cst.Module) -> Iterator[cst.CSTNode]:
    """The nodes of ``scope``'s own code; a module's functions and classes are scopes of their own."""
    if isinstance(scope, cst.FunctionDef):
        yield from walk(scope.body)
        return
    for statement in scope.body:
        if not isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            yield from walk(statement)


def _has_candidates(function: cst.FunctionDef | cst.Module) -> bool:
    """A cheap syntactic screen: a call bound by an assignment or ``with ... as``, or an ``.acquire()``."""
    for node in _own_statements(function):
        kind = type(node)
        if kind is cst.Assign or kind is cst.AnnAssign:
            value = node.value  # type: ignore[attr-defined]
            if isinstance(value, cst.Await):
                value = value.expression
            if isinstance(value, cst.Call) or (
                isinstance(value, (cst.Tuple, cst.List)) and any(isinstance(e.value, cst.Call) for e in value.elements)
            ):
                return True
        elif kind is cst.WithItem and node.asname is not None and isinstance(node.item, cst.Call):  # type: ignore[attr-defined]
            return True
        elif kind is cst.Attribute and node.attr.value == "acquire":  # type: ignore[attr-defined]
            return True
    return False


_ENTRY_POINTS = frozenset({"main", "_main", "test", "_test"})
"""Command-line entry points: the process ends with them and releases what they hold."""


def _leaks(ctx: ModuleContext, function: cst.FunctionDef | cst.Module) -> list[Leak]:
    name = function.name.value if isinstance(function, cst.FunctionDef) else ""
    if name in _ENTRY_POINTS or not _has_candidates(function):
        return []
    f = FunctionFacts(ctx, function)
    if not f.sites:
        return []
    analysis = _Ownership(f)
    result = solve(f.cfg, analysis)
    if not result.converged:
        return []
    cfg = f.cfg
    at_exit = result.before(cfg.exit) or frozenset()
    at_raise = result.before(cfg.raise_exit) or frozenset()
    leaks: list[Leak] = []
    rebound: dict[int, CFGNode] = {}
    for node in cfg.nodes:
        state = result.before(node)
        if not state:
            continue
        facts = analysis.facts(node)
        if not facts.binds:
            continue
        mid = analysis.mid(node, state)
        for name in facts.binds:
            for site in f.by_name.get(name, ()):
                if (site.index, _OWNED) in {(s, st) for s, st, _ in mid} and site.index not in rebound:
                    rebound[site.index] = node
    for site in f.sites:
        exit_statuses = {status for s, status, _ in at_exit if s == site.index}
        raised = [origin for s, status, origin in at_raise if s == site.index and status == _OWNED]
        if site.kind == "lock":
            if (
                site.name not in f.released_keys
                or site.name in f.reacquired
                or site.name in f.released_in_finally
                and _OWNED not in exit_statuses
                or name in ("__enter__", "__aenter__", "acquire", "lock")
            ):
                continue
            if _OWNED in exit_statuses and _RELEASED in exit_statuses:
                # Held on one way out, released on another. Held on every normal way out (and
                # released only on an error path) is a lock handed to the caller on purpose.
                if not _released_by_sibling(ctx, function, site.name):
                    leaks.append(Leak(site, LeakKind.LOCK_HELD, _exit_statement(result, cfg, site.index)))
            elif raised:
                leaks.append(Leak(site, LeakKind.LOCK_EXCEPTION, _first(cfg, raised)))
            continue
        # A release in a `finally` means the author took charge of every path, often with a
        # flag this analysis cannot correlate (`if not closed: os.close(fd)`).
        trusted = site.name in f.released_in_finally and not site.via_with
        if _OWNED in exit_statuses and not trusted:
            kind = LeakKind.SQLITE_WITH if site.via_with else LeakKind.UNRELEASED
            leaks.append(Leak(site, kind, _exit_statement(result, cfg, site.index)))
        elif (
            site.index in rebound
            and not (trusted and f.offset(rebound[site.index].ast) < f.offset(site.call))
            and not _once_per_key(ctx, site.call)
        ):
            # (a loop that rebinds it in the next round, and a `finally` that releases it)
            leaks.append(Leak(site, LeakKind.REBOUND, rebound[site.index].ast))
        elif raised and exit_statuses == {_RELEASED} and not trusted:
            leaks.append(Leak(site, LeakKind.EXCEPTION, _first(cfg, raised)))
    return _merge(leaks)


def _released_by_sibling(ctx: ModuleContext, function: cst.FunctionDef | cst.Module, key: str) -> bool:
    """``self._slots.acquire()`` here and only ``self._slots.release()`` in another method of
    the class: what a normal return keeps is handed on (a semaphore counting prefetched messages,
    which ``ack()`` gives back), as ``__enter__`` hands its lock to ``__exit__``."""
    if not key.startswith("self.") or isinstance(function, cst.Module):
        return False
    klass = ctx.parents.get(ctx.parents.get(function, function))
    if not isinstance(klass, cst.ClassDef):
        return False
    lock = LockNames((key,))
    for method in klass.body.body:
        if isinstance(method, cst.FunctionDef) and method is not function:
            acquired, released = acquire_release(lock, method)
            if key in released and key not in acquired:
                return True
    return False


def _once_per_key(ctx: ModuleContext, call: cst.Call) -> bool:
    """Whether ``call`` sits in the branch ``if key == "file":`` of a loop over a mapping's
    ``items()`` or ``keys()`` keyed by ``key``: keys are unique, so it runs once at most."""
    compared: set[str] = set()
    for child, node in enclosing(call, ctx.parents):
        if isinstance(node, cst.If) and child is node.body:
            compared |= _equal_to_literal(node.test)
        elif isinstance(node, (cst.For, cst.While)) and child is node.body:
            if not isinstance(node, cst.For) or not compared:
                return False
            target = node.target
            key = target.elements[0].value if isinstance(target, (cst.Tuple, cst.List)) else target
            iterated = node.iter
            return (
                isinstance(key, cst.Name)
                and key.value in compared
                and isinstance(iterated, cst.Call)
                and isinstance(iterated.func, cst.Attribute)
                and iterated.func.attr.value in ("items", "keys")
            )
    return False


def _equal_to_literal(test: cst.BaseExpression) -> set[str]:
    """``name`` for a test ``name == "literal"`` (either way round)."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return set()
    target = test.comparisons[0]
    if not isinstance(target.operator, cst.Equal):
        return set()
    sides = (test.left, target.comparator)
    literal = (cst.SimpleString, cst.Integer, cst.ConcatenatedString)
    for name, other in (sides, sides[::-1]):
        if isinstance(name, cst.Name) and isinstance(other, literal):
            return {name.value}
    return set()


def _merge(leaks: list[Leak]) -> list[Leak]:
    """One leak per acquiring call and kind: ``r, w = os.pipe()`` leaking both is one finding."""
    merged: dict[tuple[int, LeakKind], Leak] = {}
    for leak in leaks:
        key = (id(leak.site.call), leak.kind)
        if key in merged:
            merged[key].others.append(leak.site)
        else:
            merged[key] = leak
    return list(merged.values())


def _first(cfg: CFG, origins: list[int]) -> cst.CSTNode | None:
    """The earliest statement (in source order of the graph) among the raising origins."""
    nodes = [cfg.nodes[i] for i in set(origins) if i >= 0]
    if not nodes:
        return None
    nodes.sort(key=lambda n: n.index)
    node = nodes[0]
    return node.ast if not isinstance(node.ast, cst.Module) else None


def _exit_statement(result: object, cfg: CFG, index: int) -> cst.CSTNode | None:
    """The statement through which a path leaves the function with the site still owned."""
    for pred, label in cfg.exit.preds:
        state = result.on_edge(pred, label)  # type: ignore[attr-defined]
        if state and any(s == index and status == _OWNED for s, status, _ in state):
            if pred.kind in (NodeKind.ENTRY,):
                return None
            return pred.ast
    return None


# -- words for messages --------------------------------------------------------------------------


def line_of(ctx: ModuleContext, node: cst.CSTNode | None) -> int | None:
    if node is None:
        return None
    try:
        return ctx.position(node, ctx.current_top).start.line
    except KeyError:
        return None
