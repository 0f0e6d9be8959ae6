"""A file over the size limit is reported without being read into memory or parsed, in either
pass (issue 18, defect 3): a generated file must not cost a CI runner its memory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from safelint.source import MAX_FILE_BYTES

# Runs safelint and prints the peak resident size (KiB) of it and every process it waited for.
_PEAK = """
import resource, subprocess, sys
with open(sys.argv[1], "wb") as out:
    subprocess.run(sys.argv[2:], stdout=out, stderr=subprocess.DEVNULL, check=False)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def peak_kib(cwd: Path, report: Path, *args: str) -> int:
    command = [sys.executable, "-c", _PEAK, str(report), sys.executable, "-m", "safelint", "check", *args]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=900, check=True)
    return int(done.stdout)


def test_a_skipped_file_does_not_raise_the_peak_memory_of_a_run(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "pkg").mkdir(parents=True)
    (project / ".git").mkdir()
    for n in range(20):
        (project / "pkg" / f"m{n}.py").write_text("def f(a):\n    return a + 1\n" * 200)
    small = peak_kib(tmp_path, tmp_path / "small.json", "project", "--format", "json", "--cache-dir", "c1")
    generated = b"def f(a):\n    return a + 1\n" * ((MAX_FILE_BYTES + 6 * 1024 * 1024) // 28)
    (project / "pkg" / "generated.py").write_bytes(generated)
    big = peak_kib(tmp_path, tmp_path / "big.json", "project", "--format", "json", "--cache-dir", "c2")
    (finding,) = json.loads((tmp_path / "big.json").read_text())
    assert finding["path"].endswith("generated.py") and "not analysed" in finding["message"]
    # Reading the skipped file even once would add its size (16 MiB); parsing it, gigabytes.
    assert big - small < len(generated) // 1024 // 2, (small, big)
