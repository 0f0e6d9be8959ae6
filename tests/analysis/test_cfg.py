"""The control-flow graph: edges per construct, on small programs written out as source."""

from __future__ import annotations

import gc
import textwrap

import libcst as cst
import pytest

from safelint.analysis.flow.cfg import (
    CFG,
    CFGNode,
    EdgeKind,
    Jump,
    NodeKind,
    build_cfg,
    expression_can_raise,
    iter_scopes,
    nested_scopes,
)

_EMPTY = cst.Module([])


def label(node: CFGNode) -> str:
    """A short, readable name for a node; copies of finally/with-exit carry ``@way``."""
    kind, ast = node.kind, node.ast
    synthetic = {
        NodeKind.ENTRY: "ENTRY",
        NodeKind.EXIT: "EXIT",
        NodeKind.RAISE_EXIT: "RAISE",
        NodeKind.NORETURN: "NORETURN",
        NodeKind.RERAISE: "reraise",
    }
    if kind in synthetic:
        text = synthetic[kind]
    elif isinstance(ast, cst.WithItem):
        text = ("enter " if kind is NodeKind.WITH_ENTER else "exit ") + code(ast.item)
    elif kind is NodeKind.FOR_NEXT:
        text = "next " + code(ast)
    elif isinstance(ast, (cst.ExceptHandler, cst.ExceptStarHandler)):
        text = "except" + ("" if ast.type is None else " " + code(ast.type))
    elif isinstance(ast, cst.MatchCase):
        text = "case " + code(ast.pattern)
    elif isinstance(ast, cst.Match):
        text = "match " + code(ast.subject)
    elif isinstance(ast, (cst.FunctionDef, cst.ClassDef)):
        text = "def " + ast.name.value
    elif kind is NodeKind.TEST:
        text = "test " + code(ast)
    elif kind is NodeKind.FOR_ITER:
        text = "iter " + code(ast)
    elif kind is NodeKind.EXPR:
        text = "expr " + code(ast)
    else:
        text = code(ast)
    return text + (f"@{node.jump.value}" if node.jump is not None else "")


def code(node: cst.CSTNode) -> str:
    return _EMPTY.code_for_node(node).strip()


def graph(source: str, scope: int = 0) -> CFG:
    """The CFG of the module (scope 0) or of its n-th scope in pre-order."""
    module = cst.parse_module(textwrap.dedent(source))
    scopes = [s for s, _ in iter_scopes(module)]
    return build_cfg(scopes[scope])


def edges(cfg: CFG) -> set[str]:
    return {f"{label(n)} -{e.label.value}-> {label(e.node)}" for n in cfg.nodes for e in n.succs}


def node(cfg: CFG, text: str) -> CFGNode:
    found = [n for n in cfg.nodes if label(n) == text]
    assert len(found) == 1, f"{text!r}: {found}"
    return found[0]


def reachable_labels(cfg: CFG, start: str) -> set[str]:
    return {label(n) for n in cfg.reachable(node(cfg, start))}


def test_straight_line_and_exception_predicate() -> None:
    cfg = graph(
        """
        a = 1
        b = a.attr
        c = f(a)
        d = a[0]
        """
    )
    assert edges(cfg) == {
        "ENTRY -normal-> a = 1",
        "a = 1 -normal-> b = a.attr",
        "b = a.attr -normal-> c = f(a)",
        "c = f(a) -normal-> d = a[0]",
        "c = f(a) -exception-> RAISE",
        "d = a[0] -normal-> EXIT",
        "d = a[0] -exception-> RAISE",
    }


@pytest.mark.parametrize(
    ("expression", "raises"),
    [
        ("x", False),
        ("x.y.z", False),
        ("a + b * c", False),
        ("None", False),
        ("lambda: f()", False),
        ("f()", True),
        ("x[0]", True),
        ("await x", True),
        ("(yield)", True),
        ("[y for y in x]", True),
        ("a and g()", True),
    ],
)
def test_expression_can_raise(expression: str, raises: bool) -> None:
    assert expression_can_raise(cst.parse_expression(expression)) is raises


@pytest.mark.parametrize(
    ("statement", "raises"),
    [
        ("x = y", False),
        ("x: list[int] = []", False),
        ("pass", False),
        ("global g", False),
        ("del x", True),
        ("x += 1", True),
        ("import os", True),
        ("from os import path", True),
        ("x[0] = y", True),
    ],
)
def test_statement_can_raise(statement: str, raises: bool) -> None:
    cfg = graph(f"{statement}\n")
    assert node(cfg, statement).can_raise is raises
    assert any(e.node is cfg.raise_exit for e in node(cfg, statement).succs) is raises


