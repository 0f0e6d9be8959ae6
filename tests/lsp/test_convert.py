"""Findings to LSP, in process: positions in UTF-16, diagnostics, suppression and fix edits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fix_rule import register
from lsprotocol import types
from pygls.workspace import PositionCodec

from safelint.config import Settings
from safelint.engine import Checker
from safelint.lsp import convert
from safelint.results import Finding, Severity
from safelint.rule import _REGISTRY
from safelint.suppress import scan

UTF16 = PositionCodec(types.PositionEncodingKind.Utf16)
UTF8 = PositionCodec(types.PositionEncodingKind.Utf8)
URI = "file:///ws/mod.py"


def finding(line: int, column: int, end_line: int, end_column: int, code: str = "SL106") -> Finding:
    return Finding(
        code,
        "swallowed-exception",
        Severity.WARNING,
        "msg",
        "mod.py",
        line,
        column,
        end_line,
        end_column,
        help="do this",
    )


@pytest.fixture
def fix_rule() -> Iterator[None]:
    register()
    yield
    del _REGISTRY["SL197"]


def test_lines_break_only_where_lsp_does() -> None:
    assert convert.split_lines("a\r\nb\x0cc\rd\n") == ["a\r\n", "b\x0cc\r", "d\n", ""]


def test_positions_count_utf16_code_units_after_astral_characters() -> None:
    lines = convert.split_lines('s = "\U0001f600é"; t\n')
    # column 10 (1-based, characters) is `t`: 9 characters before it, one of them astral.
    assert convert.position(UTF16, lines, 1, 10) == types.Position(0, 10)
    assert convert.position(UTF8, lines, 1, 10) == types.Position(0, 13)
    assert convert.from_position(UTF16, lines, types.Position(0, 10)) == (1, 10)


def test_positions_past_the_end_are_clamped() -> None:
    lines = convert.split_lines("x = 1\n")
    assert convert.position(UTF16, lines, 9, 1) == types.Position(1, 0)
    assert convert.position(UTF16, lines, 1, 99) == types.Position(0, 5)


def test_diagnostic_carries_code_name_help_severity_and_link() -> None:
    d = convert.diagnostic(finding(2, 5, 2, 21), UTF16, convert.split_lines("try:\n    except Exception:\n"))
    assert d.range == types.Range(types.Position(1, 4), types.Position(1, 20))
    assert d.code == "SL106" and d.source == "safelint"
    assert d.severity == types.DiagnosticSeverity.Warning
    assert d.message == "msg [swallowed-exception]\nhelp: do this"
    assert d.code_description is not None and d.code_description.href.endswith("docs/rules/SL106.md")


def _suppress(text: str, line: int) -> str | None:
    lines = convert.split_lines(text)
    action = convert.suppress_action(URI, finding(line, 1, line, 2), UTF16, lines, scan(text))
    if action is None:
        return None
    assert action.edit is not None and action.edit.changes is not None
    (edit,) = action.edit.changes[URI]
    start = sum(len(x) for x in lines[: edit.range.start.line]) + edit.range.start.character
    end = sum(len(x) for x in lines[: edit.range.end.line]) + edit.range.end.character
    return text[:start] + edit.new_text + text[end:]


def test_suppression_is_appended_to_the_line() -> None:
    assert _suppress("x = 1   \ny = 2\n", 1) == "x = 1  # safelint: ignore[SL106]\ny = 2\n"
    assert _suppress("x = 1  # why\n", 1) == "x = 1  # why  # safelint: ignore[SL106]\n"


def test_suppression_merges_into_an_existing_safelint_comment() -> None:
    text = "x = f()  # safelint: ignore[SL101] -- on purpose\n"
    assert _suppress(text, 1) == "x = f()  # safelint: ignore[SL101, SL106] -- on purpose\n"


def test_suppression_goes_where_it_applies_after_a_continued_line() -> None:
    assert _suppress("x = 1 + \\\n    2\n", 1) == "x = 1 + \\\n    2  # safelint: ignore[SL106]\n"
    text = 'x = f("""\n  a\n""")  # note\n'
    assert _suppress(text, 1) == 'x = f("""\n  a\n""")  # note  # safelint: ignore[SL106]\n'


def test_suppression_merges_into_a_noqa_for_safelint() -> None:
    assert _suppress("x = f()  # noqa: E501, SL101\n", 1) == "x = f()  # noqa: E501, SL101, SL106\n"


def test_no_suppression_where_none_is_needed_or_possible() -> None:
    assert _suppress("x = f()  # safelint: ignore\n", 1) is None
    lines = convert.split_lines("def f(:\n")
    assert convert.suppress_action(URI, finding(1, 7, 1, 7, code="SL000"), UTF16, lines, scan("def f(:\n")) is None


def test_fix_actions_convert_the_engine_edits(fix_rule: None) -> None:
    text = "a = '\U0001f600' == None\nb = x != None\n"
    result = Checker(Settings(root=Path("."))).check_bytes(text.encode(), "mod.py")
    lines = convert.split_lines(text)
    safe, unsafe = (convert.fix_action(URI, f, UTF16, lines) for f in result.findings)
    assert safe is not None and unsafe is not None
    assert safe.is_preferred and safe.kind == types.CodeActionKind.QuickFix and safe.title == "SL197: use `is`"
    assert safe.edit is not None and safe.edit.changes is not None
    (edit,) = safe.edit.changes[URI]
    assert (
        edit.range == types.Range(types.Position(0, 4), types.Position(0, 16))
        and edit.new_text == "'\U0001f600' is None"
    )
    assert not unsafe.is_preferred and unsafe.title.endswith("(unsafe)")


@pytest.mark.parametrize(
    ("before", "after", "new_text"),
    [
        ("a == None\nb\n", "a is None\nb\n", "is"),
        ("x\r\ny\r\n", "x\r\nz\r\ny\r\n", "z\r\n"),
        ("\U0001f600 = 1\n", "\U0001f600 = 2\n", "2"),
        ("same\n", "same\n", ""),
        ("abc", "", ""),
    ],
)
def test_replacement_is_one_minimal_edit(before: str, after: str, new_text: str) -> None:
    edit = convert.replacement(UTF16, before, after)
    lines = convert.split_lines(before)

    def offset(p: types.Position) -> int:
        column = convert.from_position(UTF16, lines, p)[1] - 1
        return sum(len(x) for x in lines[: p.line]) + column

    assert before[: offset(edit.range.start)] + edit.new_text + before[offset(edit.range.end) :] == after
    assert edit.new_text == new_text


def test_second_locations_become_related_information() -> None:
    from dataclasses import replace

    from safelint.results import Related

    f = replace(finding(2, 5, 2, 21), related=(Related("the None comes from here", 1, 1, 1, 4),))
    d = convert.diagnostic(f, UTF16, convert.split_lines("try:\n    except Exception:\n"), URI)
    assert d.related_information is not None
    (info,) = d.related_information
    assert info.location.uri == URI and info.message == "the None comes from here"
    assert info.location.range == types.Range(types.Position(0, 0), types.Position(0, 3))


def test_hover_lists_each_rule_under_the_cursor_in_plain_text_when_asked() -> None:
    lines = convert.split_lines("try:\n    except Exception:\n")
    both = [finding(2, 5, 2, 21), finding(2, 5, 2, 21, code="SL000")]
    hover = convert.hover(both, UTF16, lines, markdown=False)
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.kind == types.MarkupKind.PlainText
    first, second = hover.contents.value.split("\n\n")
    assert first.startswith("SL106 swallowed-exception: ") and first.endswith("/rules/SL106.md")
    assert second.startswith("SL000 ") and "**" not in hover.contents.value
    assert convert.hover([], UTF16, lines, markdown=True) is None
