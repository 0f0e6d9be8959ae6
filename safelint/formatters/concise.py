"""``--format concise``: one line per finding, then the summary — for terminals and grep."""

from __future__ import annotations

from typing import TYPE_CHECKING

from safelint.formatters.text import headline, statistics, styler, summary

if TYPE_CHECKING:
    from safelint.formatters import FormatOptions
    from safelint.results import RunResult


def render(result: RunResult, options: FormatOptions) -> str:
    if options.statistics:
        return statistics(result) + summary(result) + "\n"
    style = styler(options)
    lines = [] if options.quiet else [headline(f, style, options.unsafe_fixes) for f in result.findings]
    lines.append(summary(result, style))
    return "\n".join(lines) + "\n"
