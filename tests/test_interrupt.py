"""Stopping a run (issue 18, defect 4), through real processes: Ctrl-C stops it at once with exit
130, nothing on stdout and no worker left; a killed run's workers die with it."""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads the process table in /proc")


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state, ppid, pgrp, session, ...)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rpartition(")")[2].split()


def alive(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None and fields[1] == str(pid) and fields[0] != "Z":
                found.append(int(entry.name))
    return found


@pytest.fixture(scope="module")
def big_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough code that a run takes a minute on two workers: safelint's own, 24 times over."""
    root = tmp_path_factory.mktemp("big")
    (root / ".git").mkdir()
    for n in range(24):
        shutil.copytree(REPO / "safelint", root / f"copy{n}", ignore=shutil.ignore_patterns("__pycache__"))
    return root


def start(root: Path) -> subprocess.Popen[bytes]:
    """A run in a session of its own, as a shell job is: Ctrl-C goes to its whole group."""
    return subprocess.Popen(
        [sys.executable, "-m", "safelint", "check", ".", "--format", "json", "--no-cache", "--jobs", "2"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def busy_workers(run: subprocess.Popen[bytes]) -> list[int]:
    """The run's worker processes, once it has them (and has used them for a moment)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = children(run.pid)
        if len(found) >= 2:
            time.sleep(2)
            return children(run.pid)
        assert run.poll() is None, run.stderr.read() if run.stderr else ""
        time.sleep(0.05)
    raise AssertionError("the run never started its workers")


def eof_within(fd: int, seconds: float) -> bool:
    ready, _, _ = select.select([fd], [], [], seconds)
    return bool(ready) and os.read(fd, 1 << 16) == b""


@pytest.mark.parametrize("to", ["group", "main"], ids=["ctrl-c-at-a-terminal", "sigint-to-safelint-alone"])
def test_ctrl_c_stops_the_run_at_once_with_130_and_no_output(big_tree: Path, to: str) -> None:
    run = start(big_tree)
    workers = busy_workers(run)
    signalled = time.monotonic()
    if to == "group":
        os.killpg(run.pid, signal.SIGINT)
    else:
        os.kill(run.pid, signal.SIGINT)
    try:
        stdout, stderr = run.communicate(timeout=20)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    took = time.monotonic() - signalled
    assert run.returncode == 130, stderr.decode()
    assert stdout == b"", "nothing partial on a machine format's stdout"
    assert b"Traceback" not in stderr and b"interrupted" in stderr
    assert took < 10, f"stopped {took:.1f}s after Ctrl-C"  # the whole run takes over a minute
    assert not [pid for pid in workers if alive(pid)], "workers outlived the run"


def test_workers_die_with_a_killed_run_and_release_its_stdout(big_tree: Path) -> None:
    run = start(big_tree)
    workers = busy_workers(run)
    os.kill(run.pid, signal.SIGKILL)
    run.wait(10)
    try:
        assert run.stdout is not None and eof_within(run.stdout.fileno(), 10), (
            "a worker still holds the run's stdout open"
        )
        deadline = time.monotonic() + 10
        while [pid for pid in workers if alive(pid)] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [pid for pid in workers if alive(pid)], "workers outlived the killed run"
    finally:
        for pid in workers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
