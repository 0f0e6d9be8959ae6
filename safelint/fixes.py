"""``--fix`` and ``--diff``: apply the edits findings carry, verify, re-check, write atomically.

A fix is all of its edits or none. Fixes whose ranges overlap cannot be applied together, so
each round applies a non-overlapping set, re-checks the file, and the next round picks up
what is left (and any fix the first ones made possible), for at most ``MAX_ROUNDS`` rounds.
A fix after which the file no longer parses is dropped: ``--fix`` must never turn a working
file into a broken one. Bytes the fixes do not touch are kept exactly, encoding and line
endings included; a file whose bytes would not survive decoding and re-encoding is left alone.
"""

from __future__ import annotations

import difflib
import io
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from safelint.api import SettingsResolver
from safelint.engine import Checker
from safelint.output import write_atomically
from safelint.project import build_project
from safelint.results import Applicability, FileResult, Finding, Fix, RunResult
from safelint.source import SourceError, decode, parse

MAX_ROUNDS = 4


@dataclass
class FileFix:
    """The outcome for one file: its text before and after, the fixes applied, the re-check."""

    display: str
    encoding: str
    before: str
    after: str
    applied: list[Finding] = field(default_factory=list)
    recheck: FileResult | None = None

    def diff(self) -> str:
        before = _with_newlines(self.before.splitlines(keepends=True))
        after = _with_newlines(self.after.splitlines(keepends=True))
        return "".join(difflib.unified_diff(before, after, f"a/{self.display}", f"b/{self.display}"))


def _with_newlines(lines: list[str]) -> list[str]:
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines


def allowed(fix: Fix | None, unsafe: bool) -> bool:
    return fix is not None and (unsafe or fix.applicability is Applicability.SAFE)


_LINE_END = re.compile(r"\r\n|\r|\n")


def _offsets(text: str) -> list[int]:
    """Offset of the start of each line (plus one past the end), for 1-based line lookups.

    Lines end only at ``\r\n``, ``\r`` or ``\n``, as for Python's tokenizer and libcst
    (``str.splitlines`` would also break at form feeds and other separators).
    """
    starts = [0]
    for match in _LINE_END.finditer(text):
        starts.append(match.end())
    if starts[-1] != len(text):
        starts.append(len(text))
    return starts


def _span(starts: list[int], text: str, line: int, column: int) -> int:
    if line - 1 >= len(starts) - 1:
        return len(text)
    line_start, next_start = starts[line - 1], starts[line]
    return min(line_start + column - 1, next_start)


def _apply_one(text: str, fix: Fix) -> str:
    starts = _offsets(text)
    spans = sorted(
        (
            (_span(starts, text, e.line, e.column), _span(starts, text, e.end_line, e.end_column), e.content)
            for e in fix.edits
        ),
        reverse=True,
    )
    for start, end, content in spans:
        text = text[:start] + content + text[end:]
    return text


def _range(text: str, fix: Fix) -> tuple[int, int]:
    starts = _offsets(text)
    return (
        min(_span(starts, text, e.line, e.column) for e in fix.edits),
        max(_span(starts, text, e.end_line, e.end_column) for e in fix.edits),
    )


def _parses(text: str) -> bool:
    try:
        parse(text)
    except SourceError:
        return False
    return True


def apply_fixes(text: str, findings: list[Finding]) -> tuple[str, list[Finding]]:
    """Apply the non-overlapping fixes of ``findings`` that keep ``text`` parsable.

    Fixes are applied last-in-file first, so the positions of the ones before stay valid.
    """
    chosen: list[tuple[tuple[int, int], Finding]] = []
    for finding in sorted((f for f in findings if f.fix and f.fix.edits), key=lambda f: (f.line, f.column)):
        assert finding.fix is not None
        span = _range(text, finding.fix)
        if chosen and span[0] < chosen[-1][0][1]:
            continue  # overlaps the previous fix: a later round gets it
        chosen.append((span, finding))
    applied: list[Finding] = []
    for _, finding in reversed(chosen):
        assert finding.fix is not None
        candidate = _apply_one(text, finding.fix)
        if candidate != text and _parses(candidate):
            text = candidate
            applied.append(finding)
    applied.reverse()
    return text, applied


def _encoding(data: bytes) -> str:
    return tokenize.detect_encoding(io.BytesIO(data).readline)[0]


def fix_file(checker: Checker, path: Path, display: str, findings: list[Finding], unsafe: bool) -> FileFix | None:
    """Fix one file in memory, re-checking after each round; None when nothing could be applied."""
    try:
        data = path.read_bytes()
        encoding = _encoding(data)
        text = decode(data)
    except (OSError, SyntaxError, SourceError):
        return None
    if text.encode(encoding) != data:
        return None
    outcome = FileFix(display, encoding, text, text)
    pending = findings
    for _ in range(MAX_ROUNDS):
        fixable = [f for f in pending if allowed(f.fix, unsafe)]
        if not fixable:
            break
        outcome.after, applied = apply_fixes(outcome.after, fixable)
        if not applied:
            break
        outcome.applied.extend(applied)
        outcome.recheck = checker.check_bytes(outcome.after.encode(encoding), display, path)
        pending = outcome.recheck.findings
    return outcome if outcome.applied else None


def run_fixes(
    result: RunResult,
    settings_for: SettingsResolver,
    unsafe: bool,
    write: bool,
    base: Path,
) -> list[FileFix]:
    """Fix every file of ``result`` that has applicable fixes; with ``write``, rewrite the files
    and replace their findings in ``result`` by the re-check's."""
    by_path: dict[str, list[Finding]] = {}
    for finding in result.findings:
        if allowed(finding.fix, unsafe):
            by_path.setdefault(finding.path, []).append(finding)
    done: list[FileFix] = []
    for display, findings in by_path.items():
        path = (base / display).resolve()
        settings = settings_for(path)
        checker = Checker(settings, build_project([path], settings.root))
        outcome = fix_file(checker, path, display, findings, unsafe)
        if outcome is None or outcome.recheck is None:
            continue
        done.append(outcome)
        if write:
            write_atomically(path, outcome.after.encode(outcome.encoding))
            result.findings = [f for f in result.findings if f.path != display] + outcome.recheck.findings
            result.lines[display] = outcome.recheck.lines
            result.sources[display] = outcome.after
            result.internal_errors.extend(outcome.recheck.internal_errors)
    result.finish()
    return done
