"""A FIFO or a device named like a module (issue 18, defect 1): the walk skips it, a named one is
an error for that path alone, and no pass ever blocks reading one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

SWALLOW = "def f(g):\n    try:\n        g()\n    except Exception:\n        pass\n"


def safelint(cwd: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    return subprocess.run(
        [sys.executable, "-m", "safelint", "check", "--no-cache", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "swallow.py").write_text(SWALLOW)
    return tmp_path


def test_a_fifo_named_like_a_module_is_not_read_by_the_walk(tree: Path) -> None:
    os.mkfifo(tree / "x.py")
    p = safelint(tree, ".", "--format", "json", timeout=60)
    assert p.returncode == 1, p.stderr
    assert [(f["path"], f["code"]) for f in json.loads(p.stdout)] == [("swallow.py", "SL106")]


def test_a_fifo_named_on_the_command_line_is_an_error_for_that_path_only(tree: Path) -> None:
    os.mkfifo(tree / "x.py")
    p = safelint(tree, "x.py", "swallow.py", "--format", "json", timeout=60)
    assert p.returncode == 2
    assert "x.py: not a regular file" in p.stderr and "Traceback" not in p.stderr
    assert [(f["path"], f["code"]) for f in json.loads(p.stdout)] == [("swallow.py", "SL106")]


def test_a_module_replaced_by_a_fifo_after_discovery_is_not_waited_for(tmp_path: Path) -> None:
    from safelint.config import Settings
    from safelint.engine import Checker

    os.mkfifo(tmp_path / "late.py")
    results = []
    checking = threading.Thread(
        target=lambda: results.append(Checker(Settings(root=tmp_path)).check_path(tmp_path / "late.py", "late.py")),
        daemon=True,  # a version that blocks on the FIFO must fail this test, not hang the run
    )
    checking.start()
    checking.join(30)
    (finding,) = results[0].findings
    assert finding.code == "SL000" and "not a regular file" in finding.message
