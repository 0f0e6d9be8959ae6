"""A safelint killed while it writes leaves the old file or the whole new one, never half of either.

``--output-file`` and ``--fix`` write a temporary file beside the target (named
``.<name>.<random>.tmp``, see safelint/output.py), then rename it over the target. A real
``python -m safelint`` is killed with SIGKILL, which no ``finally`` survives, at spread moments
of that write; after each kill the target must hold the old bytes or the complete new ones, and
the only other file allowed beside it is that documented temporary (SIGKILL leaves it behind).

A kill at a random time would almost never land inside a write, so the kill is aimed at it: the
test watches the target's directory and, once anything there changes (the temporary appears, or
the target is truncated, replaced or grown), waits a chosen offset and kills. The written files
are made big without patching anything, so a write takes milliseconds rather than microseconds:
the report has a thousand findings in a file under ten directories with 250-character names
(every finding repeats the path), and the fixed file carries a 4 MB docstring. A direct
``open(path, "w")`` write is then caught truncated or half-written at the first offset.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

FINDINGS = 1000
# From the first change: inside the write of the temporary, around its fsync and rename, and after.
OFFSETS = (0.0, 0.002, 0.05)
# Polling this often leaves the CPU to safelint and still sees the milliseconds a big write takes.
POLL = 0.0002
PADDING = b'"""' + (b"x" * 99 + b"\n") * 40_000 + b'"""\n'
UNFIXED = PADDING + b"import asyncio\n\n\nasync def main():\n    asyncio.sleep(0)\n"
FIXED = PADDING + b"import asyncio\n\n\nasync def main():\n    await asyncio.sleep(0)\n"


def state(target: Path) -> tuple[list[str], tuple[int, int, int] | None]:
    """What a write changes: the names beside ``target``, and its inode, size and mtime."""
    try:
        st = target.stat()
    except FileNotFoundError:
        return sorted(os.listdir(target.parent)), None
    return sorted(os.listdir(target.parent)), (st.st_ino, st.st_size, st.st_mtime_ns)


def kill_while_writing(cwd: Path, target: Path, offset: float, *args: str) -> int:
    """Run safelint; ``offset`` seconds after ``target``'s directory first changes, SIGKILL it.

    Returns the exit status: ``-SIGKILL`` when the kill came before safelint finished."""
    before = state(target)
    process = subprocess.Popen(
        [sys.executable, "-m", "safelint", "check", "--jobs", "1", "--no-cache", *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while process.poll() is None and state(target) == before:
            time.sleep(POLL)
        time.sleep(offset)
        process.send_signal(signal.SIGKILL)
        return process.wait(timeout=60)
    finally:
        process.kill()
        process.wait()


def leftovers(target: Path, expected: set[str]) -> None:
    """Remove the documented temporaries beside ``target``; fail on any other new file."""
    found = sorted(set(os.listdir(target.parent)) - expected - {target.name})
    for name in found:
        assert name.startswith(f".{target.name}.") and name.endswith(".tmp"), f"stray file {name}"
        (target.parent / name).unlink()


def test_a_killed_run_leaves_the_old_report_or_the_whole_new_one(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    deep = tmp_path.joinpath(*(f"{level:02d}" * 125 for level in range(10)))
    deep.mkdir(parents=True)
    (deep / "m.py").write_text("import asyncio\n\n\nasync def main():\n" + "    asyncio.sleep(0)\n" * FINDINGS)
    (tmp_path / "out").mkdir()
    report = tmp_path / "out" / "report.json"
    old = b"[]\n"
    statuses = []
    for offset in OFFSETS:
        report.write_bytes(old)
        statuses.append(kill_while_writing(tmp_path, report, offset, "--format", "json", "--output-file", str(report)))
        data = report.read_bytes()
        if data != old:
            findings = json.loads(data)
            assert [(f["code"], f["line"]) for f in findings] == [("SL102", line) for line in range(5, 5 + FINDINGS)]
        leftovers(report, set())
    assert -signal.SIGKILL in statuses, "every run finished before the kill: nothing was tested"


def test_a_killed_fix_leaves_the_old_source_or_the_whole_fixed_one(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    source = tmp_path / "m.py"
    statuses = []
    for offset in OFFSETS:
        source.write_bytes(UNFIXED)
        statuses.append(kill_while_writing(tmp_path, source, offset, "--fix", "m.py"))
        assert source.read_bytes() in (UNFIXED, FIXED)
        leftovers(source, {".git"})
    assert -signal.SIGKILL in statuses, "every run finished before the kill: nothing was tested"
