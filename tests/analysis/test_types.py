"""The type evaluator: what ``ctx.types.type_of`` says each kind of expression is."""

from __future__ import annotations

import textwrap
from pathlib import Path

import libcst as cst
import pytest

from safelint.analysis.syntax import walk_scoped
from safelint.api import RunOptions, open_project
from safelint.config import Overrides
from safelint.context import ModuleContext
from safelint.project import SettingsResolver


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
        # @contextmanager: the call gives the manager, `with` the yielded value
        (
            "from contextlib import contextmanager\nfrom typing import Iterator\n@contextmanager\n"
            "def cm() -> Iterator[int]:\n    yield 1\nm = cm()\n",
            "m",
            "contextlib._GeneratorContextManager[builtins.int, None, None]",
        ),
        (
            "from contextlib import contextmanager\nfrom typing import Iterator\n@contextmanager\n"
            "def cm() -> Iterator[int]:\n    yield 1\nwith cm() as v:\n    v\n",
            "v",
            "builtins.int",
        ),
        (
            "import contextlib\nfrom typing import AsyncIterator\n@contextlib.asynccontextmanager\n"
            "async def cm() -> AsyncIterator[str]:\n    yield 'x'\nasync def f():\n    async with cm() as v:\n        v\n",
            "v",
            "builtins.str",
        ),
        (
            "import contextlib\n@contextlib.asynccontextmanager\nasync def cm():\n    yield 'x'\n"
            "async def f():\n    async with cm() as v:\n        v\n",
            "v",
            "Unknown",
        ),
        # type aliases of the module
        (
            "from typing import Literal\nM = Literal['a', 'b']\ndef f(x: M):\n    x\n",
            "x",
            "Literal['a'] | Literal['b']",
        ),
        (
            "from typing import Union, Optional\nclass S: ...\nR = Union[str, 'S']\ndef f(x: Optional[R]):\n    x\n",
            "x",
            "builtins.str | <module>.S | None",
        ),
        (
            "from typing import TypeAlias\nP: TypeAlias = 'int | None'\ndef f(x: P):\n    x\n",
            "x",
            "builtins.int | None",
        ),
        ("type Q = int | None\ndef f(x: Q):\n    x\n", "x", "builtins.int | None"),
        ("R = int | None\nR = str\ndef f(x: R):\n    x\n", "x", "Unknown"),
        ("A = list['A'] | int\ndef f(x: A):\n    x\n", "x", "builtins.list[Unknown] | builtins.int"),
        # None is an object; a stub class without a protocol's method does not implement it
        ("def f(v: int | None):\n    x = bool(v)\n", "x", "builtins.bool"),
        ("def f(v: int | None):\n    x = str(v)\n", "x", "builtins.str"),
        ("import os\nx = os.path.abspath(os.getcwd())\n", "x", "builtins.str"),
        ("import os\ndef f(p: os.PathLike[str]):\n    x = os.path.abspath(p)\n", "x", "builtins.str"),
        # a yield gives what the generator is sent
        ("from typing import Generator\ndef g() -> Generator[int, str, None]:\n    r = yield 1\n", "r", "builtins.str"),
        ("from typing import Iterator\ndef g() -> Iterator[int]:\n    r = yield 1\n", "r", "Unknown"),
        # a class attribute read on an instance goes through its descriptor's __get__
        (
            "from typing import Optional\nclass Bit:\n    def __get__(self, obj: object, t: type) -> Optional[bool]: ...\n"
            "class Style:\n    bold = Bit()\ndef f(s: Style):\n    s.bold\n",
            "s.bold",
            "builtins.bool | None",
        ),
        (
            "class Bit:\n    def __get__(self, obj: object, t: type) -> bool: ...\n"
            "class Style:\n    bold = Bit()\nStyle.bold\n",
            "Style.bold",
            "<module>.Bit",
        ),
        # a property with a setter is read through its getter
        (
            "class C:\n    @property\n    def size(self) -> int: ...\n    @size.setter\n"
            "    def size(self, v: int) -> None: ...\ndef f(c: C):\n    c.size\n",
            "c.size",
            "builtins.int",
        ),
        # a stub's `X: Final = 0` is the constant's type
        ("import logging\nx = logging.NOTSET\n", "x", "builtins.int"),
        # a NamedTuple unpacks into its fields
        (
            "from typing import NamedTuple, Optional\nclass Seg(NamedTuple):\n    text: str\n    style: Optional[int] = None\n"
            "def f(xs: list[Seg]):\n    for t, s in xs:\n        s\n",
            "s",
            "builtins.int | None",
        ),
        # what every module has without binding it
        ("x = __name__\n", "x", "builtins.str"),
        ("def f():\n    return __file__\n", "__file__", "builtins.str"),
        ("x = __doc__\n", "x", "builtins.str | None"),
        ("__name__ = 3\nx = __name__\n", "x", "builtins.int"),
        # a name a comprehension of the same function binds too
        (
            "def f(xs: list[str]):\n    fl = [(i, e) for i, e in enumerate(xs)]\n    for i, e in fl:\n        i\n",
            "i",
            "builtins.int",
        ),
        ("def f(xs: list[str]):\n    i = 1.5\n    return [i for i in xs]\n", "i", "builtins.str"),
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


