"""None narrowing: every narrowing form with a safe and an unsafe program, the dereference
events rules consume, invalidation, nested scopes, and guards."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

import libcst as cst
import pytest

from safelint.analysis.flow.cfg import ScopeNode, build_cfg, dotted_name
from safelint.analysis.optional.narrowing import (
    DerefEvent,
    Fact,
    ModuleNarrowing,
    Nullness,
    UseKind,
    analyze_narrowing,
    optional_parameter_facts,
)
from safelint.analysis.syntax import walk

_EMPTY = cst.Module([])


def code(node: cst.CSTNode) -> str:
    return _EMPTY.code_for_node(node).strip()


def oracle(expr: cst.BaseExpression) -> Nullness | None:
    """``maybe()``, ``re.match()`` and ``d.get()`` may return None; ``sure()`` never does."""
    if isinstance(expr, cst.Call):
        name = dotted_name(expr.func)
        if name in ("maybe", "re.match", "d.get"):
            return Nullness.MAYBE
        if name == "sure":
            return Nullness.NOT_NONE
    return None


def narrow(source: str, initial: Mapping[str, Fact | Nullness] | None = None) -> ModuleNarrowing:
    facts = dict(initial or {})

    def initial_facts(scope: ScopeNode) -> Mapping[str, Fact | Nullness]:
        base: dict[str, Fact | Nullness] = {}
        if isinstance(scope, cst.FunctionDef):
            base.update(optional_parameter_facts(scope))
            base.update(facts)
        return base

    return ModuleNarrowing(cst.parse_module(textwrap.dedent(source)), oracle, initial_facts=initial_facts)


def events(source: str, initial: Mapping[str, Fact | Nullness] | None = None) -> list[DerefEvent]:
    return list(narrow(source, initial).events())


def unsafe(source: str, initial: Mapping[str, Fact | Nullness] | None = None) -> list[str]:
    """The uses a rule would report: the value may be None there and nothing catches it."""
    return sorted(
        code(e.node) for e in events(source, initial) if e.nullness is not Nullness.NOT_NONE and not e.guarded
    )


def body(lines: str) -> str:
    """A function whose local ``x`` may be None, running ``lines``."""
    return "def f(r, z):\n    x = maybe()\n" + textwrap.indent(textwrap.dedent(lines), "    ")


# Each narrowing form: a program that is safe, and one that is not (with what it reports).
FORMS = {
    "is None, early return": (
        "if x is None:\n    return\nx.y\n",
        "if x is None:\n    log()\nx.y\n",
        ["x.y"],
    ),
    "is not None": (
        "if x is not None:\n    x.y\n",
        "if x is not None:\n    pass\nelse:\n    x.y\n",
        ["x.y"],
    ),
    "== None / != None": (
        "if x != None:\n    x.y\n",
        "if x == None:\n    x.y\n",
        ["x.y"],
    ),
    "truthiness": (
        "if x:\n    x.y\nif not x:\n    return\nx.z\n",
        "if not x:\n    x.y\n",
        ["x.y"],
    ),
    "while truthiness": (
        "while x:\n    x.y\n    x = maybe()\n",
        "while x:\n    x = maybe()\nx.y\n",
        ["x.y"],
    ),
    "isinstance": (
        "if isinstance(x, int):\n    x.real\n",
        "if isinstance(x, (int, type(None))):\n    x.real\n",
        ["x.real"],
    ),
    "callable / hasattr / bool": (
        "if callable(x):\n    x()\nif hasattr(x, 'y'):\n    x.y\nif bool(x):\n    x.z\n",
        "if not hasattr(x, 'y'):\n    x.y\n",
        ["x.y"],
    ),
    "assert": (
        "assert x\nx.y\n",
        "assert r\nx.y\n",
        ["x.y"],
    ),
    "assert is not None": (
        "assert x is not None, 'x'\nx.y\n",
        "assert x is None or r\nx.y\n",
        ["x.y"],
    ),
    "raise in the None branch": (
        "if x is None:\n    raise ValueError\nx.y\n",
        "if x is None:\n    warn()\nx.y\n",
        ["x.y"],
    ),
    "continue in the None branch": (
        "for s in r:\n    m = maybe(s)\n    if m is None:\n        continue\n    m.group()\n",
        "for s in r:\n    m = maybe(s)\n    if m is None:\n        pass\n    m.group()\n",
        ["m.group"],
    ),
    "break in the None branch": (
        "while True:\n    m = maybe()\n    if not m:\n        break\n    m.group()\n",
        "while True:\n    m = maybe()\n    if not m:\n        log()\n    m.group()\n",
        ["m.group"],
    ),
    "x = x or default": (
        "x = x or 'default'\nx.upper()\n",
        "x = x or None\nx.upper()\n",
        ["x.upper"],
    ),
    "x = default if x is None else x": (
        "x = 'default' if x is None else x\nx.upper()\n",
        "x = x if x is None else 'default'\nx.upper()\n",
        ["x.upper"],
    ),
    "walrus": (
        "if (m := re.match(p, z)):\n    m.group()\nif (n := re.match(p, z)) is not None:\n    n.group()\n",
        "print(m := re.match(p, z))\nm.group()\n",
        ["m.group"],
    ),
    "if x is None: x = ...": (
        "if x is None:\n    x = sure()\nx.y\nif z is None:\n    z = []\nz.append(1)\n",
        "if x is None:\n    x = maybe()\nx.y\n",
        ["x.y"],
    ),
    "and short-circuit": (
        "v = x and x.y\nw = x is not None and x.z\n",
        "v = x.y and x is not None\n",
        ["x.y"],
    ),
    "or short-circuit": (
        "v = x is None or x.y\n",
        "v = x or x.y\n",
        ["x.y"],
    ),
    "if a and b narrows both": (
        "a = maybe()\nif a and x:\n    a.y\n    x.y\n",
        "a = maybe()\nif a or x:\n    a.y\n",
        ["a.y"],
    ),
    "conditional expression": (
        "v = x.y if x else z\n",
        "v = x.y if not x else z\n",
        ["x.y"],
    ),
    "comprehension condition": (
        "v = [x.y for _ in r if x]\nw = [m.group() for s in r if (m := re.match(p, s))]\nu = [m.group() for m in r if m]\n",
        "v = [x.y for _ in r]\n",
        ["x.y"],
    ),
    "not (x is None)": (
        "if not (x is None):\n    x.y\n",
        "if not (x is not None):\n    x.y\n",
        ["x.y"],
    ),
    "reassignment": (
        "x = sure()\nx.y\n",
        "x = sure()\nx = maybe()\nx.y\n",
        ["x.y"],
    ),
    "reassignment after a check": (
        "if x:\n    x = sure()\n    x.y\n",
        "if x:\n    x = maybe()\n    x.y\n",
        ["x.y"],
    ),
    "match case None": (
        "match x:\n    case None:\n        return\n    case _:\n        x.y\n",
        "match x:\n    case int():\n        pass\n    case _:\n        x.y\n",
        ["x.y"],
    ),
    "equality with a literal": (
        "if x == 'a':\n    x.upper()\nif x in ('a', 'b'):\n    x.upper()\n",
        "if x != 'a':\n    x.upper()\n",
        ["x.upper"],
    ),
    "loop carried": (
        "x = None\nfor i in r:\n    if x is not None:\n        x.y\n    x = sure()\n",
        "x = None\nfor i in r:\n    x = sure()\nx.y\n",
        ["x.y"],
    ),
}


@pytest.mark.parametrize("form", FORMS)
def test_narrowing_form_safe(form: str) -> None:
    safe, _, _ = FORMS[form]
    assert unsafe(body(safe)) == []


@pytest.mark.parametrize("form", FORMS)
def test_narrowing_form_unsafe(form: str) -> None:
    _, bad, expected = FORMS[form]
    assert unsafe(body(bad)) == expected


@pytest.mark.parametrize(
    ("use", "node", "kind"),
    [
        ("x.attr", "x.attr", UseKind.ATTRIBUTE),
        ("x[0]", "x[0]", UseKind.SUBSCRIPT),
        ("x()", "x()", UseKind.CALL),
        ("for a in x:\n    pass", "x", UseKind.ITERATION),
        ("a, b = x", "x", UseKind.UNPACKING),
        ("x + 1", "x", UseKind.OPERAND),
        ("f(*x)", "x", UseKind.ITERATION),
        ("f(**x)", "x", UseKind.UNPACKING),
        ("[*x]", "x", UseKind.ITERATION),
        ("{**x}", "x", UseKind.UNPACKING),
        ("-x", "x", UseKind.OPERAND),
        ("x < 1", "x", UseKind.OPERAND),
        ("1 in x", "x", UseKind.MEMBERSHIP),
        ("x.attr = 1", "x.attr", UseKind.ATTRIBUTE),
        ("del x[0]", "x[0]", UseKind.SUBSCRIPT),
        ("x += 1", "x", UseKind.OPERAND),
        ("yield from x", "x", UseKind.ITERATION),
        ("[a for a in x]", "x", UseKind.ITERATION),
    ],
)
def test_dereference_kinds_and_report_nodes(use: str, node: str, kind: UseKind) -> None:
    found = [(code(e.node), e.kind) for e in events(body(use + "\n")) if e.nullness is Nullness.MAYBE]
    assert found == [(node, kind)]


@pytest.mark.parametrize(
    "line",
    ["x == 1", "x is None", "str(x)", "'%s' % x", "print(x)", "isinstance(r, int | None)", "v = x", "return x"],
)
def test_uses_that_accept_none_are_not_dereferences(line: str) -> None:
    assert unsafe(body(line + "\n")) == []


def test_only_the_first_unchecked_use_is_reported() -> None:
    assert unsafe(body("x.a\nx.b\nx[0]\n")) == ["x.a"]


def test_call_results_are_dereferenced_directly() -> None:
    (event,) = [e for e in events("re.match(p, s).group(1)\n") if e.nullness is Nullness.MAYBE]
    assert (code(event.node), event.key, code(event.value)) == ("re.match(p, s).group", None, "re.match(p, s)")
    assert [code(o) for o in event.origins] == ["re.match(p, s)"]


def test_origins_say_where_the_none_comes_from() -> None:
    (event,) = [e for e in events(body("if r:\n    x = None\nx.y\n")) if e.nullness is not Nullness.NOT_NONE]
    assert sorted(code(o) for o in event.origins) == ["None", "maybe()"]
    (event,) = events("def f(p: Optional[str]):\n    p.upper()\n")
    assert isinstance(next(iter(event.origins)), cst.Param)
    (event,) = events("def f(p):\n    if p is None:\n        log()\n    p.upper()\n")
    assert event.nullness is Nullness.MAYBE
    assert [code(o) for o in event.origins] == ["p is None"]


def test_none_literal_then_use_is_definitely_none() -> None:
    (event,) = events(body("v = None\nv.y\n"))
    assert event.nullness is Nullness.NONE


@pytest.mark.parametrize(
    ("signature", "reported"),
    [
        ("p: Optional[str]", True),
        ("p: typing.Optional[str]", True),
        ("p: str | None", True),
        ("p: None | str", True),
        ("p: Union[str, None]", True),
        ("p: 'Optional[str]'", True),
        ("p: Annotated[str | None, 'doc']", True),
        ("p: str = None", True),
        ("p: str", False),
        ("p=None", False),
        ("*p: str | None", False),
    ],
)
def test_optional_parameters(signature: str, reported: bool) -> None:
    assert unsafe(f"def f({signature}):\n    p.upper()\n") == (["p.upper"] if reported else [])


def find(root: cst.CSTNode, kind: type[cst.CSTNode], text: str) -> list[cst.CSTNode]:
    return [n for n in walk(root) if isinstance(n, kind) and code(n) == text]


def test_sub_expression_nullness() -> None:
    narrowing = narrow(body("v = x is not None and x.y\nw = x.z and x is not None\n"))
    function = narrowing.scopes()[1]
    result = narrowing.result(function)
    (checked,) = find(function, cst.Attribute, "x.y")
    (unchecked,) = find(function, cst.Attribute, "x.z")
    assert isinstance(checked, cst.Attribute) and isinstance(unchecked, cst.Attribute)
    assert result.nullness_at(checked.value) is Nullness.NOT_NONE
    assert result.nullness_at(unchecked.value) is Nullness.MAYBE
    assert result.nullness_at(cst.Name("x")) is None  # never read


def test_state_before_a_statement() -> None:
    narrowing = narrow(body("if x is None:\n    return\nv = 1\n"))
    function = narrowing.scopes()[1]
    (last,) = find(function, cst.Assign, "v = 1")
    state = narrowing.result(function).state_before(last)
    assert state is not None and state["x"].nullness is Nullness.NOT_NONE


# -- attribute keys and invalidation


def method(lines: str) -> str:
    return "class C:\n    def m(self, other):\n" + textwrap.indent(textwrap.dedent(lines), "        ")


FIELD = {"self.conn": Nullness.MAYBE}


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ("self.conn.send()\n", ["self.conn.send"]),
        ("if self.conn is not None:\n    self.conn.send()\n", []),
        ("if not self.conn:\n    return\nself.conn.send()\n", []),
        # assigning the attribute replaces the fact
        ("self.conn = sure()\nself.conn.send()\n", []),
        ("self.conn = None\nself.conn.send()\n", ["self.conn.send"]),
        # a method called on self, or self passed to a call, may set it
        ("if self.conn is None:\n    self.connect()\nself.conn.send()\n", []),
        ("if self.conn is None:\n    setup(self)\nself.conn.send()\n", []),
        # unrelated calls do not
        ("if self.conn is None:\n    print('no connection')\nself.conn.send()\n", ["self.conn.send"]),
        ("if self.conn:\n    other.reset()\n    log(other)\n    self.conn.send()\n", []),
        # a call on the attribute itself keeps the attribute
        ("if self.conn is None:\n    return\nself.conn.open()\nself.conn.send()\n", []),
        # super() calls may set anything on self
        ("if self.conn is None:\n    super().setup()\nself.conn.send()\n", []),
        # rebinding the base forgets everything read through it
        ("self.conn = None\nself = other\nself.conn.send()\n", []),
        # deleting the attribute forgets it
        ("self.conn = None\ndel self.conn\nself.conn.send()\n", []),
    ],
)
def test_attribute_keys(lines: str, expected: list[str]) -> None:
    assert unsafe(method(lines), FIELD) == expected


def test_dotted_chains() -> None:
    assert unsafe(body("a = sure()\na.b.c = None\na.b.c.d\n")) == ["a.b.c.d"]
    assert unsafe(body("a = sure()\na.b.c = None\na.b = sure()\na.b.c.d\n")) == []
    assert unsafe(body("a = sure()\na.b.c = None\na = sure()\na.b.c.d\n")) == []


def test_calls_forget_names_they_may_rebind() -> None:
    # A global can be rebound by any call.
    assert unsafe("def f():\n    if CONFIG is None:\n        load()\n    CONFIG.get('k')\n") == []
    assert unsafe("def f():\n    if CONFIG is None:\n        pass\n    CONFIG.get('k')\n") == ["CONFIG.get"]
    # So can a local that a nested function declares nonlocal.
    rebinding = """
        def f():
            x = None
            def set_x():
                nonlocal x
                x = sure()
            set_x()
            x.real
        """
    assert unsafe(rebinding) == []
    assert unsafe(rebinding.replace("nonlocal x", "pass")) == ["x.real"]
    # At module level, a function declaring the name global may rebind it.
    module = """
        _cache = None
        def init():
            global _cache
            _cache = sure()
        init()
        _cache.get(1)
        """
    assert unsafe(module) == []
    assert unsafe(module.replace("global _cache", "pass")) == ["_cache.get"]


def test_module_level_attributes_are_reachable_from_any_call() -> None:
    assert unsafe("settings.value = None\nconfigure()\nsettings.value.strip()\n") == []
    assert unsafe("settings.value = None\nsettings.value.strip()\n") == ["settings.value.strip"]
    # In a function, a local object is reachable only through what the call is given.
    assert unsafe(body("o = sure()\no.v = None\nconfigure()\no.v.strip()\n")) == ["o.v.strip"]
    assert unsafe(body("o = sure()\no.v = None\nconfigure(o)\no.v.strip()\n")) == []


# -- guards


@pytest.mark.parametrize(
    ("handler", "guarded"),
    [
        ("except AttributeError:", True),
        ("except (AttributeError, TypeError):", True),
        ("except Exception:", True),
        ("except:", True),
        ("except ValueError:", False),
    ],
)
def test_try_handler_guards_a_use(handler: str, guarded: bool) -> None:
    source = body(f"try:\n    x.y\n{handler}\n    pass\n")
    (event,) = [e for e in events(source) if e.nullness is Nullness.MAYBE]
    assert event.guarded is guarded


def test_suppress_guards_a_use() -> None:
    (event,) = [e for e in events(body("with suppress(AttributeError):\n    x.y\n")) if e.nullness is Nullness.MAYBE]
    assert event.guarded


def test_use_in_a_handler_body_is_not_guarded_by_it() -> None:
    source = body("try:\n    g()\nexcept AttributeError:\n    x.y\n")
    assert unsafe(source) == ["x.y"]


# -- paths through try and finally


def test_finally_copies_are_joined() -> None:
    assert unsafe(body("x = sure()\ntry:\n    g()\nfinally:\n    x.y\n")) == []
    # If sure() raises, the finally body runs with x still None.
    assert unsafe(body("x = None\ntry:\n    x = sure()\n    g()\nfinally:\n    x.y\n")) == ["x.y"]


def test_exception_paths_do_not_bind() -> None:
    source = body("x = None\ntry:\n    x = sure()\nexcept OSError:\n    x.y\n")
    (event,) = events(source)
    assert event.nullness is Nullness.NONE


def test_exception_path_does_not_leak_past_finally() -> None:
    source = body("if x is None:\n    try:\n        g()\n    finally:\n        tidy()\n    return\nx.y\n")
    assert unsafe(source) == []


# -- nested scopes


def test_captured_names_are_not_reported() -> None:
    assert unsafe(body("def g():\n    return x.y\n")) == []
    assert unsafe(body("cb = lambda: x.y\n")) == []
    # ...unless the nested scope itself checks them.
    assert unsafe(body("def g():\n    if x is None:\n        return x.y\n")) == ["x.y"]


def test_comprehensions_start_from_the_enclosing_state() -> None:
    assert unsafe(body("if x is not None:\n    v = [x.y for _ in r]\n")) == []
    assert unsafe(body("v = [x.y for _ in r]\n")) == ["x.y"]
    assert unsafe(body("v = {k: x.y for k in r if x is not None}\n")) == []
    assert unsafe(body("v = any(x.y for _ in r)\n")) == ["x.y"]


def test_comprehension_iterable_belongs_to_the_enclosing_scope() -> None:
    (event,) = [e for e in events(body("v = [a for a in x]\n")) if e.nullness is Nullness.MAYBE]
    assert (code(event.node), event.kind) == ("x", UseKind.ITERATION)


def test_lambda_parameters_and_bodies() -> None:
    assert unsafe("f = lambda m: m.group() if m else None\n") == []
    assert unsafe("f = lambda: re.match(p, s).group()\n") == ["re.match(p, s).group"]


# -- robustness


def test_deep_and_long_expressions_do_not_crash() -> None:
    chain = " and ".join(["x"] * 3000)
    assert unsafe(body(f"v = {chain}\nw = x.y\n")) == ["x.y"]
    total = " + ".join(["x"] * 300)
    assert unsafe(body(f"v = {total}\n")) == ["x"]
    nested = "f(" * 200 + "x" + ")" * 200
    assert unsafe(body(f"v = {nested}\n")) == []


def test_analysis_of_a_single_cfg() -> None:
    module = cst.parse_module("def f(x):\n    if x is None:\n        x.y\n")
    function = module.body[0]
    assert isinstance(function, cst.FunctionDef)
    result = analyze_narrowing(build_cfg(function))
    assert result.converged
    assert [(code(e.node), e.nullness) for e in result.events] == [("x.y", Nullness.NONE)]
    seeded = analyze_narrowing(build_cfg(function), initial={"x": Nullness.NOT_NONE})
    assert seeded.events == []  # the check is dead: its branch cannot be taken


ODD_BUT_PARSEABLE = [
    "break\ncontinue\nreturn 1\nyield x\nawait y\nnonlocal x\n",
    "def f():\n    ...\nclass C: pass\nx = (yield)\n",
    "async def f():\n    async with a as (b, c):\n        async for d in e:\n            await d.x\n",
    "try:\n    pass\nexcept* (A, B) as eg:\n    raise\nelse:\n    pass\nfinally:\n    pass\n",
    "match p:\n    case {'k': v, **rest}:\n        v.x\n    case [1, *others]:\n        others.y\n"
    "    case Point(x=0) | Point(y=0) as pt:\n        pt.x\n    case str() | None:\n        p.z\n",
    "del (a, [b, c.d]), e[0]\nfrom . import *\nx.y\n",
    "for (a, b), *c in d:\n    pass\nwith a as b.c, d as e[0]:\n    pass\n",
    "x: int\ntype X[T] = list[T]\ndef f[T](x: T) -> T:\n    return x\n",
    "f = lambda *a, **k: (a, k)\nf(*a, **k)\n[*a, *b]\n{**a, 'b': 1}\nprint(f'{x!r:>{w}}')\n",
    "x = a if b else c if d else e\nassert (x := f()), x.y\nwhile (line := f.readline()):\n    line.strip()\n",
    "x = [y for y in z if (w := y)]\nx = {**d for d in ds}\n",
    "@a.b(c)\nclass D(E, metaclass=M):\n    x = None\n    x.y\n",
    "def f(a, /, b=None, *, c: Optional[int] = None, **d):\n    c.real\n",
    "if __debug__:\n    pass\nx = not not x\n(a := None)\na.b\nraise X from Y\n",
    "for i in r:\n    try:\n        pass\n    finally:\n        continue\n",
    "x = None\nwith suppress(E):\n    x = 1\nx.y\nglobal x\n",
    "class A:\n    def m(self):\n        class B:\n            def n(inner):\n                nonlocal self\n"
    "                self = None\n        self.x\n",
]


@pytest.mark.parametrize("source", ODD_BUT_PARSEABLE)
def test_odd_code_never_raises(source: str) -> None:
    narrowing = narrow(source)
    assert all(narrowing.result(scope).converged for scope in narrowing.scopes())
