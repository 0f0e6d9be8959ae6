"""Output formats, one module each; every one renders the same ``RunResult``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from safelint.formatters import concise, github, gitlab, json, json_lines, junit, pylint, sarif, text
from safelint.results import RunResult


@dataclass(frozen=True)
class FormatOptions:
    """``unsafe_fixes``: whether ``--fix`` would apply unsafe fixes, i.e. which findings the
    human formats mark fixable (``[*]``)."""

    color: bool = False
    statistics: bool = False
    quiet: bool = False
    unsafe_fixes: bool = False


Formatter = Callable[[RunResult, FormatOptions], str]

FORMATS: dict[str, Formatter] = {
    "text": text.render,
    "concise": concise.render,
    "json": json.render,
    "json-lines": json_lines.render,
    "sarif": sarif.render,
    "github": github.render,
    "gitlab": gitlab.render,
    "junit": junit.render,
    "pylint": pylint.render,
}

STATISTICS_FORMATS = ("text", "concise", "json")
"""The formats that render ``--statistics`` (a count per rule); with the others it is an error."""
