"""How a finished ``safelint check`` is shown: what goes to stdout (the report, a diff, or only
notes), what to stderr, and the exit code. Machine formats keep stdout parsable: their notes
go to stderr."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from safelint.formatters import FORMATS, FormatOptions
from safelint.formatters.text import summary
from safelint.output import write_report
from safelint.results import RunResult, Severity

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130

# Formats whose own output carries the summary notes; the others stay machine-readable on stdout.
_SUMMARISING = ("text", "concise")


@dataclass(frozen=True)
class Presentation:
    """The output options of one run. ``notes_only`` is set by the modes whose result is what
    they did, not a report (``--write-baseline``, ``--add-noqa``, ``--fix-only``)."""

    output_format: str = "text"
    output_file: Path | None = None
    color: str = "auto"
    statistics: bool = False
    quiet: bool = False
    unsafe_fixes: bool = False
    exit_zero: bool = False
    fail_on: str = "warning"
    diff: bool = False
    notes_only: bool = False

    def show(self, result: RunResult) -> int:
        """Print what the run produced; the exit code."""
        if self.diff:
            click.echo("".join(f.diff() for f in result.fixes), nl=False)
            self._notes(result, stdout=False)
            return EXIT_FINDINGS if result.fixes and not self.exit_zero else EXIT_CLEAN
        if self.notes_only:
            if self.output_format in _SUMMARISING:
                result.notes.extend(result.hints)
            self._notes(result, stdout=self.output_format in _SUMMARISING)
            return exit_code(result, True, self.fail_on)
        coloured = self.coloured()
        options = FormatOptions(coloured, self.statistics, self.quiet, self.unsafe_fixes)
        report = FORMATS[self.output_format](result, options)
        if self.output_file is not None:
            try:
                write_report(self.output_file, report)
            except OSError as error:
                click.echo(
                    f"safelint: error: {self.output_file}: cannot write the report: {error.strerror or error}", err=True
                )
                return EXIT_ERROR
            click.echo(summary(result))
        else:
            click.echo(report, nl=False, color=coloured)
            if self.output_format not in _SUMMARISING:
                self._notes(result, stdout=False)
        return exit_code(result, self.exit_zero, self.fail_on)

    def coloured(self) -> bool:
        """``--color``: ``auto`` colours a terminal only, and never when NO_COLOR is set (no-color.org)."""
        if self.color != "auto":
            return self.color == "always"
        return self.output_file is None and sys.stdout.isatty() and not os.environ.get("NO_COLOR")

    @staticmethod
    def _notes(result: RunResult, stdout: bool) -> None:
        for note in result.notes:
            click.echo(note, err=not stdout)


def exit_code(result: RunResult, exit_zero: bool, fail_on: str) -> int:
    """2 after internal errors (each said on stderr), 1 with findings at or above ``fail_on``."""
    for message in result.internal_errors:
        click.echo(f"safelint: {message}", err=True)
    if result.internal_errors:
        return EXIT_ERROR
    failing = any(f.severity is Severity.ERROR or fail_on == "warning" for f in result.findings)
    return EXIT_FINDINGS if failing and not exit_zero else EXIT_CLEAN
