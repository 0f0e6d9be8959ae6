"""Helpers that turn example code into test cases: fixtures and documentation examples.

A fixture marks each line that must be reported with a trailing ``# expect: CODE`` comment
(removed before the check); every unmarked line must stay silent. ``# related: CODE`` marks a
line that a finding of that code names as a related location: a fixture with such marks must
name exactly those. Lines ``# safelint-config: <toml>`` at the top hold
settings, in ``safelint.toml`` form.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from safelint.config import Settings, parse_table
from safelint.engine import Checker
from safelint.results import Finding

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_EXPECT = re.compile(r"[ \t]*#\s*expect:\s*(?P<codes>[A-Z]+\d+(?:\s*,\s*[A-Z]+\d+)*)")
_RELATED = re.compile(r"[ \t]*#\s*related:\s*(?P<codes>[A-Z]+\d+(?:\s*,\s*[A-Z]+\d+)*)")
_CONFIG = re.compile(r"^#\s*safelint-config:\s?(?P<toml>.*)$", re.M)


def expected(source: str, marker: re.Pattern[str] = _EXPECT) -> set[tuple[int, str]]:
    """The (line, code) pairs the markers in ``source`` expect."""
    pairs: set[tuple[int, str]] = set()
    for number, line in enumerate(source.splitlines(), start=1):
        match = marker.search(line)
        if match:
            pairs.update((number, code.strip()) for code in match.group("codes").split(","))
    return pairs


def expected_related(source: str) -> set[tuple[int, str]]:
    """The (line, code) pairs the ``# related:`` markers in ``source`` expect."""
    return expected(source, _RELATED)


def without_markers(source: str) -> str:
    """The source as checked: markers removed, so no rule ever sees them as comments."""
    return _RELATED.sub("", _EXPECT.sub("", source))


def settings_for(source: str, root: Path) -> Settings:
    table = tomllib.loads("\n".join(m.group("toml") for m in _CONFIG.finditer(source)))
    return parse_table(table, root / "safelint.toml")


def check_source(source: str, path: str = "example.py", root: Path | None = None) -> list[Finding]:
    """Findings for ``source`` under the settings its ``# safelint-config:`` lines give."""
    base = root or Path.cwd()
    checked = without_markers(source).encode("utf-8")
    result = Checker(settings_for(source, base)).check_bytes(checked, path, base / path)
    return result.findings
