"""--fix, --unsafe-fixes and --diff with a test-only rule that carries fixes."""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fix_rule import register

from safelint.cli import main
from safelint.fixes import apply_fixes
from safelint.results import Applicability, Edit, Finding, Fix, Severity
from safelint.rule import _REGISTRY

HERE = Path(__file__).resolve().parent
# CRLF line endings, a Latin-1 comment and odd spacing: bytes a fix must not disturb.
SOURCE = "# -*- coding: latin-1 -*-\r\n# caf\xe9\r\nif x  ==  None :\r\n    y = (a != None)\r\nz\t=\t1\r\n"


@pytest.fixture
def fix_rule() -> Iterator[None]:
    register()
    yield
    del _REGISTRY["SL197"]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fix_rule: None) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "m.py").write_bytes(SOURCE.encode("latin-1"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args: str) -> Any:
    return CliRunner().invoke(main, ["check", "--jobs", "1", "--select", "SL197", *args])


def test_fix_rewrites_only_the_fixed_bytes_and_rechecks_clean(project: Path) -> None:
    before = (project / "m.py").read_bytes()
    result = invoke("--fix", "--show-fixes")
    assert "Fixed 1 finding in 1 file." in result.stdout
    assert "m.py:3:4: SL197 use `is`" in result.stdout
    after = (project / "m.py").read_bytes()
    assert after == before.replace(b"x  ==  None", b"x  is  None")
    # What is left is the unsafe one, and the summary says how to apply it.
    assert result.exit_code == 1 and "m.py:4:10: SL197" in result.stdout
    assert "No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option)." in result.stdout
    result = invoke("--fix", "--unsafe-fixes")
    assert result.exit_code == 0, result.output
    assert (project / "m.py").read_bytes() == before.replace(b"x  ==  None", b"x  is  None").replace(
        b"a != None", b"a is not None"
    )
    assert invoke("--unsafe-fixes").exit_code == 0, "the fixed file re-checks clean"


def test_diff_prints_and_writes_nothing(project: Path) -> None:
    before = (project / "m.py").read_bytes()
    result = invoke("--diff", "--unsafe-fixes")
    assert result.exit_code == 1
    assert "--- a/m.py\n+++ b/m.py\n" in result.stdout
    assert "\n-if x  ==  None :" in result.stdout and "\n+if x  is  None :" in result.stdout
    assert "\n+    y = (a is not None)" in result.stdout
    assert (project / "m.py").read_bytes() == before
    assert "Would fix 2 findings in 1 file." in result.stderr


def test_a_fix_that_breaks_the_file_is_dropped(project: Path) -> None:
    (project / "e.py").write_text("ok = a == ...\nb = c == None\n")
    result = invoke("e.py", "--fix")
    assert (project / "e.py").read_text() == "ok = a == ...\nb = c is None\n"
    assert result.exit_code == 1 and "e.py:1:6: SL197" in result.stdout


def test_overlapping_fixes_are_applied_over_rounds(project: Path) -> None:
    (project / "n.py").write_text("v = (a == None) == None\n")
    result = invoke("n.py", "--fix")
    assert result.exit_code == 0, result.output
    assert (project / "n.py").read_text() == "v = (a is None) is None\n"
    assert "Fixed 2 findings" in result.stdout


def test_fix_refuses_standard_input(project: Path) -> None:
    assert invoke("-", "--fix").exit_code == 2


def edit_fix(line: int, column: int, end_line: int, end_column: int, content: str) -> Finding:
    fix = Fix("f", Applicability.SAFE, (Edit(line, column, end_line, end_column, content),))
    return Finding("SL197", "n", Severity.WARNING, "m", "p.py", line, column, end_line, end_column, fix=fix)


def test_apply_fixes_columns_are_characters_and_edits_can_span_lines() -> None:
    text = "s = 'é' + x\nt = [\n    1,\n]\n"
    fixed, applied = apply_fixes(text, [edit_fix(1, 11, 1, 12, "y"), edit_fix(2, 5, 4, 2, "[1]")])
    assert fixed == "s = 'é' + y\nt = [1]\n" and len(applied) == 2


def test_subprocess_fix(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "m.py").write_text("if x == None:\n    pass\n")
    launcher = (
        "import sys, fix_rule; fix_rule.register(); from safelint.cli import main; sys.argv[0] = 'safelint'; main()"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
    p = subprocess.run(
        [sys.executable, "-c", launcher, "check", "--select", "SL197", "--fix"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert p.returncode == 0, p.stdout + p.stderr
    assert (tmp_path / "m.py").read_text() == "if x is None:\n    pass\n"
    assert list(tmp_path.glob(".m.py.*")) == []


def test_lines_end_only_where_python_ends_them() -> None:
    from safelint.fixes import _offsets

    assert _offsets("a\x0cb\nc") == [0, 4, 5]
    assert _offsets("a\r\nb\rc\n") == [0, 3, 5, 7]


def test_fix_hints_only_in_text_output(project: Path) -> None:
    """What `--fix` could do is said in the text summary; a JSON run's stderr stays empty."""
    text = invoke()
    assert "[*] 1 fixable with the `--fix` option (1 hidden fix" in text.stdout
    machine = invoke("--format", "json")
    assert machine.exit_code == 1 and machine.stderr == ""
    assert json.loads(machine.stdout)
