"""The edit that fixes a resource closed on the happy path only: a ``with`` block.

``f = open(p)`` followed, in the same block, by statements and then ``f.close()`` becomes
``with open(p) as f:`` over those statements. It is offered only when the rewrite is plain
text: the assignment and the ``close()`` are alone on their lines, and no statement in
between holds a string spanning lines (re-indenting would change it). The fix is unsafe:
the file is now closed when a statement in between raises, which is the point, but it is
still a change in behaviour. The rule that offers it says so, and words it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from safelint.analysis.syntax import walk
from safelint.results import Edit

if TYPE_CHECKING:
    from safelint.analysis.resources.ownership import Acquisition
    from safelint.context import ModuleContext

__all__ = ["with_block_edit"]

_INDENT = "    "


def with_block_edit(ctx: ModuleContext, site: Acquisition) -> Edit | None:
    """The edit turning ``site``'s assignment, what follows and its ``close()`` into a ``with``."""
    if site.kind != "resource" or site.popen or site.via_with or "__exit__" not in site.releases:
        return None
    assign = site.statement
    if not isinstance(assign, cst.Assign) or assign.value is not site.call:
        return None
    line = ctx.parents.get(assign)
    block = ctx.parents.get(line) if line is not None else None
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
        return None
    body = block.body if isinstance(block, (cst.IndentedBlock, cst.Module)) else None
    if body is None:
        return None
    start = next((i for i, stmt in enumerate(body) if stmt is line), None)
    if start is None:
        return None
    end = None
    for i in range(start + 1, len(body)):
        stmt = body[i]
        if _is_close(stmt, site.name):
            end = i
            break
        if _rebinds_or_multiline(stmt, site.name):
            return None
    if end is None or end == start + 1:
        return None
    first = ctx.position(line, ctx.current_top).start.line
    last_line = ctx.position(body[end], ctx.current_top).end.line
    middle_start = ctx.position(body[start + 1], ctx.current_top).start.line
    lines = ctx.lines
    if last_line > len(lines):
        return None
    head = lines[first - 1]
    indent = head[: len(head) - len(head.lstrip())]
    manager = ctx.module.code_for_node(site.call)
    comment = line.trailing_whitespace.comment
    out = [f"{indent}with {manager} as {site.name}:" + (f"  {comment.value}" if comment is not None else "")]
    for number in range(middle_start, last_line):
        text = lines[number - 1]
        out.append(_INDENT + text if text.strip() else text)
    return Edit(first, 1, last_line, len(lines[last_line - 1]) + 1, "\n".join(out))


def _is_close(stmt: cst.BaseStatement, name: str) -> bool:
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return False
    expr = stmt.body[0]
    if not isinstance(expr, cst.Expr) or not isinstance(expr.value, cst.Call):
        return False
    func = expr.value.func
    return (
        isinstance(func, cst.Attribute)
        and isinstance(func.value, cst.Name)
        and func.value.value == name
        and func.attr.value == "close"
        and not expr.value.args
    )


def _rebinds_or_multiline(stmt: cst.BaseStatement, name: str) -> bool:
    for node in walk(stmt):
        if isinstance(node, (cst.SimpleString, cst.FormattedString)):
            code = (
                node.value
                if isinstance(node, cst.SimpleString)
                else "".join(p.value for p in node.parts if isinstance(p, cst.FormattedStringText))
            )
            if "\n" in code:
                return True
        elif isinstance(node, cst.AssignTarget) and isinstance(node.target, cst.Name) and node.target.value == name:
            return True
    return False
