"""Keyed lookups: which calls are one and what key they read, and which stores put that key
in on every path to a lookup."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from safelint.analysis.optional.keyed import Lookup, Stores, lookup
from safelint.analysis.syntax import walk
from safelint.context import ModuleContext


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
    text = textwrap.dedent(body)
    module = cst.parse_module(text)
    ctx = ModuleContext("example.py", text, module)
    function = next(node for node in walk(module) if isinstance(node, cst.FunctionDef))
    calls = [node for node in walk(function) if isinstance(node, cst.Call)]
    wanted = [(call, lookup(call, module.code_for_node)) for call in calls]
    call, found = next((call, found) for call, found in wanted if found is not None)
    stores = Stores(function, ctx.cfg(function), ctx.types.scope_bindings(function), module.code_for_node)
    return stores.reaches(found, call)


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
        # flow: a store in one arm of an if, or in a loop that may not run, does not reach
        ("def f(d, k, c):\n    if c:\n        d[k] = 1\n    d.get(k)\n", False),
        ("def f(d, k, c):\n    if c:\n        d[k] = 1\n    else:\n        d[k] = 2\n    d.get(k)\n", True),
        ("def f(d, k, xs):\n    for x in xs:\n        d[k] = x\n    d.get(k)\n", False),
        ("def f(d, k, xs):\n    d[k] = 0\n    for x in xs:\n        d.get(k)\n        d.pop(k)\n", False),
        ("def f(d, k, xs):\n    for x in xs:\n        d[k] = x\n        d.get(k)\n        d.pop(k)\n", True),
        ("def f(d, ks):\n    d['a'] = 1\n    for k in ks:\n        d[k] = 1\n        d.get(k)\n", True),
        ("def f(d, ks, k):\n    d[k] = 1\n    for k in ks:\n        d.get(k)\n", False),
        ("def f(d, k):\n    try:\n        d[k] = g()\n    except E:\n        pass\n    d.get(k)\n", False),
        ("def f(d, k):\n    d[k] = 1\n    if k:\n        return\n    d.get(k)\n", True),
        ("def f(o, k):\n    o.d[k] = 1\n    o = g()\n    o.d.get(k)\n", False),
        ("def f(d, k):\n    d[k] = 1\n    d.pop(k) or d.get(k)\n", False),
    ],
)
def test_stores_reach(body: str, known: bool) -> None:
    assert _stored_before_lookup(body) is known
