"""The bindings of each name in one scope, and which of them reach a point (reaching
definitions on the scope's flow graph): a local's type is the join of the values its
reaching bindings give it, so ``x = None`` ... ``x = f()`` ... ``x.y`` reads ``f()``'s type.

A binding is the construct that binds the name (an assignment, a ``for`` target, a ``with``
item, a parameter, a ``def``, an import...) and, for an unpacking, the target expression
holding the name. Walrus targets inside comprehensions bind in the enclosing scope but run
in the comprehension's graph; such names are answered flow-insensitively (every binding).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import libcst as cst

from safelint.analysis.flow.cfg import CFG, CFGNode, NodeKind
from safelint.analysis.flow.dataflow import ForwardAnalysis, solve
from safelint.analysis.syntax import LEAVES, ScopeNode, parameters, push_children, target_elements

__all__ = ["Binding", "ScopeBindings"]


@dataclass(frozen=True, eq=False)
class Binding:
    name: str
    node: cst.CSTNode
    """Assign, AnnAssign, AugAssign, For, CompFor, WithItem, ExceptHandler, Param,
    FunctionDef, ClassDef, ImportAlias (with its Import/ImportFrom as ``statement``),
    NamedExpr, MatchAs, MatchStar, MatchMapping, Del."""
    target: cst.CSTNode | None = None
    """The part of the target that is this name, inside an unpacking; None otherwise."""
    statement: cst.CSTNode | None = None
    """For an import alias: the import statement."""


State = frozenset[tuple[str, int]]


class ScopeBindings:
    """Bindings per name in one scope; reaching ones on demand (one dataflow per scope, over
    the names bound more than once)."""

    def __init__(self, scope: ScopeNode, cfg: CFG, parents: Mapping[cst.CSTNode, cst.CSTNode]) -> None:
        self._cfg = cfg
        self._parents = parents
        self._scope = scope
        self._by_node: dict[int, list[Binding]] = {}
        self.all: dict[str, list[Binding]] = {}
        # A statement in a `finally` has a node per way out: its bindings are one binding.
        canonical: dict[tuple[str, cst.CSTNode, cst.CSTNode | None], Binding] = {}
        for node in cfg.nodes:
            found = []
            for binding in _node_bindings(node):
                key = (binding.name, binding.node, binding.target)
                if key not in canonical:
                    canonical[key] = binding
                    self.all.setdefault(binding.name, []).append(binding)
                found.append(canonical[key])
            if found:
                self._by_node[node.index] = found
        self._states: list[State | None] | None = None
        self._index: dict[Binding, int] = {}
        self._targets: dict[cst.CSTNode, Binding] | None = None

    def binding_at(self, name: cst.Name) -> Binding | None:
        """The binding whose target is ``name`` itself (``x`` in ``x = f()``), if any."""
        if self._targets is None:
            self._targets = {}
            for bindings in self.all.values():
                for binding in bindings:
                    for target in _target_names(binding):
                        self._targets[target] = binding
        return self._targets.get(name)

    def reaching(self, name: str, at: cst.CSTNode) -> list[Binding]:
        """The bindings of ``name`` that reach the read ``at``; every binding when the read is
        not in this graph (a nested function reading a captured name)."""
        every = self.all.get(name, [])
        if len(every) <= 1:
            return every
        nodes = self.graph_nodes(at)
        if not nodes:
            return every
        states = self._solve()
        found: list[Binding] = []
        for node in nodes:
            state = states[node.index]
            if state is None:
                continue
            for binding in every:
                if (name, self._index[binding]) in state and binding not in found:
                    found.append(binding)
        return found or every

    def bound_at(self, node: CFGNode) -> list[Binding]:
        """The bindings graph node ``node`` makes."""
        return self._by_node.get(node.index, [])

    def graph_nodes(self, at: cst.CSTNode) -> list[CFGNode]:
        """The graph nodes (one per copy) where ``at``, or the nearest construct holding it
        that has a node, is evaluated; none when ``at`` is not in this scope's own graph."""
        node: cst.CSTNode | None = at
        while node is not None and node is not self._scope:
            found = self._cfg.nodes_for(node)
            if found:
                return list(found)
            node = self._parents.get(node)
        return []

    def _solve(self) -> list[State | None]:
        if self._states is None:
            tracked = {name for name, bindings in self.all.items() if len(bindings) > 1}
            index = 0
            for name in tracked:
                for binding in self.all[name]:
                    self._index[binding] = index
                    index += 1
            result = solve(self._cfg, _Reaching(self._by_node, self._index, tracked))
            self._states = [result.before(node) if result.converged else None for node in self._cfg.nodes]
        return self._states


class _Reaching(ForwardAnalysis[State]):
    track_exits = False

    def __init__(self, by_node: dict[int, list[Binding]], index: dict[Binding, int], tracked: set[str]) -> None:
        self._by_node = by_node
        self._index = index
        self._tracked = tracked

    def initial(self) -> State:
        return frozenset()

    def join(self, a: State, b: State) -> State:
        return a | b

    def transfer(self, node: CFGNode, state: State) -> State:
        bindings = self._by_node.get(node.index)
        if not bindings:
            return state
        names = {b.name for b in bindings if b.name in self._tracked}
        if not names:
            return state
        kept = frozenset(fact for fact in state if fact[0] not in names)
        return kept | {
            (b.name, self._index[b]) for b in bindings if b.name in names and not isinstance(b.node, cst.Del)
        }


