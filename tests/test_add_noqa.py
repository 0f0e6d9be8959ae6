"""``--add-noqa`` (``--add-suppressions``): a suppression where each finding is suppressed, the
comments there kept, the file never broken and only the lines changed (issue 18)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from safelint.cli import main
from safelint.suppress import scan, suppression_edits
from safelint.testing import check_source

BEFORE = '''import asyncio
import re


def f(g, text):
    try:
        g()
    except Exception:
        pass
    m = re.match("x", text).group(0)  # safelint: ignore[SL101] -- on purpose
    n = re.match("""x
y""", text).group(0)
    o = re.match("x",  # the pattern
        text).group(0)
    p = 1 + \\
        re.match("y", text).end()
    q = re.match("x", text).end()  # noqa: E501
    return m, n, o, p, q


async def tick() -> None:
    asyncio.sleep(0.1)  # noqa: SL401
'''
AFTER = '''import asyncio
import re


def f(g, text):
    try:
        g()
    except Exception:  # safelint: ignore[SL106]
        pass
    m = re.match("x", text).group(0)  # safelint: ignore[SL101, SL201] -- on purpose
    n = re.match("""x
y""", text).group(0)  # safelint: ignore[SL201]
    o = re.match("x",  # the pattern  # safelint: ignore[SL201]
        text).group(0)
    p = 1 + \\
        re.match("y", text).end()  # safelint: ignore[SL201]
    q = re.match("x", text).end()  # noqa: E501  # safelint: ignore[SL201]
    return m, n, o, p, q


async def tick() -> None:
    asyncio.sleep(0.1)  # noqa: SL401, SL102
'''


def safelint(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "safelint", "check", "--no-cache", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "m.py").write_text(BEFORE)
    (tmp_path / "clean.py").write_text("x = 1\n")
    (tmp_path / "broken.py").write_text("def f(:\n")
    return tmp_path


@pytest.mark.parametrize("option", ["--add-noqa", "--add-suppressions"])
def test_every_finding_gets_a_suppression_where_it_applies(project: Path, option: str) -> None:
    assert safelint(project, "--format", "concise").returncode == 1
    json_form = safelint(project, option, "--format", "json", "clean.py")
    assert (json_form.stdout, json_form.returncode) == ("", 0) and "Added" in json_form.stderr
    added = safelint(project, option, ".")
    assert added.returncode == 0, added.stderr
    assert added.stdout == "Added suppressions of 7 findings on 7 lines in 1 file.\n"
    assert (project / "m.py").read_text() == AFTER
    assert (project / "clean.py").read_text() == "x = 1\n" and (project / "broken.py").read_text() == "def f(:\n"
    after = safelint(project, "--format", "concise", "m.py", "--extend-select", "SL001")
    assert after.returncode == 1 and [line.split()[1] for line in after.stdout.splitlines()[:-1]] == ["SL001", "SL001"]
    again = safelint(project, option, ".")  # nothing left to suppress: nothing changes
    assert "of 0 findings on 0 lines in 0 files" in again.stdout and (project / "m.py").read_text() == AFTER


def test_bytes_not_edited_are_kept_encoding_and_line_endings(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    source = "# -*- coding: latin-1 -*-\r\n# caf\xe9\r\ndef f(g):\r\n    try:\r\n        g()\r\n    except Exception:\r\n        pass\r\n"
    (tmp_path / "l.py").write_bytes(source.encode("latin-1"))
    assert safelint(tmp_path, "--add-noqa").returncode == 0
    expected = source.replace("except Exception:", "except Exception:  # safelint: ignore[SL106]")
    assert (tmp_path / "l.py").read_bytes() == expected.encode("latin-1")


def test_only_the_findings_reported_are_suppressed(project: Path) -> None:
    assert safelint(project, "--add-noqa", "--select", "SL106").returncode == 0
    assert (project / "m.py").read_text() == BEFORE.replace(
        "except Exception:", "except Exception:  # safelint: ignore[SL106]"
    )


@pytest.mark.parametrize(
    "args",
    [
        ("--add-noqa", "--fix"),
        ("--add-noqa", "--diff"),
        ("--add-noqa", "--write-baseline", "b.json"),
        ("--add-noqa", "-"),
    ],
)
def test_add_noqa_is_refused_with_what_it_cannot_combine_with(
    project: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    monkeypatch.chdir(project)
    result = CliRunner().invoke(main, ["check", *args])
    assert result.exit_code == 2 and "--add-noqa" in result.output
    assert (project / "m.py").read_text() == BEFORE


def test_a_suppression_at_the_end_of_a_run_of_lines_applies_to_all_of_them() -> None:
    code = 'import re\n\n\ndef f(t):\n    return re.match("""x\ny""", t).group(0)  # safelint: ignore[SL201]\n'
    assert check_source(code) == []
    assert [f.code for f in check_source(code.replace("  # safelint: ignore[SL201]", ""))] == ["SL201"]
    comments = scan("x = 1 + \\\n    2  # a\ny = '''a\nb'''\nz = 3  # c \\\n")
    assert comments.continued == {1, 3} and comments.end_of_run(1) == 2 and comments.end_of_run(3) == 4
    nested = scan('a = f"""{b}\n{f"{c}"}\n"""  # safelint: ignore[SL201]\nd = 1\n')  # tokens of their own from 3.12
    assert nested.continued == {1, 2} and [(s.first_line, s.line) for s in nested.suppressions] == [(1, 3)]


def test_suppression_edits_leave_bare_suppressions_and_merge_into_ours() -> None:
    text = "a = 1  # safelint: ignore\nb = 2  # noqa\nc = 3  # safelint: ignore[SL2] -- why\n"
    edits = suppression_edits(text.split("\n"), scan(text), {1: {"SL101"}, 2: {"SL101"}, 3: {"SL101", "SL201"}})
    assert [(e.line, e.column, e.end_column, e.content) for e in edits] == [(3, 30, 30, ", SL101")]
