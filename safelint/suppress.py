"""Suppression comments: ``# safelint: ignore[...]``, ``# noqa: ...``, ``# safelint: ignore-file[...]``,
and the type checkers' marks (``# type: ignore[union-attr]``, ``# pyright: ignore[reportOptional...]``).

Suppressions are counted, never silent: one that suppresses nothing is SL001 (opt-in), one
without a reason is SL002 where the project asks for reasons. A type checker's mark suppresses
the SL2 findings that say what it says (a maintainer who marked ``x.y  # type: ignore[union-attr]``
has already judged that None cannot arrive); it belongs to the type checker, so neither SL001
nor SL002 reports it, as with a bare ``# noqa``.

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
_TYPE_IGNORE = re.compile(r"#\s*type:\s*ignore\b(?:\[(?P<codes>[^\]]*)\])?", re.I)
_PYRIGHT_IGNORE = re.compile(r"#\s*pyright:\s*ignore\b(?:\[(?P<codes>[^\]]*)\])?", re.I)

_BARE = ("SL102", "SL2")  # what a bare mark covers: every code the checker also has
# The SL2 codes each type checker's error code covers: mypy reports a None that is called,
# unpacked or spread under ``misc``, iterated under ``union-attr``, ``in`` under ``operator``,
# ``**`` under ``arg-type``; SL206 is any use of an Optional field, so every code covers it.
_MYPY_CODES: dict[str, tuple[str, ...]] = {
    "union-attr": ("SL201", "SL202", "SL204", "SL206"),
    "attr-defined": ("SL201", "SL206"),
    "index": ("SL202", "SL206"),
    "operator": ("SL204", "SL205", "SL206"),
    "arg-type": ("SL204", "SL206"),
    "misc": ("SL203", "SL204", "SL206"),
    "unused-coroutine": ("SL102",),
    "unused-awaitable": ("SL102",),
}
_PYRIGHT_CODES: dict[str, tuple[str, ...]] = {
    "reportOptionalMemberAccess": ("SL201", "SL206"),
    "reportOptionalSubscript": ("SL202", "SL206"),
    "reportOptionalCall": ("SL203", "SL206"),
    "reportOptionalIterable": ("SL204", "SL206"),
    "reportOptionalOperand": ("SL205", "SL206"),
}
_NOQA = re.compile(
    r"#\s*noqa(?::\s*(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*))?(?:\s*--\s*(?P<reason>.*\S))?", re.I
)

# What every directive above starts with: text without it has none, and is not tokenized
# ("type:" alone is common in docstrings).
_MAY_DIRECT = re.compile(r"#\s*(?:safelint:|noqa|type:\s*ignore|pyright:\s*ignore)", re.I)


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
    from_type_checker: bool = False  # ``# type: ignore``, ``# pyright: ignore``: SL2 only, never SL001/SL002
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
                found.extend(_parse_comment(token.string, start, token.start[1] + 1))
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


def parse_suppressions(text: str, *, honour_type_ignores: bool = True) -> list[Suppression]:
    """The file's suppressions; with ``honour_type_ignores``, the type checkers' marks too."""
    markers = ("safelint", "noqa", "NOQA") + (("type:", "pyright:") if honour_type_ignores else ())
    if not any(marker in text for marker in markers) or not _MAY_DIRECT.search(text):
        return []
    found = scan(text).suppressions
    return found if honour_type_ignores else [s for s in found if not s.from_type_checker]


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
        existing = next(
            (s for s in comments.suppressions if s.line == target and not s.whole_file and not s.from_type_checker),
            None,
        )
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


def _parse_comment(comment: str, line: int, column: int) -> list[Suppression]:
    """safelint's directive (or else a ``noqa`` naming our codes), and a type checker's mark."""
    end_column = column + len(comment)
    found = []
    match = _SAFELINT.search(comment)
    noqa = None if match else _NOQA.search(comment)
    if match:
        found.append(
            Suppression(
                line=line,
                column=column + match.start(),
                end_column=end_column,
                whole_file=match.group("kind").lower() == "ignore-file",
                codes=_split_codes(match.group("codes")),
                reason=match.group("reason"),
                from_noqa=False,
            )
        )
    elif noqa:
        codes = _split_codes(noqa.group("codes"))
        if codes is not None:
            ours = {"SL"} | {code_letters(code) for code in all_rules()}
            codes = tuple(c for c in codes if code_letters(c) in ours)
        if codes is None or codes:  # else a noqa for another tool
            found.append(Suppression(line, column + noqa.start(), end_column, False, codes, noqa.group("reason"), True))
    for pattern, table in ((_TYPE_IGNORE, _MYPY_CODES), (_PYRIGHT_IGNORE, _PYRIGHT_CODES)):
        mark = pattern.search(comment)
        if mark is None:
            continue
        if mark.group("codes") is None:
            codes = _BARE
        else:
            named = [c.strip() for c in mark.group("codes").split(",")]
            codes = tuple(sorted({sl for c in named for sl in table.get(c, ())}))
        if codes:
            found.append(
                Suppression(line, column + mark.start(), end_column, False, codes, None, False, from_type_checker=True)
            )
    return found


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