def _node_bindings(node: CFGNode) -> Iterator[Binding]:
    """The names one graph node binds."""
    ast, kind = node.ast, node.kind
    if kind is NodeKind.ENTRY:
        if isinstance(ast, (cst.FunctionDef, cst.Lambda)):
            for param in parameters(ast.params):
                yield Binding(param.name.value, param)
        return
    if kind is NodeKind.FOR_NEXT:
        owner = node.stmt if isinstance(node.stmt, cst.For) else _comp_for(node)
        if owner is not None:
            yield from _targets(ast, owner)
        return
    if kind is NodeKind.WITH_ENTER and isinstance(ast, cst.WithItem):
        yield from _walrus(ast.item)
        if ast.asname is not None:
            yield from _targets(ast.asname.name, ast)
        return
    if kind is NodeKind.EXCEPT and isinstance(ast, (cst.ExceptHandler, cst.ExceptStarHandler)):
        if ast.name is not None and isinstance(ast.name.name, cst.Name):
            yield Binding(ast.name.name.value, ast)
        return
    if kind is NodeKind.CASE and isinstance(ast, cst.MatchCase):
        yield from _captures(ast.pattern)
        return
    if kind is NodeKind.DEF and isinstance(ast, (cst.FunctionDef, cst.ClassDef)):
        yield Binding(ast.name.value, ast)
        return
    if kind is NodeKind.STMT:
        yield from _statement(ast)
        return
    if kind in (NodeKind.TEST, NodeKind.ASSERT, NodeKind.MATCH, NodeKind.EXPR, NodeKind.FOR_ITER):
        yield from _walrus(ast)


def _comp_for(node: CFGNode) -> cst.CompFor | None:
    comp = node.stmt
    clause = getattr(comp, "for_in", None)
    while isinstance(clause, cst.CompFor):
        if clause.target is node.ast:
            return clause
        clause = clause.inner_for_in
    return None


def _statement(stmt: cst.CSTNode) -> Iterator[Binding]:
    if isinstance(stmt, cst.Assign):
        yield from _walrus(stmt.value)
        for target in stmt.targets:
            yield from _targets(target.target, stmt)
    elif isinstance(stmt, cst.AnnAssign):
        if stmt.value is not None:
            yield from _walrus(stmt.value)
            yield from _targets(stmt.target, stmt)
    elif isinstance(stmt, cst.AugAssign):
        yield from _walrus(stmt.value)
        if isinstance(stmt.target, cst.Name):
            yield Binding(stmt.target.value, stmt)
    elif isinstance(stmt, cst.Import):
        for alias in stmt.names:
            bound = alias.asname.name if alias.asname is not None else alias.name
            if isinstance(bound, cst.Name):
                yield Binding(bound.value, alias, statement=stmt)
            elif isinstance(bound, cst.Attribute):  # ``import a.b`` binds ``a``
                head: cst.BaseExpression = bound
                while isinstance(head, cst.Attribute):
                    head = head.value
                if isinstance(head, cst.Name):
                    yield Binding(head.value, alias, statement=stmt)
    elif isinstance(stmt, cst.ImportFrom) and not isinstance(stmt.names, cst.ImportStar):
        for alias in stmt.names:
            bound = alias.asname.name if alias.asname is not None else alias.name
            if isinstance(bound, cst.Name):
                yield Binding(bound.value, alias, statement=stmt)
    elif isinstance(stmt, cst.Del):
        for element in target_elements(stmt.target):
            if isinstance(element, cst.Name):
                yield Binding(element.value, stmt)
    else:
        yield from _walrus(stmt)


def _targets(target: cst.CSTNode, owner: cst.CSTNode) -> Iterator[Binding]:
    if isinstance(target, cst.Name):
        yield Binding(target.value, owner)
        return
    for element in target_elements(target):
        if isinstance(element, cst.Name):
            yield Binding(element.value, owner, target=element)


def _walrus(root: cst.CSTNode) -> Iterator[Binding]:
    stack = [root]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is cst.NamedExpr:
            target = node.target  # type: ignore[attr-defined]
            if isinstance(target, cst.Name):
                yield Binding(target.value, node)
        if kind in LEAVES or kind in (cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp):
            continue
        push_children(node, stack)


def _captures(pattern: cst.MatchPattern) -> Iterator[Binding]:
    stack: list[cst.CSTNode] = [pattern]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.MatchAs, cst.MatchStar)) and node.name is not None:
            yield Binding(node.name.value, node)
        elif isinstance(node, cst.MatchMapping) and node.rest is not None:
            yield Binding(node.rest.value, node)
        push_children(node, stack)


def _target_names(binding: Binding) -> Iterator[cst.CSTNode]:
    """The Name nodes through which ``binding`` binds its name."""
    node = binding.node
    if binding.target is not None:
        yield binding.target
        return
    targets: list[cst.CSTNode] = []
    if isinstance(node, cst.Assign):
        targets = [t.target for t in node.targets]
    elif isinstance(node, (cst.AnnAssign, cst.AugAssign, cst.For, cst.CompFor, cst.NamedExpr)):
        targets = [node.target]
    elif isinstance(node, cst.WithItem) and node.asname is not None:
        targets = [node.asname.name]
    elif isinstance(node, (cst.ExceptHandler, cst.ExceptStarHandler)) and node.name is not None:
        targets = [node.name.name]
    elif isinstance(node, (cst.Param, cst.FunctionDef, cst.ClassDef)):
        targets = [node.name]
    elif isinstance(node, cst.ImportAlias):
        targets = [node.asname.name if node.asname is not None else node.name]
    for target in targets:
        if isinstance(target, cst.Name) and target.value == binding.name:
            yield target
