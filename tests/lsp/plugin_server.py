"""The real server with two test-only rules: SL197 (fixes, from ``tests/fix_rule.py``) and SL198,
which raises on the name ``explode_here`` (an internal error must be logged, not fatal)."""

import sys
from pathlib import Path

import libcst as cst

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import fix_rule  # noqa: E402

from safelint.context import ModuleContext  # noqa: E402
from safelint.lsp.server import main  # noqa: E402
from safelint.results import Severity  # noqa: E402
from safelint.rule import Rule, all_rules  # noqa: E402

all_rules()
fix_rule.register()


class Explodes(Rule):
    """Test only."""

    code = "SL198"
    name = "explodes"
    severity = Severity.ERROR
    summary = "test only."

    def visit_Name(self, node: cst.Name, ctx: ModuleContext) -> None:
        if node.value == "explode_here":
            raise RuntimeError("boom")


main()
