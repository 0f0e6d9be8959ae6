"""A lean walk over libcst trees: child nodes read straight from node fields.

libcst's visitor machinery rebuilds every node as it goes and costs as much as the parse
itself; rules only need to *read* the tree, so this walk skips whitespace, punctuation and
operator tokens and visits the nodes that carry meaning, in pre-order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import libcst as cst

from safelint.analysis.names import SCOPE_TYPES, Scope

# Fields that hold formatting tokens, or names that are not references (an attribute's
# ``attr``, a keyword argument's ``keyword``): a rule visiting ``Name`` must not see them.
_SKIPPED_FIELDS = frozenset(
    {
        "colon", "comma", "dot", "equal", "lbrace", "rbrace", "lbracket", "rbracket", "lpar", "rpar",
        "semicolon", "separator", "first_colon", "second_colon", "trailing_comma", "leading_lines",
        "lines_after_decorators", "header", "footer", "empty_lines", "newline", "operator",
        "asynchronous", "comment", "posonly_ind", "relative", "attr", "keyword", "star", "indent",
        "default_indent", "default_newline", "encoding", "has_trailing_newline", "conversion",
        "trailing_whitespace", "leading_whitespace",
    }
)

_CHILD_FIELDS: dict[type[cst.CSTNode], tuple[str, ...]] = {}


def _child_fields(cls: type[cst.CSTNode]) -> tuple[str, ...]:
    names = _CHILD_FIELDS.get(cls)
    if names is None:
        names = tuple(
            f.name
            for f in dataclasses.fields(cls)
            if f.name not in _SKIPPED_FIELDS and not f.name.startswith("whitespace")
        )
        _CHILD_FIELDS[cls] = names
    return names


def children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The meaningful child nodes of ``node``, in field order."""
    for name in _child_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            yield value
        elif isinstance(value, (tuple, list)):
            for item in value:
                if isinstance(item, cst.CSTNode):
                    yield item


def walk(root: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every meaningful node under ``root`` (itself included), pre-order, without recursion."""
    stack = [root]
    pop, extend = stack.pop, stack.extend
    while stack:
        node = pop()
        yield node
        kids = list(children(node))
        kids.reverse()
        extend(kids)


def parent_map(root: cst.CSTNode) -> dict[cst.CSTNode, cst.CSTNode]:
    """Each node's parent, for rules that look upward."""
    parents: dict[cst.CSTNode, cst.CSTNode] = {}
    for node in walk(root):
        for child in children(node):
            parents[child] = node
    return parents


def walk_scoped(root: cst.CSTNode, scope: Scope = None) -> Iterator[tuple[cst.CSTNode, Scope]]:
    """Like :func:`walk`, with the innermost scope (function, lambda, class, comprehension)
    enclosing each node; a scope node itself is paired with the scope around it."""
    stack: list[tuple[cst.CSTNode, Scope]] = [(root, scope)]
    pop, append = stack.pop, stack.append
    while stack:
        node, outer = pop()
        yield node, outer
        inner = node if isinstance(node, SCOPE_TYPES) else outer
        kids = list(children(node))
        for kid in reversed(kids):
            append((kid, inner))