def test_if_elif_else() -> None:
    cfg = graph(
        """
        if a:
            b()
        elif c:
            d = 1
        else:
            e = 2
        f = 3
        """
    )
    assert {
        "ENTRY -normal-> test a",
        "test a -true-> b()",
        "test a -false-> test c",
        "test c -true-> d = 1",
        "test c -false-> e = 2",
        "b() -normal-> f = 3",
        "d = 1 -normal-> f = 3",
        "e = 2 -normal-> f = 3",
    } <= edges(cfg)


def test_long_elif_chain_does_not_recurse() -> None:
    branches = "".join(f"elif x == {i}:\n    y = {i}\n" for i in range(1000))
    cfg = graph(f"if x:\n    pass\n{branches}z = 1\n")
    assert len(cfg.nodes_for(node(cfg, "z = 1").ast)) == 1
    assert node(cfg, "z = 1") in cfg.reachable()


def test_constant_tests_drop_the_impossible_edge() -> None:
    cfg = graph(
        """
        while True:
            if done():
                break
        if False:
            never()
        after = 1
        """
    )
    labels = edges(cfg)
    assert "test True -false-> test False" not in labels
    assert "test done() -true-> break" in labels
    assert "break -normal-> test False" in labels
    assert node(cfg, "never()") not in cfg.reachable()
    assert "test False -false-> after = 1" in labels


def test_while_break_continue_else() -> None:
    cfg = graph(
        """
        while a:
            if b:
                break
            if c:
                continue
            d = 1
        else:
            e = 2
        f = 3
        """
    )
    assert {
        "test a -true-> test b",
        "test b -true-> break",
        "break -normal-> f = 3",
        "test c -true-> continue",
        "continue -normal-> test a",
        "d = 1 -normal-> test a",
        "test a -false-> e = 2",
        "e = 2 -normal-> f = 3",
    } <= edges(cfg)
    assert "break -normal-> e = 2" not in edges(cfg)


def test_for_loop_iterates_and_can_raise_at_each_step() -> None:
    cfg = graph(
        """
        for x in xs:
            if x:
                break
            use(x)
        else:
            nothing()
        after = 1
        """
    )
    assert {
        "ENTRY -normal-> iter xs",
        "iter xs -exception-> RAISE",
        "iter xs -normal-> next x",
        "next x -exception-> RAISE",
        "next x -true-> test x",
        "use(x) -normal-> next x",
        "next x -false-> nothing()",
        "nothing() -normal-> after = 1",
        "break -normal-> after = 1",
    } <= edges(cfg)
    for_stmt = node(cfg, "next x").stmt
    assert [n.kind for n in cfg.nodes_for(for_stmt)] == [NodeKind.FOR_ITER]


def test_try_except_dispatch() -> None:
    cfg = graph(
        """
        try:
            a()
            b = 1
        except ValueError as e:
            handle(e)
        except (KeyError, TypeError):
            raise
        else:
            c()
        d = 2
        """
    )
    assert {
        "a() -exception-> except ValueError",
        "except ValueError -true-> handle(e)",
        "except ValueError -false-> except (KeyError, TypeError)",
        "except (KeyError, TypeError) -false-> RAISE",
        "except (KeyError, TypeError) -true-> raise",
        "raise -exception-> RAISE",
        "handle(e) -exception-> RAISE",
        "c() -exception-> RAISE",
        "b = 1 -normal-> c()",
        "c() -normal-> d = 2",
        "handle(e) -normal-> d = 2",
    } <= edges(cfg)
    assert not any(s.startswith("b = 1 -exception") for s in edges(cfg))


def test_not_ready_clause_is_reached_only_from_io() -> None:
    """`except BlockingIOError:` is passed by a statement that does no non-blocking I/O."""
    cfg = graph(
        """
        try:
            s.setblocking(False)
            n = s.recv(4)
            Stream(s)
            await ready
        except BlockingIOError:
            wait()
        except OSError:
            fail()
        try:
            s.setblocking(False)
        except (BlockingIOError, ssl.SSLWantReadError):
            pass
        """
    )
    assert {
        "s.setblocking(False) -exception-> except OSError",
        "n = s.recv(4) -exception-> except BlockingIOError",
        "Stream(s) -exception-> except OSError",
        "await ready -exception-> except BlockingIOError",
        "s.setblocking(False) -exception-> RAISE",
    } <= edges(cfg)
    assert "s.setblocking(False) -exception-> except BlockingIOError" not in edges(cfg)


