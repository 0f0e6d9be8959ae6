"""Findings to LSP: positions, diagnostics, text edits and code actions.

The engine counts 1-based lines and columns in characters, ends exclusive; LSP counts 0-based
lines and columns in the negotiated code units (UTF-16 unless the client asked otherwise).
Every conversion happens here, against the exact text that was checked, so a finding on a
line holding an emoji or a CJK character still underlines the right span.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lsprotocol import types
from pygls.workspace import PositionCodec

from safelint.docs import rule_url
from safelint.results import Applicability, Finding, Severity
from safelint.rule import all_rules
from safelint.suppress import Comments, suppression_edits

SOURCE = "safelint"
FIX_ALL_KIND = f"{types.CodeActionKind.SourceFixAll.value}.safelint"

_SEVERITY = {Severity.ERROR: types.DiagnosticSeverity.Error, Severity.WARNING: types.DiagnosticSeverity.Warning}
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """Lines with their endings, broken only where LSP breaks lines: ``str.splitlines`` also
    breaks at form feeds and other separators, which Python source may contain."""
    lines = []
    start = 0
    for match in _LINE_BREAK.finditer(text):
        lines.append(text[start : match.end()])
        start = match.end()
    lines.append(text[start:])  # the last line: empty after a final newline
    return lines


def _content(line: str) -> str:
    return line.rstrip("\r\n")


def _units(codec: PositionCodec, text: str) -> int:
    return int(codec.client_num_units(text))


def position(codec: PositionCodec, lines: Sequence[str], line: int, column: int) -> types.Position:
    """The LSP position of an engine (1-based line, 1-based character column), clamped to the text."""
    if line > len(lines):
        return types.Position(len(lines) - 1, _units(codec, _content(lines[-1])))
    index = max(line, 1) - 1
    content = _content(lines[index])
    return types.Position(index, _units(codec, content[: max(column - 1, 0)]))


def to_range(
    codec: PositionCodec, lines: Sequence[str], line: int, column: int, end_line: int, end_column: int
) -> types.Range:
    return types.Range(position(codec, lines, line, column), position(codec, lines, end_line, end_column))


def from_position(codec: PositionCodec, lines: Sequence[str], where: types.Position) -> tuple[int, int]:
    """An LSP position as the engine's (1-based line, 1-based character column)."""
    if where.line >= len(lines):
        return len(lines), len(_content(lines[-1])) + 1
    content = _content(lines[where.line])
    units = 0
    for index, char in enumerate(content):
        if units >= where.character:
            return where.line + 1, index + 1
        units += _units(codec, char)
    return where.line + 1, len(content) + 1


def diagnostic(
    finding: Finding, codec: PositionCodec, lines: Sequence[str], uri: str | None = None
) -> types.Diagnostic:
    """The rule's name goes in the message (clients show ``source`` and ``code`` beside it) and
    the help on a line of its own, so a hover tells what to do, not only what is wrong."""
    message = f"{finding.message} [{finding.name}]"
    if finding.help:
        message += f"\nhelp: {finding.help}"
    rule = all_rules().get(finding.code)
    url = rule_url(rule) if rule is not None else None
    return types.Diagnostic(
        range=to_range(codec, lines, finding.line, finding.column, finding.end_line, finding.end_column),
        message=message,
        severity=_SEVERITY[finding.severity],
        code=finding.code,
        code_description=types.CodeDescription(href=url) if url is not None else None,
        source=SOURCE,
        related_information=[
            types.DiagnosticRelatedInformation(
                types.Location(uri, to_range(codec, lines, r.line, r.column, r.end_line, r.end_column)), r.message
            )
            for r in finding.related
        ]
        if uri is not None and finding.related
        else None,
    )


