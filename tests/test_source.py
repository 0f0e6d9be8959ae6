"""Bad input never crashes the engine: each file becomes findings or an SL000 at the problem."""

from pathlib import Path

import pytest

from safelint.config import Settings
from safelint.engine import Checker
from safelint.results import Finding
from safelint.source import SourceError, decode, parse

SWALLOW = b"def f(g):\n    try:\n        g()\n    except Exception:\n        pass\n"


def check(data: bytes) -> list[Finding]:
    return Checker(Settings(root=Path("."))).check_bytes(data, "x.py").findings


def codes(data: bytes) -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in check(data)]


def test_syntax_error_is_sl000_at_its_line() -> None:
    found = check(b"x = 1\ndef f(:\n    return 1\n")
    assert [(f.code, f.line) for f in found] == [("SL000", 2)]
    assert "syntax error" in found[0].message


def test_binary_file() -> None:
    found = check(bytes(range(256)) * 4)
    assert [f.code for f in found] == ["SL000"]
    assert "NUL" in found[0].message


def test_nul_byte_position() -> None:
    with pytest.raises(SourceError) as info:
        decode(b"x = 1\ny = 2\x00\n")
    assert (info.value.line, info.value.column) == (2, 6)


def test_latin1_with_cookie_decodes() -> None:
    text = "# -*- coding: latin-1 -*-\nx = 'caf\xe9'\n"
    assert decode(text.encode("latin-1")) == text
    assert check(text.encode("latin-1")) == []


def test_invalid_utf8_is_sl000_at_the_byte() -> None:
    found = check(b"x = 1\ny = '\xff'\n")
    assert [(f.code, f.line, f.column) for f in found] == [("SL000", 2, 6)]
    assert "0xff" in found[0].message


def test_unknown_cookie() -> None:
    found = check(b"# -*- coding: klingon -*-\nx = 1\n")
    assert [f.code for f in found] == ["SL000"]
    assert "encoding" in found[0].message


def test_utf16_without_cookie_is_sl000() -> None:
    assert [f.code for f in check("x = 'h\u00e9'\n".encode("utf-16"))] == ["SL000"]


def test_bom() -> None:
    assert codes(b"\xef\xbb\xbf" + SWALLOW) == [("SL106", 4)]


def test_crlf() -> None:
    assert codes(SWALLOW.replace(b"\n", b"\r\n")) == [("SL106", 4)]


def test_empty_file_and_comments_only() -> None:
    assert check(b"") == []
    assert check(b"# only\n# comments\n") == []


def test_five_megabyte_file() -> None:
    # Mostly one literal: libcst's parse of 5 MB of statements alone takes about 35 s.
    data = b'BLOB = """' + b"x" * (5 * 1024 * 1024) + b'"""\n' + b"def f(a):\n    return a + 1\n" * 2000
    assert [(f.code, f.line) for f in check(data + SWALLOW)] == [("SL106", 4005)]


def test_500_levels_of_block_nesting_is_a_clean_result() -> None:
    src = "".join("    " * i + "if x:\n" for i in range(500)) + "    " * 500 + "pass\n"
    found = check(src.encode())
    assert [f.code for f in found] == ["SL000"]


def test_expression_nested_500_deep_is_checked() -> None:
    src = "x = " + "-" * 500 + "1\n"
    assert check(src.encode() + SWALLOW) != []


@pytest.mark.parametrize(
    "src",
    ["x = " + "(" * 10000 + "1" + ")" * 10000 + "\n", "x = " + "[" * 3000 + "]" * 3000 + "\n"],
    ids=["parens-10000", "lists-3000"],
)
def test_pathological_nesting_is_sl000_not_a_crash(src: str) -> None:
    found = check(src.encode())
    assert [f.code for f in found] == ["SL000"]
    assert "nested too deeply" in found[0].message


def test_parse_accepts_syntax_cpython_311_rejects_when_libcst_knows_it() -> None:
    # PEP 695 (3.12): CPython 3.11 rejects it, libcst parses it; either way no exception escapes.
    try:
        parse("type Alias = int\n")
    except SourceError:
        pass


def test_cpython_syntax_warnings_about_checked_code_are_not_printed(tmp_path: Path) -> None:
    """An invalid escape is a SyntaxWarning from CPython's parser on 3.12 and later."""
    import subprocess
    import sys

    source = 'x = "\\d+"\n'
    assert "\\d" in source
    p = subprocess.run(
        [sys.executable, "-m", "safelint", "check", "-"], cwd=tmp_path, capture_output=True, text=True, input=source
    )
    assert p.returncode == 0, p.stdout
    assert "Warning" not in p.stderr


def test_syntax_libcst_cannot_read_is_sl000_not_a_crash() -> None:
    """Template strings concatenated across a line break fail one of libcst's internal
    checks (CSTLogicError) instead of raising a syntax error."""
    with pytest.raises(SourceError):
        parse('a = t"{b};" \\\nt""\n')
    assert codes(b'a = t"{b};" \\\nt""\n') == [("SL000", 1)]


def test_a_string_annotation_libcst_cannot_read_is_unknown() -> None:
    source = b'def f(x: \'t"{b};" t""\') -> None:\n    print(x.y)\n'
    assert codes(source) == []
