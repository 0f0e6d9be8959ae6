"""Type aliases of the project: ``M = Literal["a", "b"]``, ``X: TypeAlias = ...`` and
``type X = ...`` in this module, read from its tree; another module's from the index, which
keeps each alias (and each annotation of its functions) with every name written out
qualified, so it reads the same without that module's imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import libcst as cst

from safelint.analysis.syntax import Scope, dotted_name
from safelint.analysis.types.annotations import AnnotationReader
from safelint.analysis.types.model import UNKNOWN, Type, TypeVarType
from safelint.source import UNREADABLE

if TYPE_CHECKING:
    from safelint.analysis.types.evaluator import TypeEvaluator
    from safelint.context import ModuleContext

__all__ = ["TypeAliases"]


class TypeAliases:
    """What the project's aliases stand for, for one module's evaluator."""

    def __init__(self, ctx: ModuleContext, evaluator: TypeEvaluator) -> None:
        self._ctx = ctx
        self._evaluator = evaluator
        self._written_out = AnnotationReader(
            evaluator.library, _dotted, evaluator.project.is_class, _no_type_params, self.alias
        )
        self._aliases: dict[str, Type | None] = {}
        self._written: dict[str, Type] = {}

    def written_out(self, text: str) -> Type:
        """An annotation the index keeps for another module, its names written out qualified."""
        known = self._written.get(text)
        if known is None:
            try:
                known = self._written_out.read(cst.parse_expression(text), None)
            except UNREADABLE:
                known = UNKNOWN
            self._written[text] = known
        return known

    def alias(self, qualname: str) -> Type | None:
        """What a project type alias (``M = Literal["a", "b"]``, ``X: TypeAlias = ...``)
        stands for; None when ``qualname`` is not one."""
        if qualname in self._aliases:
            return self._aliases[qualname]
        self._aliases[qualname] = None  # an alias that refers to itself is not one
        module, _, name = qualname.rpartition(".")
        found: Type | None = None
        if module == self._evaluator.project.prefix:
            value = self._own_alias(name)
            if value is not None:
                found = self._evaluator.reader.read(value, None)
        else:
            summary = self._ctx.index.module(module)
            text = dict(summary.type_aliases).get(name) if summary is not None else None
            if text is not None:
                found = self.written_out(text)
        self._aliases[qualname] = found
        return found

    def _own_alias(self, name: str) -> cst.BaseExpression | None:
        for line in self._ctx.module.body:
            for small in line.body if isinstance(line, cst.SimpleStatementLine) else ():
                if isinstance(small, cst.TypeAlias) and small.name.value == name:
                    return small.value
        bindings = self._evaluator.scope_bindings(None).all.get(name, [])
        if len(bindings) != 1:
            return None
        node = bindings[0].node
        if isinstance(node, cst.AnnAssign) and node.value is not None:
            declared = self._ctx.names.qualified_name(node.annotation.annotation, None)
            return node.value if declared in _TYPE_ALIAS else None
        if isinstance(node, cst.Assign) and len(node.targets) == 1:
            value = node.value
            if isinstance(value, cst.Subscript) or (
                isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.BitOr)
            ):
                return value
        return None


_TYPE_ALIAS: Final = frozenset({"typing.TypeAlias", "typing_extensions.TypeAlias"})


def _dotted(expr: cst.BaseExpression, scope: Scope) -> str | None:
    return dotted_name(expr)


def _no_type_params(name: str, scope: Scope) -> TypeVarType | None:
    return None
