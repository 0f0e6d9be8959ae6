"""safelint on the peers' own test cases: the fixtures that define ruff's, pylint's and mypy's
rules closest to ours, which nobody on our side wrote.

    python bench/peer_fixtures.py [--work DIR] [--ruff-source DIR] [--python PY] [--markdown FILE]

pylint and mypy ship their fixtures in their source distributions; the pinned ones are
downloaded from PyPI with ``pip download`` into ``--work`` (default ``/tmp/peer-fixtures``,
outside the repository: they are the peers' code). ruff's source distributions do not hold
``crates/ruff_linter/resources/test/fixtures`` (checked for 0.14.13 and 0.17.6), so its seven
files are read from a checkout of astral-sh/ruff named by ``--ruff-source``, and its expected
sites are what the pinned ruff (a dev dependency) reports on them. Without the checkout the
ruff rows are skipped. Every fixture is copied to ``DIR/run`` (no folder named ``tests``) and
checked there with every rule and every option that widens a rule on (``EVERYTHING_ON``).

pylint's expected sites are its ``.txt`` files; mypy's are the ``# E:`` comments and ``[out]``
lines of each ``[case]``, whose main module (and ``[file]`` modules) become one directory.
Only mypy's errors that are ours count as sites: a maybe-None value used (called, an
attribute read, an operand, a result of a function that returns nothing) and a coroutine or
awaitable left unused. Its type-contract errors (an ``int | None`` passed where ``int`` is
declared, an incompatible assignment) are not bug sites of ours and are left out.

pyright ships no sdist. Its three fixtures are described here and written as our own cases in
``PYRIGHT_CASES``: ``optional1.py`` (member access, subscript, iteration, call, ``with`` and
operands on an ``X | None``, each also after a narrowing check), ``optional2.py`` (an ordering
comparison whose other operand's reflected method accepts None is fine) and
``unusedCoroutine1.py`` (a coroutine call as a statement; assigning it to ``_`` or awaiting
it is fine).

The judgement of each miss that is style only, and of each safelint finding the peer does not
expect, is ``bench/peer_fixtures_verdicts.toml``; an unjudged miss counts as real.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

HERE = Path(__file__).parent
VERDICTS = HERE / "peer_fixtures_verdicts.toml"
KEPT_SECTION = "## On real code"

SDISTS = {
    "pylint": ("4.1.5", "e6f1b42eefe7ac926ea0eb50f9528466610e6d77144a3e32357b992aa1adc6d5"),
    "mypy": ("2.4.1", "63b590965691e540a335fa74dadf31a7069142f6b72e234689bbd244edf55623"),
}
RUFF_FIXTURES = "crates/ruff_linter/resources/test/fixtures"
RUFF = {
    "ruff/RUF006.py": ("RUF006", "SL1"),
    "flake8_bandit/S110.py": ("S110", "SL1"),
    "flake8_bandit/S112.py": ("S112", "SL1"),
    "flake8_blind_except/BLE.py": ("BLE001", "SL1"),
    "flake8_simplify/SIM115.py": ("SIM115", "SL4"),
    "pylint/subprocess_run_without_check.py": ("PLW1510", "SL1"),
    "flake8_async/ASYNC105.py": ("ASYNC105", "SL1"),
}
PYLINT_FUNCTIONAL = "tests/functional"
PYLINT = {
    "c/consider/consider_using_with.py": "SL4",
    "c/consider/consider_using_with_open.py": "SL4",
    "b/bare_except.py": "SL1",
    "b/broad_exception/broad_exception_caught.py": "SL1",
    "b/broad_exception/broad_exception_caught_trystar.py": "SL1",
    "s/subprocess_run_check.py": "SL1",
}
PYLINT_SYMBOLS = {"consider-using-with", "bare-except", "broad-exception-caught", "subprocess-run-check"}
MYPY = ("check-optional.test", "check-async-await.test")
# mypy's messages for the bugs our families report; everything else is a type contract.
MYPY_OURS = (
    (re.compile(r"unused-(coroutine|awaitable)"), "SL1"),
    (re.compile(r'"None" (not callable|has no attribute)'), "SL2"),
    (re.compile(r'Item "None" of .* has no attribute'), "SL2"),
    (re.compile(r'operand type for .* \("None"\)|operand types for .*"None"'), "SL2"),
    (re.compile(r"does not return a value"), "SL2"),
)

PYRIGHT_CASES = {
    "optional1.py": """\
