"""Unannotated parameters defaulting to None as a source of None. In unannotated code such a
default is usually a sentinel every caller overrides, so it counts only where a call of the
function's name in the module leaves the parameter out (or passes ``None``), and a use is
reported only where the default surely reaches it. Kept apart because it reads the module's
calls, not the scope being narrowed."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cached_property
from typing import TYPE_CHECKING

import libcst as cst

from safelint.analysis.optional.conditions import is_none
from safelint.analysis.optional.narrowing import DerefEvent
from safelint.analysis.optional.nullness import Fact, Nullness
from safelint.analysis.syntax import ScopeNode, callee_name, decorator_names, target_names, walk

if TYPE_CHECKING:
    from safelint.context import ModuleContext

__all__ = ["NoneDefaults"]


class NoneDefaults:
    """The unannotated None defaults of a module's functions that some call leaves to them."""

    def __init__(self, ctx: ModuleContext, parents: Mapping[ScopeNode, ScopeNode | None]) -> None:
        self.ctx = ctx
        self.parents = parents
        self._facts: dict[cst.FunctionDef, dict[str, Fact]] = {}

    def facts(self, func: cst.FunctionDef) -> dict[str, Fact]:
        """MAYBE for an unannotated parameter defaulting to None that a call in this module
        leaves out: there the default reaches the body. Without such a call it is most often
        a sentinel every caller overrides."""
        found = self._facts.get(func)
        if found is None:
            found = self._facts[func] = {
                param.name.value: Fact(Nullness.MAYBE, frozenset((param,)))
                for param, position in _unannotated_none_defaults(func)
                if self._left_out(func, param.name.value, position)
            }
        return found

    def reaches(self, func: cst.FunctionDef, event: DerefEvent) -> bool:
        """For a None that only an unannotated default brings: whether it surely reaches the
        use — a statement of the body itself (under no condition, loop or ``try``) that no
        earlier statement of the body rebinds the parameter before."""
        weak = self._facts.get(func, {})
        params = [o for o in event.fact.origins if isinstance(o, cst.Param) and o.name.value in weak]
        if not params or len(params) != len(event.fact.origins):
            return True
        body = func.body.body if isinstance(func.body, cst.IndentedBlock) else ()
        statement: cst.CSTNode | None = event.node
        while statement is not None and statement not in body:
            statement = self.ctx.parents.get(statement)
        if (
            statement is None
            or not isinstance(statement, cst.SimpleStatementLine)
            and not _in_header(statement, event.node, self.ctx.parents)
        ):
            return False
        names = {p.name.value for p in params}
        for earlier in body[: body.index(statement)]:
            for node in walk(earlier):
                if names.intersection(n for t in _assigned(node) for n in target_names(t)):
                    return False
        return True

    def _left_out(self, func: cst.FunctionDef, name: str, position: int | None) -> bool:
        """Whether some call of ``func``'s name in this module passes None for ``name``: leaves
        it out (neither by keyword nor by enough positional arguments) or passes ``None``."""
        klass = self.parents.get(func)
        method = isinstance(klass, cst.ClassDef) and "staticmethod" not in decorator_names(func)
        called = func.name.value
        if called.startswith("__"):
            if called != "__init__" or not isinstance(klass, cst.ClassDef):
                return False
            called = klass.name.value  # `Box(...)` calls `Box.__init__`
        for call in self.calls_by_name.get(called, ()):
            if any(arg.star for arg in call.args):
                continue
            if method and called == func.name.value and not (_self_call(call) and self._inside(call, klass)):
                continue  # `other.get()` may be any class's `get`: only `self.get()` in its class counts
            if not method and isinstance(call.func, cst.Attribute):
                continue  # `obj.f()` of a module function: another callee
            keyword = next((a for a in call.args if a.keyword is not None and a.keyword.value == name), None)
            positional = [arg for arg in call.args if arg.keyword is None]
            index = None if position is None else position - (1 if method else 0)
            given = (
                keyword
                if keyword is not None
                else (positional[index] if index is not None and index < len(positional) else None)
            )
            if given is None or is_none(given.value):
                return True  # left out, or None passed as is: `f(None)`
        return False

    def _inside(self, node: cst.CSTNode, klass: cst.CSTNode | None) -> bool:
        parent = self.ctx.parents.get(node)
        while parent is not None and not isinstance(parent, cst.ClassDef):
            parent = self.ctx.parents.get(parent)
        return parent is klass

    @cached_property
    def calls_by_name(self) -> dict[str, list[cst.Call]]:
        """The module's calls by the last name of their callee (``f(...)``, ``obj.f(...)``)."""
        calls: dict[str, list[cst.Call]] = {}
        for node in walk(self.ctx.module):
            if type(node) is cst.Call:
                name = callee_name(node.func)
                if name is not None:
                    calls.setdefault(name, []).append(node)
        return calls


def _unannotated_none_defaults(func: cst.FunctionDef) -> Iterator[tuple[cst.Param, int | None]]:
    """Each unannotated parameter defaulting to None, with its position among the
    positional parameters (None for keyword-only)."""
    params = func.params
    for position, param in enumerate((*params.posonly_params, *params.params)):
        if param.annotation is None and param.default is not None and is_none(param.default):
            yield param, position
    for param in params.kwonly_params:
        if param.annotation is None and param.default is not None and is_none(param.default):
            yield param, None


def _self_call(call: cst.Call) -> bool:
    func = call.func
    return isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in ("self", "cls")


def _assigned(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The targets ``node`` binds, if it is an assignment, a loop or a ``with ... as``."""
    if isinstance(node, cst.Assign):
        return [t.target for t in node.targets]
    if isinstance(node, (cst.AnnAssign, cst.AugAssign, cst.For, cst.NamedExpr)):
        return [node.target]
    if isinstance(node, cst.WithItem) and node.asname is not None:
        return [node.asname.name]
    return []


def _in_header(statement: cst.CSTNode, node: cst.CSTNode, parents: Mapping[cst.CSTNode, cst.CSTNode]) -> bool:
    """Whether ``node`` is in the part of a compound statement that always runs (an ``if``'s
    or ``while``'s test, a ``for``'s iterable, a ``with``'s items), not in a block."""
    header: tuple[cst.CSTNode, ...] = ()
    if isinstance(statement, (cst.If, cst.While)):
        header = (statement.test,)
    elif isinstance(statement, cst.For):
        header = (statement.iter,)
    elif isinstance(statement, cst.With):
        header = tuple(statement.items)
    current: cst.CSTNode | None = node
    while current is not None and current is not statement:
        if any(current is h for h in header):
            return True
        current = parents.get(current)
    return False
