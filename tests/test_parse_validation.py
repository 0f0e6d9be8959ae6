"""source.parse skips libcst's node validation for its own parse only: the tree is the
one a validating parse gives, and every other node is still validated."""

import threading

import libcst as cst
import pytest

from safelint import source
from safelint.source import SourceError, parse

SAMPLES = [
    "x = 1\n",
    "import os, sys as s\nfrom . import a\nfrom ..b import (c, d as e)\n",
    "@dec(1)\nclass C(B, metaclass=M):\n    '''doc'''\n    x: int = 0\n    def m(self, /, a, *b, c=1, **d) -> None: ...\n",
    "async def f():\n    async with a as b, c:\n        async for x in y:\n            await z\n    return [i async for i in g()]\n",
    "try:\n    pass\nexcept* ValueError as e:\n    raise X from e\nelse:\n    pass\nfinally:\n    del a[1:2, ::3]\n",
    "match p:\n    case [1, *rest] | {'k': v, **kw} if v:\n        pass\n    case Point(x=0) as q:\n        pass\n    case _:\n        pass\n",
    "f = lambda a, *, b=2: (yield from a) if b else not a\nx = {**d, 'a': [*l]}\ns = {1, 2}\n",
    "print(f'{a!r:>{w}} {b=}' 'plain' r'\\\\x' \"\"\"tri\nple\"\"\")\n",
    "while (n := n - 1) > 0 or x is not None:\n    global g\n    continue\nelse:\n    assert a, 'm'\n",
    "x = a if b else c; y = ~-+z ** 2 // 3 @ m\nwith (open(p) as f, open(q)):\n    pass\n",
    "def g():\n    nonlocal_ = 1\n    x: 'list[int]' = []\n    return x[0].y.z(*a, k=v, **kw)\n",
    "# comment only\n\n\n",
    "",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_the_tree_is_the_one_a_validating_parse_gives(text: str) -> None:
    assert parse(text).deep_equals(cst.parse_module(text))


def test_text_cpython_rejects_is_validated_by_libcst() -> None:
    mixed = "x = b'a' 'b'\n"  # bytes and str: CPython refuses it, libcst only by validating
    with pytest.raises(cst.CSTValidationError):
        cst.parse_module(mixed)
    with pytest.raises(cst.CSTValidationError):
        parse(mixed)


def test_nodes_built_after_a_parse_are_validated() -> None:
    parse("x = 1\n")
    with pytest.raises(cst.CSTValidationError):
        cst.Name("")
    assert vars(cst.CSTNode)["__post_init__"] is source._validate_node


def test_libcst_is_restored_when_the_parse_fails() -> None:
    with pytest.raises(SourceError):
        parse("def f(:\n")
    assert vars(cst.CSTNode)["__post_init__"] is source._validate_node


def test_another_thread_building_nodes_during_a_parse_is_validated() -> None:
    errors: list[BaseException] = []

    def build() -> None:
        try:
            cst.Name("")
        except cst.CSTValidationError as error:
            errors.append(error)

    with source._validation_skipped():
        cst.Name("")  # this thread is parsing: unvalidated
        other = threading.Thread(target=build)
        other.start()
        other.join()
    assert len(errors) == 1


def test_without_the_hook_every_node_is_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(source, "_validate_node", None)
    assert parse("x = 1\n").deep_equals(cst.parse_module("x = 1\n"))
    with source._validation_skipped(), pytest.raises(cst.CSTValidationError):
        cst.Name("")
