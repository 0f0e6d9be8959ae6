"""Which literal patterns ``re.match``/``re.search`` match on every string (no source of None)."""

from __future__ import annotations

import pytest

from safelint.analysis.optional.regex import always_matches


@pytest.mark.parametrize(
    ("pattern", "search", "expected"),
    [
        (r"\s*", False, True),
        (r"^([ \t]*)", False, True),
        (rb"(?:[^\r\n]*(?:\r\n|\r|\n)){0,2}", False, True),  # a bytes pattern, repeated zero times
        (r"(?:x(?=y))*", False, True),  # what a zero-times repeat holds does not matter
        (r"a|\s*", False, True),  # one alternative that needs nothing is enough
        (r"(?!\d)\w+$|$", True, True),  # a search also tries the end, where `$` holds
        (r"(?!\d)\w+$|$", False, False),  # a match tries only the start
        (r"[ \t]*$", False, False),
        (r"^$", True, False),  # the start and the end at once: only the empty string
        (r"\w*(?=['\"])", False, False),  # a lookahead needs a quote
        (r"a", True, False),
        (r"(", False, False),  # not a pattern at all
        (None, True, False),
    ],
)
def test_always_matches(pattern: str | bytes | None, search: bool, expected: bool) -> None:
    assert always_matches(pattern, search) is expected
