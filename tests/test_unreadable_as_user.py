"""Unreadable files, checked by a process that really cannot read them, even when the tests run as root.

Root reads every file whatever its mode, so tests/test_cli.py and tests/test_hardening.py skip
their unreadable-file tests as root, which is how CI runs. Here, as root, safelint runs in a
subprocess that has given that power up: as the user ``nobody`` when ``nobody`` can run this
interpreter, else (an interpreter under a home directory only root may enter) as root without
the two capabilities that bypass file permissions, CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH,
dropped from the bounding set before exec. Not as root, safelint runs as the current user.
The tests skip only when the chosen process can still read a file of mode 0.
"""

import ctypes
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE = 1
CAP_DAC_READ_SEARCH = 2


def nobody() -> tuple[int, int]:
    try:
        entry = pwd.getpwnam("nobody")
    except KeyError:
        return 65534, 65534
    return entry.pw_uid, entry.pw_gid


def drop_file_permission_override() -> None:
    """Run in the child before exec: root keeps its uid but obeys file modes like anyone else."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def python(sandbox: Path, demotion: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    """Run this interpreter in ``sandbox/project``, with ``sandbox/home`` as its home and cache."""
    home = sandbox / "home"
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")}
    return subprocess.run(
        [sys.executable, *args],
        cwd=sandbox / "project",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        **demotion,
    )


def choose_demotion(sandbox: Path) -> dict[str, Any]:
    """The subprocess.run arguments that make the child unprivileged."""
    if os.geteuid() != 0:
        return {}
    uid, gid = nobody()
    as_nobody: dict[str, Any] = {"user": uid, "group": gid, "extra_groups": []}
    try:
        nobody_runs_safelint = python(sandbox, as_nobody, "-c", "import safelint").returncode == 0
    except PermissionError:  # nobody may not even execute the interpreter
        nobody_runs_safelint = False
    if nobody_runs_safelint:
        os.chown(sandbox / "home", uid, gid)
        return as_nobody
    return {"preexec_fn": drop_file_permission_override}


@pytest.fixture
def sandbox() -> Iterator[Path]:
    """A directory every user may enter (unlike pytest's tmp_path as root): ``home`` and ``project``."""
    top = Path(tempfile.mkdtemp(prefix="safelint-unreadable-"))
    try:
        top.chmod(0o755)
        for directory in (top / "home", top / "project", top / "project" / ".git"):
            directory.mkdir()
            directory.chmod(0o755)
        for name, text in {
            "clean.py": "def add(a: int, b: int) -> int:\n    return a + b\n",
            "locked.py": "x = 1\n",
        }.items():
            (top / "project" / name).write_text(text)
            (top / "project" / name).chmod(0o644)
        yield top
    finally:
        shutil.rmtree(top)


@pytest.fixture
def demotion(sandbox: Path) -> dict[str, Any]:
    """How to run safelint so that ``project/locked.py``, now of mode 0, cannot be read."""
    chosen = choose_demotion(sandbox)
    (sandbox / "project" / "locked.py").chmod(0)
    try:
        readable = python(sandbox, chosen, "-c", "open('locked.py').close()").returncode == 0
    except subprocess.SubprocessError:  # the capabilities could not be dropped
        readable = True
    if readable:
        pytest.skip("cannot make a file unreadable to the process that runs safelint")
    return chosen


def safelint(sandbox: Path, demotion: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    return python(sandbox, demotion, "-m", "safelint", "check", *args, "--no-cache", "--format", "json")


def test_unreadable_file_inside_a_directory_is_sl000(sandbox: Path, demotion: dict[str, Any]) -> None:
    p = safelint(sandbox, demotion, ".")
    assert p.returncode == 1, p.stderr
    (finding,) = json.loads(p.stdout)
    assert (finding["path"], finding["code"]) == ("locked.py", "SL000")
    assert "cannot read" in finding["message"]


def test_unreadable_file_named_on_the_command_line_exits_2(sandbox: Path, demotion: dict[str, Any]) -> None:
    p = safelint(sandbox, demotion, "locked.py")
    assert p.returncode == 2 and "permission denied" in p.stderr
    assert "Traceback" not in p.stderr
