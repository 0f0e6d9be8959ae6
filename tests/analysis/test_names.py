"""Name resolution: import forms, Python's scoping rules, builtins (what a value is: test_types)."""

from __future__ import annotations

import pathlib
import textwrap
from typing import Any

import libcst as cst
import pytest

from safelint.analysis.names.names import SCOPE_TYPES, Names, Scope, dotted_name
from safelint.analysis.syntax import push_children

_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


class _CallCollector(cst.CSTVisitor):
    """Every call with the innermost enclosing scope, as an engine visitor would track it."""

    def __init__(self, track_comprehensions: bool) -> None:
        super().__init__()
        self.track_comprehensions = track_comprehensions
        self.stack: list[Scope] = [None]
        self.calls: list[tuple[cst.Call, Scope]] = []

    def _opens(self, node: cst.CSTNode) -> bool:
        if isinstance(node, _COMPREHENSIONS):
            return self.track_comprehensions
        return isinstance(node, SCOPE_TYPES)

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Call):
            self.calls.append((node, self.stack[-1]))
        if self._opens(node):
            self.stack.append(node)  # type: ignore[arg-type]
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if self._opens(original_node):
            self.stack.pop()


def _calls(module: cst.Module, track_comprehensions: bool = True) -> list[tuple[cst.Call, Scope]]:
    collector = _CallCollector(track_comprehensions)
    module.visit(collector)
    return collector.calls


def _find(
    src: str, callee: str, *, occurrence: int = 0, track_comprehensions: bool = True, **kwargs: Any
) -> tuple[Names, cst.Call, Scope]:
    module = cst.parse_module(textwrap.dedent(src))
    names = Names(module, **kwargs)
    matches = [
        (call, scope)
        for call, scope in _calls(module, track_comprehensions)
        if module.code_for_node(call.func) == callee
    ]
    call, scope = matches[occurrence]
    return names, call, scope


def qualified(src: str, callee: str, **kwargs: Any) -> str | None:
    kwargs.setdefault("module_name", "pkg.mod")
    names, call, scope = _find(src, callee, **kwargs)
    return names.qualified_name(call.func, scope)


# --------------------------------------------------------------------------- import forms


@pytest.mark.parametrize(
    ("src", "callee", "expected"),
    [
        ("import re\nre.match(p, s)", "re.match", "re.match"),
        ("import re as r\nr.match(p, s)", "r.match", "re.match"),
        ("import os.path\nos.path.join(a)", "os.path.join", "os.path.join"),
        ("import os.path as osp\nosp.join(a)", "osp.join", "os.path.join"),
        ("import os.path\nos.getcwd()", "os.getcwd", "os.getcwd"),
        ("from os import environ\nenviron.get('X')", "environ.get", "os.environ.get"),
        ("from subprocess import run\nrun(['ls'])", "run", "subprocess.run"),
        ("from subprocess import run as sh\nsh(['ls'])", "sh", "subprocess.run"),
        ("from os import path as p\np.join(a)", "p.join", "os.path.join"),
        ("if X:\n    import json\njson.loads(s)", "json.loads", "json.loads"),
        (
            "try:\n    import json\nexcept ImportError:\n    import json\njson.loads(s)",
            "json.loads",
            "json.loads",
        ),
    ],
)
def test_import_forms(src: str, callee: str, expected: str) -> None:
    assert qualified(src, callee) == expected


def test_conflicting_imports_are_ambiguous() -> None:
    src = """
    try:
        import simplejson as json
    except ImportError:
        import json
    json.loads(s)
    """
    assert qualified(src, "json.loads") is None


def test_import_rebound_at_module_level_is_ambiguous() -> None:
    src = """
    try:
        import json
    except ImportError:
        json = None
    json.loads(s)
    """
    assert qualified(src, "json.loads") is None


@pytest.mark.parametrize(
    ("src", "callee", "module_name", "is_package", "expected"),
    [
        ("from . import x\nx.f()", "x.f", "pkg.sub.mod", False, "pkg.sub.x.f"),
        ("from .m import c\nc()", "c", "pkg.sub.mod", False, "pkg.sub.m.c"),
        ("from ..a import b\nb()", "b", "pkg.sub.mod", False, "pkg.a.b"),
        ("from .. import a\na.b()", "a.b", "pkg.sub.mod", False, "pkg.a.b"),
        ("from . import x\nx.f()", "x.f", "pkg.sub", True, "pkg.sub.x.f"),
        ("from .. import x\nx.f()", "x.f", "pkg.sub", True, "pkg.x.f"),
        ("from . import x\nx.f()", "x.f", None, False, ".x.f"),
        ("from ..a import b\nb()", "b", None, False, "..a.b"),
        ("from ... import x\nx()", "x", "pkg.mod", False, "...x"),  # beyond the top
    ],
)
def test_relative_imports(src: str, callee: str, module_name: str | None, is_package: bool, expected: str) -> None:
    assert qualified(src, callee, module_name=module_name, is_package=is_package) == expected