def test_not_ready_clause_no_statement_reaches_is_reached_by_all() -> None:
    """The code says something in the body raises BlockingIOError: trust it over the words."""
    cfg = graph(
        """
        try:
            pump(s)
        except BlockingIOError:
            wait()
        """
    )
    assert "pump(s) -exception-> except BlockingIOError" in edges(cfg)


def test_lookup_and_url_clauses_are_not_reached_from_file_io() -> None:
    """I/O on a file or socket raises OSError or ValueError, never a lookup error nor one of
    urllib's: `except IndexError:` is reached from the subscript and the other calls."""
    cfg = graph(
        """
        try:
            name = argv[1]
            f = open(name)
            data = f.read()
            f.close()
            parse(data)
        except (IndexError, KeyError):
            usage()
        try:
            page = urlopen(url)
            body = page.read()
            page.close()
        except HTTPError:
            warn()
        """
    )
    assert {
        "name = argv[1] -exception-> except (IndexError, KeyError)",
        "f = open(name) -exception-> except (IndexError, KeyError)",
        "parse(data) -exception-> except (IndexError, KeyError)",
        "page = urlopen(url) -exception-> except HTTPError",
        "body = page.read() -exception-> RAISE",
    } <= edges(cfg)
    assert "data = f.read() -exception-> except (IndexError, KeyError)" not in edges(cfg)
    assert "f.close() -exception-> except (IndexError, KeyError)" not in edges(cfg)
    assert "page.close() -exception-> except HTTPError" not in edges(cfg)


def test_lookup_clause_no_statement_reaches_is_reached_by_all() -> None:
    """Only file I/O in the body, yet the code catches KeyError: trust the code."""
    cfg = graph(
        """
        try:
            f.write(data)
        except KeyError:
            pass
        """
    )
    assert "f.write(data) -exception-> except KeyError" in edges(cfg)


@pytest.mark.parametrize("catch_all", ["except:", "except BaseException:", "except (OSError, BaseException):"])
def test_catch_all_handler_has_no_onward_edge(catch_all: str) -> None:
    cfg = graph(f"try:\n    a()\n{catch_all}\n    pass\nb = 1\n")
    dispatch = next(n for n in cfg.nodes if n.kind is NodeKind.EXCEPT)
    assert [e.label for e in dispatch.succs] == [EdgeKind.TRUE]
    assert cfg.raise_exit not in cfg.reachable()


def test_finally_is_copied_per_way_out() -> None:
    cfg = graph(
        """
        def f(p):
            h = open(p)
            try:
                if p:
                    return use(h)
                work(h)
            finally:
                h.close()
            after = 1
        """,
        scope=1,
    )
    labels = edges(cfg)
    assert {
        "return use(h) -normal-> h.close()@return",
        "h.close()@return -normal-> EXIT",
        "work(h) -exception-> h.close()@exception",
        "return use(h) -exception-> h.close()@exception",
        "h.close()@exception -normal-> reraise",
        "reraise -exception-> RAISE",
        "work(h) -normal-> h.close()@normal",
        "h.close()@normal -normal-> after = 1",
    } <= labels
    # The exceptional path never reaches the code after the try.
    assert "after = 1" not in reachable_labels(cfg, "h.close()@exception")
    assert {label(n) for n in cfg.nodes_for(node(cfg, "h.close()@normal").ast)} == {
        "h.close()@normal",
        "h.close()@return",
        "h.close()@exception",
    }


def test_finally_on_break_and_continue() -> None:
    cfg = graph(
        """
        for x in xs:
            try:
                if x:
                    break
                continue
            finally:
                tidy()
        after = 1
        """
    )
    assert {
        "break -normal-> tidy()@break",
        "tidy()@break -normal-> after = 1",
        "continue -normal-> tidy()@continue",
        "tidy()@continue -normal-> next x",
    } <= edges(cfg)
    assert "after = 1" not in reachable_labels(cfg, "tidy()@continue") - reachable_labels(cfg, "next x")


def test_return_in_finally_swallows_the_exception() -> None:
    cfg = graph(
        """
        def f():
            try:
                g()
            finally:
                return 1
        """,
        scope=1,
    )
    assert "return 1@exception -normal-> EXIT" in edges(cfg)
    assert not any(n.kind is NodeKind.RERAISE for n in cfg.nodes)