def test_enum_members_are_instances_of_their_enum() -> None:
    source = (
        "import enum\nclass Color(enum.Enum):\n    RED = 1\n    BLUE = enum.auto()\n    _ignore_ = []\n"
        "    shade = lambda self: 1\n"
        "def f(c: Color):\n    a = Color.RED\n    b = Color.BLUE\n    d = c.BLUE\n    e = Color._ignore_\n"
    )
    assert type_of(source, "a") == "<module>.Color"
    assert type_of(source, "b") == "<module>.Color"
    assert type_of(source, "d") == "<module>.Color"
    assert type_of(source, "e") == "builtins.list[Unknown]"
    assert type_of("class K:\n    RED = 1\nx = K.RED\n", "x") == "builtins.int"


def test_another_modules_fields_and_enum_members_from_the_index(tmp_path: Path) -> None:
    """A class of another module is read from its index summary: annotated fields (class
    level, dataclass, ``self.x: T``) and enum members keep their classes there, and its
    type aliases mean what they say."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "model.py").write_text(
        "import enum\nfrom dataclasses import dataclass\nfrom typing import ClassVar, Literal, Optional, Union\n"
        "class State(enum.IntEnum):\n    NEW = 1\n    DONE = 2\n"
        "@dataclass\nclass Options:\n    width: int\n    label: Optional[str] = None\n    count: ClassVar[int] = 0\n"
        "    @classmethod\n    def make(cls, *names: str, width: int = 0) -> 'Options': ...\n"
        "class Conn:\n    def __init__(self) -> None:\n        self.state: State = State.NEW\n"
        "Side = Literal['left', 'right']\nMaybeConn = Union['Conn', None]\n"
        "def conns() -> 'list[Conn]': ...\n"
    )
    app = package / "app.py"
    app.write_text(
        "from pkg.model import Conn, MaybeConn, Options, Side, State, conns\n"
        "def f(o: Options, c: Conn, s: Side, m: MaybeConn):\n    a = o.width\n    b = o.label\n    d = o.count\n"
        "    e = c.state\n    g = State.DONE\n    h = s\n    i = m\n    j = Options.make(width=3)\n"
        "    for k in conns():\n        pass\n"
    )
    root = tmp_path
    project = open_project(root, SettingsResolver(root, Overrides(), isolated=True), RunOptions(use_cache=False))
    text = app.read_text()
    module = cst.parse_module(text)
    ctx = ModuleContext("pkg/app.py", text, module, project, app)
    found = {
        node.value: (node, scope)
        for node, scope in walk_scoped(module)
        if isinstance(node, cst.Name) and node.value in "abdeghijk"
    }
    types = {name: str(ctx.types.type_of(node, scope)) for name, (node, scope) in found.items()}
    assert types == {
        "a": "builtins.int",
        "b": "builtins.str | None",
        "d": "builtins.int",
        "e": "pkg.model.State",
        "g": "pkg.model.State",
        "h": "builtins.str",  # the alias's literals, widened by the assignment
        "i": "pkg.model.Conn | None",
        "j": "pkg.model.Options",
        "k": "pkg.model.Conn",
    }


def call_target(source: str, callee: str) -> str | None:
    """What the evaluator says the last call of ``callee`` calls."""
    text = textwrap.dedent(source)
    module = cst.parse_module(text)
    ctx = ModuleContext("example.py", text, module)
    found = [
        (node, scope)
        for node, scope in walk_scoped(module)
        if isinstance(node, cst.Call) and module.code_for_node(node.func) == callee
    ]
    node, scope = found[-1]
    assert isinstance(node, cst.Call)
    return ctx.types.call_target(node, scope)


@pytest.mark.parametrize(
    ("source", "callee", "expected"),
    [
        ("import re\ndef f(s):\n    p = re.compile('x')\n    p.match(s)\n", "p.match", "re.Pattern.match"),
        (
            "import re\n_P = re.compile('x')\ndef f(s):\n    _P.match(s).group(1)\n",
            "_P.match(s).group",
            "re.Match.group",
        ),
        (
            "import re\ndef f(s, c):\n    p = re.compile('x')\n    if c:\n        p = other()\n    p.match(s)\n",
            "p.match",
            None,
        ),
        ("import tempfile\nwith tempfile.TemporaryDirectory() as d:\n    d.strip()\n", "d.strip", "builtins.str.strip"),
        ("import subprocess\np = subprocess.Popen(['ls'])\np.wait()\n", "p.wait", "subprocess.Popen.wait"),
        ("import os\nos.environ.get('X')\n", "os.environ.get", "os._Environ.get"),
        ("import re\nif (m := re.match('a', s)):\n    m.group(0)\n", "m.group", "re.Match.group"),
        ("class A:\n    def m(self):\n        self.n()\n    def n(self): ...\n", "self.n", "<module>.A.n"),
        ("import socket\ndef f(s: socket.socket):\n    s.send(b'x')\n", "s.send", "socket.socket.send"),
        ("b'x'.decode()\n", "b'x'.decode", "builtins.bytes.decode"),
        ("x = x.copy()\nx.update()\n", "x.update", "<module>.x.update"),
        ("from subprocess import run as sh\nsh(['ls'])\n", "sh", "subprocess.run"),
    ],
)
def test_call_targets(source: str, callee: str, expected: str | None) -> None:
    assert call_target(source, callee) == expected


def test_long_chains_read_unknown_rather_than_raise() -> None:
    chain = "\n".join(f"a{i} = a{i - 1}.strip()" for i in range(1, 200))
    source = f"a0 = 'x'\n{chain}\nz = a199\nw = y{'.m()' * 120}\n"
    assert type_of(source, "z") in ("builtins.str", "Unknown")
    assert type_of(source, "w") == "Unknown"


def class_of(source: str, expression: str) -> str | None:
    """The one class ``ctx.types.class_of`` names for the last ``expression`` in ``source``."""
    text = textwrap.dedent(source)
    module = cst.parse_module(text)
    ctx = ModuleContext("example.py", text, module)
    node, scope = [
        (node, scope)
        for node, scope in walk_scoped(module)
        if isinstance(node, cst.BaseExpression) and module.code_for_node(node) == expression
    ][-1]
    assert isinstance(node, cst.BaseExpression)
    return ctx.types.class_of(node, scope)


def test_a_tuple_of_known_length_is_an_instance_of_tuple() -> None:
    assert class_of("t = (1, 'a')\nt\n", "t") == "builtins.tuple"
    assert class_of("def f(c: bool):\n    t = (1, 'a') if c else None\n    t\n", "t") == "builtins.tuple"
    assert class_of("def f(c: bool, x):\n    t = (1, 'a') if c else x\n    t\n", "t") is None


@pytest.mark.parametrize(
    ("source", "expression", "expected"),
    [
        # an attribute no class declares is read through __getattr__, never a dunder
        ("import ctypes\nlib = ctypes.cdll.LoadLibrary('c')\nf = lib.fdopen\n", "f", "ctypes._NamedFuncPointer"),
        ("class G:\n    def __getattr__(self, n: str) -> int: ...\nx = G().size\n", "x", "builtins.int"),
        ("class G:\n    def __getattr__(self, n: str) -> int: ...\nx = G().__len__\n", "x", "Unknown"),
        (
            "from typing import Any\nclass G:\n    def __getattr__(self, n: str) -> Any: ...\nx = G().y\n",
            "x",
            "Unknown",
        ),
        (
            "from typing import Literal, overload\nclass G:\n    @overload\n"
            "    def __getattr__(self, n: Literal['size']) -> int: ...\n    @overload\n"
            "    def __getattr__(self, n: str) -> str: ...\n    def __getattr__(self, n): ...\n"
            "a = G().size\nb = G().name\n",
            "a",
            "builtins.int",
        ),
        (
            "from typing import Literal, overload\nclass G:\n    @overload\n"
            "    def __getattr__(self, n: Literal['size']) -> int: ...\n    @overload\n"
            "    def __getattr__(self, n: str) -> str: ...\n    def __getattr__(self, n): ...\n"
            "a = G().size\nb = G().name\n",
            "b",
            "builtins.str",
        ),
        (
            "class G:\n    size = 'x'\n    def __getattr__(self, n: str) -> int: ...\nx = G().size\n",
            "x",
            "builtins.str",
        ),
        # enum members of stubs, and their name
        ("import socket\nx = socket.AF_INET\n", "x", "socket.AddressFamily"),
        ("import socket\nx = socket.AddressFamily.AF_INET6\n", "x", "socket.AddressFamily"),
        ("import re\nx = re.IGNORECASE\n", "x", "re.RegexFlag"),
        ("import socket\nx = socket.AF_INET.name\n", "x", "builtins.str"),
        ("import enum\nclass C(enum.Enum):\n    A = 1\nx = C.A.name\n", "x", "builtins.str"),
        # what every object and every class has
        ("class A:\n    def m(self):\n        x = self.__class__\n", "x", "type[<module>.A]"),
        ("class A:\n    def m(self):\n        x = self.__class__.__name__\n", "x", "builtins.str"),
        ("class A:\n    pass\nx = A.__qualname__\n", "x", "builtins.str"),
        ("class A:\n    pass\nx = A().__dict__\n", "x", "builtins.dict[builtins.str, Unknown]"),
        ("class A:\n    @classmethod\n    def m(cls):\n        x = cls.__new__(cls)\n", "x", "<module>.A"),
        # a class nested in a class
        (
            "import enum\nclass F:\n    class Status(enum.Enum):\n        DONE = 1\nx = F.Status.DONE\n",
            "x",
            "<module>.F.Status",
        ),
        # an async generator is called for its generator, not awaited
        (
            "from typing import AsyncGenerator\nasync def g() -> AsyncGenerator[int, None]:\n    yield 1\nx = g()\n",
            "x",
            "typing.AsyncGenerator[builtins.int, None]",
        ),
        ("async def g():\n    yield 1\nx = g()\n", "x", "typing.AsyncGenerator[Unknown, Unknown]"),
        (
            "from typing import AsyncIterator\nasync def g() -> AsyncIterator[str]:\n    yield ''\n"
            "async def f():\n    x = await g().__anext__()\n",
            "x",
            "builtins.str",
        ),
        ("async def g() -> int: ...\nx = g()\n", "x", "typing.Coroutine[Unknown, Unknown, builtins.int]"),
        # a protocol parameter solved against the argument's class, overloads included
        ("x = divmod(7.5, 2)\n", "x", "tuple[builtins.float, builtins.float]"),
        (
            "from fractions import Fraction\nsize, rest = divmod(Fraction(1, 3) * 7, 1)\n",
            "size",
            "builtins.int",
        ),
        ("x = round(2.5)\n", "x", "builtins.int"),
        ("x = round(2.5, 1)\n", "x", "builtins.float"),
        ("x = abs(-2.5)\n", "x", "builtins.float"),
        ("def f(v):\n    x = divmod(v, 2)\n", "x", "Unknown"),
    ],
)
def test_members_and_protocols(source: str, expression: str, expected: str) -> None:
    assert type_of(source, expression) == expected


def test_a_field_declared_in_a_base_keeps_its_declared_type() -> None:
    """A subclass assigning ``self._tx = ...`` does not redefine the base's ``_tx: T``; a
    field only the subclass assigns is what it assigns."""
    source = (
        "class T: ...\nclass Base:\n    _tx: T\n    count = 0\n"
        "class Sub(Base):\n    def setup(self, make):\n        self._tx = make()\n        self.size = 3\n"
        "        self.count = 'many'\n"
        "def f(s: Sub):\n    a = s._tx\n    b = s.size\n    c = s.count\n"
    )
    assert type_of(source, "a") == "<module>.T"
    assert type_of(source, "b") == "builtins.int"
    assert type_of(source, "c") == "builtins.int"


def test_another_modules_variables_and_inferred_fields_from_the_index(tmp_path: Path) -> None:
    """Another module's variables and unannotated fields have the types their values give,
    as the index keeps them; Unknown where the syntax alone cannot tell."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("from pkg.conf import SIZE as SIZE\n")
    (package / "conf.py").write_text(
        "import socket\nfrom typing import Final\nSIZE = 128 * 1024\nCODES = {'a': 'b'}\nFAMILY: Final = socket.AF_INET\n"
        "class Timeout:\n    def __init__(self, t: float) -> None:\n        self.t = t\n        self.conn = None\n"
        "        self.parts = str(t).split()\n    def connect(self) -> None:\n        self.conn = socket.socket()\n"
        "    async def wait(self) -> None: ...\n"
        "DEFAULT = Timeout(5.0)\nLOOP = DEFAULT.wait()\nfrom_elsewhere = DEFAULT.parts[0]\n"
        "def make():\n    return 1\nMADE = make()\nA = B = None\nclass Color:\n    RED = 'r'\nSHADE = Color.RED\n"
    )
    app = package / "app.py"
    app.write_text(
        "import pkg\nfrom pkg import conf\nfrom pkg.conf import CODES, Timeout\n"
        "def f(t: Timeout):\n    a = pkg.SIZE\n    b = CODES['a']\n    c = conf.FAMILY\n    d = conf.DEFAULT\n"
        "    e = t.conn\n    g = t.parts\n    h = conf.from_elsewhere\n    i = conf.MADE\n    j = conf.A\n"
        "    k = conf.LOOP\n    m = conf.SHADE\n"
    )
    root = tmp_path
    project = open_project(root, SettingsResolver(root, Overrides(), isolated=True), RunOptions(use_cache=False))
    text = app.read_text()
    module = cst.parse_module(text)
    ctx = ModuleContext("pkg/app.py", text, module, project, app)
    found = {
        node.value: (node, scope)
        for node, scope in walk_scoped(module)
        if isinstance(node, cst.Name) and len(node.value) == 1 and node.value in "abcdeghijkm"
    }
    types = {name: str(ctx.types.type_of(node, scope)) for name, (node, scope) in found.items()}
    assert types == {
        "a": "builtins.int",
        "b": "builtins.str",
        "c": "socket.AddressFamily",
        "d": "pkg.conf.Timeout",
        "e": "None | socket.socket",
        "g": "Unknown",  # a method call on a local: not the index's to tell
        "h": "Unknown",
        "i": "Unknown",  # an unannotated function: a type checker says Any too
        "j": "None",
        "k": "typing.Coroutine[Unknown, Unknown, None]",
        "m": "builtins.str",
    }
