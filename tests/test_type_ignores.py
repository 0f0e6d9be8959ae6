"""A type checker's mark suppresses the matching SL2 findings (issue 16), counted like any
suppression but never reported by SL001/SL002, and ``--add-noqa`` still writes ours beside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from safelint.config import ConfigError, parse_table
from safelint.suppress import parse_suppressions, scan, suppression_edits


def test_codes_map_to_sl2() -> None:
    (mark,) = parse_suppressions("x = y.z  # type: ignore[union-attr, no-untyped-call]\n")
    assert mark.from_type_checker and mark.covers("SL201") and not mark.covers("SL401")
    (bare,) = parse_suppressions("x = y.z  # pyright: ignore\n")
    assert bare.covers("SL205") and not bare.covers("SL106")
    assert parse_suppressions("x = y.z  # type: ignore[no-untyped-call]\n") == []


def test_off_by_setting() -> None:
    assert parse_suppressions("x = y.z  # type: ignore\n", honour_type_ignores=False) == []


def test_setting_is_validated(tmp_path: Path) -> None:
    assert parse_table({"honour-type-ignores": False}, tmp_path / "safelint.toml").honour_type_ignores is False
    with pytest.raises(ConfigError, match="honour-type-ignores"):
        parse_table({"honour-type-ignores": "no"}, tmp_path / "safelint.toml")


def test_add_noqa_writes_beside_a_type_ignore() -> None:
    lines = ["x = y.z  # type: ignore[union-attr]"]
    (edit,) = suppression_edits(lines, scan(lines[0]), {1: ["SL401"]})
    assert edit.content == "  # safelint: ignore[SL401]"
