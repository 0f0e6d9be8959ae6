"""``--format pylint``: ``path:line: [CODE] message``, the line older editor plugins parse."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from safelint.formatters import FormatOptions
    from safelint.results import RunResult


def render(result: RunResult, options: FormatOptions) -> str:
    return "".join(f"{f.path}:{f.line}: [{f.code}] {f.message}\n" for f in result.findings)
