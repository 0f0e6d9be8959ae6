"""The generic forward solver, driven by small analyses of the kinds the rules will write."""

from __future__ import annotations

import textwrap

import libcst as cst

from safelint.analysis.flow.cfg import CFG, CFGNode, EdgeKind, NodeKind, build_cfg, dotted_name, iter_scopes
from safelint.analysis.flow.dataflow import ForwardAnalysis, solve


def graph(source: str) -> tuple[cst.Module, CFG]:
    module = cst.parse_module(textwrap.dedent(source))
    scopes = [s for s, _ in iter_scopes(module)]
    return module, build_cfg(scopes[-1] if len(scopes) > 1 else module)


def statement(cfg: CFG, text: str) -> cst.CSTNode:
    empty = cst.Module([])
    found = {n.ast for n in cfg.nodes if n.kind is NodeKind.STMT and empty.code_for_node(n.ast).strip() == text}
    assert len(found) == 1, text
    return found.pop()


class Assigned(ForwardAnalysis[frozenset[str]]):
    """Names that may have been assigned: a finite powerset lattice."""

    def initial(self) -> frozenset[str]:
        return frozenset()

    def join(self, a: frozenset[str], b: frozenset[str]) -> frozenset[str]:
        return a | b

    def transfer(self, node: CFGNode, state: frozenset[str]) -> frozenset[str]:
        if isinstance(node.ast, cst.Assign):
            names = {t.target.value for t in node.ast.targets if isinstance(t.target, cst.Name)}
            return state | names
        return state


class OpenFiles(ForwardAnalysis[frozenset[str]]):
    """SL4's shape: ``x = open(...)`` acquires, ``x.close()`` releases, also when it raises."""

    def initial(self) -> frozenset[str]:
        return frozenset()

    def join(self, a: frozenset[str], b: frozenset[str]) -> frozenset[str]:
        return a | b

    def transfer(self, node: CFGNode, state: frozenset[str]) -> frozenset[str]:
        ast = node.ast
        if isinstance(ast, cst.Assign) and isinstance(ast.value, cst.Call) and dotted_name(ast.value.func) == "open":
            target = ast.targets[0].target
            assert isinstance(target, cst.Name)
            return state | {target.value}
        return state - self._closed(node)

    def transfer_exception(self, node: CFGNode, state: frozenset[str]) -> frozenset[str]:
        return state - self._closed(node)  # open() raising acquired nothing; close() raising released

    @staticmethod
    def _closed(node: CFGNode) -> set[str]:
        ast = node.ast
        if isinstance(ast, cst.Expr) and isinstance(ast.value, cst.Call):
            name = dotted_name(ast.value.func)
            if name is not None and name.endswith(".close"):
                return {name.rpartition(".")[0]}
        return set()


class Truthy(ForwardAnalysis[frozenset[str]]):
    """Names known truthy, refined on branch edges; a test on a literal False is infeasible."""

    def initial(self) -> frozenset[str]:
        return frozenset()

    def join(self, a: frozenset[str], b: frozenset[str]) -> frozenset[str]:
        return a & b

    def transfer(self, node: CFGNode, state: frozenset[str]) -> frozenset[str]:
        return state

    def transfer_edge(self, label: EdgeKind, node: CFGNode, state: frozenset[str]) -> frozenset[str] | None:
        test = node.ast
        if isinstance(test, cst.Name) and node.kind is NodeKind.TEST:
            if test.value in state and label is EdgeKind.FALSE:
                return None  # known truthy: the false branch cannot be taken
            return state | {test.value} if label is EdgeKind.TRUE else state
        return state


def test_join_at_merge_points() -> None:
    _, cfg = graph(
        """
        if c:
            a = 1
        else:
            b = 2
        d = 3
        """
    )
    result = solve(cfg, Assigned())
    assert result.converged
    assert result.state_before(statement(cfg, "d = 3")) == frozenset({"a", "b"})
    assert result.state_before(statement(cfg, "a = 1")) == frozenset()
    assert result.before(cfg.exit) == frozenset({"a", "b", "d"})
    assert result.after(cfg.nodes_for(statement(cfg, "a = 1"))[0]) == frozenset({"a"})


