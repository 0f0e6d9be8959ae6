"""Where a coroutine can be suspended: the points at which the event loop runs other tasks.

Under asyncio only a suspension point lets another task in: an ``await`` (an async
comprehension's included), an ``async for`` asking for its next item, an ``async with``
entering or leaving. Code between two of them runs atomically with respect to the loop's
other tasks, and it is also only at one of them that a task's cancellation arrives.
"""

from __future__ import annotations

import libcst as cst

from safelint.analysis.flow.cfg import CFGNode, NodeKind
from safelint.analysis.syntax import push_children

__all__ = ["is_coroutine", "node_suspends", "suspends", "suspension_points"]

_NESTED = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


def is_coroutine(scope: cst.CSTNode | None) -> bool:
    """An ``async def`` (an async generator included)."""
    return isinstance(scope, cst.FunctionDef) and scope.asynchronous is not None


def suspension_points(root: cst.CSTNode) -> list[cst.CSTNode]:
    """The awaits, ``async for`` and ``async with`` statements and async comprehension
    clauses in ``root``'s own code (nested functions, classes and lambdas run elsewhere)."""
    found: list[cst.CSTNode] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Await) or (
            isinstance(node, (cst.For, cst.With, cst.CompFor)) and node.asynchronous is not None
        ):
            found.append(node)
        if node is root or not isinstance(node, _NESTED):
            push_children(node, stack)
    return found


def suspends(root: cst.CSTNode) -> bool:
    return bool(suspension_points(root))


def node_suspends(node: CFGNode) -> bool:
    """Whether the graph node yields to the event loop while it runs."""
    kind, ast = node.kind, node.ast
    if kind in (NodeKind.WITH_ENTER, NodeKind.WITH_EXIT):
        statement = node.stmt
        if isinstance(statement, cst.With) and statement.asynchronous is not None:
            return True
        return kind is NodeKind.WITH_ENTER and isinstance(ast, cst.WithItem) and suspends(ast.item)
    if kind is NodeKind.FOR_NEXT:
        return isinstance(node.stmt, cst.For) and node.stmt.asynchronous is not None
    if kind is NodeKind.MATCH and isinstance(ast, cst.Match):
        return suspends(ast.subject)
    if kind in (NodeKind.STMT, NodeKind.TEST, NodeKind.ASSERT, NodeKind.FOR_ITER, NodeKind.EXPR):
        return not isinstance(ast, cst.BaseCompoundStatement) and suspends(ast)
    return False