def test_finally_nested_in_finally_stops_multiplying() -> None:
    def nested(depth: int) -> str:
        source = ""
        for i in range(depth):
            indent = "    " * i
            source += f"{indent}try:\n{indent}    a{i}()\n{indent}finally:\n"
        return source + "    " * depth + "innermost()\n"

    shallow = graph(nested(2))
    copies = [label(n) for n in shallow.nodes if label(n).startswith("innermost")]
    assert sorted(copies) == ["innermost()@exception"] * 2 + ["innermost()@normal"] * 2  # 2 ways x 2 levels
    deep = graph(nested(60))
    assert len(deep.nodes) < 3000  # copies stop multiplying past a few levels
    deepest = [n for n in deep.nodes if code(n.ast) == "innermost()"]
    assert deepest and set(deepest) <= deep.reachable()


def test_handler_exceptions_go_through_finally() -> None:
    cfg = graph(
        """
        try:
            a()
        except ValueError:
            b()
        finally:
            c()
        """
    )
    assert {
        "a() -exception-> except ValueError",
        "except ValueError -false-> c()@exception",
        "b() -exception-> c()@exception",
        "b() -normal-> c()@normal",
        "c()@normal -normal-> EXIT",
    } <= edges(cfg)


def test_try_star_is_dispatched_like_try() -> None:
    cfg = graph("try:\n    a()\nexcept* ValueError:\n    b()\nc = 1\n")
    assert {"a() -exception-> except ValueError", "except ValueError -true-> b()", "b() -normal-> c = 1"} <= edges(cfg)


def test_with_exit_runs_on_every_way_out() -> None:
    cfg = graph(
        """
        def f():
            for x in xs:
                with lock:
                    if x:
                        return 1
                    if y:
                        continue
                    work()
            after = 1
        """,
        scope=1,
    )
    assert {
        "next x -true-> enter lock",
        "enter lock -exception-> RAISE",
        "enter lock -normal-> test x",
        "return 1 -normal-> exit lock@return",
        "exit lock@return -normal-> EXIT",
        "continue -normal-> exit lock@continue",
        "exit lock@continue -normal-> next x",
        "work() -exception-> exit lock@exception",
        "exit lock@exception -exception-> RAISE",
        "work() -normal-> exit lock@normal",
        "exit lock@normal -normal-> next x",
    } <= edges(cfg)
    assert "after = 1" not in reachable_labels(cfg, "exit lock@exception")


def test_with_items_nest_and_exit_in_reverse() -> None:
    cfg = graph(
        """
        with a() as x, b() as y:
            use(x, y)
        """
    )
    assert {
        "enter a() -normal-> enter b()",
        "enter a() -exception-> RAISE",
        "enter b() -exception-> exit a()@exception",
        "use(x, y) -normal-> exit b()@normal",
        "exit b()@normal -normal-> exit a()@normal",
        "use(x, y) -exception-> exit b()@exception",
        "exit b()@exception -exception-> exit a()@exception",
        "exit a()@normal -normal-> EXIT",
    } <= edges(cfg)
    with_stmt = node(cfg, "enter a()").stmt
    assert [label(n) for n in cfg.nodes_for(with_stmt)] == ["enter a()"]


def test_suppressing_manager_resumes_after_the_block() -> None:
    cfg = graph(
        """
        with suppress(KeyError):
            v = d[k]
        after = 1
        """
    )
    assert "exit suppress(KeyError)@exception -normal-> after = 1" in edges(cfg)
    caught = cfg.caught_types(node(cfg, "v = d[k]"))
    assert [code(t) for t in caught if t is not None] == ["KeyError"]
    plain = graph("with lock:\n    v = d[k]\nafter = 1\n")
    assert "exit lock@exception -normal-> after = 1" not in edges(plain)
    assert plain.caught_types(node(plain, "v = d[k]")) == []


