"""``--format gitlab``: a GitLab Code Quality report (the Code Climate subset GitLab reads).

GitLab compares the reports of the source and target branches by ``fingerprint``, so it must
be unique within a report and stable across commits: it hashes the path with the same
line-shift-proof fingerprint baselines use, never the line number.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from safelint.fingerprint import finding_fingerprints
from safelint.results import Severity

if TYPE_CHECKING:
    from safelint.formatters import FormatOptions
    from safelint.results import RunResult

_SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor"}


def render(result: RunResult, options: FormatOptions) -> str:
    prints = finding_fingerprints(result.findings, {f.path: result.source(f.path) for f in result.findings})
    issues: list[dict[str, Any]] = []
    for f, fingerprint in zip(result.findings, prints):
        unique = hashlib.sha256("\0".join((f.path, f.code, fingerprint)).encode("utf-8", "surrogatepass"))
        issues.append(
            {
                "type": "issue",
                "check_name": f.code,
                "description": f"{f.code} [{f.name}] {f.message}",
                "categories": ["Bug Risk"],
                "fingerprint": unique.hexdigest()[:32],
                "severity": _SEVERITY[f.severity],
                "location": {"path": f.path, "lines": {"begin": f.line, "end": f.end_line}},
            }
        )
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
