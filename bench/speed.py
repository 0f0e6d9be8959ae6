"""safelint's speed against libcst's own floor and against peers, on the same files, in one run.

    python bench/speed.py [--path DIR] [--jobs 2] [--runs 3] [--peers /path/to/venv/bin]

The floor is what libcst needs to parse the same files, and to parse and walk them with a
do-nothing ``CSTVisitor``, with the same number of processes. safelint is timed cold
(``--no-cache``), warm (a second run over an unchanged tree with the cache) and after one
file changed. Peers (pylint restricted to its closest checks, Fixit with its default rules,
flake8 with bugbear, ruff with its closest rules) run from a separate environment given by
``--peers``. Every figure is a median of ``--runs`` runs; peak RSS is the largest resident
set of any one process of the command (GNU time's %M). The ratios are to the parse+walk floor.
Wall time and CPU time (user + system, of the command and all its children) are both given:
on a machine other work shares, wall time moves with the load and CPU time much less, so
the CPU ratio is the one to compare across runs.
"""

from __future__ import annotations

import argparse
import ast
import os
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import libcst as cst


def source_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "site-packages" not in p.parts)


def _parse(path: str, walk: bool) -> int:
    try:
        module = cst.parse_module(Path(path).read_bytes())
        if walk:
            module.visit(cst.CSTVisitor())
    except (Exception, RecursionError):
        return 0
    return 1


def parseable(files: list[Path]) -> list[Path]:
    """Files libcst can be given without crashing the process (CPython's parser accepts their
    nesting); chosen once, outside the timed region, so the floor pays nothing for it."""
    kept = []
    for path in files:
        try:
            ast.parse(path.read_bytes())
        except SyntaxError as error:
            if "too many" in str(error.msg):
                continue
        except (RecursionError, MemoryError, ValueError):
            continue
        kept.append(path)
    return kept


def _parse_only(path: str) -> int:
    return _parse(path, False)


def _parse_walk(path: str) -> int:
    return _parse(path, True)


Timing = tuple[float, float, int]
"""Wall seconds, CPU seconds (user + system, children included) and peak RSS in KiB."""


