"""Syntax queries the flow analyses share: the children of a node, dotted names, what may
raise, and the scopes of a module. All of them walk node fields directly and iteratively:
no visitor, no metadata, no recursion on expressions.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Union

import libcst as cst

from safelint.analysis.names.names import dotted_name
from safelint.analysis.syntax import push_children, walk

__all__ = [
    "COMPREHENSIONS",
    "Comprehension",
    "ScopeNode",
    "bind_target",
    "comprehension_elements",
    "constant_truth",
    "dotted_name",
    "expression_can_raise",
    "iter_scopes",
    "nested_scopes",
    "parameters",
    "push_children",
    "statement_can_raise",
    "walk",
]

ScopeNode = Union[
    cst.Module,
    cst.FunctionDef,
    cst.ClassDef,
    cst.Lambda,
    cst.ListComp,
    cst.SetComp,
    cst.DictComp,
    cst.GeneratorExp,
]
"""A node that opens a scope and gets a graph of its own."""

Comprehension = Union[cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp]
COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
_SCOPES = frozenset({cst.FunctionDef, cst.ClassDef, cst.Lambda, *COMPREHENSIONS})

# Nodes that hold no other node: walks looking for something else skip them unopened.
_LEAVES = frozenset(
    {
        cst.Name,
        cst.Integer,
        cst.Float,
        cst.Imaginary,
        cst.SimpleString,
        cst.Ellipsis,
        cst.FormattedStringText,
        cst.Pass,
        cst.Break,
        cst.Continue,
    }
)


def parameters(params: cst.Parameters) -> list[cst.Param]:
    """Every parameter of a def or lambda, ``*args`` and ``**kwargs`` included."""
    found = [*params.posonly_params, *params.params, *params.kwonly_params]
    if isinstance(params.star_arg, cst.Param):
        found.append(params.star_arg)
    if params.star_kwarg is not None:
        found.append(params.star_kwarg)
    return found


def comprehension_elements(comp: Comprehension) -> list[cst.BaseExpression]:
    """What a comprehension produces per item: its element, or a dict comprehension's key and value."""
    if isinstance(comp, cst.DictComp):
        return [comp.key, comp.value]
    return [comp.elt]


# What can raise. Calls, awaits, yields (a generator can be thrown into), subscripts and
# comprehensions (which iterate) can; names, constants, attribute loads and operators are
# taken not to: an edge from every ``x.y`` or ``a + b`` would put most of a ``try`` body
# on the path to each handler, and each such path is a chance for a false positive.
_RAISING_EXPRESSIONS = frozenset({cst.Call, cst.Await, cst.Yield, cst.Subscript, *COMPREHENSIONS})
_QUIET_STATEMENTS = frozenset({cst.Pass, cst.Global, cst.Nonlocal, cst.Break, cst.Continue, cst.TypeAlias})


def expression_can_raise(root: cst.CSTNode) -> bool:
    """Whether evaluating ``root`` may raise, by the rule above (lambda bodies do not run)."""
    stack = [root]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind in _RAISING_EXPRESSIONS:
            return True
        if kind is not cst.Lambda and kind not in _LEAVES:
            push_children(node, stack)
    return False


def statement_can_raise(stmt: cst.BaseSmallStatement) -> bool:
    """Whether a small statement may raise: by what it evaluates, or by what it is."""
    kind = type(stmt)
    if kind in _QUIET_STATEMENTS:
        return False
    if type(stmt) is cst.Expr:
        return expression_can_raise(stmt.value)
    if type(stmt) is cst.Assign:
        return expression_can_raise(stmt.value) or any(expression_can_raise(t.target) for t in stmt.targets)
    if type(stmt) is cst.AnnAssign:
        # The annotation of a local is never evaluated; a module's is, but only ever names.
        value = stmt.value
        return expression_can_raise(stmt.target) or (value is not None and expression_can_raise(value))
    if type(stmt) is cst.Return:
        return stmt.value is not None and expression_can_raise(stmt.value)
    return True  # AugAssign, Del, Import, ImportFrom, Raise, and kinds newer than this code


