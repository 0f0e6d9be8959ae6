"""SL2 knows other modules' Optional return types through the project index."""

from __future__ import annotations

from pathlib import Path

import pytest

from safelint.api import RunOptions, SettingsResolver, check_paths
from safelint.config import Overrides
from safelint.testing import expected

PROJECT = Path(__file__).resolve().parent / "sl2_project"


def test_optional_returns_across_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(PROJECT)
    resolver = SettingsResolver(PROJECT, Overrides(select=("SL2",)))
    result = check_paths([PROJECT / "shop"], resolver, RunOptions(jobs=1, use_cache=False))
    assert not result.internal_errors
    found = {(Path(f.path).name, f.line, f.code) for f in result.findings}
    orders = PROJECT / "shop" / "orders.py"
    want = {("orders.py", line, code) for line, code in expected(orders.read_text(encoding="utf-8"))}
    assert found == want
