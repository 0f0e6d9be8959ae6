"""``--new-since REV``: which lines changed since a git revision, so a pull-request gate reports
only findings on code the pull request touched.

Lines come from ``git diff -U0 REV`` (the working tree against REV, staged or not); files git
does not track yet count as wholly new. Renames are followed, so moving a file does not make
all of it new.
"""

from __future__ import annotations

import codecs
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from safelint.results import RunResult

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


class GitDiffError(Exception):
    """Not a git repository, or git does not know the revision (exit 2)."""


@dataclass
class ChangedLines:
    """Changed lines per absolute path; ``None`` for a file that is new as a whole."""

    files: dict[Path, set[int] | None] = field(default_factory=dict)

    def touches(self, path: Path, first: int, last: int) -> bool:
        """Does any line from ``first`` to ``last`` of ``path`` (absolute, resolved) count as changed?"""
        if path not in self.files:
            return False
        lines = self.files[path]
        return lines is None or any(n in lines for n in range(first, max(first, last) + 1))

    def keep_changed(self, result: RunResult) -> int:
        """Drop the findings on unchanged lines from ``result``; return how many were dropped."""
        before = len(result.findings)
        result.findings = [f for f in result.findings if self.touches(Path(f.path).resolve(), f.line, f.end_line)]
        return before - len(result.findings)


def _git(cwd: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-c", "core.quotepath=off", *args], cwd=cwd, capture_output=True, text=True, check=False
        )
    except OSError as error:
        raise GitDiffError(f"cannot run git: {error.strerror or error}") from None
    if done.returncode != 0:
        message = done.stderr.strip().splitlines()
        raise GitDiffError(f"git {args[0]} failed: {message[-1] if message else 'exit status ' + str(done.returncode)}")
    return done.stdout


def _unquote(name: str) -> str:
    """Git C-quotes paths with control characters, quotes or backslashes."""
    if name.startswith('"') and name.endswith('"'):
        raw = codecs.escape_decode(name[1:-1].encode("utf-8"))[0]
        return bytes(raw).decode("utf-8", "surrogateescape")
    return name


def parse_diff(diff: str) -> dict[str, set[int]]:
    """Added or changed line numbers (new side) per repository-relative path, from ``-U0`` output."""
    changed: dict[str, set[int]] = {}
    current: set[int] | None = None
    for line in diff.splitlines():
        if line.startswith("+++ "):
            target = _unquote(line[4:].rstrip("\t"))
            current = None if target == "/dev/null" else changed.setdefault(target[2:], set())
        elif line.startswith("@@") and current is not None:
            match = _HUNK.match(line)
            if match:
                start, count = int(match.group(1)), int(match.group(2) or "1")
                current.update(range(start, start + count))
    return changed


def changed_since(revision: str, cwd: Path) -> ChangedLines:
    root = Path(_git(cwd, "rev-parse", "--show-toplevel").strip()).resolve()
    try:
        commit = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}").strip()
    except GitDiffError:
        raise GitDiffError(f"{revision}: not a revision git knows in {root}") from None
    diff = _git(root, "diff", "-U0", "--no-color", "--no-ext-diff", "-M", commit, "--")
    result = ChangedLines()
    for rel, lines in parse_diff(diff).items():
        result.files[root / rel] = lines
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z")
    for rel in filter(None, untracked.split("\0")):
        result.files[root / rel] = None
    return result
