"""``--format github``: GitHub Actions workflow commands, shown as annotations on the pull request.

The runner splits a command at ``::`` and its properties at ``,`` and ``=``, and reads ``%``
escapes, so every value is escaped: ``%``, CR and LF everywhere, and ``:`` and ``,`` in
properties too. Without that, a message with a newline ends the annotation early and a file
named ``a,b.py`` annotates a file named ``a``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from safelint.results import Finding, Severity

if TYPE_CHECKING:
    from safelint.formatters import FormatOptions
    from safelint.results import RunResult


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding) -> str:
    level = "error" if f.severity is Severity.ERROR else "warning"
    properties = {
        "file": f.path,
        "line": str(f.line),
        "col": str(f.column),
        "endLine": str(f.end_line),
        "endColumn": str(f.end_column),
        "title": f"{f.code} {f.name}",
    }
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    message = f"{f.code} {f.message}" + (f"\nhelp: {f.help}" if f.help else "")
    return f"::{level} {joined}::{escape_data(message)}"


def render(result: RunResult, options: FormatOptions) -> str:
    return "".join(annotation(f) + "\n" for f in result.findings)
