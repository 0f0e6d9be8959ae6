"""``--format junit``: JUnit XML, which every CI test-report viewer reads.

One test case per checked file (a clean file is a passing test, so the report shows what was
checked), one ``<failure>`` per finding. Built with ElementTree so paths and messages are
escaped correctly.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from safelint.results import Finding

if TYPE_CHECKING:
    from safelint.formatters import FormatOptions
    from safelint.results import RunResult


def _failure(case: ET.Element, f: Finding) -> None:
    failure = ET.SubElement(case, "failure", message=f"{f.code} [{f.name}] {f.message}", type=f.code)
    detail = f"{f.path}:{f.line}:{f.column}: {f.code} [{f.name}] {f.message}"
    failure.text = detail + (f"\nhelp: {f.help}" if f.help else "")


def render(result: RunResult, options: FormatOptions) -> str:
    by_file: dict[str, list[Finding]] = {path: [] for path in result.files}
    for finding in result.findings:
        by_file.setdefault(finding.path, []).append(finding)
    failures = sum(1 for findings in by_file.values() if findings)
    errors = len(result.internal_errors)
    counts = {"tests": str(len(by_file) + errors), "failures": str(failures), "errors": str(errors)}
    root = ET.Element("testsuites", {"name": "safelint", **counts})
    suite = ET.SubElement(root, "testsuite", {"name": "safelint", "skipped": "0", **counts})
    for path, findings in sorted(by_file.items()):
        case = ET.SubElement(suite, "testcase", name=path, classname=path, file=path)
        for finding in findings:
            _failure(case, finding)
    for message in result.internal_errors:
        ET.SubElement(ET.SubElement(suite, "testcase", name="safelint", classname="safelint"), "error", message=message)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
