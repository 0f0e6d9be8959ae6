"""What a run produces: findings (a contract, see ARCHITECTURE.md), per-file and whole-run results.

Every result type lives here, so the engine, the api, the formatters and the language server
agree on one definition of each."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from safelint.source import SourceError, decode, read_source

if TYPE_CHECKING:
    from safelint.project import Project


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


class Applicability(str, Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True, order=True)
class Edit:
    """Replace the text between two 1-based (line, column) positions; columns in characters."""

    line: int
    column: int
    end_line: int
    end_column: int
    content: str

    def to_json(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "content": self.content,
        }


@dataclass(frozen=True)
class Fix:
    message: str
    applicability: Applicability
    edits: tuple[Edit, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "applicability": self.applicability.value,
            "edits": [e.to_json() for e in self.edits],
        }


@dataclass(frozen=True)
class Related:
    """A second location in the same file that explains a finding: where the None came from,
    where the resource was acquired, where the lock is taken."""

    message: str
    line: int
    column: int
    end_line: int
    end_column: int

    def to_json(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
        }


@dataclass(frozen=True)
class Finding:
    """One diagnostic. Lines and columns are 1-based; ``end_column`` is exclusive."""

    code: str
    name: str
    severity: Severity
    message: str
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    help: str | None = None
    fix: Fix | None = None
    related: tuple[Related, ...] = ()

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.code)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "help": self.help,
            "fix": self.fix.to_json() if self.fix else None,
            "related": [r.to_json() for r in self.related],
        }


@dataclass
class FileResult:
    """What checking one file produced; ``lines`` holds the source lines findings point at."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    internal_errors: list[str] = field(default_factory=list)
    lines: dict[int, str] = field(default_factory=dict)


@dataclass
class FileFix:
    """What ``--fix`` (or ``--diff``) did to one file: its text before and after, the fixes
    applied, and the re-check of the fixed text."""

    display: str
    encoding: str
    before: str
    after: str
    applied: list[Finding] = field(default_factory=list)
    recheck: FileResult | None = None

    def diff(self) -> str:
        before = _with_newlines(self.before.splitlines(keepends=True))
        after = _with_newlines(self.after.splitlines(keepends=True))
        return "".join(difflib.unified_diff(before, after, f"a/{self.display}", f"b/{self.display}"))


def _with_newlines(lines: list[str]) -> list[str]:
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines


@dataclass
class RunResult:
    """Everything formatters render. ``files`` and ``enabled_rules`` let SARIF and JUnit list what
    was checked (not only what was found); ``sources`` keeps text that is not on disk (stdin);
    ``notes`` are summary sentences about findings hidden (baseline, ``--new-since``) or fixed;
    ``hints`` say what ``--fix`` could still do, which only the text formats show (as ruff's do):
    a JSON or SARIF run's stderr is no place for them.

    ``projects`` holds the project each file was checked with, by its shown path, so that
    ``--fix`` re-checks a fixed file with the same index; ``fixes`` is what ``--fix`` did.
    ``internal_errors`` is what went wrong besides findings (a rule that raised, a named path
    that is not a file to check): the run fails with exit 2."""

    findings: list[Finding] = field(default_factory=list)
    files_checked: int = 0
    internal_errors: list[str] = field(default_factory=list)
    lines: dict[str, dict[int, str]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    enabled_rules: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    projects: dict[str, Project] = field(default_factory=dict)
    fixes: list[FileFix] = field(default_factory=list)

    def add(self, result: FileResult, project: Project) -> None:
        self.projects[result.path] = project
        self.files_checked += 1
        self.files.append(result.path)
        self.findings.extend(result.findings)
        self.internal_errors.extend(result.internal_errors)
        if result.lines:
            self.lines[result.path] = result.lines

    def finish(self) -> RunResult:
        self.findings.sort(key=Finding.sort_key)
        return self

    def source(self, path: str) -> str | None:
        """The text of a checked file, for fingerprints: kept for stdin, else read (once) from disk."""
        if path not in self.sources:
            try:
                self.sources[path] = decode(read_source(Path(path)))
            except (OSError, SourceError):
                return None
        return self.sources[path]
