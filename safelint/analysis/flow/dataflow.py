"""A generic forward dataflow solver over the graphs of :mod:`safelint.analysis.flow.cfg`.

None narrowing (SL2), resource release (SL4) and held locks (SL3) are each an analysis —
a lattice of states and a transfer function — handed to :func:`solve`. The solver owns the
iteration: a worklist in reverse postorder, joins where paths meet, and a step budget so
that a transfer function that is not monotone cannot make it loop forever.

States are values: ``transfer`` must return a new state rather than change the one it was
given. ``None`` is bottom — the node is unreachable, or an edge cannot be taken (a branch
refinement may return it for an outcome it proves impossible).
"""

from __future__ import annotations

import abc
import heapq
from typing import Generic, TypeVar

import libcst as cst

from safelint.analysis.flow.cfg import CFG, CFGNode, EdgeKind

__all__ = ["ForwardAnalysis", "Result", "solve"]

S = TypeVar("S")


class ForwardAnalysis(abc.ABC, Generic[S]):
    """What an analysis supplies. The three optional hooks have neutral defaults."""

    track_exits: bool = True
    """Whether the states reaching EXIT, RAISE_EXIT and NORETURN are wanted (a resource
    analysis asks what is still held there). An analysis that only asks about points inside
    the scope sets it False, and no raising statement pays a join at RAISE_EXIT."""

    @abc.abstractmethod
    def initial(self) -> S:
        """The state on entry to the scope."""

    @abc.abstractmethod
    def join(self, a: S, b: S) -> S:
        """The state where paths carrying ``a`` and ``b`` meet (least upper bound)."""

    @abc.abstractmethod
    def transfer(self, node: CFGNode, state: S) -> S | None:
        """The state after ``node`` completes normally, given the state before it (``None``:
        it cannot complete normally)."""

    def transfer_edge(self, label: EdgeKind, node: CFGNode, state: S) -> S | None:
        """The state along a TRUE or FALSE edge of a test, given the state *before* the test:
        where branch refinement happens (``x is None`` makes ``x`` None on TRUE). ``None``
        marks the edge infeasible."""
        return self.transfer(node, state)

    def transfer_exception(self, node: CFGNode, state: S) -> S | None:
        """The state along an EXCEPTION edge, given the state before ``node``: the node raised
        part way. The default keeps the state before it (``f = open(p)`` raising never bound
        ``f``); an analysis overrides it where a failed step still counts (``f.close()``)."""
        return state

    def equal(self, a: S, b: S) -> bool:
        """Whether two states are the same; the solver stops when nothing changes."""
        return a == b


class Result(Generic[S]):
    """The fixpoint: the state before each node, and what follows from it."""

    def __init__(self, cfg: CFG, analysis: ForwardAnalysis[S], states: list[S | None], converged: bool) -> None:
        self.cfg = cfg
        self.analysis = analysis
        self.converged = converged
        """False when the step budget ran out: the states are then incomplete, and a rule
        should report nothing for this scope rather than guess."""
        self._states = states

    def before(self, node: CFGNode) -> S | None:
        """The state on entry to ``node``: the join over every path reaching it (None: none does)."""
        return self._states[node.index]

    def after(self, node: CFGNode) -> S | None:
        """The state after ``node`` completes normally."""
        state = self._states[node.index]
        return None if state is None else self.analysis.transfer(node, state)

    def on_edge(self, node: CFGNode, label: EdgeKind) -> S | None:
        """The state ``node`` sends along its edges labelled ``label``."""
        state = self._states[node.index]
        if state is None:
            return None
        return _edge_state(self.analysis, label, node, state)

    def state_before(self, ast: cst.CSTNode) -> S | None:
        """The state before ``ast``, joined over all its copies (see ``CFG.nodes_for``)."""
        joined: S | None = None
        for node in self.cfg.nodes_for(ast):
            state = self._states[node.index]
            if state is not None:
                joined = state if joined is None else self.analysis.join(joined, state)
        return joined


def _edge_state(analysis: ForwardAnalysis[S], label: EdgeKind, node: CFGNode, state: S) -> S | None:
    if label is EdgeKind.NORMAL:
        return analysis.transfer(node, state)
    if label is EdgeKind.EXCEPTION:
        return analysis.transfer_exception(node, state)
    return analysis.transfer_edge(label, node, state)


def solve(cfg: CFG, analysis: ForwardAnalysis[S], *, max_visits_per_node: int = 50) -> Result[S]:
    """Run ``analysis`` forward over ``cfg`` to a fixpoint.

    Nodes are visited in reverse postorder (a priority worklist), so a loop body settles
    before the code after it. States only grow (each new arrival is joined into the old),
    so a finite lattice terminates; the budget of ``max_visits_per_node`` visits per node on
    average is a guard for analyses whose lattice or transfer is not as tidy as it should be.

    Each visit computes every outgoing edge of the node, and a node is visited again
    whenever its state changes: so the last transfer of each node sees its final state, and
    an analysis may record what it observes during transfers, keeping the latest per node,
    instead of a second pass over the fixpoint.
    """
    order = cfg.reverse_postorder()
    rank = [0] * len(cfg.nodes)
    for position, node in enumerate(order):
        rank[node.index] = position
    states: list[S | None] = [None] * len(cfg.nodes)
    states[cfg.entry.index] = analysis.initial()
    queued = bytearray(len(cfg.nodes))
    queued[cfg.entry.index] = 1
    worklist = [0]
    budget = max_visits_per_node * max(len(order), 1) + 1000
    join, equal = analysis.join, analysis.equal
    sinks = () if analysis.track_exits else (cfg.exit, cfg.raise_exit, cfg.noreturn)
    while worklist:
        if budget == 0:
            return Result(cfg, analysis, states, converged=False)
        budget -= 1
        node = order[heapq.heappop(worklist)]
        queued[node.index] = 0
        state = states[node.index]
        assert state is not None  # only reached nodes are queued
        outs: dict[EdgeKind, S | None] = {}
        for target, label in node.succs:
            if label in outs:
                out = outs[label]
            else:
                out = outs[label] = _edge_state(analysis, label, node, state)
            if out is None or target in sinks:
                continue
            i = target.index
            old = states[i]
            if old is not None:
                out = join(old, out)
                if equal(old, out):
                    continue
            states[i] = out
            if not queued[i]:
                queued[i] = 1
                heapq.heappush(worklist, rank[i])
    return Result(cfg, analysis, states, converged=True)
