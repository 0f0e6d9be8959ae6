"""SL101 asks the evaluator what a statement calls only where the answer can decide a finding."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from safelint.analysis.types.evaluator import TypeEvaluator
from safelint.config import Settings
from safelint.engine import Checker

SOURCE = """\
def test_strip(s: str):
    s.upper()

def guarded(s: str):
    try:
        s.lower()
    except ValueError:
        pass

def smoke():
    "x".encode("idna")

def plain(s: str):
    s.strip()
"""


def test_only_statements_the_rule_may_report_are_resolved(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    original = TypeEvaluator.call_target

    def recording(self: TypeEvaluator, call: cst.Call, scope: cst.CSTNode | None = None) -> str | None:
        asked.append(cst.Module([]).code_for_node(call))
        return original(self, call, scope)

    monkeypatch.setattr(TypeEvaluator, "call_target", recording)
    settings = Settings(root=Path("."), select=("SL101",))
    findings = Checker(settings).check_bytes(SOURCE.encode(), "example.py").findings
    assert [(f.code, f.line) for f in findings] == [("SL101", 14)]
    assert asked == ["s.strip()"]
