"""The transfer function of None narrowing: what each CFG node does to the facts.

A node evaluates its expressions (see :mod:`narrowing_expressions`) and binds its targets.
:meth:`Evaluator.step` returns what the node sends along each kind of edge: the normal
outcome, the two outcomes of a test, and the state when the node raised part way — its
expressions ran (a walrus bound, a call forgot), its own bindings did not (``x = f()``
raising leaves ``x`` as it was).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import libcst as cst

from safelint.analysis.flow.cfg import CFGNode, NodeKind
from safelint.analysis.optional.conditions import tracked_key
from safelint.analysis.optional.expressions import ExpressionEvaluator
from safelint.analysis.optional.nullness import NOT_NONE, Nullness, State, bind, join_optional, refine
from safelint.analysis.optional.recorder import UseKind
from safelint.analysis.syntax import dotted_name, walk

__all__ = ["Evaluator", "Outcome", "import_names"]


class Outcome(NamedTuple):
    """What a node sends along each kind of edge, given the state before it."""

    normal: State | None
    true: State | None
    false: State | None
    raised: State
    """The state if the node raised part way: its expressions ran, its bindings did not."""


_TYPE_CHECKING = frozenset({"TYPE_CHECKING", "typing.TYPE_CHECKING", "t.TYPE_CHECKING"})


def _plain(state: State) -> Outcome:
    return Outcome(state, state, state, state)


def import_names(stmt: cst.Import | cst.ImportFrom) -> list[str] | None:
    """The names an import binds (``import a.b`` binds ``a``); None for ``import *``."""
    if isinstance(stmt.names, cst.ImportStar):
        return None
    return [(alias.evaluated_alias or alias.evaluated_name).partition(".")[0] for alias in stmt.names]


class Evaluator(ExpressionEvaluator):
    """Evaluates CFG nodes over facts."""

    def step(self, node: CFGNode, state: State) -> Outcome:
        if self.recorder is not None:
            self.recorder.begin(node)
        kind = node.kind
        ast = node.ast
        if kind is NodeKind.STMT:
            return self._statement(ast, state)
        if kind is NodeKind.TEST:
            assert isinstance(ast, cst.BaseExpression)
            if dotted_name(ast) in _TYPE_CHECKING:
                # What `if TYPE_CHECKING: assert x is not None` states holds at run time too:
                # the author's word for an implication the code cannot show.
                return Outcome(state, state, None, state)
            _, true, false = self.cond(ast, state, False, 0)
            after = join_optional(true, false)
            return Outcome(after, true, false, state if after is None else after)
        handler = _NODE_STEPS.get(kind)
        return handler(self, node, state) if handler is not None else _plain(state)

    def _assert(self, node: CFGNode, state: State) -> Outcome:
        stmt = node.ast
        assert isinstance(stmt, cst.Assert)
        _, true, false = self.cond(stmt.test, state, False, 0)
        if false is not None and stmt.msg is not None:
            false = self.value(stmt.msg, false, False, 0)[1]
        after = join_optional(true, false)
        return Outcome(true, true, false, state if after is None else after)

    def _for_iter(self, node: CFGNode, state: State) -> Outcome:
        expr = node.ast
        assert isinstance(expr, cst.BaseExpression)
        fact, state = self.value(expr, state, True, 0)
        return _plain(self._use(expr, expr, fact, UseKind.ITERATION, state))

    def _for_next(self, node: CFGNode, state: State) -> Outcome:
        target = node.ast
        assert isinstance(target, cst.BaseExpression)
        bound = self.assign(target, None, state, 0)
        return Outcome(bound, bound, state, state)

    def _with_enter(self, node: CFGNode, state: State) -> Outcome:
        item = node.ast
        assert isinstance(item, cst.WithItem)
        fact, evaluated = self.value(item.item, state, True, 0)
        evaluated = self._use(item.item, item.item, fact, UseKind.CONTEXT_MANAGER, evaluated)
        bound = evaluated if item.asname is None else self.assign(item.asname.name, None, evaluated, 0)
        return Outcome(bound, bound, bound, evaluated)

    def _except(self, node: CFGNode, state: State) -> Outcome:
        handler = node.ast
        assert isinstance(handler, (cst.ExceptHandler, cst.ExceptStarHandler))
        if handler.type is not None:
            state = self.value(handler.type, state, False, 0)[1]
        caught = state
        if handler.name is not None and isinstance(handler.name.name, cst.Name):
            caught = bind(state, handler.name.name.value, NOT_NONE)
        return Outcome(caught, caught, state, state)

    def _match(self, node: CFGNode, state: State) -> Outcome:
        match = node.ast
        assert isinstance(match, cst.Match)
        return _plain(self.value(match.subject, state, False, 0)[1])

    def _case(self, node: CFGNode, state: State) -> Outcome:
        case, match = node.ast, node.stmt
        assert isinstance(case, cst.MatchCase) and isinstance(match, cst.Match)
        key = self.subject_key(match.subject)
        pattern = case.pattern
        capture = None  # `case x:` binds the subject itself
        while isinstance(pattern, cst.MatchAs) and pattern.pattern is not None:
            pattern = pattern.pattern
        if isinstance(pattern, cst.MatchAs) and pattern.name is not None:
            capture = pattern.name.value
        matched: State | None = state
        unmatched: State | None = state
        if key is not None:
            if isinstance(pattern, cst.MatchSingleton) and pattern.value.value == "None":
                matched = refine(state, key, Nullness.NONE, pattern)
                unmatched = refine(state, key, Nullness.NOT_NONE, pattern)
            elif isinstance(pattern, (cst.MatchValue, cst.MatchClass, cst.MatchSequence, cst.MatchMapping)):
                matched = refine(state, key, Nullness.NOT_NONE, pattern)
        if matched is not None:
            subject = matched.get(key) if key is not None else None
            for node_ in walk(case.pattern):
                name: cst.Name | None = None
                if isinstance(node_, (cst.MatchAs, cst.MatchStar)):
                    name = node_.name
                elif isinstance(node_, cst.MatchMapping):
                    name = node_.rest
                if name is not None:
                    matched = bind(matched, name.value, subject if name.value == capture else None)
        return Outcome(matched, matched, unmatched, state)

    def _def(self, node: CFGNode, state: State) -> Outcome:
        stmt = node.ast
        assert isinstance(stmt, (cst.FunctionDef, cst.ClassDef))
        evaluated: list[cst.BaseExpression] = [d.decorator for d in stmt.decorators]
        if isinstance(stmt, cst.FunctionDef):
            params = stmt.params
            for param in (*params.posonly_params, *params.params, *params.kwonly_params):
                if param.default is not None:
                    evaluated.append(param.default)
        else:
            evaluated += [arg.value for arg in (*stmt.bases, *stmt.keywords)]
        for expr in evaluated:
            state = self.value(expr, state, False, 0)[1]
        bound = bind(state, stmt.name.value, NOT_NONE)
        return Outcome(bound, bound, bound, state)

    def _expr(self, node: CFGNode, state: State) -> Outcome:
        expr = node.ast
        assert isinstance(expr, cst.BaseExpression)
        return _plain(self.value(expr, state, False, 0)[1])

    # -- statements

    def _statement(self, stmt: cst.CSTNode, state: State) -> Outcome:
        handler = _STATEMENTS.get(type(stmt))
        if handler is not None:
            return handler(self, stmt, state)  # type: ignore[no-any-return]
        # Return, Raise and anything else: evaluate what it holds, bind nothing.
        return _plain(self._generic(stmt, state, 0)[1])

    def _expression_statement(self, stmt: cst.Expr, state: State) -> Outcome:
        return _plain(self.value(stmt.value, state, False, 0)[1])

    def _assign(self, stmt: cst.Assign, state: State) -> Outcome:
        fact, evaluated = self.value(stmt.value, state, True, 0)
        if any(type(t.target) in (cst.Tuple, cst.List) for t in stmt.targets):
            evaluated = self._use(stmt.value, stmt.value, fact, UseKind.UNPACKING, evaluated)
        bound = evaluated
        for target in stmt.targets:
            bound = self.assign(target.target, fact, bound, 0)
        if len(stmt.targets) == 1 and type(stmt.targets[0].target) is cst.Name:
            bound = self.remember_condition(stmt.targets[0].target.value, stmt.value, bound)
        return Outcome(bound, bound, bound, evaluated)

    def _annotated_assign(self, stmt: cst.AnnAssign, state: State) -> Outcome:
        if stmt.value is None:
            return _plain(state)
        fact, evaluated = self.value(stmt.value, state, True, 0)
        bound = self.assign(stmt.target, fact, evaluated, 0)
        return Outcome(bound, bound, bound, evaluated)

    def _augmented_assign(self, stmt: cst.AugAssign, state: State) -> Outcome:
        fact, evaluated = self.value(stmt.target, state, True, 0)
        evaluated = self._use(stmt.target, stmt.target, fact, UseKind.OPERAND, evaluated)
        evaluated = self.value(stmt.value, evaluated, False, 0)[1]
        key = tracked_key(stmt.target)
        bound = evaluated if key is None else bind(evaluated, key, None)
        return Outcome(bound, bound, bound, evaluated)

    def _del(self, stmt: cst.Del, state: State) -> Outcome:
        return _plain(self._delete(stmt.target, state))

    def _type_alias(self, stmt: cst.TypeAlias, state: State) -> Outcome:
        return _plain(bind(state, stmt.name.value, NOT_NONE))

    def _delete(self, target: cst.BaseExpression, state: State) -> State:
        """``del a, b.c, d[0]``: forget what is deleted; evaluate what it is deleted from."""
        stack = [target]
        while stack:
            item = stack.pop()
            if isinstance(item, (cst.Tuple, cst.List)):
                stack.extend(element.value for element in reversed(item.elements))
            elif isinstance(item, cst.Name):
                state = bind(state, item.value, None)
            elif isinstance(item, (cst.Attribute, cst.Subscript)):
                state = self._dereference_base(item, state, 0)
                key = tracked_key(item)
                state = state if key is None else bind(state, key, None)
        return state

    def _import(self, stmt: cst.Import | cst.ImportFrom, state: State) -> Outcome:
        names = import_names(stmt)
        if names is None:
            return _plain({})  # `from m import *` may rebind any name
        for name in names:
            state = bind(state, name, NOT_NONE)
        return _plain(state)


_STATEMENTS: dict[type[cst.CSTNode], Callable[..., Any]] = {
    cst.Expr: Evaluator._expression_statement,
    cst.Assign: Evaluator._assign,
    cst.AnnAssign: Evaluator._annotated_assign,
    cst.AugAssign: Evaluator._augmented_assign,
    cst.Del: Evaluator._del,
    cst.Import: Evaluator._import,
    cst.ImportFrom: Evaluator._import,
    cst.TypeAlias: Evaluator._type_alias,
}

_NODE_STEPS: dict[NodeKind, Callable[[Evaluator, CFGNode, State], Outcome]] = {
    NodeKind.ASSERT: Evaluator._assert,
    NodeKind.FOR_ITER: Evaluator._for_iter,
    NodeKind.FOR_NEXT: Evaluator._for_next,
    NodeKind.WITH_ENTER: Evaluator._with_enter,
    NodeKind.EXCEPT: Evaluator._except,
    NodeKind.MATCH: Evaluator._match,
    NodeKind.CASE: Evaluator._case,
    NodeKind.DEF: Evaluator._def,
    NodeKind.EXPR: Evaluator._expr,
}