class Box:
    value: int = 0

    def __enter__(self) -> "Box":
        return self

    def __exit__(self, *args: object) -> None:
        pass


def member(b: Box | None) -> int:
    if b is not None:
        b.value
    return b.value  # expect: SL2


def subscript(items: list[int] | None) -> int:
    if items:
        return items[0]
    return items[1]  # expect: SL2


def iterate(items: list[int] | None) -> None:
    for i in items:  # expect: SL2
        print(i)


def call(cb: "type[Box] | None") -> Box:
    return cb()  # expect: SL2


def manage(b: Box | None) -> None:
    with b:  # expect: SL2
        pass


def operand(n: int | None) -> int:
    if n is not None:
        return n + 1
    return n + 1  # expect: SL2
""",
    "optional2.py": """\
class Accepts:
    def __gt__(self, other: object) -> bool:
        return True

    def __lt__(self, other: object) -> bool:
        return True


def compare(x: Accepts, n: int | None) -> int:
    if n < x:
        print("below")
    return n + 1  # expect: SL2
""",
    "unusedCoroutine1.py": """\
import asyncio


async def work() -> int:
    return 1


async def caller() -> None:
    work()  # expect: SL1
    _ = work()
    await work()
    x = [work()]
    await asyncio.gather(*x)
    asyncio.sleep(1)  # expect: SL1
""",
}


@dataclass
class Fixture:
    """One peer file: where it runs, the peer's expected sites and their family."""

    peer: str
    name: str
    path: Path
    expected: dict[int, str] = field(default_factory=dict)
    out_of_scope: int = 0


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def download(work: Path) -> dict[str, Path]:
    """Each pinned sdist, downloaded once and unpacked; its hash checked."""
    roots: dict[str, Path] = {}
    sdists = work / "sdist"
    sdists.mkdir(parents=True, exist_ok=True)
    for name, (version, digest) in SDISTS.items():
        archive = sdists / f"{name}-{version}.tar.gz"
        if not archive.exists():
            command = [sys.executable, "-m", "pip", "download", "-q", "--no-deps"]
            command += ["--no-binary", name, f"{name}=={version}", "-d", str(sdists)]
            subprocess.run(command, check=True)
        if sha256(archive) != digest:
            raise SystemExit(f"{archive}: sha256 differs from the pinned {digest}")
        root = sdists / f"{name}-{version}"
        if not root.exists():
            with tarfile.open(archive) as tar:
                tar.extractall(sdists, filter="data")
        roots[name] = root
    return roots


