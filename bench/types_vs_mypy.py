"""safelint's type evaluator against mypy, expression by expression, on typed real packages.

    python bench/types_vs_mypy.py [PACKAGE_DIR ...] [--corpus DIR] [--limit N] [--top N] [--json FILE]

Each PACKAGE_DIR is an importable package folder (``.../src/rich/rich``); by default the five
typed packages of the real-world corpus (``../shared/realworld/fetch.sh DEST`` unpacks them;
``--corpus DEST/src``, by default ``../realworld/src`` beside this repository). mypy checks
each package in-process, alone (what it imports from elsewhere is Any, as it is unknown to
safelint), and exports the type of every expression; safelint checks the same files with the
project index of that package and is asked ``ctx.types.type_of(expr, scope)`` about the
names, attributes, calls and subscripts mypy typed, joined by source range. ``--limit``
compares only the first N files of each package (mypy and the index still see them all).
See ``types_vs_mypy.md`` for what is compared and the figures.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from functools import cache
from pathlib import Path

from mypy import build
from mypy import nodes as mn
from mypy import types as mt
from mypy.errors import CompileError
from mypy.find_sources import create_source_list
from mypy.options import Options
from typejoin import (
    CST_KINDS,
    Figures,
    Group,
    Record,
    class_groups,
    join,
    mypy_expressions,
    none_groups,
    records,
    reexported_classes,
    source_lines,
)

from safelint.api import RunOptions, open_project
from safelint.config import Overrides
from safelint.context import ModuleContext
from safelint.project import SettingsResolver, knowledge
from safelint.source import SourceError, decode, parse

TYPED_PACKAGES = ("rich", "httpx", "httpcore", "anyio", "psycopg")


def mypy_options() -> Options:
    options = Options()
    options.export_types = True
    options.preserve_asts = True  # else mypy frees each module's tree once it is checked
    options.incremental = False  # a module read from a cache has no exported types
    options.cache_dir = os.devnull
    options.follow_imports = "silent"
    options.ignore_missing_imports = True
    options.check_untyped_defs = True  # unannotated functions are checked too, as safelint reads them
    options.python_version = sys.version_info[:2]
    if hasattr(options, "native_parser"):
        options.native_parser = False  # its columns are neither characters nor bytes past non-ASCII text
    return options


def run_mypy(folder: Path) -> tuple[dict[str, mn.MypyFile], dict[mn.Expression, mt.Type]]:
    """Every module mypy checked, by absolute path, and the type of every expression."""
    options = mypy_options()
    result = build.build(create_source_list([str(folder)], options), options)
    trees = {os.path.abspath(tree.path): tree for tree in result.files.values() if tree.path}
    return trees, result.types


@dataclasses.dataclass
class Outcome:
    name: str
    files: int
    records: list[Record]
    unjoined: Counter[str]
    """mypy's typed expressions (not excluded by mypy's side) with no partner in safelint's tree."""
    seconds: dict[str, float]
    reexported: dict[str, str]


def compare(folder: Path, limit: int | None) -> Outcome:
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    trees, types = run_mypy(folder)
    seconds["mypy"] = time.perf_counter() - start

    start = time.perf_counter()
    root = folder.parent
    project = open_project(root, SettingsResolver(root, Overrides(), isolated=True), RunOptions(use_cache=False))
    seconds["safelint index"] = time.perf_counter() - start

    files = sorted(folder.rglob("*.py"))[:limit]
    found: list[Record] = []
    unjoined: Counter[str] = Counter()
    seconds["safelint parse"] = seconds["join"] = seconds["safelint types"] = 0.0
    for path in files:
        tree = trees.get(str(path.absolute()))
        if tree is None:
            print(f"  {path}: not checked by mypy", file=sys.stderr)
            continue
        start = time.perf_counter()
        try:
            text = decode(path.read_bytes())
            module = parse(text)
        except SourceError as error:
            print(f"  {path}: {error.message}", file=sys.stderr)
            continue
        parsed = time.perf_counter()
        seconds["safelint parse"] += parsed - start
        ctx = ModuleContext(path.relative_to(root).as_posix(), text, module, project, path)
        typed, lines = mypy_expressions(tree, types), source_lines(text)
        pairs = join(ctx, lines, typed)
        unjoined.update(key[0] for key, (_, reason) in typed.items() if reason is None)
        middle = time.perf_counter()
        found.extend(records(ctx, ctx.path, lines, pairs))
        seconds["join"] += middle - parsed
        seconds["safelint types"] += time.perf_counter() - middle
    own = (tree for path, tree in trees.items() if Path(path).is_relative_to(folder))
    return Outcome(folder.name, len(files), found, unjoined, seconds, reexported_classes(own))


def common_spelling(reexported: dict[str, str]) -> Callable[[str], str]:
    """One spelling per class for both sides: a class of a checked package where it is
    defined, then the public name the knowledge base gives (``_io.TextIOWrapper`` and
    ``io.TextIOWrapper`` are both ``io.TextIOWrapper``), else the name as it is."""
    public = knowledge().public_name

    @cache
    def spelling(name: str) -> str:
        name = reexported.get(name, name)
        return public(name) or name

    return spelling


def percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def tables(rows: list[tuple[str, int, Figures]]) -> list[str]:
    out = [
        "| package | files | compared | mypy names a class | safelint names one | coverage | the same | agreement "
        "| of which respelt |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, files, f in rows:
        out.append(
            f"| {name} | {files} | {f.compared} | {f.class_named} | {f.class_covered} | {percent(f.class_coverage)} "
            f"| {f.class_agreed} | {percent(f.class_agreement)} | {f.class_respelt} |"
        )
    out += [
        "",
        "| package | mypy: may be None or not | safelint too | coverage | the same | agreement |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, _, f in rows:
        out.append(
            f"| {name} | {f.none_named} | {f.none_covered} | {percent(f.none_coverage)} | {f.none_agreed} "
            f"| {percent(f.none_agreement)} |"
        )
    return out


def kinds_table(every: list[Record], spelling: Callable[[str], str]) -> list[str]:
    out = ["| kind | compared | class coverage | class agreement | None coverage | None agreement |"]
    out.append("|---|---:|---:|---:|---:|---:|")
    for kind in CST_KINDS.values():
        f = Figures.of((r for r in every if r.kind == kind), spelling)
        out.append(
            f"| {kind} | {f.compared} | {percent(f.class_coverage)} | {percent(f.class_agreement)} "
            f"| {percent(f.none_coverage)} | {percent(f.none_agreement)} |"
        )
    return out


def groups_table(title: str, groups: list[Group], top: int) -> list[str]:
    out = [f"\n{title}\n", "| n | kind | mypy | safelint | example |", "|---:|---|---|---|---|"]
    for g in groups[:top]:
        e = g.example
        example = f"`{e.path}:{e.line}:{e.column + 1}` `{e.code}`".replace("|", "\\|")
        out.append(f"| {g.count} | {g.kind} | `{_short(g.mypy)}` | `{_short(g.safelint)}` | {example} |")
    return out


def _short(label: str) -> str:
    return (label if len(label) <= 70 else label[:69] + "…").replace("|", "\\|")


def main() -> None:
    began = time.perf_counter()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("packages", nargs="*", type=Path, metavar="PACKAGE_DIR")
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "realworld" / "src")
    parser.add_argument("--limit", type=int, help="compare only the first N files of each package")
    parser.add_argument("--top", type=int, default=12, help="how many groups of misses and disagreements to show")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write every joined expression to FILE")
    args = parser.parse_args()
    folders = args.packages or [args.corpus / name / name for name in TYPED_PACKAGES]
    outcomes: list[Outcome] = []
    for folder in folders:
        try:
            outcome = compare(folder.resolve(), args.limit)
        except CompileError as error:  # a blocking error: a syntax error, two modules of one name
            print(f"{folder}: mypy stopped: {'; '.join(error.messages[:3])}", file=sys.stderr)
            continue
        outcomes.append(outcome)
        timing = ", ".join(f"{what} {s:.1f} s" for what, s in outcome.seconds.items())
        print(f"{outcome.name}: {outcome.files} files, {len(outcome.records)} expressions joined; {timing}")
    every = [r for o in outcomes for r in o.records]
    spelling = common_spelling({k: v for o in outcomes for k, v in o.reexported.items()})
    rows = [(o.name, o.files, Figures.of(o.records, spelling)) for o in outcomes]
    rows.append(("total", sum(o.files for o in outcomes), Figures.of(every, spelling)))
    print()
    print("\n".join(tables(rows)))
    print()
    print("\n".join(kinds_table(every, spelling)))
    excluded = Counter(r.excluded for r in every if r.excluded)
    print("\nexcluded: " + ", ".join(f"{reason} {n}" for reason, n in excluded.most_common()))
    unjoined = sum((o.unjoined for o in outcomes), Counter[str]())
    print("typed by mypy, not found in safelint's tree: " + ", ".join(f"{k} {n}" for k, n in unjoined.most_common()))
    errors = [(r, r.safelint.text) for r in every if r.safelint is not None and r.safelint.text.startswith("error: ")]
    if errors:
        (first, text), n = errors[0], len(errors)
        print(f"the evaluator raised on {n} expressions, the first at {first.path}:{first.line}: {text}")
    classes, nones = class_groups(every, spelling), none_groups(every, spelling)
    top = args.top
    print("\n".join(groups_table("Largest class disagreements:", [g for g in classes if not g.miss], top)))
    print("\n".join(groups_table("Largest class misses:", [g for g in classes if g.miss], top)))
    print("\n".join(groups_table("Largest may-be-None disagreements:", [g for g in nones if not g.miss], top)))
    print("\n".join(groups_table("Largest may-be-None misses:", [g for g in nones if g.miss], top)))
    if args.json:
        ordered = sorted(every, key=lambda r: (r.path, r.line, r.column, r.kind))
        lines = (json.dumps(dataclasses.asdict(r), ensure_ascii=False) for r in ordered)
        args.json.write_text("[\n" + ",\n".join(lines) + "\n]\n")  # a record a line, to diff two runs
    total = {what: sum(o.seconds[what] for o in outcomes) for what in outcomes[0].seconds} if outcomes else {}
    print("\ntime: " + ", ".join(f"{what} {s:.1f} s" for what, s in total.items()), end="; ")
    print(f"in all {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
