"""What the None narrowing records for the rules while the solver evaluates a scope: the
fact at each read of a key, each dereference (:class:`Use`, by :class:`UseKind`) and the
state where each comprehension starts. Kept apart from the evaluator, which only feeds it."""

from __future__ import annotations

import enum
from typing import NamedTuple

import libcst as cst

from safelint.analysis.flow.cfg import CFGNode
from safelint.analysis.optional.nullness import Fact, State, join_facts, join_states

__all__ = ["Recorder", "Use", "UseKind"]


class UseKind(enum.Enum):
    """How a dereference uses the value; each fails on None."""

    __hash__ = object.__hash__  # members are singletons; Enum's own hash is slow Python

    ATTRIBUTE = "attribute"  # x.y (load, store or delete)
    SUBSCRIPT = "subscript"  # x[i]
    CALL = "call"  # x(...)
    ITERATION = "iteration"  # for _ in x, [... for _ in x], f(*x), [*x], yield from x
    UNPACKING = "unpacking"  # a, b = x; f(**x); {**x}
    OPERAND = "operand"  # x + 1, -x, x < y, x += 1
    MEMBERSHIP = "membership"  # y in x (the container is iterated or hashed into)
    CONTEXT_MANAGER = "context manager"  # with x: (its __enter__ is looked up)


class Use(NamedTuple):
    """A dereference as recorded: ``node`` uses ``value`` (reading ``key``) by ``kind``."""

    node: cst.CSTNode
    value: cst.BaseExpression
    key: str | None
    kind: UseKind
    fact: Fact
    at: CFGNode


class Recorder:
    """Records what rules ask about — the fact at each read of a key, each dereference, the
    state where each comprehension starts — while the solver evaluates nodes. Only a node's
    latest evaluation counts: at the fixpoint, that is the one made with its final state
    (a node whose state changes is always evaluated again), so no second pass is needed."""

    def __init__(self) -> None:
        self._reads: dict[int, list[tuple[cst.CSTNode, Fact | None]]] = {}
        self._uses: dict[int, list[Use]] = {}
        self._entries: dict[int, list[tuple[cst.CSTNode, State]]] = {}
        self._node: CFGNode | None = None
        self._current_reads: list[tuple[cst.CSTNode, Fact | None]] = []
        self._current_uses: list[Use] = []

    def begin(self, node: CFGNode) -> None:
        """Start a new evaluation of ``node``, replacing what the last one recorded."""
        self._node = node
        self._current_reads = self._reads[node.index] = []
        self._current_uses = self._uses[node.index] = []
        self._entries.pop(node.index, None)

    def read(self, expr: cst.CSTNode, fact: Fact | None) -> None:
        self._current_reads.append((expr, fact))

    def use(self, node: cst.CSTNode, value: cst.BaseExpression, key: str | None, kind: UseKind, fact: Fact) -> None:
        assert self._node is not None
        self._current_uses.append(Use(node, value, key, kind, fact, self._node))

    def entry(self, scope: cst.CSTNode, state: State) -> None:
        assert self._node is not None
        self._entries.setdefault(self._node.index, []).append((scope, state))

    def reads(self) -> dict[cst.CSTNode, Fact | None]:
        """The fact at each read, joined over the nodes (copies) that evaluate it."""
        joined: dict[cst.CSTNode, Fact | None] = {}
        for records in self._reads.values():
            for expr, fact in records:
                joined[expr] = join_facts(joined[expr], fact) if expr in joined else fact
        return joined

    def uses(self) -> dict[tuple[cst.CSTNode, UseKind], list[Use]]:
        """Every recorded dereference, grouped by the node and kind of use."""
        grouped: dict[tuple[cst.CSTNode, UseKind], list[Use]] = {}
        for records in self._uses.values():
            for use in records:
                grouped.setdefault((use.node, use.kind), []).append(use)
        return grouped

    def entries(self) -> dict[cst.CSTNode, State]:
        """The state where each comprehension starts, joined over its copies."""
        joined: dict[cst.CSTNode, State] = {}
        for records in self._entries.values():
            for scope, state in records:
                previous = joined.get(scope)
                joined[scope] = state if previous is None else join_states(previous, state)
        return joined
