"""The engine: positions, rule isolation, per-file ignores, suppressions, determinism."""

from pathlib import Path
from typing import Any

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from safelint.analysis.syntax import walk
from safelint.config import Settings
from safelint.context import ModuleContext
from safelint.engine import Checker
from safelint.results import Severity
from safelint.rule import _REGISTRY, Rule
from safelint.suppress import parse_suppressions

PROGRAM = '''#!/usr/bin/env python
# a header comment

"""Docstring."""
import os  # trailing comment


class A:
    @staticmethod
    def f(x):
        try:
            x()
        except Exception:
            pass

    def g(self):  x = [
        1,
        2]; y = x

    def k(self):
        return 1 if True else 2


def h():
    try: pass
    except: pass
'''


def test_statement_local_positions_match_whole_module_positions() -> None:
    module = cst.parse_module(PROGRAM)
    full = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    ctx = ModuleContext("x.py", module.code, module)
    checked = 0
    for top in module.body:
        for node in walk(top):
            assert ctx.position(node, top) == full[node], node
            checked += 1
    assert checked > 50


def test_findings_positions_and_span() -> None:
    src = "def f(g):\n    try:\n        g()\n    except Exception as e:\n        pass\n"
    (finding,) = Checker(Settings(root=Path("."))).check_bytes(src.encode(), "x.py").findings
    assert (finding.line, finding.column, finding.end_line, finding.end_column) == (4, 5, 4, 21)
    bare = "def f(g):\n    try:\n        g()\n    except:\n        pass\n"
    (finding,) = Checker(Settings(root=Path("."))).check_bytes(bare.encode(), "x.py").findings
    assert (finding.line, finding.column, finding.end_line, finding.end_column) == (4, 5, 4, 11)


@pytest.fixture
def broken_rule() -> object:
    class Broken(Rule):
        """Always raises."""

        code = "SL199"
        name = "always-broken"
        severity = Severity.ERROR
        summary = "test only"

        def visit_Pass(self, node: cst.Pass, ctx: ModuleContext) -> None:
            raise ValueError("boom")

    yield Broken
    del _REGISTRY["SL199"]


def test_a_crashing_rule_is_reported_and_the_others_keep_their_findings(broken_rule: object) -> None:
    src = "try:\n    out.write(data)\nexcept Exception:\n    pass\n"
    result = Checker(Settings(root=Path("."))).check_bytes(src.encode(), "x.py")
    assert [f.code for f in result.findings] == ["SL106"]
    (error,) = result.internal_errors
    assert "SL199" in error and "x.py" in error and "ValueError: boom" in error


def test_visit_method_must_name_a_libcst_node() -> None:
    with pytest.raises(TypeError, match="Excepthandler"):

        class Typo(Rule):
            def visit_Excepthandler(self, node: cst.CSTNode, ctx: ModuleContext) -> None: ...


def test_per_file_ignores(tmp_path: Path) -> None:
    settings = Settings(root=tmp_path, per_file_ignores=(("tests/*.py", ("SL1",)),))
    checker = Checker(settings)
    src = b"try:\n    out.write(data)\nexcept Exception:\n    pass\n"
    assert checker.check_bytes(src, "t.py", tmp_path / "tests" / "t.py").findings == []
    assert checker.check_bytes(src, "a.py", tmp_path / "src" / "a.py").findings != []


SUPPRESSION_CASES = [
    ("x = 1  # safelint: ignore[SL401]", (False, ("SL401",), None)),
    (
        "x = 1  # safelint: ignore[SL401, sl203] -- closed by the caller",
        (False, ("SL401", "SL203"), "closed by the caller"),
    ),
    ("x = 1  # safelint: ignore", (False, None, None)),
    ("# safelint: ignore-file[SL3]", (True, ("SL3",), None)),
    ("x = 1  # noqa: SL106,E501", (False, ("SL106",), None)),
    ("x = 1  # noqa", (False, None, None)),
]


@pytest.mark.parametrize(("line", "want"), SUPPRESSION_CASES)
def test_suppression_comment_forms(line: str, want: tuple[object, ...]) -> None:
    (s,) = parse_suppressions(line + "\n")
    assert (s.whole_file, s.codes, s.reason) == want


def test_noqa_for_other_tools_and_strings_are_not_suppressions() -> None:
    assert parse_suppressions("import os  # noqa: F401\n") == []
    assert parse_suppressions("x = '# safelint: ignore'\n") == []


