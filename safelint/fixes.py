"""``--fix`` and ``--diff`` on one file's text: apply the edits findings carry, verify, re-check
(``api.fix`` runs this over a run's files, with their project, and writes them atomically).

A fix is all of its edits or none. Fixes whose ranges overlap cannot be applied together, so
each round applies a non-overlapping set, re-checks the file, and the next round picks up
what is left (and any fix the first ones made possible), for at most ``MAX_ROUNDS`` rounds.
A fix after which the file no longer parses is dropped: ``--fix`` must never turn a working
file into a broken one. Bytes the fixes do not touch are kept exactly, encoding and line
endings included; a file whose bytes would not survive decoding and re-encoding is left alone.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable
from pathlib import Path

from safelint.engine import Checker
from safelint.output import plural
from safelint.results import Applicability, Edit, FileFix, Finding, Fix, RunResult
from safelint.source import SourceError, decode, parse

MAX_ROUNDS = 4


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
    return apply_edits(text, fix.edits)


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """``text`` with non-overlapping edits made (the last first, so earlier positions hold)."""
    starts = _offsets(text)
    spans = sorted(
        (
            (_span(starts, text, e.line, e.column), _span(starts, text, e.end_line, e.end_column), e.content)
            for e in edits
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


def parses(text: str) -> bool:
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
        if candidate != text and parses(candidate):
            text = candidate
            applied.append(finding)
    applied.reverse()
    return text, applied


def _encoding(data: bytes) -> str:
    return tokenize.detect_encoding(io.BytesIO(data).readline)[0]


def read_for_rewrite(path: Path) -> tuple[str, str] | None:
    """A file's text and encoding, if writing the text back in that encoding gives its bytes
    exactly (None if not, or if it cannot be read or decoded): a rewrite changes only what it edits."""
    try:
        data = path.read_bytes()
        encoding = _encoding(data)
        text = decode(data)
    except (OSError, SyntaxError, SourceError):
        return None
    return (text, encoding) if text.encode(encoding) == data else None


def fix_file(checker: Checker, path: Path, display: str, findings: list[Finding], unsafe: bool) -> FileFix | None:
    """Fix one file in memory, re-checking after each round; None when nothing could be applied."""
    readable = read_for_rewrite(path)
    if readable is None:
        return None
    text, encoding = readable
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


def fix_notes(result: RunResult, preview: bool, show: bool) -> list[str]:
    """Summary lines about fixes: what was (or would be) applied."""
    notes = []
    count = sum(len(f.applied) for f in result.fixes)
    if count:
        verb = "Would fix" if preview else "Fixed"
        notes.append(f"{verb} {plural(count, 'finding')} in {plural(len(result.fixes), 'file')}.")
    if show:
        for outcome in result.fixes:
            for finding in outcome.applied:
                assert finding.fix is not None
                notes.append(f"  {finding.path}:{finding.line}:{finding.column}: {finding.code} {finding.fix.message}")
    return notes


def fixable_note(findings: list[Finding], unsafe: bool) -> list[str]:
    """ruff's line about what ``--fix`` could do: the findings marked ``[*]``, and the unsafe
    fixes ``--unsafe-fixes`` would add."""
    fixable = sum(1 for f in findings if allowed(f.fix, unsafe))
    hidden = 0 if unsafe else sum(1 for f in findings if allowed(f.fix, True)) - fixable
    more = f"{hidden} hidden fix{'' if hidden == 1 else 'es'} can be enabled with the `--unsafe-fixes` option"
    if fixable:
        return [f"[*] {fixable} fixable with the `--fix` option" + (f" ({more})." if hidden else ".")]
    return [f"No fixes available ({more})."] if hidden else []
