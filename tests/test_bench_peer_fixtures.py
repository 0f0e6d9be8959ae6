"""The pure parts of ``bench/peer_fixtures.py``: how mypy's ``.test`` files split into
modules, which of their expected errors are ours, and the comparison with safelint's."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from peer_fixtures import Fixture, _marked_errors, compare, mypy_cases, mypy_family

CASES = """\
-- a comment
[case testFirst]
x = None
x()  # E: "None" not callable
[file other.py]
y = 1
[out]
main:2: error: something else

[case testSecond]
def f() -> None: pass
f() + 1  # E: "f" does not return a value (it only ever returns None) \\
         # E: Unsupported left operand type for + ("None")
[builtins fixtures/bool.pyi]
"""


def test_cases_split_into_modules() -> None:
    cases = mypy_cases(CASES)
    assert list(cases) == ["testFirst", "testSecond"]
    assert cases["testFirst"]["main"] == 'x = None\nx()  # E: "None" not callable\n'
    assert cases["testFirst"]["other.py"] == "y = 1\n"
    assert "main:2: error" in cases["testFirst"]["[out]"]
    assert "fixtures" not in cases["testSecond"]["main"]


def test_a_continued_comment_belongs_to_the_line_it_continues() -> None:
    errors = _marked_errors(mypy_cases(CASES)["testSecond"]["main"])
    assert [line for line, _ in errors] == [2, 2]


def test_only_errors_of_our_families_count() -> None:
    assert mypy_family('"None" not callable') == "SL2"
    assert mypy_family('Item "None" of "C | None" has no attribute "foo"') == "SL2"
    assert mypy_family('Value of type "Coroutine[Any, Any, None]" must be used  [unused-coroutine]') == "SL1"
    assert mypy_family('Incompatible types in assignment (expression has type "None", variable has type "int")') is None


def test_compare_sorts_sites_into_found_missed_and_extra(tmp_path: Path) -> None:
    path = tmp_path / "f.py"
    fixture = Fixture("peer", "f", path, expected={3: "SL4", 7: "SL4", 9: "SL1"})
    found = {path.resolve(): {3: ["SL401"], 5: ["SL203"], 9: ["SL401"]}}
    verdicts = {"style": {"f:7": "closed on the next line"}, "extra": {"f:5:SL203": "REAL why"}}
    (row,) = compare([fixture], found, verdicts)
    assert row.found == [3]
    assert row.missed == [(7, "closed on the next line"), (9, "")]
    assert row.extra == [(5, "SL203", "REAL why"), (9, "SL401", "UNJUDGED")]