def test_raise_assert_and_noreturn() -> None:
    cfg = graph(
        """
        def f(x):
            assert x, "no x"
            if x > 1:
                raise ValueError(x)
            if x > 2:
                sys.exit(2)
            if x > 3:
                fail()
            assert False
            unreachable()
        """,
        scope=1,
    )
    labels = edges(cfg)
    assert {
        'assert x, "no x" -true-> test x > 1',
        'assert x, "no x" -false-> RAISE',
        "raise ValueError(x) -exception-> RAISE",
        "sys.exit(2) -normal-> NORETURN",
        "fail() -normal-> assert False",
        "assert False -false-> RAISE",
    } <= labels
    assert not any(s.startswith("raise ValueError(x) -normal") for s in labels)
    assert "sys.exit(2) -normal-> test x > 3" not in labels
    assert "sys.exit(2) -exception-> RAISE" not in labels  # SystemExit goes to no handler
    assert node(cfg, "unreachable()") not in cfg.reachable()

    custom = build_cfg(
        cfg.scope,
        is_noreturn=lambda call: isinstance(call.func, cst.Name) and call.func.value == "fail",
    )
    assert "fail() -normal-> NORETURN" in edges(custom)
    assert "sys.exit(2) -normal-> test x > 3" in edges(custom)


def test_yield_and_await_can_raise() -> None:
    gen = graph("def g():\n    x = yield\n    y = 1\n", scope=1)
    assert "x = yield -exception-> RAISE" in edges(gen)
    coro = graph(
        "async def c():\n    await t\n    async with m:\n        pass\n    async for i in it:\n        pass\n", scope=1
    )
    assert {"await t -exception-> RAISE", "enter m -normal-> pass", "next i -exception-> RAISE"} <= edges(coro)


def test_match_case() -> None:
    cfg = graph(
        """
        match command:
            case None:
                a()
            case [x, y] if x > y:
                b()
            case _:
                c()
            case "never":
                d()
        e = 1
        """
    )
    labels = edges(cfg)
    assert {
        "ENTRY -normal-> match command",
        "match command -normal-> case None",
        "case None -true-> a()",
        "case None -false-> case [x, y]",
        "case [x, y] -true-> test x > y",
        "test x > y -true-> b()",
        "test x > y -false-> case _",
        "case [x, y] -false-> case _",
        "case _ -true-> c()",
        "c() -normal-> e = 1",
    } <= labels
    assert 'case _ -false-> case "never"' not in labels
    assert node(cfg, "d()") not in cfg.reachable()


def test_definitions_are_bindings_not_bodies() -> None:
    cfg = graph(
        """
        @decorate(1)
        def f(x=default()):
            inner()
        class C(Base):
            attr = 1
        g = lambda: h()
        """
    )
    labels = edges(cfg)
    assert {
        "ENTRY -normal-> def f",
        "def f -exception-> RAISE",
        "def f -normal-> def C",
        "def C -exception-> RAISE",
    } <= labels
    assert not any("inner" in s or "attr" in s for s in labels)
    assert "g = lambda: h() -normal-> EXIT" in labels
    assert not any(s.startswith("g = lambda") and "exception" in s for s in labels)


def test_nested_scopes_and_their_parents() -> None:
    module = cst.parse_module(
        textwrap.dedent(
            """
            @deco(lambda: 1)
            def f(a=lambda: 2):
                g = [x for x in (lambda: 3)()]
                class C:
                    def m(self): pass
            h = {k: v for k, v in items if (lambda: 4)()}
            """
        )
    )
    kinds = [type(s).__name__ for s in nested_scopes(module)]
    assert kinds == ["FunctionDef", "Lambda", "Lambda", "DictComp"]
    f = nested_scopes(module)[0]
    assert [type(s).__name__ for s in nested_scopes(f)] == ["ListComp", "Lambda", "ClassDef"]
    comprehension = nested_scopes(module)[3]
    assert [type(s).__name__ for s in nested_scopes(comprehension)] == ["Lambda"]
    pairs = [(type(s).__name__, type(p).__name__ if p is not None else None) for s, p in iter_scopes(module)]
    assert pairs[0] == ("Module", None)
    assert ("FunctionDef", "ClassDef") in pairs
    assert len(pairs) == 10


def test_lambda_and_comprehension_graphs() -> None:
    lam = graph("f = lambda x: x.y if x else g()\n", scope=1)
    assert edges(lam) == {
        "ENTRY -normal-> expr x.y if x else g()",
        "expr x.y if x else g() -normal-> EXIT",
        "expr x.y if x else g() -exception-> RAISE",
    }
    comp = graph("r = [m.group() for s in ss if s for m in f(s) if m]\n", scope=1)
    assert {
        "ENTRY -normal-> next s",
        "next s -false-> EXIT",
        "next s -true-> test s",
        "test s -false-> next s",
        "test s -true-> iter f(s)",
        "iter f(s) -normal-> next m",
        "next m -false-> next s",
        "next m -true-> test m",
        "test m -false-> next m",
        "test m -true-> expr m.group()",
        "expr m.group() -normal-> next m",
    } <= edges(comp)


