"""``--format sarif``: SARIF 2.1.0 as GitHub code scanning reads it.

GitHub needs more than the schema does: every rule with short and full descriptions and help
text, repository-relative URIs (it matches them to files in the checkout), and stable
``partialFingerprints`` so that a re-upload updates alerts instead of opening duplicates.
Every *enabled* rule is listed, not only the ones that fired, so that an alert whose rule ran
and found nothing can be closed as fixed. All texts come from the rules' own documentation.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from safelint import __version__
from safelint.docs import PROJECT_URL, rule_url
from safelint.fingerprint import line_hashes
from safelint.results import Finding, Severity
from safelint.rule import Rule, all_rules

if TYPE_CHECKING:
    from safelint.formatters import FormatOptions
    from safelint.results import RunResult

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_ROOT = "%SRCROOT%"


def _level(severity: Severity) -> str:
    return "error" if severity is Severity.ERROR else "warning"


def repository_root(start: Path) -> Path:
    """The enclosing git work tree (where code scanning resolves URIs), else ``start`` itself."""
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return start


def _descriptor(rule: type[Rule]) -> dict[str, Any]:
    sections = rule.doc_sections()
    documentation = rule.documentation()
    descriptor = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": sections.get("What it does") or rule.summary},
        "help": {"text": documentation or rule.summary, "markdown": documentation or rule.summary},
        "helpUri": rule_url(rule),
        "defaultConfiguration": {"level": _level(rule.severity)},
        "properties": {"tags": [rule.family()]},
    }
    return {key: value for key, value in descriptor.items() if value is not None}  # a plugin may have no page


def _location(finding: Finding, root: Path) -> dict[str, Any]:
    absolute = Path(os.path.abspath(finding.path))
    try:
        artifact = {"uri": quote(absolute.relative_to(root).as_posix()), "uriBaseId": _ROOT}
    except ValueError:
        artifact = {"uri": absolute.as_uri()}
    region = {
        "startLine": finding.line,
        "startColumn": finding.column,
        "endLine": max(finding.end_line, finding.line),
        "endColumn": finding.end_column if finding.end_line > finding.line else max(finding.end_column, finding.column),
    }
    return {"physicalLocation": {"artifactLocation": artifact, "region": region}}


def render(result: RunResult, options: FormatOptions) -> str:
    rules = all_rules()
    enabled = sorted(set(result.enabled_rules) | {f.code for f in result.findings})
    index = {code: i for i, code in enumerate(enabled)}
    root = repository_root(Path.cwd())
    hashes: dict[str, list[str]] = {}
    results = []
    for finding in result.findings:
        if finding.path not in hashes:
            text = result.source(finding.path)
            hashes[finding.path] = line_hashes(text) if text is not None else []
        entry: dict[str, Any] = {
            "ruleId": finding.code,
            "ruleIndex": index[finding.code],
            "level": _level(finding.severity),
            "message": {"text": finding.message + (f"\nhelp: {finding.help}" if finding.help else "")},
            "locations": [_location(finding, root)],
        }
        line_hash = hashes[finding.path]
        if 0 < finding.line <= len(line_hash):
            entry["partialFingerprints"] = {"primaryLocationLineHash": line_hash[finding.line - 1]}
        results.append(entry)
    run = {
        "tool": {
            "driver": {
                "name": "safelint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": PROJECT_URL,
                "rules": [_descriptor(rules[code]) for code in enabled],
            }
        },
        "originalUriBaseIds": {_ROOT: {"uri": root.as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "invocations": [
            {
                "executionSuccessful": not result.internal_errors,
                "toolExecutionNotifications": [
                    {"level": "error", "message": {"text": message}} for message in result.internal_errors
                ],
            }
        ],
        "results": results,
    }
    document = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
