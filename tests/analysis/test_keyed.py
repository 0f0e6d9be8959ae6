"""Keyed lookups: which calls are one and what key they read, and which stores put that key
in before a lookup."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from safelint.analysis.optional.keyed import Lookup, Stores, lookup
from safelint.analysis.syntax import walk


def _call(source: str) -> tuple[cst.Module, cst.Call]:
    module = cst.parse_module(source)
    call = next(node for node in walk(module) if isinstance(node, cst.Call))
    return module, call


@pytest.mark.parametrize(
    ("source", "wanted"),
    [
        ("d.get(k)", Lookup("d", "k", False)),
        ("d.get('k', None)", Lookup("d", "'k'", False)),
        ('msg.get_all("Subject")', Lookup("msg", "'Subject'", True)),
        ("m.get_params()", Lookup("m", "'content-type'", True)),
        ("m.get_params(None, 'x')", Lookup("m", "'x'", True)),
        ("m.get_params(header=h)", Lookup("m", "h", True)),
        ("d.get()", None),
        ("d.get(*keys)", None),
        ("d.find(k)", None),
        ("get(k)", None),
    ],
)
def test_lookup(source: str, wanted: Lookup | None) -> None:
    module, call = _call(source)
    assert lookup(call, module.code_for_node) == wanted


def test_lookup_folds_case_only_for_header_lookups() -> None:
    assert Lookup("m", "'content-type'", True).matches("m", "'Content-Type'")
    assert not Lookup("d", "'mode'", False).matches("d", "'Mode'")
    assert not Lookup("m", "'a'", True).matches("n", "'a'")


def _stored_before_lookup(body: str) -> bool:
    module = cst.parse_module(textwrap.dedent(body))
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)

    def where(node: cst.CSTNode) -> tuple[tuple[int, int], tuple[int, int]]:
        at = positions[node]
        return (at.start.line, at.start.column), (at.end.line, at.end.column)

    function = next(node for node in walk(module) if isinstance(node, cst.FunctionDef))
    calls = [node for node in walk(function) if isinstance(node, cst.Call)]
    wanted = [(call, lookup(call, module.code_for_node)) for call in calls]
    call, found = next((call, found) for call, found in wanted if found is not None)
    return Stores(function, module.code_for_node, where).before(found, where(call)[0])


@pytest.mark.parametrize(
    ("body", "known"),
    [
        ("def f(d, k):\n    d[k] = 1\n    d.get(k)\n", True),
        ("def f(d):\n    d['a'] = 1\n    d.get(\"a\")\n", True),
        ("def f(d, k):\n    d[k] = 1\n    if k:\n        d.get(k)\n", True),
        ("def f(d, k):\n    d.get(k)\n    d[k] = 1\n", False),
        ("def f(d, k):\n    d[k] = d.get(k)\n", False),
        ("def f(d, k, j):\n    d[j] = 1\n    d.get(k)\n", False),
        ("def f(d, k):\n    d[k] = 1\n    del d[k]\n    d.get(k)\n", False),
        ("def f(d, k):\n    d[k] = 1\n    d.clear()\n    d.get(k)\n", False),
        ("def f(d, k):\n    d[k] = 1\n    d = {}\n    d.get(k)\n", False),
        ("def f(d, k):\n    d[k] = 1\n    k += 'x'\n    d.get(k)\n", False),
        ("def f(d, k):\n    d = {}\n    d[k] = 1\n    d.get(k)\n", True),
    ],
)
def test_stores_before(body: str, known: bool) -> None:
    assert _stored_before_lookup(body) is known
