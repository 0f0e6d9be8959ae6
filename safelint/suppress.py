"""Suppression comments: ``# safelint: ignore[...]``, ``# noqa: ...``, ``# safelint: ignore-file[...]``.

Suppressions are counted, never silent: one that suppresses nothing is SL001 (opt-in), one
without a reason is SL002 where the project asks for reasons.

A suppression applies to the line a finding starts on. A line that runs on into the next —
inside a multi-line string, or ending in a backslash — cannot hold a comment, so, as in ruff,
the comment at the end of the run applies to every line of it. ``suppression_edits`` writes
comments there too (``--add-noqa``, the editor's quick fix), merging into one already present.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from safelint.results import Edit, Finding
from safelint.rule import all_rules, code_letters

_SAFELINT = re.compile(
    r"#\s*safelint:\s*(?P<kind>ignore-file|ignore)\b(?:\[(?P<codes>[^\]]*)\])?(?:\s*--\s*(?P<reason>.*\S))?",
    re.I,
)
_NOQA = re.compile(
    r"#\s*noqa(?::\s*(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*))?(?:\s*--\s*(?P<reason>.*\S))?", re.I
)


@dataclass
class Suppression:
    line: int
    column: int
    end_column: int
    whole_file: bool
    codes: tuple[str, ...] | None  # None: every code
    reason: str | None
    from_noqa: bool
    used: set[str] = field(default_factory=set)
    first_line: int = 0  # the first line it applies to: before ``line`` when lines run on into it

    def __post_init__(self) -> None:
        self.first_line = self.first_line or self.line

    def covers(self, code: str) -> bool:
        return self.codes is None or any(code.startswith(c) for c in self.codes)


def _split_codes(raw: str | None) -> tuple[str, ...] | None:
    if raw is None:
        return None
    codes = tuple(c.upper() for c in re.split(r"[\s,]+", raw.strip()) if c)
    return codes or None


@dataclass(frozen=True)
class Comments:
    """A text's suppressions, and the lines that run on into the next (no comment can end them)."""

    suppressions: list[Suppression]
    continued: frozenset[int]

    def end_of_run(self, line: int) -> int:
        """The line whose comment applies to ``line``: the last of the lines it runs on into."""
        while line in self.continued:
            line += 1
        return line


def scan(text: str) -> Comments:
    """Find the directives in real comments (tokenize, so text inside strings never counts),
    and the lines that run on: inside a multi-line string (an f-string's parts included), or
    ending in a backslash outside a comment."""
    lines = text.split("\n")
    continued = {n for n, line in enumerate(lines, 1) if line.rstrip("\r").endswith("\\")}
    found: list[Suppression] = []
    commented: set[int] = set()
    opened: list[int] = []  # the lines f-strings (3.12+: several tokens each) start on
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            start, end = token.start[0], token.end[0]
            if token.type == tokenize.COMMENT:
                commented.add(start)
                suppression = _parse_comment(token.string, start, token.start[1] + 1)
                if suppression is not None:
                    found.append(suppression)
            elif token.type == getattr(tokenize, "FSTRING_START", None):
                opened.append(start)
            elif token.type == getattr(tokenize, "FSTRING_END", None) and opened:
                continued.update(range(opened.pop(), end))
            elif token.type == tokenize.STRING:
                continued.update(range(start, end))
    except (tokenize.TokenError, SyntaxError):
        pass  # the tokens before the problem are still good
    comments = Comments(found, frozenset(continued - commented))
    for suppression in found:
        first = suppression.line
        while first - 1 in comments.continued:
            first -= 1
        suppression.first_line = first
    return comments


def parse_suppressions(text: str) -> list[Suppression]:
    if "safelint" not in text and "noqa" not in text and "NOQA" not in text:
        return []
    return scan(text).suppressions


def suppression_edits(lines: Sequence[str], comments: Comments, wanted: Mapping[int, Iterable[str]]) -> list[Edit]:
    """Edits that suppress ``wanted`` codes (by the line their findings start on): each line's
    codes go into a ``# safelint: ignore[...]`` or ``# noqa: ...`` already at the end of its
    run, else into a new comment there, after any comment the line has. ``lines`` may keep
    their endings. Codes a bare suppression already covers need nothing."""
    by_target: dict[int, set[str]] = {}
    for line, codes in wanted.items():
        target = comments.end_of_run(line)
        if target <= len(lines):
            by_target.setdefault(target, set()).update(codes)
    edits = []
    for target, codes in sorted(by_target.items()):
        content = lines[target - 1].rstrip("\r\n")
        existing = next((s for s in comments.suppressions if s.line == target and not s.whole_file), None)
        if existing is not None:
            missing = sorted(c for c in codes if not existing.covers(c))
            match = (_NOQA if existing.from_noqa else _SAFELINT).match(content, existing.column - 1)
            if not missing or match is None or match.group("codes") is None:
                continue  # a bare suppression covers every code
            at = match.end("codes") + 1
            separator = ", " if match.group("codes").strip() else ""
            edits.append(Edit(target, at, target, at, separator + ", ".join(missing)))
        else:
            code_end = len(content.rstrip()) + 1
            comment = f"  # safelint: ignore[{', '.join(sorted(codes))}]"
            edits.append(Edit(target, code_end, target, len(content) + 1, comment))
    return edits


def _parse_comment(comment: str, line: int, column: int) -> Suppression | None:
    end_column = column + len(comment)
    match = _SAFELINT.search(comment)
    if match:
        return Suppression(
            line=line,
            column=column + match.start(),
            end_column=end_column,
            whole_file=match.group("kind").lower() == "ignore-file",
            codes=_split_codes(match.group("codes")),
            reason=match.group("reason"),
            from_noqa=False,
        )
    match = _NOQA.search(comment)
    if match:
        codes = _split_codes(match.group("codes"))
        if codes is not None:
            ours = {"SL"} | {code_letters(code) for code in all_rules()}
            codes = tuple(c for c in codes if code_letters(c) in ours)
            if not codes:
                return None  # a noqa for another tool
        return Suppression(line, column + match.start(), end_column, False, codes, match.group("reason"), True)
    return None


def apply_suppressions(findings: list[Finding], suppressions: list[Suppression]) -> list[Finding]:
    """Drop suppressed findings, recording on each suppression which codes it was used for."""
    if not suppressions:
        return findings
    by_line: dict[int, list[Suppression]] = {}
    whole_file = [s for s in suppressions if s.whole_file]
    for s in suppressions:
        if not s.whole_file:
            for line in range(s.first_line, s.line + 1):
                by_line.setdefault(line, []).append(s)
    kept = []
    for finding in findings:
        matches = [s for s in [*by_line.get(finding.line, []), *whole_file] if s.covers(finding.code)]
        if finding.code == "SL000" or not matches:
            kept.append(finding)
        for s in matches:
            s.used.add(finding.code)
    return kept
