"""Suppression comments: ``# safelint: ignore[...]``, ``# noqa: ...``, ``# safelint: ignore-file[...]``.

Suppressions are counted, never silent: one that suppresses nothing is SL001 (opt-in), one
without a reason is SL002 where the project asks for reasons.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field

from safelint.results import Finding
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

    def covers(self, code: str) -> bool:
        return self.codes is None or any(code.startswith(c) for c in self.codes)


def _split_codes(raw: str | None) -> tuple[str, ...] | None:
    if raw is None:
        return None
    codes = tuple(c.upper() for c in re.split(r"[\s,]+", raw.strip()) if c)
    return codes or None


def parse_suppressions(text: str) -> list[Suppression]:
    """Find the directives in real comments (tokenize, so text inside strings never counts)."""
    if "safelint" not in text and "noqa" not in text and "NOQA" not in text:
        return []
    found: list[Suppression] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                suppression = _parse_comment(token.string, token.start[0], token.start[1] + 1)
                if suppression is not None:
                    found.append(suppression)
    except (tokenize.TokenError, SyntaxError):
        pass  # the tokens before the problem are still good
    return found


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
            by_line.setdefault(s.line, []).append(s)
    kept = []
    for finding in findings:
        matches = [s for s in [*by_line.get(finding.line, []), *whole_file] if s.covers(finding.code)]
        if finding.code == "SL000" or not matches:
            kept.append(finding)
        for s in matches:
            s.used.add(finding.code)
    return kept