def ruff_fixtures(source: Path, run: Path) -> list[Fixture]:
    fixtures: list[Fixture] = []
    for rel, (code, family) in RUFF.items():
        target = run / "ruff" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / RUFF_FIXTURES / rel, target)
        command = [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", "--preview"]
        command += ["--select", code, "--output-format", "json", "--exit-zero", str(target)]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        fixture = Fixture("ruff", f"{code} {rel}", target)
        for site in json.loads(out):
            fixture.expected[int(site["location"]["row"])] = family
        fixtures.append(fixture)
    return fixtures


def pylint_fixtures(root: Path, run: Path) -> list[Fixture]:
    fixtures: list[Fixture] = []
    for rel, family in PYLINT.items():
        source = root / PYLINT_FUNCTIONAL / rel
        target = run / "pylint" / Path(rel).name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        fixture = Fixture("pylint", Path(rel).stem, target)
        for row in source.with_suffix(".txt").read_text().splitlines():
            symbol, line = row.split(":")[:2]
            if symbol in PYLINT_SYMBOLS:
                fixture.expected[int(line)] = family
        fixtures.append(fixture)
    return fixtures


def mypy_cases(text: str) -> dict[str, dict[str, str]]:
    """Each ``[case]`` as its modules (``main`` and each ``[file]``) and its ``[out]``."""
    cases: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    section = ""
    for line in text.splitlines():
        header = re.match(r"^\[([a-z]+)\s*([^\]]*)\]\s*$", line)
        if header:
            kind, arg = header.groups()
            if kind == "case":
                current = cases[arg] = {"main": []}
                section = "main"
            elif kind in ("file", "out"):
                section = arg if kind == "file" else "[out]"
                current[section] = []
            else:
                section = ""
            continue
        if section in current:
            current[section].append(line)
    return {name: {part: "\n".join(lines) + "\n" for part, lines in modules.items()} for name, modules in cases.items()}


def mypy_family(message: str) -> str | None:
    for pattern, family in MYPY_OURS:
        if pattern.search(message):
            return family
    return None


def _marked_errors(text: str) -> list[tuple[int, str]]:
    """The ``# E:`` comments of a case's main module, by line; a comment-only line after a
    line ending in a backslash continues that line's comments."""
    errors: list[tuple[int, str]] = []
    owner = 0
    continued = False
    for number, line in enumerate(text.splitlines(), 1):
        if not (continued and line.lstrip().startswith("#")):
            owner = number
        continued = line.rstrip().endswith("\\")
        errors.extend((owner, m) for m in re.findall(r"# E: (.*?)(?=\s*# [EN]:|\s*\\?$)", line))
    return errors


def mypy_fixtures(root: Path, run: Path) -> list[Fixture]:
    fixtures: list[Fixture] = []
    for test in MYPY:
        cases = mypy_cases((root / "test-data" / "unit" / test).read_text())
        for name, modules in cases.items():
            if name.endswith("-skip") or "--no-strict-optional" in modules["main"]:
                continue
            directory = run / "mypy" / Path(test).stem / name
            directory.mkdir(parents=True, exist_ok=True)
            for part, text in modules.items():
                if part == "[out]" or not part.endswith(".py") and part != "main":
                    continue
                (directory / ("main.py" if part == "main" else part)).parent.mkdir(parents=True, exist_ok=True)
                (directory / ("main.py" if part == "main" else part)).write_text(text)
            fixture = Fixture("mypy", f"{Path(test).stem}::{name}", directory / "main.py")
            messages = _marked_errors(modules["main"])
            for row in modules.get("[out]", "").splitlines():
                match = re.match(r"main:(\d+): error: (.*)", row)
                if match:
                    messages.append((int(match.group(1)), match.group(2)))
            lines = modules["main"].splitlines()
            for number, message in messages:
                family = mypy_family(message)
                if family is None or "reveal_type(" in lines[number - 1]:
                    fixture.out_of_scope += 1
                else:
                    fixture.expected[number] = family
            fixtures.append(fixture)
    return fixtures


def pyright_fixtures(run: Path) -> list[Fixture]:
    fixtures: list[Fixture] = []
    for name, text in PYRIGHT_CASES.items():
        target = run / "pyright" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        fixture = Fixture("pyright (ours)", name, target)
        for number, line in enumerate(text.splitlines(), 1):
            marker = re.search(r"# expect: (SL\d)", line)
            if marker:
                fixture.expected[number] = marker.group(1)
        fixtures.append(fixture)
    return fixtures


EVERYTHING_ON = """\
select = ["SL1", "SL2", "SL3", "SL4", "SL105", "SL108"]

[rules.SL2]
declared-optionals = true

[rules.SL106]
bare-except = true
"""
"""What the peers' fixtures measure is what the rules can find: every rule and every option that
widens what they report is on, the ones off by default included."""


def safelint(run: Path, python: str | None) -> dict[Path, dict[int, list[str]]]:
    config = run.parent / "safelint-everything.toml"
    config.write_text(EVERYTHING_ON, encoding="utf-8")
    command = [sys.executable, "-m", "safelint", "check", str(run), "--config", str(config)]
    command += ["--no-cache", "--format", "json", "--exit-zero"]
    if python:
        command += ["--python", python]
    out = subprocess.run(command, capture_output=True, text=True, check=True, cwd=run).stdout
    found: dict[Path, dict[int, list[str]]] = collections.defaultdict(lambda: collections.defaultdict(list))
    for finding in json.loads(out):
        path = Path(finding["path"])
        found[(run / path).resolve() if not path.is_absolute() else path][int(finding["line"])].append(
            str(finding["code"])
        )
    return found


@dataclass
class Row:
    fixture: Fixture
    found: list[int]
    missed: list[tuple[int, str]]
    extra: list[tuple[int, str, str]]


def compare(fixtures: list[Fixture], found: dict[Path, dict[int, list[str]]], verdicts: dict[str, object]) -> list[Row]:
    misses: dict[str, str] = verdicts.get("style", {})  # type: ignore[assignment]
    extras: dict[str, str] = verdicts.get("extra", {})  # type: ignore[assignment]
    rows: list[Row] = []
    for fixture in fixtures:
        lines = found.get(fixture.path.resolve(), {})
        row = Row(fixture, [], [], [])
        for line, family in sorted(fixture.expected.items()):
            if any(code.startswith(family) for code in lines.get(line, [])):
                row.found.append(line)
            else:
                row.missed.append((line, misses.get(f"{fixture.name}:{line}", "")))
        for line, codes in sorted(lines.items()):
            if line not in fixture.expected or not any(code.startswith(fixture.expected[line]) for code in codes):
                for code in codes:
                    verdict = extras.get(f"{fixture.name}:{line}:{code}", "UNJUDGED")
                    row.extra.append((line, code, verdict))
        rows.append(row)
    return rows


def report(rows: list[Row]) -> str:
    out = [
        "| peer | fixture | expected | found | missed (real) | style only | extra: REAL / DEBATABLE / FALSE / unjudged |"
    ]
    out.append("|---|---|---|---|---|---|---|")
    totals = collections.Counter[str]()
    details: list[str] = []
    for row in rows:
        if not row.fixture.expected and not row.extra:
            continue
        style = [line for line, why in row.missed if why]
        real = [line for line, why in row.missed if not why]
        kinds = collections.Counter(verdict.split(" ")[0] for _, _, verdict in row.extra)
        out.append(
            f"| {row.fixture.peer} | {row.fixture.name} | {len(row.fixture.expected)} | "
            f"{len(row.found)} | {len(real)} {real or ''} | {len(style)} | "
            f"{kinds['REAL']} / {kinds['DEBATABLE']} / {kinds['FALSE']} / {kinds['UNJUDGED']} |"
        )
        totals.update(
            expected=len(row.fixture.expected),
            found=len(row.found),
            real_missed=len(real),
            style=len(style),
            **{f"extra_{kind}": count for kind, count in kinds.items()},
        )
        for line, why in row.missed:
            if why:
                details.append(f"- {row.fixture.name}:{line} missed, style only: {why}")
        for line, code, verdict in row.extra:
            details.append(f"- {row.fixture.name}:{line} {code}: {verdict}")
    real_sites = totals["expected"] - totals["style"]
    summary = (
        f"\nReal sites {real_sites} (of {totals['expected']} expected, {totals['style']} style only); "
        f"found {totals['found']}, real misses {totals['real_missed']}; safelint's extra findings: "
        f"{totals['extra_REAL']} REAL, {totals['extra_DEBATABLE']} DEBATABLE, "
        f"{totals['extra_FALSE']} FALSE, {totals['extra_UNJUDGED']} unjudged.\n"
    )
    return "\n".join(out) + "\n" + summary + "\n" + "\n".join(details) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--work", type=Path, default=Path("/tmp/peer-fixtures"))
    parser.add_argument("--ruff-source", type=Path, help="a checkout of astral-sh/ruff")
    parser.add_argument("--python", help="the interpreter whose packages the checked code sees")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    work: Path = args.work.resolve()
    if Path.cwd().resolve() in work.parents or "tests" in work.parts:
        raise SystemExit("--work must be outside the repository and outside any 'tests' folder")
    roots = download(work)
    run = work / "run"
    shutil.rmtree(run, ignore_errors=True)
    fixtures: list[Fixture] = []
    if args.ruff_source:
        fixtures += ruff_fixtures(args.ruff_source, run)
    fixtures += pylint_fixtures(roots["pylint"], run)
    fixtures += mypy_fixtures(roots["mypy"], run)
    fixtures += pyright_fixtures(run)
    verdicts = tomllib.loads(VERDICTS.read_text())
    text = report(compare(fixtures, safelint(run, args.python), verdicts))
    print(text)
    if args.markdown:
        pins = ", ".join(f"{name} {version}" for name, (version, _) in SDISTS.items())
        header = (
            "# safelint on the peers' own fixtures\n\n"
            f"Generated by `python bench/peer_fixtures.py --markdown ...` (sdists: {pins}; ruff's "
            "fixtures from a checkout of astral-sh/ruff, its expected sites from the pinned ruff; "
            f"`--python` {'given' if args.python else 'not given'}). Verdicts: "
            "`bench/peer_fixtures_verdicts.toml`; mypy rows list only cases with sites of ours.\n\n"
        )
        kept = ""  # the hand-written judgement of findings on real code survives a rerun
        if args.markdown.exists():
            old = args.markdown.read_text()
            kept = old[old.index(KEPT_SECTION) :] if KEPT_SECTION in old else ""
        args.markdown.write_text(header + text + ("\n" + kept if kept else ""))


if __name__ == "__main__":
    main()
