"""Where a single-process safelint run spends its time, by phase and by rule family.

Runs ``safelint check PATH --jobs 1 --no-cache --quiet`` in this process under pyinstrument,
a sampling profiler (one look at the Python stack every ``--interval`` seconds), then puts
every sample into exactly one phase of ``PHASES`` and prints seconds and shares per phase and
the functions with the most self time; ``--tree`` adds pyinstrument's own call-tree report.
Samples are taken in wall-clock time, so on a busy machine a phase's share is the figure to
trust; its seconds are that share of the process's CPU time.
safelint is imported only once the profiler runs, so imports are measured; what the
interpreter does before its first Python line is not (time ``python -c pass`` for that).

A sample belongs to the phase of its outermost *claiming* frame when it has one (an import,
the index pass, the knowledge table load, a typeshed stub read, configuration and discovery,
formatting); else to
the phase of its innermost safelint frame, so libcst's own frames count for whichever part of
safelint called them (the parse, positions, a walk) and the dataflow solver counts apart from
the transfer functions it calls (which count for their rule family).

``--load`` re-reads a session saved with ``--save`` (or by ``pyinstrument -r pyisession``);
``--py-spy`` reads ``py-spy record --format raw --full-filenames`` output instead: py-spy
samples from outside the process, so unlike pyinstrument's per-call hook it does not inflate
call-heavy Python code (see bench/profile.md).

    python bench/phases.py PATH [--interval 0.001] [--save FILE.pyisession] [--tree]
    python bench/phases.py --load FILE.pyisession [--tree]
    python bench/phases.py --py-spy FILE.txt --rate 200 [--cpu SECONDS]
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from pyinstrument import Profiler
from pyinstrument.frame_info import frame_info_get_identifier
from pyinstrument.renderers import ConsoleRenderer
from pyinstrument.session import Session

REPO = Path(__file__).resolve().parent.parent
Frame = tuple[str, str]  # function, file
Sample = tuple[list[Frame], float]  # the stack from the outermost frame, seconds

IMPORTS = "start-up and imports"
CONFIG = "configuration and discovery"
KNOWLEDGE = "knowledge table load"
STUBS = "typeshed stubs read on demand (knowledge)"
INDEX = "index pass (pass 1)"
PARSE = "read, decode, libcst parse"
WALK = "walk and dispatch"
NAMES = "qualified names and scopes"
CFG = "CFG builds"
DATAFLOW = "dataflow solver"
QUERIES = "knowledge and index queries"
SL0 = "SL0 rules"
TYPES = "type evaluator (analysis/types)"
SL1 = "SL1 rules + mustuse, deliberate, guarded, tasks"
SL2 = "SL2 rules + analysis/optional"
SL3 = "SL3 rules + analysis/threads"
SL4 = "SL4 rules + analysis/resources"
POSITIONS = "positions"
FINDINGS = "findings: report, resolve, suppressions, sort"
OUTPUT = "formatting and output"
OTHER = "other (driver; samples with no Python stack)"
PHASES = [
    IMPORTS,
    CONFIG,
    KNOWLEDGE,
    STUBS,
    INDEX,
    PARSE,
    WALK,
    NAMES,
    CFG,
    DATAFLOW,
    QUERIES,
    TYPES,
    SL0,
    SL1,
    SL2,
    SL3,
    SL4,
    POSITIONS,
    FINDINGS,
    OUTPUT,
    OTHER,
]

# (file relative to the repository, function or "*") -> phase, for frames that claim their whole subtree.
CLAIMING = {
    ("safelint/discovery.py", "discover"): CONFIG,
    ("safelint/project.py", "__call__"): CONFIG,
    ("safelint/runner.py", "index_project"): INDEX,
    ("safelint/project.py", "knowledge"): KNOWLEDGE,
    ("safelint/analysis/facts/knowledge/stubs.py", "read_stub"): STUBS,
    ("safelint/formatters/*", "*"): OUTPUT,
    ("safelint/output.py", "*"): OUTPUT,
}
# The innermost of these frames decides, when no claiming frame does; other frames are transparent.
OWNING = {
    ("safelint/source.py", "*"): PARSE,
    ("safelint/engine.py", "check_path"): PARSE,
    ("safelint/engine.py", "_run_rules"): WALK,
    ("safelint/engine.py", "visit"): WALK,
    ("safelint/engine.py", "_dispatch"): WALK,
    ("safelint/engine.py", "check_bytes"): FINDINGS,
    ("safelint/engine.py", "_suppression_findings"): FINDINGS,
    ("safelint/suppress.py", "*"): FINDINGS,
    ("safelint/context.py", "report"): FINDINGS,
    ("safelint/context.py", "resolve"): FINDINGS,
    ("safelint/context.py", "_related"): FINDINGS,
    ("safelint/context.py", "position"): POSITIONS,
    ("safelint/context.py", "_positions"): POSITIONS,
    ("safelint/context.py", "_statement_positions"): POSITIONS,
    ("safelint/context.py", "_line_offset"): POSITIONS,
    ("safelint/context.py", "_height"): POSITIONS,
    ("safelint/context.py", "_top_of"): POSITIONS,
    ("safelint/analysis/names/*", "*"): NAMES,
    ("safelint/analysis/syntax.py", "*"): NAMES,
    ("safelint/analysis/flow/cfg.py", "*"): CFG,
    ("safelint/analysis/flow/raising.py", "*"): CFG,
    ("safelint/analysis/flow/dataflow.py", "*"): DATAFLOW,
    ("safelint/analysis/types/*", "*"): TYPES,
    ("safelint/analysis/facts/*", "*"): QUERIES,
    ("safelint/analysis/facts/knowledge/*", "*"): QUERIES,
    ("safelint/analysis/facts/index/*", "*"): QUERIES,
    ("safelint/analysis/mustuse/*", "*"): SL1,
    ("safelint/analysis/deliberate.py", "*"): SL1,
    ("safelint/analysis/guarded.py", "*"): SL1,
    ("safelint/analysis/tasks/*", "*"): SL1,
    ("safelint/analysis/optional/*", "*"): SL2,
    ("safelint/analysis/threads/*", "*"): SL3,
    ("safelint/analysis/resources/*", "*"): SL4,
}
FAMILIES = {"SL0": SL0, "SL1": SL1, "SL2": SL2, "SL3": SL3, "SL4": SL4}


def rule_phases() -> dict[str, str]:
    """The phase of each rule module (``rules/<stem>.py``), from the code of the rule it holds."""
    from safelint.rule import all_rules

    return {f"rules/{Path(inspect.getfile(rule)).name}": FAMILIES[code[:3]] for code, rule in all_rules().items()}


def relative(file: str) -> str:
    try:
        return Path(file).resolve().relative_to(REPO).as_posix()
    except (ValueError, OSError):
        return file


def lookup(table: dict[tuple[str, str], str], file: str, function: str) -> str | None:
    folder = file.rpartition("/")[0] + "/*"
    for key in ((file, function), (file, "*"), (folder, function), (folder, "*")):
        if key in table:
            return table[key]
    return None


class Classifier:
    def __init__(self) -> None:
        self.owning = dict(OWNING)
        self.owning.update({(module, "*"): phase for module, phase in rule_phases().items()})
        self._files: dict[str, str] = {}

    def phase(self, stack: list[Frame]) -> str:
        if any(function == "_find_and_load" for function, _ in stack):
            return IMPORTS
        innermost = OTHER
        for function, file in stack:
            short = self._files.get(file)
            if short is None:
                short = self._files[file] = relative(file)
            claimed = lookup(CLAIMING, short, function)
            if claimed is not None:
                return claimed
            innermost = lookup(self.owning, short, function) or innermost
        return innermost


def pyinstrument_samples(session: Session) -> Iterator[Sample]:
    for stack, seconds in session.frame_records:
        frames = []
        for info in stack:
            parts = frame_info_get_identifier(info).split("\x00")
            frames.append((parts[0], parts[1] if len(parts) > 1 else ""))
        yield frames, seconds


PY_SPY_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>.*?)(?::\d+)?\)$")


def py_spy_samples(path: Path, rate: float) -> Iterator[Sample]:
    """``py-spy record --format raw`` lines: ``frame;frame;... count``, outermost first."""
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = []
        for frame in stack.split(";"):
            match = PY_SPY_FRAME.match(frame)
            # py-spy names methods Class.method; pyinstrument, and the tables above, method.
            frames.append((match["function"].rpartition(".")[2], match["file"]) if match else (frame, ""))
        yield frames, int(count) / rate


def report(samples: Iterable[Sample], cpu: float | None) -> str:
    """The phase table and the top functions; with ``cpu``, seconds are shares of that CPU time."""
    classifier = Classifier()
    phases: defaultdict[str, float] = defaultdict(float)
    leaves: defaultdict[Frame, float] = defaultdict(float)
    for stack, seconds in samples:
        phases[classifier.phase(stack)] += seconds
        if stack:
            leaves[stack[-1]] += seconds
    sampled = sum(phases.values())
    scale = (cpu if cpu is not None else sampled) / sampled
    unit = "CPU s" if cpu is not None else "wall s"
    lines = [f"{'phase':<50} {unit:>9} {'share':>7}"]
    lines += [f"{phase:<50} {phases[phase] * scale:9.2f} {phases[phase] / sampled:7.1%}" for phase in PHASES]
    lines += [f"{'total':<50} {sampled * scale:9.2f}", "", "top functions by self time:"]
    for (function, file), seconds in sorted(leaves.items(), key=lambda item: -item[1])[:25]:
        lines.append(f"  {seconds * scale:8.2f} {seconds / sampled:6.1%}  {function}  ({relative(file)})")
    return "\n".join(lines)


def profile(path: Path, interval: float) -> Session:
    """Profile one ``safelint check`` of ``path`` in this process, imports included."""
    profiler = Profiler(interval=interval)
    profiler.start()
    try:
        from safelint.cli import main as safelint

        with contextlib.suppress(SystemExit):  # safelint exits 1 when it finds something
            safelint(["check", str(path), "--jobs", "1", "--no-cache", "--quiet"], prog_name="safelint")
    finally:
        session = profiler.stop()
    return session


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("path", nargs="?", type=Path, help="the files or directory to check")
    source.add_argument("--load", type=Path, help="a saved pyinstrument session")
    source.add_argument("--py-spy", type=Path, help="py-spy raw output (--format raw --full-filenames)")
    parser.add_argument("--rate", type=float, default=100.0, help="py-spy's --rate (samples per second)")
    parser.add_argument("--cpu", type=float, help="with --py-spy: the run's CPU seconds (e.g. from GNU time)")
    parser.add_argument("--interval", type=float, default=0.001, help="seconds between samples")
    parser.add_argument("--save", type=Path, help="save the pyinstrument session here")
    parser.add_argument("--tree", action="store_true", help="also print pyinstrument's call tree")
    args = parser.parse_args()
    if args.py_spy is not None:
        print(report(py_spy_samples(args.py_spy, args.rate), args.cpu))
        return
    session = Session.load(args.load) if args.load is not None else profile(args.path, args.interval)
    if args.save is not None:
        session.save(args.save)
    if args.tree:
        print(ConsoleRenderer(unicode=True, color=False, show_all=False).render(session))
    print(f"wall {session.duration:.2f} s, CPU {session.cpu_time:.2f} s, {session.sample_count} samples")
    print(report(pyinstrument_samples(session), session.cpu_time))


if __name__ == "__main__":
    main()
