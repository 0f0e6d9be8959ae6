"""A lean walk over libcst trees: child nodes read straight from node fields.

libcst's visitor machinery rebuilds every node as it goes and costs as much as the parse
itself; rules and analyses only *read* the tree, so every walk in safelint goes through
:func:`push_children`, which skips whitespace, punctuation and operator tokens and names
that are not references (an attribute's ``attr``, a keyword argument's ``keyword``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Final, Union, cast

import libcst as cst

SCOPE_TYPES: Final = (
    cst.FunctionDef,
    cst.Lambda,
    cst.ClassDef,
    cst.ListComp,
    cst.SetComp,
    cst.DictComp,
    cst.GeneratorExp,
)
"""Node types that open a scope."""

_SCOPE_CLASSES: Final = frozenset(SCOPE_TYPES)
"""The same, for an exact-type test: libcst's node classes are ABCs, whose ``isinstance``
costs several times a set lookup, and these classes have no subclasses."""

Scope = Union[
    cst.FunctionDef,
    cst.Lambda,
    cst.ClassDef,
    cst.ListComp,
    cst.SetComp,
    cst.DictComp,
    cst.GeneratorExp,
    None,
]
"""The innermost scope enclosing an expression; ``None`` is the module."""

_SKIPPED_FIELDS = frozenset(
    {
        "asynchronous",
        "attr",
        "colon",
        "comma",
        "comment",
        "conversion",
        "default_indent",
        "default_newline",
        "dot",
        "empty_lines",
        "encoding",
        "equal",
        "first_colon",
        "footer",
        "has_trailing_newline",
        "header",
        "indent",
        "keyword",
        "lbrace",
        "lbracket",
        "leading_lines",
        "leading_whitespace",
        "lines_after_decorators",
        "lpar",
        "newline",
        "operator",
        "posonly_ind",
        "rbrace",
        "rbracket",
        "relative",
        "rpar",
        "second_colon",
        "semicolon",
        "separator",
        "star",
        "trailing_comma",
        "trailing_whitespace",
    }
)
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}
_IS_NODE: dict[type, bool] = {}


def push_children(node: cst.CSTNode, out: list[cst.CSTNode]) -> None:
    """Append the meaningful children of ``node`` to ``out``, in field order.

    Walks visit every expression of a file several times, so this avoids what makes a
    generic walk slow: generators, and ``isinstance`` against libcst's abstract classes
    (a Python-level ABC check per call) — answers are cached per type.
    """
    cls = type(node)
    fields = _CHILD_FIELDS.get(cls)
    if fields is None:
        fields = _CHILD_FIELDS[cls] = tuple(
            f.name
            for f in dataclasses.fields(node)
            if f.name not in _SKIPPED_FIELDS
            and not f.name.startswith("whitespace")
            and f.type not in (str, "str")  # a Name's or a string's text
        )
    for name in fields:
        value = getattr(node, name)
        kind = type(value)
        if kind is tuple or kind is list:
            for item in value:
                is_node = _IS_NODE.get(type(item))
                if is_node is None:
                    is_node = _IS_NODE[type(item)] = isinstance(item, cst.CSTNode)
                if is_node:
                    out.append(item)
        else:
            is_node = _IS_NODE.get(kind)
            if is_node is None:
                is_node = _IS_NODE[kind] = isinstance(value, cst.CSTNode)
            if is_node:
                out.append(value)


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The meaningful child nodes of ``node``, in field order."""
    out: list[cst.CSTNode] = []
    push_children(node, out)
    return out


def walk(root: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """``root`` and everything under it, in no particular order, without recursion."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        push_children(node, stack)


def walk_scoped(root: cst.CSTNode, scope: Scope = None) -> Iterator[tuple[cst.CSTNode, Scope]]:
    """Every node under ``root``, pre-order, with the innermost scope (function, lambda,
    class, comprehension) enclosing it; a scope node itself is paired with the scope around it."""
    stack: list[tuple[cst.CSTNode, Scope]] = [(root, scope)]
    pop, append = stack.pop, stack.append
    kids: list[cst.CSTNode] = []
    while stack:
        node, outer = pop()
        yield node, outer
        inner = cast(Scope, node) if type(node) in _SCOPE_CLASSES else outer
        kids.clear()
        push_children(node, kids)
        for kid in reversed(kids):
            append((kid, inner))


def parent_map(root: cst.CSTNode) -> dict[cst.CSTNode, cst.CSTNode]:
    """Each node's parent, for rules that look upward."""
    parents: dict[cst.CSTNode, cst.CSTNode] = {}
    kids: list[cst.CSTNode] = []
    for node in walk(root):
        kids.clear()
        push_children(node, kids)
        for child in kids:
            parents[child] = node
    return parents
