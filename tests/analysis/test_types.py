"""The type evaluator: what ``ctx.types.type_of`` says each kind of expression is."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from safelint.analysis.syntax import walk_scoped
from safelint.context import ModuleContext


def type_of(source: str, expression: str) -> str:
    """The type of the last occurrence of ``expression`` in ``source``."""
    text = textwrap.dedent(source)
    module = cst.parse_module(text)
    ctx = ModuleContext("example.py", text, module)
    found = [
        (node, scope)
        for node, scope in walk_scoped(module)
        if isinstance(node, cst.BaseExpression) and module.code_for_node(node) == expression
    ]
    assert found, f"{expression!r} is not in the source"
    node, scope = found[-1]
    assert isinstance(node, cst.BaseExpression)
    return str(ctx.types.type_of(node, scope))


@pytest.mark.parametrize(
    ("source", "expression", "expected"),
    [
        # typeshed, with generics substituted
        ("def f(s: str):\n    parts = s.split()\n", "parts", "builtins.list[builtins.str]"),
        ("def f(s: str):\n    x = s.split()[0]\n", "x", "builtins.str"),
        ("def f(d: dict[str, int]):\n    v = d.get('k')\n", "v", "builtins.int | None"),
        ("def f(d: dict[str, int], x: int):\n    v = d.get('k', x)\n", "v", "builtins.int"),
        ("import re\ndef f(s: str):\n    m = re.match('a', s)\n", "m", "re.Match[builtins.str] | None"),
        ("import re\nP = re.compile('a')\ndef f(s: str):\n    r = P.sub('_', s)\n", "r", "builtins.str"),
        ("from urllib.parse import urlsplit\ndef f(u: str):\n    p = urlsplit(u).port\n", "p", "builtins.int | None"),
        ("import os\nh = os.environ.get('HOME')\n", "h", "builtins.str | None"),
        (
            "import subprocess\np = subprocess.Popen(['ls'], stdout=subprocess.PIPE)\np.stdout\n",
            "p.stdout",
            "typing.IO[builtins.bytes] | None",
        ),
        ("def f(p: str):\n    with open(p) as fh:\n        data = fh.read()\n", "data", "builtins.str"),
        ("def f(p: str):\n    with open(p, 'rb') as fh:\n        data = fh.read()\n", "data", "builtins.bytes"),
        ("def f(s: str):\n    for line in s.splitlines():\n        line\n", "line", "builtins.str"),
        ("for k, v in {'a': 1}.items():\n    v\n", "v", "builtins.int"),
        ("xs = [len(c) for c in 'abc']\n", "xs", "builtins.list[builtins.int]"),
        ("x = {1: 'a'}\n", "x", "builtins.dict[builtins.int, builtins.str]"),
        ("t = (1, 'a')\nx = t[1]\n", "x", "builtins.str"),
        ("a, (b, c) = 1, ('x', 2.0)\n", "c", "builtins.float"),
        ("x = 1 + 2\n", "x", "builtins.int"),
        ("x = 'a' * 3\n", "x", "builtins.str"),
        ("x = not 1\n", "x", "builtins.bool"),
        # None narrowed by the flow: checks, early exits, assertions
        (
            "def f(d: dict[str, int]):\n    v = d.get('k')\n    if v is None:\n        return\n    v\n",
            "v",
            "builtins.int",
        ),
        ("def f(d: dict[str, int]):\n    v = d.get('k')\n    if v:\n        v\n", "v", "builtins.int"),
        ("def f(d: dict[str, int]):\n    v = d.get('k')\n    v\n", "v", "builtins.int | None"),
        (
            "class A:\n    x: int | None\n    def m(self):\n        if self.x is not None:\n            self.x\n",
            "self.x",
            "builtins.int",
        ),
        ("def f(v: int | None):\n    assert v\n    v\n", "v", "builtins.int"),
        ("def f(v: int | None):\n    if v is None:\n        v\n", "v", "None"),
        # calls, overloads, type variables
        (
            "import asyncio\nasync def g() -> str: ...\nasync def f():\n    t = asyncio.create_task(g())\n",
            "t",
            "asyncio.Task[builtins.str]",
        ),
        ("async def g() -> str: ...\nasync def f():\n    s = await g()\n", "s", "builtins.str"),
        ("x = sorted(['b', 'a'])\n", "x", "builtins.list[builtins.str]"),
        ("x = max(1, 2)\n", "x", "builtins.int"),
        ("x = next(iter([1]), None)\n", "x", "builtins.int | None"),
        # flow: the bindings that reach the read
        ("def f(s: str):\n    x = None\n    x = s.upper()\n    x\n", "x", "builtins.str"),
        ("def f(s: str, c: bool):\n    x = None\n    if c:\n        x = s\n    x\n", "x", "None | builtins.str"),
        ("def f(xs: list[int]):\n    t = 0\n    for x in xs:\n        t += x\n    t\n", "t", "builtins.int"),
        # parameters
        ("def f(context=None):\n    context\n", "context", "Unknown | None"),
        ("from typing import Optional\ndef f(a: Optional[int]):\n    a\n", "a", "builtins.int | None"),
        ("def f(a: 'int | None' = None):\n    a\n", "a", "builtins.int | None"),
        ("def f(*args: int, **kw: str):\n    kw\n", "kw", "builtins.dict[builtins.str, builtins.str]"),
    ],
)
def test_expression_types(source: str, expression: str, expected: str) -> None:
    assert type_of(source, expression) == expected


PROJECT = """
from typing import Optional, overload

class Customer:
    email: str

class Order:
    customer: Optional[Customer]

    def __init__(self) -> None:
        self.items = []
        self.total = 0
        self.note: str | None = None

    @property
    def first(self) -> str:
        return "x"

    def find(self, key: str) -> "Order | None":
        return None

    @overload
    @classmethod
    def current(cls) -> "Order": ...
    @overload
    @classmethod
    def current(cls, instance: bool) -> "Order | None": ...
    @classmethod
    def current(cls, instance=True):
        return None

def maybe(flag):
    if flag:
        return 1

def use(order: Order):
    a = order.customer
    b = order.find("k")
    c = order.first
    d = Order.current()
    e = Order.current(instance=False)
    f = maybe(True)
    g = order.total
    h = order.note
    i = Order()
"""


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("a", "example.Customer | None"),
        ("b", "example.Order | None"),
        ("c", "builtins.str"),
        ("d", "example.Order"),
        ("e", "example.Order | None"),
        ("f", "None | builtins.int"),
        ("g", "builtins.int"),
        ("h", "builtins.str | None"),
        ("i", "example.Order"),
    ],
)
def test_project_functions_and_classes(expression: str, expected: str) -> None:
    assert type_of(PROJECT, expression).replace("<module>", "example") == expected


def test_unknown_is_the_answer_when_nothing_tells() -> None:
    assert type_of("def f(x):\n    y = x.anything()\n", "y") == "Unknown"
    assert type_of("from somewhere import thing\nz = thing()\n", "z") == "Unknown"


def test_a_cycle_reads_unknown_rather_than_recursing() -> None:
    assert type_of("def f():\n    x = x\n    return x\n", "x") in ("Unknown", "Never")
