"""The flow question SL102, SL103 and SL109 share: is a value kept only in a local dropped on some path?"""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from safelint.analysis.mustuse.local_values import dropped_on_some_path
from safelint.context import ModuleContext


def dropped(body: str, keeps: object = None) -> bool:
    """Whether the value bound to ``v`` by the first ``v = make()`` in ``f`` is dropped."""
    source = "def f(a, b, sink):\n" + textwrap.indent(textwrap.dedent(body), "    ")
    module = cst.parse_module(source)
    function = module.body[0]
    assert isinstance(function, cst.FunctionDef)
    ctx = ModuleContext("example.py", source, module)
    statement = next(
        node
        for node in _small_statements(function)
        if isinstance(node, cst.Assign)
        and isinstance(node.value, cst.Call)
        and module.code_for_node(node.value) == "make()"
    )
    return dropped_on_some_path(ctx, function, statement, "v", keeps)  # type: ignore[arg-type]


def _small_statements(function: cst.FunctionDef) -> list[cst.BaseSmallStatement]:
    found: list[cst.BaseSmallStatement] = []

    class Collect(cst.CSTVisitor):
        def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
            found.extend(node.body)

    function.visit(Collect())
    return found


@pytest.mark.parametrize(
    "body",
    [
        "v = make()\n",
        "v = make()\nif a:\n    sink(v)\n",
        "v = make()\nif a:\n    return\nsink(v)\n",
        "for x in a:\n    v = make()\n",  # each iteration drops the previous one
        "v = make()\nv = 1\nsink(v)\n",
        "v = make()\ntry:\n    sink(b)\nexcept ValueError:\n    return\nsink(v)\n",
        "while a:\n    v = make()\n    if b:\n        break\n    sink(v)\n",
    ],
)
def test_dropped(body: str) -> None:
    assert dropped(body)


@pytest.mark.parametrize(
    "body",
    [
        "v = make()\nsink(v)\n",
        "v = make()\nreturn v\n",
        "v = make()\nif a:\n    sink(v)\nelse:\n    v.cancel()\n",
        "v = make()\ntry:\n    sink(b)\nfinally:\n    sink(v)\n",
        "v = make()\nsink(b)\nraise ValueError(v)\n",
        "for x in a:\n    v = make()\n    sink.append(v)\n",
        "v = make()\nwith pytest.raises(ValueError):\n    await v\n",  # read before it raised
        "v = make()\nraise SystemExit\n",  # only normal ways out count
        "global v\nv = make()\n",
        "v = make()\ndef later():\n    return v\n",  # a closure keeps it
        "v = make()\nsink(locals())\n",
    ],
)
def test_kept(body: str) -> None:
    assert not dropped(body)


def test_a_read_through_an_attribute_can_be_declared_not_to_keep_it() -> None:
    body = "v = make()\nv.daemon = True\nif a:\n    v.start()\n"
    assert dropped(body, lambda attribute: attribute != "daemon")
    assert not dropped(body)
