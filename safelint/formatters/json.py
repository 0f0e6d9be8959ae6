"""``--format json``: a JSON array of findings, sorted, nothing else (the contract in ARCHITECTURE.md)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from safelint.rule import all_rules

if TYPE_CHECKING:
    from safelint.formatters import FormatOptions
    from safelint.results import RunResult


def render(result: RunResult, options: FormatOptions) -> str:
    if options.statistics:
        rules = all_rules()
        counts: dict[str, int] = {}
        for finding in result.findings:
            counts[finding.code] = counts.get(finding.code, 0) + 1
        rows = [{"code": c, "name": rules[c].name, "count": n} for c, n in sorted(counts.items())]
        return json.dumps(rows, indent=2) + "\n"
    return json.dumps([f.to_json() for f in result.findings], indent=2, ensure_ascii=False) + "\n"
