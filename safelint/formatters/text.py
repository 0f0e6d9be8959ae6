"""``--format text``: rustc-style diagnostics, a code frame with the span underlined, a summary."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import click

from safelint.fixes import allowed
from safelint.output import plural
from safelint.results import Finding, Severity
from safelint.rule import all_rules

if TYPE_CHECKING:
    from safelint.formatters import FormatOptions
    from safelint.results import RunResult

_TAB = 4


class Styler(Protocol):
    def __call__(self, s: str, **kw: Any) -> str: ...


def render(result: RunResult, options: FormatOptions) -> str:
    style = styler(options)
    out: list[str] = []
    if options.statistics:
        out.append(statistics(result))
    elif not options.quiet:
        for finding in result.findings:
            out.append(_diagnostic(finding, result.lines.get(finding.path, {}), style, options.unsafe_fixes))
    out.append(summary(result, style))
    return "\n".join(out) + "\n"


def styler(options: FormatOptions) -> Styler:
    def style(s: str, **kw: Any) -> str:
        return click.style(s, **kw) if options.color else s

    return style


def headline(f: Finding, style: Styler, unsafe_fixes: bool) -> str:
    """``path:line:col: CODE [*] [name] message``: ``[*]`` when ``--fix`` would fix it, as in ruff."""
    colour = "red" if f.severity is Severity.ERROR else "yellow"
    fixable = " " + style("[*]", fg="cyan") if allowed(f.fix, unsafe_fixes) else ""
    return f"{style(f.path, bold=True)}:{f.line}:{f.column}: {style(f.code, fg=colour, bold=True)}{fixable} [{f.name}] {f.message}"


def _diagnostic(f: Finding, lines: dict[int, str], style: Styler, unsafe_fixes: bool) -> str:
    colour = "red" if f.severity is Severity.ERROR else "yellow"
    parts = [headline(f, style, unsafe_fixes)]
    shown = [n for n in range(f.line, min(f.end_line, f.line + 2) + 1) if n in lines]
    if shown:
        width = len(str(shown[-1]))
        gutter = style(" " * width + " |", fg="blue")
        parts.append(gutter)
        for n in shown:
            text = lines[n]
            parts.append(style(f"{n:>{width}} |", fg="blue") + " " + text.expandtabs(_TAB))
            start = f.column - 1 if n == f.line else len(text) - len(text.lstrip())
            stop = f.end_column - 1 if n == f.end_line else len(text.rstrip())
            lead = len(text[:start].expandtabs(_TAB))
            span = max(1, len(text[:stop].expandtabs(_TAB)) - lead)
            parts.append(gutter + " " + " " * lead + style("^" * span, fg=colour, bold=True))
    if f.help:
        parts.append(style(" " * (len(str(shown[-1])) if shown else 1) + " =", fg="blue") + f" help: {f.help}")
    return "\n".join(parts) + "\n"


def summary(result: RunResult, style: Styler = lambda s, **kw: s) -> str:
    """The closing line, then the run's notes (findings a baseline or ``--new-since`` hid, fixes)."""
    return "\n".join([_totals(result, style), *result.notes, *result.hints])


def _totals(result: RunResult, style: Styler) -> str:
    files = f"{result.files_checked} file{'s' if result.files_checked != 1 else ''}"
    if not result.findings:
        return style("All checks passed", fg="green", bold=True) + f" ({files} checked)."
    errors = sum(1 for f in result.findings if f.severity is Severity.ERROR)
    warnings = len(result.findings) - errors
    counts = ", ".join(p for p in (plural(errors, "error"), plural(warnings, "warning")) if not p.startswith("0 "))
    total = plural(len(result.findings), "finding")
    return style(f"Found {total}", bold=True) + f" ({counts}) in {files}."


def statistics(result: RunResult) -> str:
    """``--statistics``: a count per rule, most frequent first."""
    rules = all_rules()
    counts: dict[str, int] = {}
    for finding in result.findings:
        counts[finding.code] = counts.get(finding.code, 0) + 1
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return "\n".join(f"{n:>6}  {code:<6} {rules[code].name}" for code, n in rows) + ("\n" if rows else "")
