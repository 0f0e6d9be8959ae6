"""The module tree that walks share: it must answer exactly what reading the fields answers."""

from __future__ import annotations

from typing import cast

import libcst as cst

from safelint.analysis import syntax
from safelint.analysis.syntax import Tree, children, parent_map, using_tree, walk

SOURCE = """\
import os

@decorate(1)
def f(a, b=os.sep, *args, c: int = 2, **kw) -> str:
    x = [y for y in a if y]
    with open(a) as handle:
        return handle.read() or f"{b!r:>{c}}"

class C(Base, metaclass=M):
    value: int = lambda q: q + 1
"""


def _fields_children(node: cst.CSTNode) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = []
    syntax._compute_children(node, found)
    return found


def test_tree_children_and_parents_match_the_fields() -> None:
    module = cst.parse_module(SOURCE)
    tree = Tree(module)
    expected_parents: dict[cst.CSTNode, cst.CSTNode] = {}
    for node in walk(module):
        kids = _fields_children(node)
        assert tree.children_of(node) == tuple(kids)
        expected_parents.update((kid, node) for kid in kids)
    assert tree.parents == expected_parents


def test_walks_read_the_current_tree_and_foreign_nodes_fall_back() -> None:
    module = cst.parse_module(SOURCE)
    with using_tree(module) as tree:
        with using_tree(module) as again:
            assert again is tree
        assert parent_map(module) is tree.parents
        other = cst.parse_module(SOURCE)
        assert tree.children_of(other.body[0]) is None
        assert children(other.body[1]) == _fields_children(other.body[1])
        assert children(module.body[1]) == _fields_children(module.body[1])
        assert parent_map(other) == {kid: node for node in walk(other) for kid in _fields_children(node)}
    assert syntax._current is None  # let go with the block: the module can be freed


def test_a_nested_tree_gives_the_outer_one_back() -> None:
    outer, inner = cst.parse_module(SOURCE), cst.parse_module(NESTED)
    with using_tree(outer) as tree:
        with using_tree(inner) as nested:
            assert nested is not tree and nested.module is inner
        assert parent_map(outer) is tree.parents


NESTED = """\
def outer(items, key=lambda k: [j for j in k]):
    total = [i * 2 for i in (lambda: items)() if i]
    def inner():
        yield from items
    class K:
        def m(self):
            return [(yield) for _ in ()]
    gen = (x for x in [lambda z: z for _ in items])
    return total, inner, K, gen, {a: b for a, b in {}.items()}

async def coro():
    await thing()
    result = lambda: (yield)
"""


def _numbering(module: cst.Module) -> dict[int, int]:
    return {id(node): i for i, node in enumerate(syntax._preorder_fields(module))}


def test_slice_walks_answer_what_field_walks_answer() -> None:
    """Each walk over the current tree (a slice of its pre-order list) finds what the same
    walk finds reading fields, on an identical module that is not the current tree."""
    current, foreign = cst.parse_module(NESTED), cst.parse_module(NESTED)
    with using_tree(current):
        _compare_walks(current, foreign)


def _compare_walks(current: cst.Module, foreign: cst.Module) -> None:
    number, other = _numbering(current), _numbering(foreign)
    pairs = list(zip(syntax._preorder_fields(current), syntax._preorder_fields(foreign)))

    def same(found: list[cst.CSTNode], expected: list[cst.CSTNode], ordered: bool) -> None:
        mine, theirs = [number[id(n)] for n in found], [other[id(n)] for n in expected]
        assert mine == theirs if ordered else sorted(mine) == sorted(theirs)

    for here, there in pairs:
        same(list(walk(here)), list(syntax._walk_fields(there)), ordered=False)
        same(list(syntax.preorder(here)), list(syntax._preorder_fields(there)), ordered=True)
        same(syntax.without_nested_defs(here), syntax.without_nested_defs(there), ordered=False)
        scoped = [(number[id(n)], s and number[id(s)]) for n, s in syntax.walk_scoped(here)]
        assert scoped == [(other[id(n)], s and other[id(s)]) for n, s in syntax._walk_scoped_fields(there, None)]
        if type(here) in syntax._SCOPE_CLASSES or type(here) is cst.Module:
            same(list(syntax.nested_scopes(here)), list(syntax.nested_scopes(there)), ordered=True)  # type: ignore[arg-type]
            same(list(syntax.own_nodes(here)), list(syntax.own_nodes(there)), ordered=False)  # type: ignore[arg-type]
        if type(here) is cst.FunctionDef:
            assert syntax.is_generator(here) == syntax.is_generator(there)  # type: ignore[arg-type]
    assert [syntax.is_generator(cast(cst.FunctionDef, f)) for f in current.body] == [False, False]
