"""Cost of resolving every call's target in the CPython stdlib, relative to the libcst parse.

Usage: python bench/names_stdlib.py [--limit N] [--profile]

Per file: parse (libcst), collect every Call with its innermost enclosing scope (a plain
walk, standing in for the visit the engine does anyway), then ``Names.qualified_name`` on
each callee (what a receiver's type adds is the type evaluator's, timed by bench/speed.py). The resolution figure is what ``safelint.analysis.names.names`` adds on top of the parse.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import pathlib
import pstats
import sys
import sysconfig
import time

import libcst as cst

from safelint.analysis.names.names import SCOPE_TYPES, Names, Scope

_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields(tp: type) -> tuple[str, ...]:
    """Node fields minus whitespace ones (``CSTNode.children`` is slower than the parse)."""
    names = _FIELDS.get(tp)
    if names is None:
        names = _FIELDS[tp] = tuple(
            f.name
            for f in dataclasses.fields(tp)
            if not f.name.startswith(("whitespace", "leading_lines", "lpar", "rpar"))
        )
    return names


def _calls_with_scope(module: cst.Module) -> list[tuple[cst.Call, Scope]]:
    """Every Call and its innermost enclosing function/lambda/class/comprehension."""
    out: list[tuple[cst.Call, Scope]] = []
    stack: list[tuple[cst.CSTNode, Scope]] = [(module, None)]
    while stack:
        node, scope = stack.pop()
        if isinstance(node, cst.Call):
            out.append((node, scope))
        inner: Scope = node if isinstance(node, SCOPE_TYPES) else scope
        for field in _fields(type(node)):
            value = getattr(node, field)
            if isinstance(value, cst.CSTNode):
                stack.append((value, inner))
            elif isinstance(value, (tuple, list)):
                stack.extend((v, inner) for v in value if isinstance(v, cst.CSTNode))
    return out


def _module_name(path: pathlib.Path, root: pathlib.Path) -> tuple[str, bool]:
    parts = list(path.relative_to(root).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=0, help="only the first N files")
    parser.add_argument("--profile", action="store_true", help="profile the resolution")
    args = parser.parse_args()

    root = pathlib.Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in root.rglob("*.py") if "site-packages" not in p.parts)
    if args.limit:
        files = files[: args.limit]
    profiler = cProfile.Profile() if args.profile else None
    parse_s = walk_s = resolve_s = 0.0
    n_files = n_calls = n_resolved = n_failed = 0
    for path in files:
        source = path.read_bytes()
        t0 = time.perf_counter()
        try:
            module = cst.parse_module(source)
        except Exception:  # not valid for this libcst/Python: not our concern here
            n_failed += 1
            continue
        t1 = time.perf_counter()
        calls = _calls_with_scope(module)
        t2 = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        name, is_package = _module_name(path, root)
        names = Names(module, name, is_package=is_package)
        for call, scope in calls:
            if names.qualified_name(call.func, scope) is not None:
                n_resolved += 1
        if profiler is not None:
            profiler.disable()
        t3 = time.perf_counter()
        parse_s += t1 - t0
        walk_s += t2 - t1
        resolve_s += t3 - t2
        n_files += 1
        n_calls += len(calls)
    print(f"files: {n_files} parsed ({n_failed} not parseable by libcst)")
    print(f"calls: {n_calls}, target resolved: {n_resolved} ({n_resolved / max(n_calls, 1):.1%})")
    print(f"libcst parse:           {parse_s:8.2f} s")
    print(f"collect calls (walk):   {walk_s:8.2f} s  (caller's walk, not part of names)")
    print(f"resolve call targets:   {resolve_s:8.2f} s  = {resolve_s / parse_s:.1%} of parse")
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
