"""Syntax queries every analysis shares, each written once: the lean tree walk, scopes and
what runs in them, parameters, assignment targets, dotted names.

The walk reads child nodes straight from node fields.

libcst's visitor machinery rebuilds every node as it goes and costs as much as the parse
itself; rules and analyses only *read* the tree, so every walk in safelint goes through
:func:`push_children`, which skips whitespace, punctuation and operator tokens and names
that are not references (an attribute's ``attr``, a keyword argument's ``keyword``).
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
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


def as_scope(node: cst.CSTNode | None) -> Scope:
    """A scope node as a :data:`Scope`: the module (or None) is None."""
    return cast(Scope, node) if type(node) in _SCOPE_CLASSES else None


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


def _compute_children(node: cst.CSTNode, out: list[cst.CSTNode]) -> None:
    """Append the meaningful children of ``node``, read from its fields (see :func:`push_children`)."""
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


class Tree:
    """One module's nodes in pre-order, with each node's children and where its subtree ends.

    Analyses walk the same module dozens of times through ~100 call sites that hold only a
    node, so the tree is found through :func:`using_tree` rather than passed along. A node's
    subtree is the slice ``nodes[at:end[at]]`` of the pre-order list, so a walk copies a slice
    instead of visiting node by node. Entries are keyed by ``id``: the tree holds every node it
    indexes, so an id cannot be reused while it lives, and a node from any other tree simply
    misses and is read from its fields.
    """

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        nodes: list[cst.CSTNode] = []
        kids: list[tuple[cst.CSTNode, ...]] = []
        end: list[int] = []
        # A node is pushed with its position's closing marker under its children: popping
        # the marker (an int) means the subtree is done.
        stack: list[cst.CSTNode | int] = [module]
        found: list[cst.CSTNode] = []
        pop, push = stack.pop, stack.append
        while stack:
            item = pop()
            if type(item) is int:
                end[item] = len(nodes)
                continue
            position = len(nodes)
            nodes.append(item)  # type: ignore[arg-type]
            end.append(0)
            found.clear()
            _compute_children(item, found)  # type: ignore[arg-type]
            kids.append(tuple(found))
            push(position)
            found.reverse()
            stack += found
        self.nodes = nodes
        self.end = end
        self._kids = kids
        self.at = {id(node): i for i, node in enumerate(nodes)}

    def children_of(self, node: cst.CSTNode) -> tuple[cst.CSTNode, ...] | None:
        """The node's children, or None when it is not in this tree."""
        at = self.at.get(id(node))
        return None if at is None else self._kids[at]

    @functools.cached_property
    def scope_positions(self) -> list[int]:
        """Where the scope nodes are in the pre-order list, ascending."""
        nodes = self.nodes
        return [i for i, node in enumerate(nodes) if type(node) in _SCOPE_CLASSES]

    @functools.cached_property
    def def_positions(self) -> list[int]:
        """Where the functions, classes and lambdas are in the pre-order list, ascending."""
        nodes = self.nodes
        return [i for i in self.scope_positions if type(nodes[i]) in _DEFS]

    def outside(self, start: int, stop: int, pruned: list[int], out: list[cst.CSTNode], iters: bool) -> None:
        """Append ``nodes[start:stop]`` to ``out``, each node at a position in ``pruned`` kept
        but what is under it left out; with ``iters``, a comprehension's outermost iterable
        (which runs where the comprehension stands) is taken in, pruned alike."""
        nodes, end = self.nodes, self.end
        k = bisect.bisect_left(pruned, start)
        cursor = start
        while k < len(pruned) and pruned[k] < stop:
            position = pruned[k]
            out += nodes[cursor : position + 1]
            cursor = end[position]
            if iters and type(nodes[position]) in _COMPREHENSION_CLASSES:
                first = self.at[id(nodes[position].for_in.iter)]  # type: ignore[attr-defined]
                self.outside(first, end[first], pruned, out, iters)
            k = bisect.bisect_left(pruned, cursor, k + 1)
        out += nodes[cursor:stop]

    @functools.cached_property
    def parents(self) -> dict[cst.CSTNode, cst.CSTNode]:
        """Each node's parent (the module has none)."""
        nodes = self.nodes
        return {kid: nodes[i] for i, each in enumerate(self._kids) for kid in each}


