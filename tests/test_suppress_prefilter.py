"""parse_suppressions tokenizes only text that may hold a directive, with the same result."""

import pytest

from safelint import suppress
from safelint.suppress import parse_suppressions

WITHOUT = [
    'def f(x):\n    """x: the value.\n\n    type: str, see noqa-free docs, safelint handles it\n    """\n',
    "t = 'type:'  # a comment, not a directive\n",
]
WITH = [
    "x = f()  # safelint: ignore[SL101] -- why\n",
    "x = f()  # noqa: SL101\n",
    "s = '# type: ignore in a string, tokenized to tell'\n",
    "x = a.b  #type:ignore[union-attr]\n",
    "x = a.b  # pyright: ignore[reportOptionalMemberAccess]\n",
    "s = '''\n# type: ignore\n'''\n",
]


@pytest.mark.parametrize("text", WITHOUT)
def test_text_without_a_directive_is_not_tokenized(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = suppress.scan(text).suppressions
    assert expected == []

    def fail(_: str) -> suppress.Comments:
        raise AssertionError("tokenized")

    monkeypatch.setattr(suppress, "scan", fail)
    assert parse_suppressions(text) == expected


@pytest.mark.parametrize("text", WITH)
def test_text_with_a_directive_gets_what_scan_finds(text: str) -> None:
    assert parse_suppressions(text) == suppress.scan(text).suppressions
