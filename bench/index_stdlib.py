"""Cost of building the project index for the CPython stdlib, against ``ast.parse`` alone.

Usage: python bench/index_stdlib.py [--limit N] [--jobs N] [--libcst]

Measures, on the same files: ``ast.parse`` alone (bytes already in memory),
``build_summary`` (parse + summary, in memory), ``build_index`` cold (read, hash,
summarise, write the cache) and warm (read, hash, load from the cache), and the digest.
``--libcst`` also times ``libcst.parse_module``, the floor of a full run, for the ratio
the index pass is held to (at most ~10 % of a run).
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import pathlib
import sys
import sysconfig
import tempfile
import time
import warnings

from safelint.analysis.facts.index.index import build_index, module_name_for
from safelint.analysis.facts.index.summarizer import build_summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=0, help="only the first N files")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes for build_index")
    parser.add_argument("--libcst", action="store_true", help="also time the libcst parse")
    args = parser.parse_args()

    root = pathlib.Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in root.rglob("*.py") if "site-packages" not in p.parts)
    if args.limit:
        files = files[: args.limit]
    sources = [p.read_bytes() for p in files]
    names = [module_name_for(p, root)[0] for p in files]

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path, source in zip(files, sources):
            try:
                ast.parse(source, filename=str(path))
            except (SyntaxError, ValueError):
                pass
    parse_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    summaries = [build_summary(p, s, n) for p, s, n in zip(files, sources, names)]
    summary_s = time.perf_counter() - t0
    unparsed = sum(not s.parsed for s in summaries)

    executor = concurrent.futures.ProcessPoolExecutor(args.jobs) if args.jobs > 1 else None
    map_fn = executor.map if executor is not None else map
    with tempfile.TemporaryDirectory() as cache:
        t0 = time.perf_counter()
        cold = build_index(files, root, cache_dir=cache, map_fn=map_fn)
        cold_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        warm = build_index(files, root, cache_dir=cache, map_fn=map_fn)
        warm_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    digest = warm.digest
    digest_s = time.perf_counter() - t0
    assert digest == cold.digest, "a warm index must equal the cold one"
    if executor is not None:
        executor.shutdown()

    n_functions = sum(len(s.functions) for s in summaries)
    n_classes = sum(len(s.classes) for s in summaries)
    print(
        f"files: {len(files)} ({unparsed} not parseable by this Python), "
        f"{n_functions} functions, {n_classes} classes, jobs={args.jobs}"
    )

    def row(label: str, seconds: float) -> None:
        print(f"{label:<38}{seconds:7.2f} s  = {seconds / parse_s:.2f}x ast.parse")

    print(f"{'ast.parse alone (in memory)':<38}{parse_s:7.2f} s")
    row("build_summary (parse + summary)", summary_s)
    row("build_index cold (read, write cache)", cold_s)
    row("build_index warm (from the cache)", warm_s)
    print(f"{'digest':<38}{digest_s:7.2f} s")
    if args.libcst:
        import libcst

        t0 = time.perf_counter()
        for source in sources:
            try:
                libcst.parse_module(source)
            except Exception:  # not valid for libcst: not our concern here
                pass
        libcst_s = time.perf_counter() - t0
        print(
            f"{'libcst parse (floor of a run)':<38}{libcst_s:7.2f} s; "
            f"cold index = {cold_s / libcst_s:.1%}, warm = {warm_s / libcst_s:.1%} of it"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
