"""Annotations written in the checked code, read as types.

An annotation is evaluated where Python (or a type checker) evaluates it: names resolve
through the module's imports and scopes (``ctx.names``), a string or a ``from __future__
import annotations`` module reads the same, and ``typing`` spellings (``Optional[X]``,
``Union``, ``List[X]``, ``X | None``, ``Literal[...]``, ``type[X]``, ``Callable``) mean what
they mean to a type checker. A name that is a class of the project is an instance of that
class; a name the stubs define is read through them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import libcst as cst

from safelint.analysis.syntax import Scope
from safelint.analysis.types.library import Library, literal
from safelint.analysis.types.model import (
    NEVER,
    NONE,
    UNKNOWN,
    ClassObject,
    FunctionType,
    Instance,
    Param,
    Signature,
    TupleType,
    Type,
    TypeVarType,
    join,
)
from safelint.source import UNREADABLE

__all__ = ["AnnotationReader"]

_SPECIAL: Final = {
    "typing.Optional": "Optional",
    "typing_extensions.Optional": "Optional",
    "typing.Union": "Union",
    "typing_extensions.Union": "Union",
    "typing.Literal": "Literal",
    "typing_extensions.Literal": "Literal",
    "typing.Callable": "Callable",
    "collections.abc.Callable": "Callable",
    "typing.Type": "type",
    "builtins.type": "type",
}
_WRAPPERS: Final = frozenset(
    f"{module}.{name}"
    for module in ("typing", "typing_extensions", "dataclasses")
    for name in ("Annotated", "ClassVar", "Final", "Required", "NotRequired", "ReadOnly", "InitVar")
)
_ANY: Final = frozenset({"typing.Any", "typing_extensions.Any", "builtins.object"})
_NEVER: Final = frozenset({"typing.NoReturn", "typing.Never", "typing_extensions.NoReturn", "typing_extensions.Never"})
_SELF: Final = frozenset({"typing.Self", "typing_extensions.Self"})
_ANY_ARGS: Final = (Param("args", 2, False, UNKNOWN), Param("kwargs", 4, False, UNKNOWN))


class AnnotationReader:
    """Reads annotations of one module. ``qualify(expr, scope)`` resolves a name or dotted
    name to what it refers to; ``project_class(qualname)`` says whether the project
    defines a class of that name; ``alias(qualname)`` what a project type alias stands for."""

    def __init__(
        self,
        library: Library,
        qualify: Callable[[cst.BaseExpression, Scope], str | None],
        project_class: Callable[[str], bool],
        type_params: Callable[[str, Scope], TypeVarType | None],
        alias: Callable[[str], Type | None],
    ) -> None:
        self._library = library
        self._qualify = qualify
        self._project_class = project_class
        self._type_params = type_params
        self._alias = alias

    def read(self, annotation: cst.BaseExpression, scope: Scope, depth: int = 0) -> Type:
        """The type ``annotation``, evaluated in ``scope``, denotes."""
        if depth > 16:
            return UNKNOWN
        if isinstance(annotation, (cst.SimpleString, cst.ConcatenatedString)):
            text = annotation.evaluated_value
            if not isinstance(text, str):
                return UNKNOWN
            try:
                parsed = cst.parse_expression(text.strip())
            except UNREADABLE:
                return UNKNOWN
            return self.read(parsed, scope, depth + 1)
        if isinstance(annotation, cst.Name) and annotation.value == "None":
            return NONE
        if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
            return join((self.read(annotation.left, scope, depth + 1), self.read(annotation.right, scope, depth + 1)))
        if isinstance(annotation, cst.Subscript):
            return self._subscript(annotation, scope, depth)
        if isinstance(annotation, (cst.Name, cst.Attribute)):
            return self._named(annotation, scope, ())
        return UNKNOWN

    def _named(self, expr: cst.Name | cst.Attribute, scope: Scope, args: tuple[Type, ...]) -> Type:
        if isinstance(expr, cst.Name):
            typevar = self._type_params(expr.value, scope)
            if typevar is not None:
                return typevar
        qualname = self._qualify(expr, scope)
        if qualname is None:
            return UNKNOWN
        if qualname in _ANY:
            return UNKNOWN
        if qualname in _NEVER:
            return NEVER
        if qualname in _SELF:
            return TypeVarType("typing.Self")
        if self._project_class(qualname):
            return Instance(qualname, args)
        aliased = self._alias(qualname)
        if aliased is not None:
            return aliased
        value = self._library.value(qualname)
        if isinstance(value, ClassObject):
            return Instance(value.cls, args or value.args)
        if isinstance(value, Instance) and value.cls in ("typing.TypeVar",):
            return UNKNOWN
        known = self._library.annotation(qualname.rpartition(".")[0] or "builtins", None, qualname.rpartition(".")[2])
        if isinstance(known, Instance) and args:
            return Instance(known.cls, args)
        return known

    def _subscript(self, node: cst.Subscript, scope: Scope, depth: int) -> Type:
        head = node.value
        if not isinstance(head, (cst.Name, cst.Attribute)):
            return UNKNOWN
        elements = [e.slice for e in node.slice]
        arguments = [e.value for e in elements if isinstance(e, cst.Index)]
        if len(arguments) != len(elements):
            return UNKNOWN
        qualname = self._qualify(head, scope) or ""
        special = _SPECIAL.get(qualname)
        if qualname in _WRAPPERS:
            return self.read(arguments[0], scope, depth + 1) if arguments else UNKNOWN
        if special == "Optional":
            return join((self.read(arguments[0], scope, depth + 1), NONE))
        if special == "Union":
            return join(self.read(a, scope, depth + 1) for a in arguments)
        if special == "Literal":
            return join(self._literal(a, scope, depth) for a in arguments)
        if special == "type":
            inner = self.read(arguments[0], scope, depth + 1) if arguments else UNKNOWN
            return ClassObject(inner.cls, inner.args) if isinstance(inner, Instance) else UNKNOWN
        if special == "Callable":
            returns = self.read(arguments[-1], scope, depth + 1) if len(arguments) == 2 else UNKNOWN
            return FunctionType("", (Signature(_ANY_ARGS, returns),))
        if len(arguments) == 1 and isinstance(arguments[0], cst.Tuple) and not arguments[0].elements:
            values: tuple[Type, ...] = ()
            empty = True
        else:
            values = tuple(self.read(a, scope, depth + 1) for a in arguments if not _is_ellipsis(a))
            empty = False
        evaluated = self._named(head, scope, values)
        if isinstance(evaluated, Instance) and evaluated.cls == "builtins.tuple":
            if empty:
                return TupleType(())
            if any(_is_ellipsis(a) for a in arguments):
                return Instance("builtins.tuple", values[:1])
            return TupleType(values)
        return evaluated

    def _literal(self, node: cst.BaseExpression, scope: Scope, depth: int) -> Type:
        if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
            return {"True": literal(True), "False": literal(False), "None": NONE}[node.value]
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            value = node.evaluated_value
            return literal(value) if isinstance(value, (str, bytes)) else UNKNOWN
        if isinstance(node, cst.Integer):
            return literal(int(node.value, 0)) if node.value.isdigit() else Instance("builtins.int")
        if (
            isinstance(node, cst.UnaryOperation)
            and isinstance(node.operator, cst.Minus)
            and isinstance(node.expression, cst.Integer)
        ):
            return Instance("builtins.int")
        if isinstance(node, cst.Attribute):  # ``Literal[Color.RED]``: its enum class
            return self.read(node.value, scope, depth + 1)
        return self.read(node, scope, depth + 1)


def _is_ellipsis(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Ellipsis)
