"""``--output-file`` writes through what it names (issue 18, defect 2): a symlink's target is
replaced atomically and the link kept, a FIFO or a character device is streamed to, and any
other special file is refused; none is ever replaced by a regular file."""

from __future__ import annotations

import json
import os
import stat
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


def test_a_symlinked_report_is_written_through_to_its_target(tree: Path) -> None:
    (tree / "reports").mkdir()
    target = tree / "reports" / "report.json"
    target.write_text("old\n")
    (tree / "report.json").symlink_to(Path("reports") / "report.json")
    p = safelint(tree, "swallow.py", "--format", "json", "-o", "report.json")
    assert p.returncode == 1, p.stderr
    assert (tree / "report.json").is_symlink()
    assert json.loads(target.read_text())[0]["code"] == "SL106"


def test_a_dangling_symlink_report_creates_its_target(tree: Path) -> None:
    (tree / "report.json").symlink_to("made.json")
    p = safelint(tree, "swallow.py", "--format", "json", "-o", "report.json")
    assert p.returncode == 1, p.stderr
    assert (tree / "report.json").is_symlink() and json.loads((tree / "made.json").read_text())


def test_a_report_to_a_fifo_is_streamed_to_its_reader(tree: Path) -> None:
    fifo = tree / "report.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as handle:
            received.append(handle.read())

    reader = threading.Thread(target=read)
    reader.start()
    p = safelint(tree, "swallow.py", "--format", "json", "-o", str(fifo), timeout=60)
    reader.join(30)
    assert p.returncode == 1, p.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert json.loads(received[0])[0]["code"] == "SL106"


def _device(tmp_path: Path, name: str, minor: int) -> Path:
    """A character device: a node of our own as root (never /dev's own, which a broken
    version would replace), else the system's."""
    if os.geteuid() != 0:
        return Path("/dev") / name
    node = tmp_path / name
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    return node


def test_a_report_to_a_character_device_is_streamed(tree: Path) -> None:
    null = _device(tree, "null", 3)
    p = safelint(tree, "swallow.py", "--format", "json", "-o", str(null))
    assert p.returncode == 1, p.stderr
    assert stat.S_ISCHR(os.lstat(null).st_mode)


def test_a_full_device_is_an_error_and_stays_a_device(tree: Path) -> None:
    full = _device(tree, "full", 7)
    p = safelint(tree, "swallow.py", "--format", "json", "-o", str(full))
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert "No space left on device" in p.stderr or "Permission denied" in p.stderr  # a nodev tmp
    assert stat.S_ISCHR(os.lstat(full).st_mode)


def test_a_report_to_a_socket_is_refused(tree: Path) -> None:
    import socket

    where = tree / "report.sock"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(where))
        p = safelint(tree, "swallow.py", "--format", "json", "-o", str(where))
    assert p.returncode == 2 and "not a regular file, a FIFO or a character device" in p.stderr
    assert stat.S_ISSOCK(os.lstat(where).st_mode)
