"""The module tree that walks share: it must answer exactly what reading the fields answers."""

from __future__ import annotations

import libcst as cst

from safelint.analysis import syntax
from safelint.analysis.syntax import Tree, children, parent_map, use_tree, walk

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
    tree = use_tree(module)
    assert use_tree(module) is tree
    assert parent_map(module) is tree.parents
    other = cst.parse_module(SOURCE)
    assert tree.children_of(other.body[0]) is None
    assert children(other.body[1]) == _fields_children(other.body[1])
    assert children(module.body[1]) == _fields_children(module.body[1])
    assert parent_map(other) == {kid: node for node in walk(other) for kid in _fields_children(node)}