def test_class_body_graph() -> None:
    cfg = graph("class C:\n    x = 1\n    def m(self):\n        pass\n", scope=1)
    assert edges(cfg) == {"ENTRY -normal-> x = 1", "x = 1 -normal-> def m", "def m -normal-> EXIT"}


def test_nodes_for_compound_statements() -> None:
    module = cst.parse_module("if a:\n    pass\nwhile b:\n    pass\nmatch c:\n    case _:\n        pass\n")
    cfg = build_cfg(module)
    if_stmt, while_stmt, match_stmt = module.body
    assert [n.kind for n in cfg.nodes_for(if_stmt)] == [NodeKind.TEST]
    assert [n.kind for n in cfg.nodes_for(while_stmt)] == [NodeKind.TEST]
    assert [n.kind for n in cfg.nodes_for(match_stmt)] == [NodeKind.MATCH]
    assert cfg.nodes_for(cst.Name("unrelated")) == ()


def test_caught_types_of_nested_try_bodies() -> None:
    cfg = graph(
        """
        try:
            try:
                a()
            except (AttributeError, TypeError):
                b()
        except:
            pass
        """
    )
    assert [code(t) if t is not None else None for t in cfg.caught_types(node(cfg, "a()"))] == [
        "(AttributeError, TypeError)",
        None,
    ]
    assert cfg.caught_types(node(cfg, "b()")) == [None]


def test_reverse_postorder_puts_nodes_before_their_successors() -> None:
    cfg = graph("a = 1\nwhile b:\n    c = 2\nd = 3\n")
    order = [label(n) for n in cfg.reverse_postorder()]
    assert order.index("a = 1") < order.index("test b") < order.index("c = 2")
    assert order.index("test b") < order.index("d = 3")
    assert order[0] == "ENTRY" and "RAISE" not in order


def test_jump_tags_copies_only() -> None:
    cfg = graph("try:\n    a()\nfinally:\n    b()\n")
    assert node(cfg, "a()").jump is None
    assert {n.jump for n in cfg.nodes if code(n.ast) == "b()"} == {Jump.NORMAL, Jump.EXCEPTION}


def test_big_and_deep_code_builds() -> None:
    statements = "".join(f"v{i} = f{i}(v{i - 1})\n" for i in range(1, 1001))
    cfg = graph("def f(v0):\n" + textwrap.indent(statements, "    "), scope=1)
    assert len(cfg.reverse_postorder()) == 1003  # entry, 1000 statements, exit, raise-exit
    depth = 98  # the tokenizer allows 100 levels of indentation
    nested = "".join("    " * i + f"if x{i}:\n" for i in range(depth)) + "    " * depth + "deepest()\n"
    cfg = graph(nested)
    assert node(cfg, "deepest()") in cfg.reachable()
    loops = "".join("    " * i + "try:\n" + "    " * (i + 1) + f"while x{i}:\n" for i in range(0, 40, 2))
    closing = "".join("    " * (i) + "finally:\n" + "    " * (i + 1) + f"c{i}()\n" for i in reversed(range(0, 40, 2)))
    cfg = graph(loops + "    " * 40 + "deepest()\n" + closing)
    assert node(cfg, "deepest()") in cfg.reachable()


def test_constructs_newer_than_the_builder_degrade_to_opaque_steps() -> None:
    cfg = graph("x = {**d for d in ds}\ntype Alias = int\ndef g[T](a: T) -> T: return a\n")
    assert {"x = {**d for d in ds} -normal-> type Alias = int", "type Alias = int -normal-> def g"} <= edges(cfg)


def test_a_closed_graph_is_freed_without_the_cyclic_collector() -> None:
    source = "def f(x):\n    while x:\n        try:\n            x = g(x)\n        finally:\n            h()\n"
    gc.collect()
    gc.disable()
    try:
        kept = graph(source, scope=1)
        del kept
        assert gc.collect() > 0  # left alone, a graph's nodes and edges hold each other
        closed = graph(source, scope=1)
        assert any(n.succs for n in closed.nodes)
        closed.close()
        del closed
        assert gc.collect() == 0  # closed, reference counting alone frees it
    finally:
        gc.enable()
