"""Every fixture file: each marked line reported with its code, every other line silent."""

from pathlib import Path

import pytest

from safelint.testing import check_source, expected, expected_related

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FILES = sorted(FIXTURES.rglob("*.py"))


def test_fixtures_exist() -> None:
    assert FILES


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(FIXTURES)) for p in FILES])
def test_fixture(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    findings = check_source(source, path.name, path.parent)
    found = {(f.line, f.code) for f in findings}
    want = expected(source)
    missing = sorted(want - found)
    extra = sorted(found - want)
    assert not missing and not extra, f"missing {missing}, unexpected {extra}"
    want_related = expected_related(source)
    if want_related:
        related = {(r.line, f.code) for f in findings for r in f.related}
        missing, extra = sorted(want_related - related), sorted(related - want_related)
        assert not missing and not extra, f"related: missing {missing}, unexpected {extra}"


def test_every_rule_has_fixtures() -> None:
    from safelint.rule import all_rules

    with_fixtures = {p.name for p in FIXTURES.iterdir() if p.is_dir()}
    own_diagnostics = {"SL000"}  # parse errors cannot carry markers: see test_source.py
    assert set(all_rules()) - own_diagnostics <= with_fixtures
