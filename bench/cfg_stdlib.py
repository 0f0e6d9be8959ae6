"""Robustness and cost of the flow analyses on CPython's standard library (tests included).

For every ``.py`` file: parse it with libcst, build the CFG of the module and of every
nested scope (functions, classes, lambdas, comprehensions), and run None narrowing on each.
Reports files, scopes, functions, every exception raised (there must be none), and the time
of the parse alone against the time of CFG + narrowing on top of it, as medians of a few
runs. Files that ``ast.parse`` rejects for nesting depth are skipped before libcst sees them
(libcst's native parser can overflow the C stack on those); so are files libcst cannot parse,
and installed third-party packages (``site-packages``), which are not the standard library.

``--gc-freeze`` moves the parsed tree out of the garbage collector's reach before the
analysis (``gc.freeze()``), as an engine can: otherwise full collections triggered by the
analysis' allocations traverse the whole tree, and are charged to the analysis.

    python bench/cfg_stdlib.py [--runs 3] [--jobs 2] [--limit N] [--gc-freeze] [PATH ...]
"""

from __future__ import annotations

import argparse
import ast
import functools
import gc
import multiprocessing
import statistics
import sys
import sysconfig
import time
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from safelint.analysis.flow.cfg import build_cfg, dotted_name
from safelint.analysis.optional.narrowing import ModuleNarrowing, Nullness

# A stand-in for the knowledge base, so that MAYBE facts flow as they will with real rules.
_OPTIONAL_RESULTS = ("get", "match", "search", "fullmatch", "getenv", "find_spec", "getattr")


def _oracle(expr: cst.BaseExpression) -> Nullness | None:
    if isinstance(expr, cst.Call):
        name = dotted_name(expr.func)
        if name is not None and name.rpartition(".")[2] in _OPTIONAL_RESULTS:
            return Nullness.MAYBE
    return None


@dataclass
class FileResult:
    parse: float = 0.0  # seconds
    analysis: float = 0.0  # seconds: scope enumeration, CFGs and narrowing on the parsed tree
    scopes: int = 0
    functions: int = 0
    events: int = 0
    skipped: str | None = None
    error: str | None = None


def _check(path: str, freeze: bool = False) -> FileResult:
    """Parse, then analyse, one file; the times and counts, or why it was skipped or failed."""
    source = Path(path).read_bytes()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(source)
    except (RecursionError, MemoryError):
        return FileResult(skipped="too deep for ast.parse")
    except SyntaxError as error:
        if "too many" in str(error) or "nest" in str(error):
            return FileResult(skipped="too deep for ast.parse")
    except ValueError:  # null bytes
        return FileResult(skipped="rejected by ast.parse")
    start = time.perf_counter()
    try:
        module = cst.parse_module(source)
    except Exception:  # noqa: BLE001 - any libcst failure means "libcst cannot parse it"
        return FileResult(skipped="libcst cannot parse")
    result = FileResult(parse=time.perf_counter() - start)
    if freeze:
        gc.freeze()
    start = time.perf_counter()
    try:
        narrowing = ModuleNarrowing(module, _oracle, cfg_of=build_cfg)
        for scope in narrowing.scopes():
            analysed = narrowing.result(scope)
            result.scopes += 1
            result.functions += isinstance(scope, cst.FunctionDef)
            result.events += len(analysed.events)
    except Exception:  # noqa: BLE001 - the point is to report every crash
        return FileResult(error=traceback.format_exc())
    finally:
        gc.unfreeze()
    result.analysis = time.perf_counter() - start
    return result


def _files(roots: list[str]) -> list[str]:
    """The ``.py`` files under ``roots``; installed third-party packages are not the stdlib."""
    found: list[str] = []
    for root in roots:
        path = Path(root)
        if not path.is_dir():
            found.append(str(path))
            continue
        for file in sorted(path.rglob("*.py")):
            if not {"site-packages", "dist-packages"} & set(file.relative_to(path).parts):
                found.append(str(file))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=[sysconfig.get_paths()["stdlib"]])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0, help="only the first N files")
    parser.add_argument("--gc-freeze", action="store_true", help="gc.freeze() the tree after parsing")
    args = parser.parse_args()
    files = _files(args.paths)
    if args.limit:
        files = files[: args.limit]
    parse_times: list[float] = []
    analysis_times: list[float] = []
    results: list[FileResult] = []
    with multiprocessing.Pool(args.jobs) as pool:
        for run in range(args.runs):
            results = pool.map(functools.partial(_check, freeze=args.gc_freeze), files, chunksize=8)
            parse = sum(r.parse for r in results)
            analysis = sum(r.analysis for r in results)
            parse_times.append(parse)
            analysis_times.append(analysis)
            print(f"run {run + 1}: parse {parse:.1f}s, CFG + narrowing {analysis:.1f}s", file=sys.stderr)
    skipped: dict[str, int] = {}
    for r in results:
        if r.skipped is not None:
            skipped[r.skipped] = skipped.get(r.skipped, 0) + 1
    errors = [(f, r.error) for f, r in zip(files, results) if r.error is not None]
    analysed = [r for r in results if r.skipped is None and r.error is None]
    parse = statistics.median(parse_times)
    analysis = statistics.median(analysis_times)
    print(f"files: {len(files)} found, {len(analysed)} analysed, skipped: {skipped or 'none'}")
    print(
        f"scopes: {sum(r.scopes for r in analysed)} (functions: {sum(r.functions for r in analysed)}), "
        f"dereference events: {sum(r.events for r in analysed)}"
    )
    print(f"exceptions: {len(errors)}")
    for path, error in errors[:20]:
        print(f"--- {path}\n{error}")
    print(
        f"time (CPU seconds summed over files, median of {args.runs} runs): parse {parse:.1f}s; "
        f"parse + CFG + narrowing {parse + analysis:.1f}s (+{100 * analysis / max(parse, 1e-9):.0f}%)"
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