def test_star_import_makes_unbound_names_unknown() -> None:
    src = """
    from os import *
    import re
    getcwd()
    open(p)
    re.match(p, s)
    """
    assert qualified(src, "getcwd") is None
    assert qualified(src, "open") is None  # os exports an ``open`` too
    assert qualified(src, "re.match") == "re.match"


def test_import_inside_function_is_local_to_it() -> None:
    src = """
    def f():
        import json
        json.loads(s)

    def g():
        json.loads(s)
    """
    assert qualified(src, "json.loads") == "json.loads"
    assert qualified(src, "json.loads", occurrence=1) is None


def test_enclosing_function_bindings_are_visible_in_nested_functions() -> None:
    src = """
    def outer():
        import json as j
        def inner():
            j.loads(s)
    """
    assert qualified(src, "j.loads") == "json.loads"


def test_imports_property() -> None:
    src = "import re as r, os.path\nfrom os import environ\nimport json\njson = 1\n"
    module = cst.parse_module(src)
    assert Names(module, "pkg.mod").imports == {"r": "re", "os": "os", "environ": "os.environ"}


# --------------------------------------------------------------------------- shadowing


@pytest.mark.parametrize(
    "body",
    [
        "re = compile_it()",
        "re.match(p, s)\n    re = 1",  # flow-insensitive: the later assignment counts
        "for re in things: pass",
        "with ctx() as re: pass",
        "with ctx() as (a, re): pass",
        "try: pass\n    except E as re: pass",
        "del re",
        "def re(): pass",
        "class re: pass",
        "(re := thing())",
        "re += 1",
        "re: Any",
        "import regex as re",
        "from x import re",
        "match v:\n        case [re]: pass",
        "match v:\n        case {'k': 1, **re}: pass",
        "match v:\n        case Point(x=re): pass",
    ],
)
def test_local_binding_shadows_the_module(body: str) -> None:
    src = f"import re\ndef f():\n    {body}\n    re.match(p, s)\n"
    names, call, scope = _find(src, "re.match", occurrence=-1, module_name="pkg.mod")
    assert names.qualified_name(call.func, scope) in (None, "regex.match", "x.re.match")
    assert names.is_shadowed("re", scope)


def test_parameter_shadows_the_module() -> None:
    src = "import re\ndef f(re):\n    re.match(p, s)\n"
    assert qualified(src, "re.match") is None
    src = "import re\ndef f(*, re=None):\n    re.match(p, s)\n"
    assert qualified(src, "re.match") is None


def test_global_declaration_reads_the_module() -> None:
    src = "import re\ndef f():\n    global re\n    re.match(p, s)\n"
    names, call, scope = _find(src, "re.match", module_name="pkg.mod")
    assert names.qualified_name(call.func, scope) == "re.match"
    assert not names.is_shadowed("re", scope)


def test_global_rebinding_makes_the_module_name_ambiguous_everywhere() -> None:
    src = """
    import re
    def reset():
        global re
        re = None
    def use():
        re.match(p, s)
    re.match(p, s)
    """
    assert qualified(src, "re.match") is None
    assert qualified(src, "re.match", occurrence=1) is None


def test_nonlocal_refers_to_the_enclosing_binding() -> None:
    src = """
    import re
    def outer():
        re = 1
        def inner():
            nonlocal re
            re.match(p, s)
    """
    assert qualified(src, "re.match") is None


def test_class_body_does_not_leak_into_methods() -> None:
    src = """
    import re
    class C:
        re = 1
        x = re.match(p, s)
        def m(self):
            re.match(p, s)
    """
    assert qualified(src, "re.match") is None  # in the class body: the class attribute
    assert qualified(src, "re.match", occurrence=1) == "re.match"


def test_comprehension_variables_stay_in_the_comprehension() -> None:
    src = """
    import re
    def f(xs):
        [re.match(p, s) for re in xs]
        [re.match(p, x) for x in xs]
    """
    assert qualified(src, "re.match") is None
    assert qualified(src, "re.match", occurrence=1) == "re.match"


def test_comprehension_variables_are_ambiguous_when_the_comprehension_is_not_passed() -> None:
    src = """
    import re
    def f(xs):
        [re.match(p, s) for re in xs]
        re.match(p, s)
    """
    assert qualified(src, "re.match", track_comprehensions=False) is None
    assert qualified(src, "re.match", occurrence=1, track_comprehensions=False) is None


def test_comprehension_outermost_iterable_is_evaluated_outside() -> None:
    src = """
    import re
    [x for re in re.findall(p, s) for x in re.split(p, s)]
    """
    assert qualified(src, "re.findall") == "re.findall"
    assert qualified(src, "re.split") is None


def test_walrus_in_comprehension_binds_in_the_function() -> None:
    src = """
    import re
    def f(xs):
        [(re := x) for x in xs]
        re.match(p, s)
    """
    assert qualified(src, "re.match") is None


