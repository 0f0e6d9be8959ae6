"""Each rule's documentation is complete, and its examples are true: Example fires, Use instead does not."""

import re

import pytest

from safelint.rule import DOC_SECTIONS, Rule, all_rules
from safelint.testing import check_source

RULES = list(all_rules().values())


def first_code_block(text: str) -> str:
    match = re.search(r"```python\n(.*?)```", text, re.S)
    assert match, "no ```python block"
    return match.group(1)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_documentation_has_every_section(rule: type[Rule]) -> None:
    sections = rule.doc_sections()
    assert list(sections) == list(DOC_SECTIONS)
    assert all(sections.values())
    assert "Rust" in sections["Why is this a bug"]
    assert re.fullmatch(r"SL\d{3}", rule.code)
    assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.name)
    assert rule.summary.endswith(".")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_example_fires_and_use_instead_is_clean(rule: type[Rule]) -> None:
    sections = rule.doc_sections()
    example = first_code_block(sections["Example"])
    assert rule.code in {f.code for f in check_source(example)}
    assert check_source(first_code_block(sections["Use instead"])) == []


def test_codes_and_names_are_unique() -> None:
    names = [r.name for r in RULES]
    assert len(names) == len(set(names))
