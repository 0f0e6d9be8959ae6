"""``--format json-lines``: one finding object per line, for log pipelines that read a stream."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from safelint.formatters import FormatOptions
    from safelint.results import RunResult


def render(result: RunResult, options: FormatOptions) -> str:
    return "".join(json.dumps(f.to_json(), ensure_ascii=False) + "\n" for f in result.findings)