def _cpu() -> float:
    """CPU time of this process and of every child it has waited for."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def floor(files: list[Path], jobs: int, walk: bool) -> Timing:
    """libcst alone; files libcst cannot parse (or that would crash it) are left out."""
    names = sorted((str(f) for f in files), key=lambda p: -os.path.getsize(p))
    start, cpu = time.perf_counter(), _cpu()
    worker = _parse_walk if walk else _parse_only
    if jobs == 1:
        for name in names:
            worker(name)
    else:
        with ProcessPoolExecutor(jobs) as pool:
            list(pool.map(worker, names, chunksize=1))
    return time.perf_counter() - start, _cpu() - cpu, 0


def timed(command: list[str], output: Path | None = None) -> Timing:
    """Wall time, CPU time and peak RSS (KiB, 0 without GNU time) of a command; exit codes are not judged."""
    gnu_time = "/usr/bin/time"
    with tempfile.NamedTemporaryFile("r") as rss, open(output or os.devnull, "wb") as out:
        wrapped = [gnu_time, "-f", "%M", "-o", rss.name, *command] if os.path.exists(gnu_time) else command
        start, cpu = time.perf_counter(), _cpu()
        subprocess.run(wrapped, stdout=out, stderr=subprocess.DEVNULL)
        elapsed, used = time.perf_counter() - start, _cpu() - cpu
        text = rss.read().strip().splitlines()
    return elapsed, used, int(text[-1]) if text and text[-1].isdigit() else 0


def median_of(runs: int, fn: object) -> Timing:
    results = [fn() for _ in range(runs)]  # type: ignore[operator]
    return (
        statistics.median(r[0] for r in results),
        statistics.median(r[1] for r in results),
        max(r[2] for r in results),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--path", type=Path, default=Path(sysconfig.get_paths()["stdlib"]))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--peers", type=Path, help="bin/ directory of a venv with pylint, fixit, flake8, ruff")
    parser.add_argument("--findings", type=Path, help="keep the JSON findings of the (last) cold run here")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="safelint-bench-"))
    tree = scratch / "tree"  # a copy, so the "one file changed" run never touches the original
    shutil.copytree(args.path, tree, ignore=shutil.ignore_patterns("site-packages", "__pycache__"), symlinks=True)
    args.path = tree
    files = source_files(args.path)
    lines = sum(p.read_bytes().count(b"\n") for p in files)
    jobs, runs = args.jobs, args.runs
    print(f"{args.path}: {len(files)} files, {lines} lines; jobs={jobs}; medians of {runs} runs")

    rows: list[tuple[str, float, float, int]] = []
    floor_files = parseable(files)
    parse = median_of(runs, lambda: floor(floor_files, jobs, walk=False))
    walk = median_of(runs, lambda: floor(floor_files, jobs, walk=True))
    rows += [("libcst parse", *parse), ("libcst parse + do-nothing visitor (floor)", *walk)]

    try:
        cache = scratch / "cache"
        base = [
            sys.executable,
            "-m",
            "safelint",
            "check",
            str(args.path),
            "--isolated",
            "--format",
            "json",
            "-j",
            str(jobs),
        ]
        rows.append(
            ("safelint cold (--no-cache)", *median_of(runs, lambda: timed([*base, "--no-cache"], args.findings)))
        )
        timed([*base, "--cache-dir", str(cache)])
        rows.append(
            ("safelint warm (nothing changed)", *median_of(runs, lambda: timed([*base, "--cache-dir", str(cache)])))
        )
        one = files[len(files) // 2]
        original = one.read_bytes()

        def after_one_change() -> Timing:
            one.write_bytes(original + b"\n# touched\n")
            try:
                return timed([*base, "--cache-dir", str(cache)])
            finally:
                one.write_bytes(original)

        rows.append(("safelint after one file changed", *median_of(runs, after_one_change)))
        single = files[0]
        rows.append(
            ("safelint check one_file.py", *median_of(runs, lambda: timed([*base[:4], str(single), "--no-cache"])))
        )
    finally:
        shutil.rmtree(scratch / "cache", ignore_errors=True)

    if args.peers:
        bin_ = args.peers
        path = str(args.path)
        peers = {
            "pylint (consider-using-with, expression-not-assigned, broad-exception-caught, bare-except)": [
                str(bin_ / "pylint"),
                "--disable=all",
                "--enable=consider-using-with,expression-not-assigned,broad-exception-caught,bare-except",
                f"-j{jobs}",
                "--recursive=y",
                path,
            ],
            "fixit (default rules)": [str(bin_ / "fixit"), "lint", path],
            "flake8 + bugbear (B, E722)": [str(bin_ / "flake8"), "--select=B,E722", f"-j{jobs}", path],
            "ruff (SIM115, B018, S110, BLE001, E722, PLW0133, RUF006)": [
                str(bin_ / "ruff"),
                "check",
                "--no-cache",
                "--isolated",
                "--select=SIM115,B018,S110,BLE001,E722,PLW0133,RUF006",
                path,
            ],
        }
        for label, command in peers.items():
            rows.append((label, *median_of(runs, lambda command=command: timed(command))))

    shutil.rmtree(scratch, ignore_errors=True)
    print(f"{'':<86} {'wall':>9} {'÷floor':>7} {'CPU':>9} {'÷floor':>7} {'peak RSS':>10}")
    for label, seconds, cpu, rss in rows:
        print(
            f"{label:<86} {seconds:>8.2f}s {seconds / walk[0]:>7.3f} {cpu:>8.2f}s {cpu / walk[1]:>7.3f} {rss / 1024:>8.0f}MB"
        )


if __name__ == "__main__":
    main()
