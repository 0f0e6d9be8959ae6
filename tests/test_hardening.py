"""No input makes safelint fall over, and nothing it checks is ever imported or run."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from safelint.config import Settings
from safelint.engine import Checker
from safelint.source import MAX_FILE_BYTES


def safelint(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "safelint", "check", *args, "--format", "json"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_checked_code_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "EXECUTED"
    evil = f"open({str(marker)!r}, 'w').write('x')\nimport os\nos.system('touch {marker}')\n"
    (tmp_path / "evil.py").write_text(evil)
    (tmp_path / "conftest.py").write_text(evil)
    (tmp_path / "setup.py").write_text(evil)
    (tmp_path / "__init__.py").write_text(evil)
    p = safelint(tmp_path, ".")
    assert p.returncode in (0, 1), p.stderr  # SL105 may report the dropped os.system result
    assert not marker.exists()


def test_adversarial_tree_gives_a_clear_result(tmp_path: Path) -> None:
    files = {
        "deep.py": b"x = " + b"(" * 10000 + b"1" + b")" * 10000 + b"\n",
        "longline.py": b"x = '" + b"a" * 1_000_000 + b"'\n",
        "nul.py": b"x = 1\x00\n",
        "badutf8.py": b"x = '\xff\xfe'\n",
        "badutf8_cookie.py": b"# -*- coding: utf-8 -*-\nx = '\xff'\n",
        "badcookie.py": b"# -*- coding: klingon -*-\nx = 1\n",
        "utf16.py": "x = 'h\u00e9'\n".encode("utf-16"),
        "empty.py": b"",
        "comments.py": b"# only\n# comments\n",
        "python2.py": b"print 'hello'\n",
        "tstring.py": b'a = t"{b};" \\\nt""\n',  # libcst's own check fails on it (CSTLogicError)
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "dir.py").mkdir()
    (tmp_path / "loop.py").symlink_to(tmp_path / "loop.py")
    weird = os.fsencode(str(tmp_path)) + b"/caf\xe9.py"
    with open(weird, "wb") as handle:
        handle.write(b"x = 1\n")
    p = safelint(tmp_path, ".")
    assert p.returncode == 1, p.stderr
    assert "Traceback" not in p.stderr
    found = {Path(f["path"]).name: f for f in json.loads(p.stdout)}
    for name in (
        "deep.py",
        "nul.py",
        "badutf8.py",
        "badutf8_cookie.py",
        "badcookie.py",
        "utf16.py",
        "python2.py",
        "tstring.py",
        "loop.py",
    ):
        assert found[name]["code"] == "SL000", name
    assert "nested too deeply" in found["deep.py"]["message"]
    for name in ("longline.py", "empty.py", "comments.py"):
        assert name not in found


def test_a_file_over_the_size_limit_is_sl000_without_parsing() -> None:
    data = b"x = 1\n" * (MAX_FILE_BYTES // 6 + 10)
    (finding,) = Checker(Settings(root=Path("."))).check_bytes(data, "big.py").findings
    assert finding.code == "SL000" and "MiB" in finding.message


def test_a_file_that_vanishes_during_the_run(tmp_path: Path) -> None:
    checker = Checker(Settings(root=tmp_path))
    (finding,) = checker.check_path(tmp_path / "gone.py", "gone.py").findings
    assert finding.code == "SL000" and "cannot read" in finding.message


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_unreadable_file_named_on_the_command_line_exits_2(tmp_path: Path) -> None:
    locked = tmp_path / "locked.py"
    locked.write_text("x = 1\n")
    locked.chmod(0)
    p = safelint(tmp_path, "locked.py")
    assert p.returncode == 2 and "permission denied" in p.stderr


def test_deep_nesting_on_stdin_for_an_indexed_file_is_sl000(tmp_path: Path) -> None:
    """The index pass parsed the file on disk, not the text on stdin: that text gets the guard."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "x.py").write_text("x = 1\n")
    deep = "y = " + "(" * 5000 + "1" + ")" * 5000 + "\n"
    p = subprocess.run(
        [sys.executable, "-m", "safelint", "check", "-", "--stdin-filename", "x.py", "--isolated", "--format", "json"],
        cwd=tmp_path,
        input=deep,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 1, p.stderr
    [finding] = json.loads(p.stdout)
    assert finding["code"] == "SL000" and "nested too deeply" in finding["message"]
