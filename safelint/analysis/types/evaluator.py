"""The one evaluator of what a value is: ``ctx.types.type_of(expr, scope)``.

Every family asks it; a rule never guesses a type on its own. Answers are computed on
demand and memoised per expression for the life of the file's check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from safelint.analysis.syntax import Scope
from safelint.analysis.types.model import UNKNOWN, Instance, Type

if TYPE_CHECKING:
    from safelint.context import ModuleContext

__all__ = ["TypeEvaluator"]


class TypeEvaluator:
    def __init__(self, ctx: ModuleContext) -> None:
        self._ctx = ctx
        self._memo: dict[cst.CSTNode, Type] = {}

    def type_of(self, expr: cst.BaseExpression, scope: Scope = None) -> Type:
        """What ``expr``, read in ``scope`` (None: the module), evaluates to."""
        found = self._memo.get(expr)
        if found is None:
            name = self._ctx.names.type_of(expr, scope)
            found = self._memo[expr] = UNKNOWN if name is None else Instance(name)
        return found
