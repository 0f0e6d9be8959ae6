"""What SL2 findings say: where the None comes from, and the guard to write."""

from __future__ import annotations

from safelint.testing import check_source

MATCH = """\
# safelint-config: [rules.SL2]
# safelint-config: declared-optionals = true
import re


def version(text):
    m = re.match(r"v([0-9]+)", text)
    return m.group(1)
"""

EVIDENCE = """\
def first(items):
    found = None
    for item in items:
        found = item
    return found.strip()
"""


def test_message_names_the_source_and_its_line() -> None:
    (finding,) = [f for f in check_source(MATCH) if f.code.startswith("SL2")]
    assert (finding.code, finding.line, finding.column) == ("SL201", 8, 12)
    assert finding.message == (
        "`m` may be None here, and `.group` is used on it without a check: "
        "`re.match(...)` (line 7) returns None when there is no match"
    )
    assert finding.help == "check it first: `if m is not None:`"


def test_inline_call_suggests_binding_it() -> None:
    (finding,) = check_source('import os\nHOME = os.environ.get("HOME").lower()\n')
    assert finding.code == "SL201"
    assert finding.message.startswith("`os.environ.get(...)` returns None when the variable is not set")
    assert finding.help is not None and "is not None" in finding.help


def test_values_only_the_code_makes_none_need_the_option() -> None:
    assert [f for f in check_source(EVIDENCE) if f.code.startswith("SL2")] == []
    config = "# safelint-config: [rules.SL2]\n# safelint-config: code-evidence = true\n"
    (finding,) = [f for f in check_source(config + EVIDENCE) if f.code.startswith("SL2")]
    assert finding.code == "SL201"
    assert "it is set to None on line 4" in finding.message


def test_each_unchecked_use_belongs_to_exactly_one_rule() -> None:
    """The analysis yields uses; the six SL2 rules partition them between themselves."""
    from pathlib import Path

    from safelint.analysis.optional.uses import optional_uses
    from safelint.context import ModuleContext
    from safelint.rule import all_rules
    from safelint.source import parse
    from safelint.testing import without_markers

    rules = [rule({}) for code, rule in all_rules().items() if code.startswith("SL2")]
    fixtures = sorted(Path(__file__).parents[2].glob("fixtures/SL2*/*.py"))
    seen = 0
    for fixture in fixtures:
        text = without_markers(fixture.read_text(encoding="utf-8"))
        ctx = ModuleContext(str(fixture), text, parse(text))
        for use in optional_uses(ctx, code_evidence=True):
            owners = [r.code for r in rules if r.claims(use)]  # type: ignore[attr-defined]
            assert len(owners) == 1, (fixture.name, use.subject, owners)
            seen += 1
    assert seen > 50