def test_nested_loops_terminate() -> None:
    _, cfg = graph(
        """
        while a:
            while b:
                for c in d:
                    while e:
                        x = 1
                        if f:
                            continue
                        y = 2
                    z = 3
                w = 4
        """
    )
    result = solve(cfg, Assigned())
    assert result.converged
    assert result.before(cfg.exit) == frozenset({"x", "y", "z", "w"})
    assert result.state_before(statement(cfg, "x = 1")) == frozenset({"x", "y", "z", "w"})


def test_budget_stops_an_analysis_that_never_settles() -> None:
    class Counter(ForwardAnalysis[int]):
        def initial(self) -> int:
            return 0

        def join(self, a: int, b: int) -> int:
            return max(a, b)

        def transfer(self, node: CFGNode, state: int) -> int:
            return state + 1  # an infinite-height lattice: each loop turn climbs

    _, cfg = graph("while a:\n    b = 1\n")
    result = solve(cfg, Counter(), max_visits_per_node=5)
    assert not result.converged


def test_exception_edges_use_their_own_transfer() -> None:
    _, released = graph(
        """
        def f(p):
            h = open(p)
            try:
                work(h)
            finally:
                h.close()
        """
    )
    result = solve(released, OpenFiles())
    assert result.before(released.exit) == frozenset()
    assert result.before(released.raise_exit) == frozenset()

    _, leaked = graph(
        """
        def f(p):
            h = open(p)
            work(h)
            h.close()
        """
    )
    result = solve(leaked, OpenFiles())
    assert result.before(leaked.exit) == frozenset()
    assert result.before(leaked.raise_exit) == frozenset({"h"})  # work(h) raised with h open


def test_failed_acquisition_leaves_nothing_to_release() -> None:
    _, cfg = graph(
        """
        def f(p):
            h = open(p)
        """
    )
    result = solve(cfg, OpenFiles())
    assert result.before(cfg.raise_exit) == frozenset()
    assert result.before(cfg.exit) == frozenset({"h"})


def test_branch_refinement_and_infeasible_edges() -> None:
    _, cfg = graph(
        """
        if x:
            a = 1
        if x:
            b = 2
        else:
            c = 3
        """
    )
    result = solve(cfg, Truthy())
    assert result.state_before(statement(cfg, "a = 1")) == frozenset({"x"})
    assert result.state_before(statement(cfg, "b = 2")) == frozenset({"x"})  # refined again on this branch
    assert result.state_before(statement(cfg, "c = 3")) == frozenset()

    _, cfg = graph(
        """
        if x:
            if x:
                a = 1
            else:
                never = 2
        """
    )
    result = solve(cfg, Truthy())
    assert result.state_before(statement(cfg, "never = 2")) is None
    inner = cfg.nodes_for(statement(cfg, "a = 1"))[0].preds[0].node
    assert result.on_edge(inner, EdgeKind.FALSE) is None
    assert result.on_edge(inner, EdgeKind.TRUE) == frozenset({"x"})


def test_state_before_joins_every_copy_of_a_finally_body() -> None:
    _, cfg = graph(
        """
        def f():
            try:
                a = 1
                g()
                b = 2
            finally:
                done = 3
        """
    )
    result = solve(cfg, Assigned())
    done = statement(cfg, "done = 3")
    copies = cfg.nodes_for(done)
    assert len(copies) == 2
    assert {frozenset(result.before(n) or ()) for n in copies} == {frozenset({"a"}), frozenset({"a", "b"})}
    assert result.state_before(done) == frozenset({"a", "b"})


def test_exit_states_can_be_left_out() -> None:
    class Inside(Assigned):
        track_exits = False

    _, cfg = graph("a = 1\nf()\n")
    result = solve(cfg, Inside())
    assert result.before(cfg.exit) is None and result.before(cfg.raise_exit) is None
    assert result.state_before(statement(cfg, "f()")) == frozenset({"a"})


def test_unreachable_code_is_bottom() -> None:
    _, cfg = graph(
        """
        def f():
            return 1
            dead = 2
        """
    )
    result = solve(cfg, Assigned())
    assert result.state_before(statement(cfg, "dead = 2")) is None
    assert result.before(cfg.raise_exit) is None