def hover(
    findings: Sequence[Finding], codec: PositionCodec, lines: Sequence[str], markdown: bool
) -> types.Hover | None:
    """What hovering over diagnostics shows: for each, its rule's code, name and summary and a
    link to the rule's page (the message is already in the diagnostic)."""
    if not findings:
        return None
    rules = all_rules()
    parts = []
    for finding in findings:
        rule = rules.get(finding.code)
        summary = rule.summary if rule is not None else ""
        url = rule_url(rule) if rule is not None else None
        if markdown:
            link = f"\n\n[{finding.code} documentation]({url})" if url else ""
            parts.append(f"**{finding.code}** `{finding.name}`: {summary}{link}")
        else:
            parts.append(f"{finding.code} {finding.name}: {summary}" + (f"\n{url}" if url else ""))
    first = findings[0]
    return types.Hover(
        contents=types.MarkupContent(
            kind=types.MarkupKind.Markdown if markdown else types.MarkupKind.PlainText,
            value=("\n\n---\n\n" if markdown else "\n\n").join(parts),
        ),
        range=to_range(codec, lines, first.line, first.column, first.end_line, first.end_column),
    )


def overlaps(finding: Finding, start: tuple[int, int], end: tuple[int, int]) -> bool:
    """Whether the finding touches the (1-based, inclusive) span a code action request names."""
    return (finding.line, finding.column) <= end and start <= (finding.end_line, finding.end_column)


def _edit(uri: str, edits: list[types.TextEdit]) -> types.WorkspaceEdit:
    return types.WorkspaceEdit(changes={uri: edits})


def fix_action(uri: str, finding: Finding, codec: PositionCodec, lines: Sequence[str]) -> types.CodeAction | None:
    """The finding's own fix; a safe one is the preferred quick fix (applied by "fix on save" too)."""
    if finding.fix is None or not finding.fix.edits:
        return None
    safe = finding.fix.applicability is Applicability.SAFE
    edits = [
        types.TextEdit(to_range(codec, lines, e.line, e.column, e.end_line, e.end_column), e.content)
        for e in finding.fix.edits
    ]
    return types.CodeAction(
        title=f"{finding.code}: {finding.fix.message}" + ("" if safe else " (unsafe)"),
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic(finding, codec, lines)],
        is_preferred=safe,
        edit=_edit(uri, edits),
    )


def suppress_action(
    uri: str, finding: Finding, codec: PositionCodec, lines: Sequence[str], comments: Comments
) -> types.CodeAction | None:
    """``# safelint: ignore[CODE]`` where it applies to the finding's line (see
    ``suppress.suppression_edits``: merged into a suppression already there, else appended).
    None where none is needed (a bare ``ignore``); SL000 cannot be suppressed."""
    if finding.code == "SL000":
        return None
    edits = suppression_edits(lines, comments, {finding.line: [finding.code]})
    if not edits:
        return None
    (edit,) = edits
    text_edit = types.TextEdit(
        to_range(codec, lines, edit.line, edit.column, edit.end_line, edit.end_column), edit.content
    )
    return types.CodeAction(
        title=f"Ignore {finding.code} ({finding.name}) on this line",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic(finding, codec, lines)],
        edit=_edit(uri, [text_edit]),
    )


def _offset_position(codec: PositionCodec, lines: Sequence[str], offset: int) -> types.Position:
    index = 0
    while index < len(lines) - 1 and offset >= len(lines[index]):
        offset -= len(lines[index])
        index += 1
    return types.Position(index, _units(codec, _content(lines[index])[:offset]))


def replacement(codec: PositionCodec, before: str, after: str) -> types.TextEdit:
    """The smallest single edit turning ``before`` into ``after``: replacing the whole buffer
    would reset the cursor, folds and undo granularity in most editors."""
    start = 0
    limit = min(len(before), len(after))
    while start < limit and before[start] == after[start]:
        start += 1
    end = 0
    while end < limit - start and before[-1 - end] == after[-1 - end]:
        end += 1
    if 0 < start < len(before) and before[start - 1] == "\r" and before[start] == "\n":
        start -= 1  # never split a CRLF: a position cannot point between its two characters
    if (
        end
        and len(before) - end > start
        and before[len(before) - end - 1] == "\r"
        and before[len(before) - end] == "\n"
    ):
        end -= 1
    lines = split_lines(before)
    return types.TextEdit(
        types.Range(_offset_position(codec, lines, start), _offset_position(codec, lines, len(before) - end)),
        after[start : len(after) - end],
    )


def fix_all_action(uri: str, codec: PositionCodec, before: str, after: str) -> types.CodeAction:
    return types.CodeAction(
        title="safelint: fix all safe fixes in this file",
        kind=FIX_ALL_KIND,
        edit=_edit(uri, [replacement(codec, before, after)]),
    )
