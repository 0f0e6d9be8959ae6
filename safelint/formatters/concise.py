"""``--format concise``: one line per finding, then the summary — for terminals and grep."""

from __future__ import annotations

from typing import TYPE_CHECKING

from safelint.formatters.text import statistics, summary

if TYPE_CHECKING:
    from safelint.formatters import FormatOptions
    from safelint.results import RunResult


def render(result: RunResult, options: FormatOptions) -> str:
    if options.statistics:
        return statistics(result) + summary(result) + "\n"
    lines = (
        []
        if options.quiet
        else [f"{f.path}:{f.line}:{f.column}: {f.code} [{f.name}] {f.message}" for f in result.findings]
    )
    lines.append(summary(result))
    return "\n".join(lines) + "\n"
