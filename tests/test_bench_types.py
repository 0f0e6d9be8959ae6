"""The pure parts of ``bench/types_vs_mypy.py``: the join by range, what mypy's types are
taken to say, what is left out, the common spelling of classes and the figures."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from mypy import build
from mypy.build import BuildSource

from safelint.context import ModuleContext
from safelint.source import parse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from typejoin import (
    Figures,
    Opinion,
    Record,
    class_groups,
    join,
    mypy_expressions,
    none_groups,
    records,
    reexported_classes,
    source_lines,
    utf8_column,
)
from types_vs_mypy import common_spelling, mypy_options

SOURCE = """\
import re
from typing import Any, Optional


class Box:
    def __init__(self, size: int) -> None:
        self.size = size


def find(key: str) -> Optional[Box]:
    return Box(len(key)) if key else None


def show(anything: Any) -> None:
    print(anything)


pattern = re.compile("a+")
found = pattern.match("aaa")
box = Box(3)
label = "é" + f"{box.size}"
items = ["x"]
first = items[0]
maybe = find("k")
isinstance(maybe, Box)
pair = (1, "a")
copy = pair
Alias = Box
"""


Joined = tuple[list[Record], list[tuple[str, int]], dict[str, str]]


@pytest.fixture(scope="module")
def joined() -> Joined:
    """The records of SOURCE, what mypy typed that found no partner (kind, line), and the
    classes SOURCE names otherwise than where they are defined."""
    options = mypy_options()
    result = build.build([BuildSource("tiny.py", "tiny", SOURCE)], options)
    ctx = ModuleContext("tiny.py", SOURCE, parse(SOURCE))
    typed, lines = mypy_expressions(result.files["tiny"], result.types), source_lines(SOURCE)
    pairs = join(ctx, lines, typed)
    left = [(key[0], key[1]) for key, (_, reason) in typed.items() if reason is None]
    return records(ctx, "tiny.py", lines, pairs), left, reexported_classes([result.files["tiny"]])


def at(found: list[Record], line: int, code: str) -> Record:
    (record,) = [r for r in found if r.line == line and r.code == code]
    return record


def test_every_expression_mypy_typed_finds_its_partner_past_non_ascii_text_and_in_f_strings(joined: Joined) -> None:
    found, left, _ = joined
    assert left == []
    inner = at(found, 21, "box.size")  # after "é", inside an f-string
    assert (inner.column, inner.kind, inner.excluded, inner.mypy.cls) == (17, "attribute", None, "builtins.int")


def test_what_mypy_says_of_classes_and_none(joined: Joined) -> None:
    found, _, _ = joined

    def says(line: int, code: str) -> tuple[str | None, bool | None]:
        record = at(found, line, code)
        return record.mypy.cls, record.mypy.may_be_none

    assert says(19, 'pattern.match("aaa")') == ("re.Match", True)  # Optional: None set apart, the class kept
    assert says(23, "items[0]") == ("builtins.str", False)
    assert says(25, "maybe") == ("tiny.Box", True)
    assert says(27, "pair") == ("builtins.tuple", False)
    assert says(15, "anything") == (None, None)  # Any says nothing


def test_what_is_left_out(joined: Joined) -> None:
    found, _, _ = joined
    assert at(found, 19, "found").excluded == "binding"
    assert at(found, 19, "pattern.match").excluded == "callee"
    assert at(found, 25, "Box").excluded == "class object"
    assert at(found, 24, "maybe").excluded == "binding"
    assert all(r.safelint is None for r in found if r.excluded)
    assert all(r.safelint is not None for r in found if not r.excluded)


def test_columns_are_compared_in_utf8_bytes_as_python_s_ast_counts_them() -> None:
    assert utf8_column("x = 'é' + y", 10) == 11
    assert utf8_column("x = y", 4) == 4


def test_both_sides_are_spelt_where_the_class_is_defined_then_by_its_public_name(joined: Joined) -> None:
    _, _, reexported = joined
    assert reexported["tiny.Alias"] == "tiny.Box"
    spelling = common_spelling({"pkg.Thing": "pkg._impl.Thing"})
    assert spelling("pkg.Thing") == spelling("pkg._impl.Thing") == "pkg._impl.Thing"
    assert spelling("_io.TextIOWrapper") == spelling("io.TextIOWrapper")
    assert spelling("typing.Pattern") == spelling("re.Pattern")
    assert spelling("pkg.mod.Thing") == "pkg.mod.Thing"


def _record(mypy: tuple[str | None, bool | None], ours: tuple[str | None, bool | None] | None) -> Record:
    def opinion(cls: str | None, none: bool | None) -> Opinion:
        return Opinion(cls, none, cls or "Unknown", cls or "Unknown")

    return Record("m.py", 1, 0, "name", "x", opinion(*mypy), None if ours is None else opinion(*ours))


def test_the_figures_count_coverage_and_agreement_over_what_each_side_says() -> None:
    spelling = {"_io.TextIOWrapper": "io.TextIOWrapper"}.get
    found = [
        _record(("builtins.str", False), ("builtins.str", False)),
        _record(("_io.TextIOWrapper", False), ("io.TextIOWrapper", False)),  # the same once respelt
        _record(("re.Match", True), ("re.Match", False)),  # the same class, not the same None
        _record(("builtins.int", False), (None, None)),  # safelint does not know: two misses
        _record((None, None), ("builtins.int", False)),  # mypy does not know: not counted
        _record(("builtins.int", False), None),  # excluded: not counted
    ]
    figures = Figures.of(found, lambda name: spelling(name, name))
    assert (figures.compared, figures.class_named, figures.class_covered, figures.class_agreed) == (5, 4, 3, 3)
    assert figures.class_respelt == 1
    assert (figures.none_named, figures.none_covered, figures.none_agreed) == (4, 3, 2)
    assert (figures.class_coverage, figures.class_agreement) == (0.75, 1.0)
    assert (figures.none_coverage, figures.none_agreement) == (0.75, 2 / 3)
    assert Figures().class_coverage is None

    classes = class_groups(found, lambda name: spelling(name, name))
    assert [(g.mypy, g.safelint, g.miss, g.count) for g in classes] == [("builtins.int", "Unknown", True, 1)]
    nones = none_groups(found, lambda name: spelling(name, name))
    assert [(g.mypy, g.safelint, g.miss) for g in nones] == [
        ("builtins.int", "Unknown", True),
        ("re.Match | None", "re.Match", False),
    ]
