"""Where dropping a result is deliberate: code run for the exception it may raise, and tests.

A test calls ``"x".encode("idna")`` or ``repr(obj)`` to see that it does not raise, and
creates a ``Thread`` only to read its ``name``; under ``with pytest.raises(...)`` a call is
made *to* raise. Rules about dropped results ask these questions only for a candidate they
would report, since the answer costs the module's parent map.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import libcst as cst

from safelint.analysis.syntax import callee_name

if TYPE_CHECKING:
    from safelint.context import ModuleContext

__all__ = ["expects_exception", "in_test_code", "is_test_path"]

_RAISES_MANAGERS = frozenset(
    {"raises", "assertRaises", "assertRaisesRegex", "assertWarns", "assertWarnsRegex", "warns", "suppress"}
)
_TEST_FILE = re.compile(r"(^|[\\/])((test_[^\\/]*|[^\\/]*_test|conftest)\.py$|(tests?|testing)[\\/])")


def expects_exception(ctx: ModuleContext, statement: cst.CSTNode, *, in_try: bool) -> bool:
    """Whether ``statement`` runs under ``with pytest.raises(...)``/``assertRaises(...)``/
    ``suppress(...)`` — or, with ``in_try``, in a ``try`` body with handlers — in its own
    function."""
    parents = ctx.parents
    child: cst.CSTNode = statement
    parent = parents.get(child)
    while parent is not None and not isinstance(parent, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
        if in_try and isinstance(parent, (cst.Try, cst.TryStar)) and parent.handlers and child is parent.body:
            return True
        if isinstance(parent, cst.With) and child is parent.body and any(_raises_manager(i.item) for i in parent.items):
            return True
        child, parent = parent, parents.get(parent)
    return False


def is_test_path(path: str) -> bool:
    """``test_*.py``, ``*_test.py``, ``conftest.py``, or a file under ``test``/``tests``/``testing``."""
    return _TEST_FILE.search(path) is not None


def in_test_code(ctx: ModuleContext, node: cst.CSTNode) -> bool:
    """Whether ``node`` is in a test file (``test_*.py``, ``*_test.py``, ``conftest.py``, or
    any file under a ``test``, ``tests`` or ``testing`` directory, where test helpers and
    scripts live), a function named ``test*`` or a class named ``Test*``."""
    if is_test_path(ctx.path):
        return True
    parents = ctx.parents
    parent = parents.get(node)
    while parent is not None:
        if isinstance(parent, cst.FunctionDef) and parent.name.value.startswith("test"):
            return True
        if isinstance(parent, cst.ClassDef) and parent.name.value.startswith("Test"):
            return True
        parent = parents.get(parent)
    return False


def _raises_manager(item: cst.BaseExpression) -> bool:
    if not isinstance(item, cst.Call):
        return False
    return callee_name(item.func) in _RAISES_MANAGERS
