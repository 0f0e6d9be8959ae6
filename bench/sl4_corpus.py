"""SL4 on real code: findings per rule per thousand lines, a seeded random sample to judge,
and what ruff (SIM115) and pylint (consider-using-with) report on the same files.

    python bench/sl4_corpus.py [--sample 30] [--seed N] [--peers DIR] NAME=PATH ...

Each ``NAME=PATH`` is one corpus (a directory); ``stdlib`` alone means CPython's standard
library without its tests and ``site-packages``. ``--peers DIR`` is a ``pip install
--target`` directory holding ruff and pylint (they are run with ``PYTHONPATH=DIR``); without
it the comparison is skipped. Nothing here is imported from the checked code.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import subprocess
import sys
import sysconfig
from pathlib import Path

CODES = ("SL401", "SL402", "SL403", "SL404")
STDLIB_EXCLUDES = ("site-packages", "test", "tests", "idle_test", "__pycache__")


def python_files(root: Path, stdlib: bool) -> list[Path]:
    found: list[Path] = []
    for directory, dirs, files in os.walk(root):
        if stdlib:
            dirs[:] = [d for d in dirs if d not in STDLIB_EXCLUDES]
        found.extend(Path(directory, f) for f in files if f.endswith(".py"))
    return found


def lines_of(files: list[Path]) -> int:
    return sum(path.read_bytes().count(b"\n") for path in files)


def safelint(root: Path, stdlib: bool) -> list[dict[str, object]]:
    command = [sys.executable, "-m", "safelint", "check", str(root), "--isolated", "--select", "SL4"]
    command += ["--no-cache", "--format", "json", "--exit-zero"]
    if stdlib:
        for pattern in STDLIB_EXCLUDES[:-1]:
            command += ["--exclude", pattern]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    findings: list[dict[str, object]] = json.loads(out)
    return findings


def peers(root: Path, stdlib: bool, target: str) -> dict[str, set[tuple[str, int]]]:
    env = dict(os.environ, PYTHONPATH=target)
    excludes = ",".join(STDLIB_EXCLUDES[:-1]) if stdlib else ""
    ruff_command = [
        sys.executable,
        "-m",
        "ruff",
        "check",
        "--isolated",
        "--select",
        "SIM115",
        "--output-format",
        "json",
    ]
    if excludes:
        ruff_command += ["--exclude", excludes]
    ruff_out = subprocess.run([*ruff_command, str(root)], capture_output=True, text=True, env=env, check=False).stdout
    ruff = {(os.path.realpath(f["filename"]), f["location"]["row"]) for f in json.loads(ruff_out or "[]")}
    pylint_command = [sys.executable, "-m", "pylint", "--disable=all", "--enable=consider-using-with"]
    pylint_command += ["--output-format=json", "--recursive=y", "-j", "2"]
    if excludes:
        pylint_command += [f"--ignore={excludes}"]
    pylint_out = subprocess.run(
        [*pylint_command, str(root)], capture_output=True, text=True, env=env, check=False
    ).stdout
    pylint = {
        (os.path.realpath(f["path"]), f["line"])
        for f in json.loads(pylint_out or "[]")
        if f["symbol"] == "consider-using-with"
    }
    return {"ruff SIM115": ruff, "pylint consider-using-with": pylint}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpora", nargs="+", metavar="NAME=PATH")
    parser.add_argument("--sample", type=int, default=30)
    parser.add_argument("--seed", type=int, default=20240604)
    parser.add_argument("--peers", metavar="DIR")
    args = parser.parse_args()
    every: list[dict[str, object]] = []
    theirs: dict[str, set[tuple[str, int]]] = collections.defaultdict(set)
    total_lines = 0
    totals: collections.Counter[str] = collections.Counter()
    for spec in args.corpora:
        name, _, path = spec.partition("=")
        stdlib = name == "stdlib" and not path
        root = Path(path) if path else Path(sysconfig.get_paths()["stdlib"])
        files = python_files(root, stdlib)
        lines = lines_of(files)
        findings = safelint(root, stdlib)
        counts = collections.Counter(str(f["code"]) for f in findings)
        totals += counts
        total_lines += lines
        per = ", ".join(f"{code} {counts[code]} ({1000 * counts[code] / lines:.3f}/kLOC)" for code in CODES)
        print(f"{name}: {len(files)} files, {lines} lines: {per}")
        for finding in findings:
            finding["corpus"] = name
        every.extend(findings)
        if args.peers:
            for tool, found in peers(root, stdlib, args.peers).items():
                theirs[tool] |= found
    per = ", ".join(f"{code} {totals[code]} ({1000 * totals[code] / max(total_lines, 1):.3f}/kLOC)" for code in CODES)
    print(f"all: {total_lines} lines: {per}")
    ours = {(os.path.realpath(str(f["path"])), int(str(f["line"]))) for f in every}
    for tool, found in theirs.items():
        print(
            f"{tool}: {len(found)}; both: {len(found & ours)}; only {tool}: {len(found - ours)}; only safelint: {len(ours - found)}"
        )
    rng = random.Random(args.seed)
    picked = sorted(rng.sample(range(len(every)), min(args.sample, len(every))))
    print(f"\nsample of {len(picked)} (seed {args.seed}):")
    for i in picked:
        f = every[i]
        print(f"  {f['corpus']}: {f['path']}:{f['line']} {f['code']} {f['message']}")


if __name__ == "__main__":
    main()