def test_lambda_scope() -> None:
    src = """
    import re
    f = lambda re: re.match(p, s)
    g = lambda x: re.match(p, x)
    """
    assert qualified(src, "re.match") is None
    assert qualified(src, "re.match", occurrence=1) == "re.match"


def test_headers_are_evaluated_in_the_enclosing_scope() -> None:
    src = """
    import functools, re
    class C:
        @functools.lru_cache(maxsize=None)
        def m(self, re=re.compile(p)) -> None:
            pass
    """
    # The visitor passes ``m`` for its decorator and defaults; ``re`` the parameter must
    # not hide the module there.
    assert qualified(src, "functools.lru_cache") == "functools.lru_cache"
    assert qualified(src, "re.compile") == "re.compile"


# --------------------------------------------------------------------------- builtins, module names


def test_builtins() -> None:
    assert qualified("open(p)", "open") == "builtins.open"
    assert qualified("def f():\n    len(x)\n", "len") == "builtins.len"


def test_shadowed_builtins() -> None:
    assert qualified("def open(p): pass\nopen(p)", "open") == "pkg.mod.open"
    assert qualified("def f():\n    open = g\n    open(p)\n", "open") is None
    names, call, scope = _find("def f(open):\n    open(p)\n", "open")
    assert names.is_shadowed("open", scope)


def test_names_defined_in_the_module() -> None:
    src = """
    def helper(): pass
    class C:
        def m(self): pass
    def f():
        helper()
        C.m(c)
    """
    assert qualified(src, "helper") == "pkg.mod.helper"
    assert qualified(src, "C.m") == "pkg.mod.C.m"
    assert qualified(src, "helper", module_name=None) == "<module>.helper"


def test_unresolvable_expressions() -> None:
    assert qualified("f()()", "f()") is None
    assert qualified("x[0]()", "x[0]") is None
    assert qualified("def f():\n    undefined_thing()\n", "undefined_thing") is None


def test_dotted_name() -> None:
    def parse(text: str) -> cst.BaseExpression:
        return cst.parse_expression(text)

    assert dotted_name(parse("a.b.c")) == "a.b.c"
    assert dotted_name(parse("a")) == "a"
    assert dotted_name(parse("a().b")) is None
    assert dotted_name(parse("a[0].b")) is None


# --------------------------------------------------------------------------- robustness


def test_never_raises_on_real_code() -> None:
    """Every call of a few real modules (all the syntax they use), with odd scopes too."""
    import libcst

    import safelint

    sources = [pathlib.Path(safelint.__file__).parent / "analysis" / "names" / "names.py"]
    sources += sorted(pathlib.Path(libcst.__file__).parent.glob("_nodes/*.py"))[:6]
    for path in sources:
        module = cst.parse_module(path.read_bytes())
        names = Names(module, "some.module")
        for call, scope in _calls(module):
            names.qualified_name(call.func, scope)
        # A node from another module must not break anything either.
        stranger = cst.parse_module("def f(): pass").body[0]
        assert isinstance(stranger, cst.FunctionDef)
        names.qualified_name(cst.Name("open"), stranger)


NEW_SYNTAX = """
import re
type Alias[T] = list[T]
def f[T](x: T) -> T:
    match x:
        case {"a": 1, **rest}: re.match(rest)
        case [1, *others]: pass
        case Point(x=0) as p if p: pass
    try:
        pass
    except* ValueError as eg:
        re.split(eg)
    async def g():
        async with ctx() as c, other() as d:
            async for i in c:
                await d.send(i)
    print(f"{x!r:>{width}} {re.escape(x)}")
    return lambda y=re.compile(x): [y for y in (z := x)]
"""


def test_walk_reaches_every_name() -> None:
    """The whitespace-skipping walk must not skip a field that holds code (an attribute's
    ``attr`` and a keyword argument's ``keyword`` are names but not references: skipped)."""

    class Names_(cst.CSTVisitor):
        def __init__(self) -> None:
            super().__init__()
            self.seen: set[int] = set()
            self.not_references: set[int] = set()

        def visit_Name(self, node: cst.Name) -> None:
            self.seen.add(id(node))

        def visit_Attribute(self, node: cst.Attribute) -> None:
            self.not_references.add(id(node.attr))

        def visit_Arg(self, node: cst.Arg) -> None:
            if node.keyword is not None:
                self.not_references.add(id(node.keyword))

    module = cst.parse_module(NEW_SYNTAX)
    expected = Names_()
    module.visit(expected)
    reached: set[int] = set()
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            reached.add(id(node))
        push_children(node, stack)
    assert expected.seen - expected.not_references <= reached


def test_new_syntax() -> None:
    module = cst.parse_module(NEW_SYNTAX)
    names = Names(module, "pkg.mod")
    resolved = {
        module.code_for_node(call.func): names.qualified_name(call.func, scope) for call, scope in _calls(module)
    }
    assert resolved["re.match"] == "re.match"
    assert resolved["re.split"] == "re.split"
    assert resolved["re.escape"] == "re.escape"
    assert resolved["re.compile"] == "re.compile"
    assert resolved["print"] == "builtins.print"
