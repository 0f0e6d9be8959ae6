"""What SL2 findings say: where the None comes from, and the guard to write."""

from __future__ import annotations

from safelint.testing import check_source

MATCH = """\
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
    assert (finding.code, finding.line, finding.column) == ("SL201", 6, 12)
    assert finding.message == ("`m` may be None here: `re.match(...)` (line 5) returns None when there is no match")
    assert finding.help == "check it first: `if m is not None:`"


def test_inline_call_suggests_binding_it() -> None:
    (finding,) = check_source('import os\nHOME = os.environ.get("HOME").lower()\n')
    assert finding.code == "SL201"
    assert finding.message.startswith("`os.environ.get(...)` returns None when the key is missing")
    assert finding.help is not None and "is not None" in finding.help


def test_values_only_the_code_makes_none_need_the_option() -> None:
    assert [f for f in check_source(EVIDENCE) if f.code.startswith("SL2")] == []
    config = "# safelint-config: [rules.SL2]\n# safelint-config: code-evidence = true\n"
    (finding,) = [f for f in check_source(config + EVIDENCE) if f.code.startswith("SL2")]
    assert finding.code == "SL201"
    assert "it is set to None on line 4" in finding.message