def constant_truth(expr: cst.BaseExpression) -> bool | None:
    """The truth of a literal test (``True``, ``0``, ``not False``), else None."""
    negate = False
    while isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Not):
        negate = not negate
        expr = expr.expression
    value: bool | None = None
    if isinstance(expr, cst.Name) and expr.value in ("True", "False", "None"):
        value = expr.value == "True"
    elif isinstance(expr, cst.Integer):
        try:
            value = int(expr.value, 0) != 0
        except ValueError:  # 007, 1_000: leave it to the reader
            value = None
    if value is None:
        return None
    return value != negate


# -- scopes --------------------------------------------------------------------------------


def _own_roots(scope: ScopeNode) -> list[cst.CSTNode]:
    """The parts of ``scope`` that run in it (a def's defaults run in the enclosing scope)."""
    if isinstance(scope, cst.Module):
        return list(scope.body)
    if isinstance(scope, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
        return [scope.body]
    first = scope.for_in
    roots: list[cst.CSTNode] = [*comprehension_elements(scope), first.target, *first.ifs]
    if first.inner_for_in is not None:
        roots.append(first.inner_for_in)
    return roots


def _header_roots(scope: ScopeNode) -> list[cst.CSTNode]:
    """The parts of a nested scope that the enclosing scope evaluates."""
    if isinstance(scope, cst.FunctionDef):
        roots: list[cst.CSTNode] = [d.decorator for d in scope.decorators]
        for param in parameters(scope.params):
            if param.default is not None:
                roots.append(param.default)
            if param.annotation is not None:
                roots.append(param.annotation)
        if scope.returns is not None:
            roots.append(scope.returns)
        return roots
    if isinstance(scope, cst.ClassDef):
        return [*(d.decorator for d in scope.decorators), *(a.value for a in (*scope.bases, *scope.keywords))]
    if isinstance(scope, cst.Lambda):
        return [*(p.default for p in parameters(scope.params) if p.default is not None)]
    if isinstance(scope, cst.Module):
        return []
    return [scope.for_in.iter]


def nested_scopes(scope: ScopeNode) -> list[ScopeNode]:
    """The scopes directly inside ``scope`` (functions, classes, lambdas, comprehensions),
    in source order. Each gets its own graph; none is inlined into ``scope``'s."""
    found: list[ScopeNode] = []
    stack = _own_roots(scope)
    stack.reverse()
    more: list[cst.CSTNode] = []
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind in _LEAVES:
            continue
        if kind in _SCOPES:
            found.append(node)  # type: ignore[arg-type]
            more = _header_roots(node)  # type: ignore[arg-type]
        else:
            more.clear()
            push_children(node, more)
        more.reverse()
        stack += more
    return found


def iter_scopes(root: ScopeNode) -> Iterator[tuple[ScopeNode, ScopeNode | None]]:
    """``root`` and every scope inside it, each with its enclosing scope, parents first."""
    stack: list[tuple[ScopeNode, ScopeNode | None]] = [(root, None)]
    while stack:
        scope, parent = stack.pop()
        yield scope, parent
        stack.extend((child, scope) for child in reversed(nested_scopes(scope)))


def bind_target(target: cst.CSTNode, binds: set[str]) -> list[cst.CSTNode]:
    """Record the names a target binds; return the parts of it that are read (``a[i]``, ``a.x``)."""
    reads: list[cst.CSTNode] = []
    stack = [target]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            binds.add(node.value)
        elif isinstance(node, (cst.Tuple, cst.List)):
            stack.extend(e.value for e in node.elements)
        elif isinstance(node, cst.StarredElement):
            stack.append(node.value)
        else:
            reads.append(node)
    return reads