def test_file_level_suppression_by_family() -> None:
    src = "# safelint: ignore-file[SL1]\ntry:\n    f()\nexcept Exception:\n    pass\n"
    assert Checker(Settings(root=Path("."))).check_bytes(src.encode(), "x.py").findings == []


def test_a_rule_defeated_by_nesting_is_sl000_not_an_internal_error() -> None:
    class Deep(Rule):
        """Recurses without end."""

        code = "SL198"
        name = "always-too-deep"
        severity = Severity.ERROR
        summary = "test only"

        def visit_Module(self, node: cst.Module, ctx: ModuleContext) -> None:
            def down(n: int) -> int:
                return down(n + 1)

            down(0)

    try:
        src = "try:\n    out.write(data)\nexcept Exception:\n    pass\n"
        result = Checker(Settings(root=Path("."))).check_bytes(src.encode(), "x.py")
        assert result.internal_errors == []
        assert sorted(f.code for f in result.findings) == ["SL000", "SL106"]
        assert "SL198" in next(f.message for f in result.findings if f.code == "SL000")
    finally:
        del _REGISTRY["SL198"]


def test_related_locations_are_resolved_like_the_finding() -> None:
    class Pointing(Rule):
        """Points from each `pass` back to the module's first statement."""

        code = "SL196"
        name = "points-back"
        severity = Severity.WARNING
        summary = "test only"

        def visit_Pass(self, node: cst.Pass, ctx: ModuleContext) -> None:
            ctx.report(self, node, "here", related=[(ctx.module.body[0], "because of this")])

    try:
        src = "x = 1\n\n\ndef f():\n    pass\n"
        (finding,) = [
            f for f in Checker(Settings(root=Path("."))).check_bytes(src.encode(), "x.py").findings if f.code == "SL196"
        ]
        assert (finding.line, finding.column) == (5, 5)
        (related,) = finding.related
        assert (related.message, related.line, related.column, related.end_line, related.end_column) == (
            "because of this",
            1,
            1,
            1,
            6,
        )
    finally:
        del _REGISTRY["SL196"]


def test_every_family_shares_one_cfg_per_scope(monkeypatch: pytest.MonkeyPatch) -> None:
    """SL1, SL2 and SL4 all need the flow graph of `f`: it is built once (ctx.memo)."""
    from safelint.analysis.flow import cfg

    built: list[cst.CSTNode] = []
    original = cfg.CFG.__init__

    def counting(self: cfg.CFG, scope: cfg.ScopeNode, *args: Any) -> None:
        built.append(scope)
        original(self, scope, *args)

    monkeypatch.setattr(cfg.CFG, "__init__", counting)
    source = (
        "import asyncio, os, re\n\n"
        "async def f(p, text):\n"
        "    t = asyncio.create_task(g())\n"
        "    h = open(p)\n"
        "    m = os.environ.get(text)\n"
        "    return m.lower(), h.read()\n"
    )
    findings = Checker(Settings(root=Path.cwd())).check_bytes(source.encode(), "m.py", Path.cwd() / "m.py").findings
    assert {"SL103", "SL201", "SL401"} <= {f.code for f in findings}
    functions = [s for s in built if isinstance(s, cst.FunctionDef)]
    assert len(functions) == 1


def test_a_checked_file_leaves_its_analyses_unlinked(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check closes its context: the flow graphs and the type evaluator it built are
    unlinked (freed by reference counting, not left for the cyclic collector)."""
    seen: list[ModuleContext] = []
    graphs = []
    original = ModuleContext.close

    def close(ctx: ModuleContext) -> None:
        seen.append(ctx)
        graphs.extend(v for v in ctx._memo.values() if type(v).__name__ == "CFG")
        evaluator = ctx.__dict__.get("types")
        original(ctx)
        assert evaluator is None or not vars(evaluator)

    monkeypatch.setattr(ModuleContext, "close", close)
    src = "def f(g):\n    with open(g) as h:\n        return h.read()\n"
    Checker(Settings(root=Path("."))).check_bytes(src.encode(), "x.py")
    (ctx,) = seen
    assert graphs and all(not node.succs and not node.preds for cfg in graphs for node in cfg.nodes)
    assert not ctx.__dict__.get("_memo") and "types" not in ctx.__dict__
