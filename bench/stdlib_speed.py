"""safelint's speed on the CPython standard library, against libcst's own floor, in one run.

The floor is what libcst needs to parse the same files (and to parse and walk them with a
do-nothing ``CSTVisitor``) with the same number of processes. Usage:

    python bench/stdlib_speed.py [--jobs 1 2] [--runs 3] [--path DIR]

Prints wall-clock medians and the ratio of safelint to each floor.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import sysconfig
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import libcst as cst


def source_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "site-packages" not in p.parts)


def _parse(path: str, walk: bool) -> int:
    try:
        module = cst.parse_module(Path(path).read_bytes())
    except Exception:
        return 0
    if walk:
        module.visit(cst.CSTVisitor())
    return 1


def _parse_only(path: str) -> int:
    return _parse(path, False)


def _parse_walk(path: str) -> int:
    return _parse(path, True)


def floor(files: list[Path], jobs: int, walk: bool) -> float:
    names = sorted((str(f) for f in files), key=lambda p: -os.path.getsize(p))
    start = time.perf_counter()
    worker = _parse_walk if walk else _parse_only
    if jobs == 1:
        for name in names:
            worker(name)
    else:
        with ProcessPoolExecutor(jobs) as pool:
            list(pool.map(worker, names, chunksize=1))
    return time.perf_counter() - start


def safelint(root: Path, jobs: int) -> tuple[float, list[dict[str, object]]]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "safelint", "check", str(root), "--isolated", "--format", "json", "--jobs", str(jobs)],
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"safelint failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return elapsed, json.loads(proc.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--path", type=Path, default=Path(sysconfig.get_paths()["stdlib"]))
    args = parser.parse_args()
    files = source_files(args.path)
    lines = sum(p.read_bytes().count(b"\n") for p in files)
    print(f"{args.path}: {len(files)} files, {lines} lines; {args.runs} runs each, medians")
    print(f"{'jobs':>4} {'libcst parse':>13} {'parse+walk':>11} {'safelint':>9} {'÷parse':>7} {'÷parse+walk':>12}")
    findings: list[dict[str, object]] = []
    for jobs in args.jobs:
        parse_times, walk_times, lint_times = [], [], []
        for _ in range(args.runs):
            parse_times.append(floor(files, jobs, walk=False))
            walk_times.append(floor(files, jobs, walk=True))
            elapsed, findings = safelint(args.path, jobs)
            lint_times.append(elapsed)
        p, w, s = (statistics.median(t) for t in (parse_times, walk_times, lint_times))
        print(f"{jobs:>4} {p:>12.1f}s {w:>10.1f}s {s:>8.1f}s {s / p:>7.2f} {s / w:>12.2f}")
    counts: dict[str, int] = {}
    for finding in findings:
        code = str(finding["code"])
        counts[code] = counts.get(code, 0) + 1
    print("findings:", ", ".join(f"{c}: {n} ({n / lines * 1000:.2f}/kLOC)" for c, n in sorted(counts.items())))


if __name__ == "__main__":
    main()
