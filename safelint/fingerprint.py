"""Fingerprints that identify a finding across edits: GitHub's line hash, and safelint's own.

``line_hashes`` reproduces what GitHub's SARIF upload computes as
``partialFingerprints.primaryLocationLineHash`` when a tool leaves it out. Supplying it
ourselves means uploads through the REST API (which does not compute it) match the alerts of
earlier uploads instead of duplicating them. The algorithm, as GitHub documents and tests it:

- read the file as UTF-16 code units; spaces and tabs are skipped; ``\\r\\n``, ``\\r`` and
  ``\\n`` all count as one ``\\n``; a sentinel 65535 follows the last character, then zeros;
- each line's hash is a polynomial rolling hash (base 37, modulo 2**64) of the first 100
  kept code units from the start of that line (so it covers the following lines too),
  written as lower-case hex without leading zeros;
- a hash seen before in the same file gets the next occurrence number: ``"<hex>:<n>"``.

``finding_fingerprints`` is what baselines and GitLab's Code Quality report use: rule, the
normalised text of the flagged line and of its nearest non-blank neighbours, and the
occurrence index among the file's findings that share those, so it survives line shifts and
edits elsewhere in the file but not a change to the flagged code itself. The path is not
hashed in (callers pair it with the path) so that a baseline can store paths relative to
itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from safelint.results import Finding

_BLOCK = 100
_BASE = 37
_MASK = (1 << 64) - 1
_END_OF_FILE = 0xFFFF
_OUTGOING = pow(_BASE, _BLOCK, 1 << 64)


def _code_units(text: str) -> Iterable[int]:
    data = text.encode("utf-16-le", "surrogatepass")
    for i in range(0, len(data), 2):
        yield data[i] | data[i + 1] << 8


def line_hashes(text: str) -> list[str]:
    """GitHub's ``primaryLocationLineHash`` for every line of ``text`` (index 0 is line 1)."""
    window = [0] * _BLOCK
    starts = [0] * _BLOCK  # the 1-based line that begins at this window slot, 0 if none
    hashes: list[str] = []
    seen: dict[str, int] = {}
    value = 0
    index = 0
    line = 0
    at_line_start = True
    after_cr = False

    def emit() -> None:
        digest = format(value, "x")
        seen[digest] = seen.get(digest, 0) + 1
        hashes.append(f"{digest}:{seen[digest]}")
        starts[index] = 0

    def push(unit: int) -> None:
        nonlocal value, index
        value = (value * _BASE + unit - _OUTGOING * window[index]) & _MASK
        window[index] = unit
        index = (index + 1) % _BLOCK

    for unit in (*_code_units(text), _END_OF_FILE):
        if unit in (0x20, 0x09) or (after_cr and unit == 0x0A):
            after_cr = False
            continue
        after_cr = unit == 0x0D
        if after_cr:
            unit = 0x0A
        if starts[index]:
            emit()
        if at_line_start:
            at_line_start = False
            line += 1
            starts[index] = line
        at_line_start = unit == 0x0A
        push(unit)
    for _ in range(_BLOCK):
        if starts[index]:
            emit()
        push(0)
    return hashes


def _normalise(line: str) -> str:
    return " ".join(line.split())


def _context(lines: list[str], line: int) -> str:
    """The flagged line with the nearest non-blank line above and below, whitespace-normalised."""
    at = line - 1
    own = _normalise(lines[at]) if 0 <= at < len(lines) else ""
    above = next((_normalise(lines[i]) for i in range(min(at, len(lines)) - 1, -1, -1) if lines[i].strip()), "")
    below = next((_normalise(lines[i]) for i in range(at + 1, len(lines)) if lines[i].strip()), "")
    return "\n".join((above, own, below))


def finding_fingerprints(findings: list[Finding], text_of: dict[str, str | None]) -> list[str]:
    """One fingerprint per finding (same order); ``text_of`` maps each path to its source text.

    Occurrences are numbered in source order, so the n-th of several identical findings keeps
    its number whatever order the caller passes them in.
    """
    split: dict[str, list[str]] = {}
    occurrences: dict[tuple[str, str], int] = {}
    out = [""] * len(findings)
    for i in sorted(range(len(findings)), key=lambda i: findings[i].sort_key()):
        f = findings[i]
        if f.path not in split:
            split[f.path] = (text_of.get(f.path) or "").splitlines()
        key = "\0".join((f.code, _context(split[f.path], f.line)))
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:20]
        seen = occurrences[f.path, digest] = occurrences.get((f.path, digest), -1) + 1
        out[i] = f"{digest}:{seen}"
    return out