_current: Tree | None = None


@contextmanager
def using_tree(module: cst.Module) -> Iterator[Tree]:
    """Walks of ``module``'s nodes read its :class:`Tree` inside the block; the tree is let go
    on the way out, with the module (whatever tree was current before is current again)."""
    global _current
    before = _current
    _current = before if before is not None and before.module is module else Tree(module)
    try:
        yield _current
    finally:
        _current = before


def _position(node: cst.CSTNode) -> tuple[Tree, int] | None:
    """The current tree and ``node``'s place in its pre-order list, or None when the node is
    not in that tree."""
    tree = _current
    if tree is None:
        return None
    at = tree.at.get(id(node))
    return None if at is None else (tree, at)


def push_children(node: cst.CSTNode, out: list[cst.CSTNode]) -> None:
    """Append the meaningful children of ``node`` to ``out``, in field order.

    Walks visit every expression of a file several times, so this avoids what makes a
    generic walk slow: generators, ``isinstance`` against libcst's abstract classes (a
    Python-level ABC check per call; answers are cached per type), and reading the fields
    again (the current module's :class:`Tree` holds each node's children).
    """
    if _current is not None:
        kids = _current.children_of(node)
        if kids is not None:
            out += kids
            return
    _compute_children(node, out)


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The meaningful child nodes of ``node``, in field order."""
    out: list[cst.CSTNode] = []
    push_children(node, out)
    return out


def walk(root: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """``root`` and everything under it, in no particular order, without recursion (in
    pre-order, a slice of the tree's list, when ``root`` is in the current tree)."""
    found = _position(root)
    if found is None:
        return _walk_fields(root)
    tree, at = found
    return iter(tree.nodes[at : tree.end[at]])


def _walk_fields(root: cst.CSTNode) -> Iterator[cst.CSTNode]:
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        push_children(node, stack)


def walk_scoped(root: cst.CSTNode, scope: Scope = None) -> Iterator[tuple[cst.CSTNode, Scope]]:
    """Every node under ``root``, pre-order, with the innermost scope (function, lambda,
    class, comprehension) enclosing it; a scope node itself is paired with the scope around it."""
    found = _position(root)
    if found is None:
        yield from _walk_scoped_fields(root, scope)
        return
    tree, start = found
    nodes, end = tree.nodes, tree.end
    stop = end[start]
    # The scopes open at the current position, each with where it closes; the first never does.
    opened: list[tuple[int, Scope]] = [(stop, scope)]
    closes, current = stop, scope
    for i in range(start, stop):
        while i >= closes:
            opened.pop()
            closes, current = opened[-1]
        node = nodes[i]
        yield node, current
        if type(node) in _SCOPE_CLASSES:
            closes, current = end[i], cast(Scope, node)
            opened.append((closes, current))


def _walk_scoped_fields(root: cst.CSTNode, scope: Scope) -> Iterator[tuple[cst.CSTNode, Scope]]:
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
    if _current is not None and _current.module is root:
        return _current.parents
    parents: dict[cst.CSTNode, cst.CSTNode] = {}
    kids: list[cst.CSTNode] = []
    for node in walk(root):
        kids.clear()
        push_children(node, kids)
        for child in kids:
            parents[child] = node
    return parents


def enclosing(
    node: cst.CSTNode, parents: Mapping[cst.CSTNode, cst.CSTNode]
) -> Iterator[tuple[cst.CSTNode, cst.CSTNode]]:
    """``(child, parent)`` from ``node`` outwards, up to (not into) the function, lambda or
    class it belongs to: the branches, loops and expressions a node sits in."""
    child, parent = node, parents.get(node)
    while parent is not None and not isinstance(parent, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
        yield child, parent
        child, parent = parent, parents.get(parent)


def dotted_name(expr: cst.BaseExpression) -> str | None:
    """The dotted source text of a plain name or attribute chain (``a.b.c``), else None."""
    parts: list[str] = []
    node: cst.BaseExpression = expr
    while type(node) is cst.Attribute:
        parts.append(node.attr.value)
        node = node.value
    if type(node) is not cst.Name:
        return None
    parts.append(node.value)
    parts.reverse()
    return ".".join(parts)


# -- scopes and what runs in them -------------------------------------------------------

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

# Nodes that hold no other node: walks looking for something else skip them unopened.
LEAVES = frozenset(
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
    """Every parameter of a def or lambda in source order, ``*args`` and ``**kwargs`` included."""
    star = [params.star_arg] if isinstance(params.star_arg, cst.Param) else []
    kwargs = [params.star_kwarg] if params.star_kwarg is not None else []
    return [*params.posonly_params, *params.params, *star, *params.kwonly_params, *kwargs]


def comprehension_elements(comp: Comprehension) -> list[cst.BaseExpression]:
    """What a comprehension produces per item: its element, or a dict comprehension's key and value."""
    if isinstance(comp, cst.DictComp):
        return [comp.key, comp.value]
    return [comp.elt]


def own_roots(scope: ScopeNode) -> list[cst.CSTNode]:
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


def header_roots(scope: ScopeNode) -> list[cst.CSTNode]:
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


def region_scope(node: cst.CSTNode, within: Scope, parents: Mapping[cst.CSTNode, cst.CSTNode]) -> Scope:
    """The innermost scope whose own region holds ``node``, searched up to ``within`` (a
    comprehension's first iterable and a def's header belong to the enclosing scope)."""
    child, current = node, parents.get(node)
    while current is not None and current is not within:
        if type(current) in _SCOPE_CLASSES and not any(child is root for root in header_roots(current)):  # type: ignore[arg-type]
            return cast(Scope, current)
        child, current = current, parents.get(current)
    return within


def nested_scopes(scope: ScopeNode) -> list[ScopeNode]:
    """The scopes directly inside ``scope`` (functions, classes, lambdas, comprehensions),
    in source order. Each gets its own graph; none is inlined into ``scope``'s."""
    found: list[ScopeNode] = []
    tree = _current
    roots = own_roots(scope)
    if tree is not None and all(id(root) in tree.at for root in roots):
        for root in roots:
            at = tree.at[id(root)]
            _scopes_in(tree, at, tree.end[at], found)
        return found
    stack = roots
    stack.reverse()
    more: list[cst.CSTNode] = []
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind in LEAVES:
            continue
        if kind in _SCOPE_CLASSES:
            found.append(node)  # type: ignore[arg-type]
            more = header_roots(node)  # type: ignore[arg-type]
        else:
            more.clear()
            push_children(node, more)
        more.reverse()
        stack += more
    return found


def _scopes_in(tree: Tree, start: int, stop: int, found: list[ScopeNode]) -> None:
    """The outermost scopes in ``nodes[start:stop]``, and those in their headers, in source order."""
    positions, nodes, end = tree.scope_positions, tree.nodes, tree.end
    k = bisect.bisect_left(positions, start)
    while k < len(positions) and positions[k] < stop:
        position = positions[k]
        node = cast(ScopeNode, nodes[position])
        found.append(node)
        for root in header_roots(node):
            at = tree.at[id(root)]
            _scopes_in(tree, at, end[at], found)
        k = bisect.bisect_left(positions, end[position], k + 1)


def iter_scopes(root: ScopeNode) -> Iterator[tuple[ScopeNode, ScopeNode | None]]:
    """``root`` and every scope inside it, each with its enclosing scope, parents first."""
    stack: list[tuple[ScopeNode, ScopeNode | None]] = [(root, None)]
    while stack:
        scope, parent = stack.pop()
        yield scope, parent
        stack.extend((child, scope) for child in reversed(nested_scopes(scope)))


def own_nodes(scope: ScopeNode) -> Iterator[cst.CSTNode]:
    """The nodes that run in ``scope`` itself: nested scopes are skipped (a comprehension's
    outermost iterable, which runs here, excepted), and so are a def's header parts."""
    if isinstance(scope, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
        roots: list[cst.CSTNode] = [scope.body]
    elif isinstance(scope, cst.Module):
        roots = list(scope.body)
    else:
        roots = children(scope)
    tree = _current
    if tree is not None and all(id(root) in tree.at for root in roots):
        found: list[cst.CSTNode] = []
        for root in roots:
            at = tree.at[id(root)]
            tree.outside(at, tree.end[at], tree.scope_positions, found, True)
        return iter(found)
    return _own_nodes_fields(roots)


def _own_nodes_fields(stack: list[cst.CSTNode]) -> Iterator[cst.CSTNode]:
    while stack:
        node = stack.pop()
        yield node
        kind = type(node)
        if kind in _COMPREHENSION_CLASSES:
            stack.append(node.for_in.iter)  # type: ignore[attr-defined]
        elif kind not in _SCOPE_CLASSES:
            push_children(node, stack)


_DEFS: Final = frozenset({cst.FunctionDef, cst.ClassDef, cst.Lambda})
_COMPREHENSION_CLASSES: Final = frozenset(COMPREHENSIONS)


def without_nested_defs(root: cst.CSTNode) -> list[cst.CSTNode]:
    """``root`` and what is under it, nested functions, classes and lambdas left out
    (comprehensions are kept: their code runs where they stand)."""
    found: list[cst.CSTNode] = [root]
    place = _position(root)
    if place is not None:
        tree, at = place
        tree.outside(at + 1, tree.end[at], tree.def_positions, found, False)
        return found
    stack = children(root)
    while stack:
        node = stack.pop()
        found.append(node)
        if type(node) not in _DEFS:
            push_children(node, stack)
    return found


def preorder(root: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """``root`` and everything under it in source order."""
    place = _position(root)
    if place is not None:
        tree, at = place
        return iter(tree.nodes[at : tree.end[at]])
    return _preorder_fields(root)


def _preorder_fields(root: cst.CSTNode) -> Iterator[cst.CSTNode]:
    stack = [root]
    kids: list[cst.CSTNode] = []
    while stack:
        node = stack.pop()
        yield node
        kids.clear()
        push_children(node, kids)
        kids.reverse()
        stack += kids


# -- assignment targets ----------------------------------------------------------------------


def target_elements(target: cst.CSTNode) -> list[cst.CSTNode]:
    """The single targets of a (possibly unpacking) target: ``a, (b.x, *c)`` → a, b.x, c."""
    found: list[cst.CSTNode] = []
    stack = [target]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.Tuple, cst.List)):
            stack.extend(reversed([e.value for e in node.elements]))
        elif isinstance(node, cst.StarredElement):
            stack.append(node.value)
        else:
            found.append(node)
    return found


def target_names(target: cst.CSTNode) -> list[str]:
    """The names an assignment target binds (``a, (b, *c) = ...`` binds a, b and c)."""
    return [t.value for t in target_elements(target) if isinstance(t, cst.Name)]


def bind_target(target: cst.CSTNode, binds: set[str]) -> list[cst.CSTNode]:
    """Record the names a target binds; return the parts of it that are read (``a[i]``, ``a.x``)."""
    reads: list[cst.CSTNode] = []
    for node in target_elements(target):
        if isinstance(node, cst.Name):
            binds.add(node.value)
        else:
            reads.append(node)
    return reads


def callee_name(func: cst.BaseExpression) -> str | None:
    """The last name of what a call calls: ``f`` for ``f()``, ``m`` for ``a.b.m()``."""
    if type(func) is cst.Name:
        return func.value
    if type(func) is cst.Attribute:
        return func.attr.value
    return None


def is_generator(function: cst.FunctionDef) -> bool:
    """Whether a def's own body yields (nested defs, lambdas and comprehensions are not its body)."""
    place = _position(function.body)
    if place is not None:
        tree, at = place
        own: list[cst.CSTNode] = []
        tree.outside(at, tree.end[at], tree.scope_positions, own, False)
        return any(type(node) is cst.Yield for node in own)
    stack: list[cst.CSTNode] = [function.body]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is cst.Yield:
            return True
        if kind in _SCOPE_CLASSES:
            continue
        push_children(node, stack)
    return False


# The decorators that make a def a property's setter or deleter: the getter stands for the property.
PROPERTY_ACCESSORS: Final = frozenset({"setter", "deleter"})


def decorator_names(function: cst.FunctionDef) -> set[str]:
    """The last names of a def's decorators, calls stripped (``property``, ``setter``)."""
    found = set()
    for decorator in function.decorators:
        expr = decorator.decorator
        if isinstance(expr, cst.Call):
            expr = expr.func
        name = dotted_name(expr)
        if name is not None:
            found.add(name.rpartition(".")[2])
    return found
