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

from safelint.analysis.syntax import callee_name, enclosing, walk

if TYPE_CHECKING:
    from safelint.context import ModuleContext

__all__ = ["dead_by_constant", "expects_exception", "in_test_code", "is_test_path", "said_unlocked_on_purpose"]

_RAISES_MANAGERS = frozenset(
    {"raises", "assertRaises", "assertRaisesRegex", "assertWarns", "assertWarnsRegex", "warns", "suppress"}
)
_ON_PURPOSE = r"(?:deliberate|intentional|on purpose|purposely|by design|benign|harmless)"
_UNLOCKED = r"(?:outside|without|not under|no need for|needs no|doesn't need|does not need)\b[^.;]{0,40}?lock"
_SAID_UNLOCKED = re.compile(rf"{_ON_PURPOSE}[^.;]{{0,60}}?{_UNLOCKED}|{_UNLOCKED}[^.;]{{0,60}}?{_ON_PURPOSE}", re.I)
_COMMENT_LINES = 12
"""How far above an access its comment may start."""
_TEST_FILE = re.compile(r"(^|[\\/])((test_[^\\/]*|[^\\/]*_test|conftest)\.py$|(tests?|testing)[\\/])")


def expects_exception(ctx: ModuleContext, statement: cst.CSTNode, *, in_try: bool) -> bool:
    """Whether ``statement`` runs under ``with pytest.raises(...)``/``assertRaises(...)``/
    ``suppress(...)`` — or, with ``in_try``, in a ``try`` body with handlers — in its own
    function."""
    for child, parent in enclosing(statement, ctx.parents):
        if in_try and isinstance(parent, (cst.Try, cst.TryStar)) and parent.handlers and child is parent.body:
            return True
        if isinstance(parent, cst.With) and child is parent.body and any(_raises_manager(i.item) for i in parent.items):
            return True
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


def dead_by_constant(ctx: ModuleContext, node: cst.CSTNode) -> bool:
    """Whether ``node`` sits in a branch a constant rules out: ``if True: ... else: <here>``,
    or ``if not _IS_SYNC: <here>`` where the module binds ``_IS_SYNC = True`` once. Code
    generated for two worlds (a sync twin of async code) keeps the other world's calls there."""
    constants = ctx.memo(("bool-constants", ctx.module), lambda: _module_bool_constants(ctx.module))
    parents = ctx.parents
    child, parent = node, parents.get(node)
    while parent is not None:
        if isinstance(parent, cst.If) and child in (parent.body, parent.orelse):
            value = _constant_truth(parent.test, constants)
            if value is not None and value != (child is parent.body):
                return True
        child, parent = parent, parents.get(parent)
    return False


def _constant_truth(test: cst.BaseExpression, constants: dict[str, bool]) -> bool | None:
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        inner = _constant_truth(test.expression, constants)
        return None if inner is None else not inner
    if isinstance(test, cst.Name):
        if test.value in ("True", "False"):
            return test.value == "True"
        return constants.get(test.value)
    return None


def _module_bool_constants(module: cst.Module) -> dict[str, bool]:
    """Names the module binds once, at its top level, to ``True`` or ``False``, and nowhere else."""
    values: dict[str, bool] = {}
    counts: dict[str, int] = {}
    for node in walk(module):
        if isinstance(node, (cst.AssignTarget, cst.AnnAssign, cst.AugAssign)) and isinstance(node.target, cst.Name):
            counts[node.target.value] = counts.get(node.target.value, 0) + 1
        elif isinstance(node, (cst.Global, cst.Nonlocal)):
            for name in node.names:
                counts[name.name.value] = 2
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
            assign = statement.body[0]
            if isinstance(assign, cst.Assign) and len(assign.targets) == 1:
                target, value = assign.targets[0].target, assign.value
                if isinstance(target, cst.Name) and isinstance(value, cst.Name) and value.value in ("True", "False"):
                    values[target.value] = value.value == "True"
    return {name: value for name, value in values.items() if counts.get(name) == 1}


def said_unlocked_on_purpose(ctx: ModuleContext, node: cst.CSTNode) -> bool:
    """Whether the comment on ``node``'s first line, or the nearest comment block in the few
    lines above it (within its function), says the access is made without the lock on purpose ("Deliberately outside
    _shard_state_lock: an advisory hint ... single atomic set operations"): the maintainers
    have weighed that race already."""
    lines = ctx.text.splitlines()
    first = ctx.position(node).start.line - 1
    if not 0 <= first < len(lines):
        return False
    said = [lines[first].partition("#")[2]]
    for above in range(first - 1, max(first - _COMMENT_LINES, 0) - 1, -1):
        line = lines[above].lstrip()
        if line.startswith("#"):
            said.append(line[1:])
        elif len(said) > 1 or line.startswith(("def ", "async def ", "class ")):
            break  # the nearest comment block above, and no further
    return _SAID_UNLOCKED.search(" ".join(reversed(said))) is not None
