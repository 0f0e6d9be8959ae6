"""Baselines: record today's findings so a legacy code base can adopt safelint and gate only new ones.

Entries are matched by ``finding_fingerprints`` (rule, normalised nearby text, occurrence)
and path, never by line number, so inserting code above a recorded finding does not turn it
into a new one. Paths are stored relative to the baseline file, so the same baseline works
from any working directory. The file is JSON sorted by path, code and fingerprint, one entry
per finding, so that a change to it reads as a small diff in review.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safelint.fingerprint import finding_fingerprints
from safelint.output import write_atomically
from safelint.results import Finding, RunResult

VERSION = 1


class BaselineError(Exception):
    """The baseline file cannot be read or is not one safelint wrote (exit 2)."""


@dataclass(frozen=True, order=True)
class Entry:
    path: str
    code: str
    fingerprint: str
    message: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.path, self.code, self.fingerprint)

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "code": self.code, "fingerprint": self.fingerprint, "message": self.message}


@dataclass(frozen=True)
class Outcome:
    """What applying a baseline did: how many findings it hid, and the entries that matched nothing."""

    hidden: int
    stale: list[Entry]


class Baseline:
    def __init__(self, path: Path, entries: list[Entry]) -> None:
        self.path = path
        self.entries = sorted(entries)

    @classmethod
    def read(cls, path: Path) -> Baseline:
        try:
            document: Any = json.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise BaselineError(f"{path}: cannot read the baseline: {error.strerror or error}") from None
        except ValueError as error:
            raise BaselineError(f"{path}: not a safelint baseline (invalid JSON: {error})") from None
        findings = document.get("findings") if isinstance(document, dict) else None
        if not isinstance(findings, list) or document.get("version") != VERSION:
            raise BaselineError(f"{path}: not a safelint baseline (expected version {VERSION} with a `findings` list)")
        try:
            entries = [
                Entry(str(e["path"]), str(e["code"]), str(e["fingerprint"]), str(e.get("message", "")))
                for e in findings
            ]
        except (TypeError, KeyError, AttributeError) as error:
            raise BaselineError(f"{path}: malformed baseline entry ({error!r})") from None
        return cls(path, entries)

    @classmethod
    def record(cls, path: Path, result: RunResult) -> Baseline:
        """A baseline holding every finding of ``result``."""
        return cls(path, [entry for _, entry in _entries(path, result)])

    def write(self) -> None:
        document = {"version": VERSION, "tool": "safelint", "findings": [e.to_json() for e in self.entries]}
        write_atomically(self.path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")

    def apply(self, result: RunResult) -> Outcome:
        """Remove from ``result`` the findings this baseline records, and find its stale entries.

        Only entries for files checked in this run can be stale: checking one directory must
        not declare the rest of the baseline fixed.
        """
        unmatched = Counter(e.key for e in self.entries)
        kept = []
        for finding, entry in _entries(self.path, result):
            if unmatched[entry.key] > 0:
                unmatched[entry.key] -= 1
            else:
                kept.append(finding)
        hidden = len(result.findings) - len(kept)
        result.findings = kept
        checked = {_relative(self.path, p) for p in result.files}
        stale = []
        for entry in self.entries:
            if entry.path in checked and unmatched[entry.key] > 0:
                unmatched[entry.key] -= 1
                stale.append(entry)
        return Outcome(hidden, stale)

    def without(self, stale: list[Entry]) -> Baseline:
        """This baseline less ``stale`` (``--update-baseline`` only ever removes)."""
        drop = Counter(stale)
        entries = []
        for entry in self.entries:
            if drop[entry] > 0:
                drop[entry] -= 1
            else:
                entries.append(entry)
        return Baseline(self.path, entries)


def _relative(baseline: Path, display: str) -> str:
    return Path(os.path.relpath(os.path.abspath(display), os.path.abspath(baseline.parent))).as_posix()


def _entries(baseline: Path, result: RunResult) -> list[tuple[Finding, Entry]]:
    texts = {f.path: result.source(f.path) for f in result.findings}
    prints = finding_fingerprints(result.findings, texts)
    return [(f, Entry(_relative(baseline, f.path), f.code, fp, f.message)) for f, fp in zip(result.findings, prints)]
