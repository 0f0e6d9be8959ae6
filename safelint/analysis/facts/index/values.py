"""Pass 1's cheap reading of a value's type, for what another module needs of it.

A module variable (``MAX_SIZE = 128 * 1024``, ``DEFAULT = Timeout(5.0)``), a field a method
assigns (``self._char = ""``) or an unannotated function's return is recorded as the few
*sources* pass 2's evaluator turns into a type: an instance of a written-out type, what a
qualified callee returns, what a qualified name denotes. Only what the syntax alone tells is
read (constants, displays, arithmetic on them, calls and names that resolve); anything else
makes the whole value unrecorded, so it stays Unknown rather than half known. Types are
kept *written out*: every name replaced by its qualified name (:class:`Qualified`), so that
another module reads them without this one's imports.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from typing import Final

from .summary import ValueSource

__all__ = ["Qualified", "add_sources", "no_param", "source_triples", "value_sources"]

_CONSTANTS: Final = {
    bool: "builtins.bool",
    int: "builtins.int",
    float: "builtins.float",
    complex: "builtins.complex",
    str: "builtins.str",
    bytes: "builtins.bytes",
}
_DISPLAYS: Final[dict[type, str]] = {
    ast.List: "builtins.list",
    ast.ListComp: "builtins.list",
    ast.Set: "builtins.set",
    ast.SetComp: "builtins.set",
    ast.Dict: "builtins.dict",
    ast.DictComp: "builtins.dict",
}
_NUMBERS: Final = ("builtins.bool", "builtins.int", "builtins.float", "builtins.complex")
_TEXTS: Final = frozenset({"builtins.str", "builtins.bytes"})
_MAX_ITEMS: Final = 8
"""A tuple display longer than this is recorded as ``tuple`` without its items."""


def value_sources(
    value: ast.expr, qualify: Callable[[ast.expr], str | None], param: Callable[[str], str | None]
) -> list[ValueSource] | None:
    """Where ``value``'s type comes from, or None when the syntax does not tell.

    ``qualify`` gives the qualified name a name or attribute chain refers to (None for a
    local); ``param`` the written-out declared type of a parameter the value may name."""
    kind = type(value)
    if kind is ast.Constant:
        constant = value.value  # type: ignore[attr-defined]
        if constant is None:
            return [("type", "None")]
        cls = _CONSTANTS.get(type(constant))
        return [("type", cls)] if cls is not None else None
    if kind is ast.JoinedStr:
        return [("type", "builtins.str")]
    display = _DISPLAYS.get(kind)
    if display is not None:
        return [("type", _display(value, display))]
    if kind is ast.Tuple:
        return [("type", _tuple(value.elts, qualify, param))]  # type: ignore[attr-defined]
    if kind is ast.Compare or (kind is ast.UnaryOp and isinstance(value.op, ast.Not)):  # type: ignore[attr-defined]
        return [("type", "builtins.bool")]
    if kind is ast.BinOp or kind is ast.UnaryOp:
        cls = _arithmetic(value)
        return [("type", cls)] if cls is not None else None
    if kind is ast.IfExp:
        body = value_sources(value.body, qualify, param)  # type: ignore[attr-defined]
        orelse = value_sources(value.orelse, qualify, param)  # type: ignore[attr-defined]
        return body + orelse if body is not None and orelse is not None else None
    if kind is ast.Call:
        callee = qualify(value.func)  # type: ignore[attr-defined]
        return [("call", callee)] if callee is not None else None
    if kind is ast.Name:
        declared = param(value.id)  # type: ignore[attr-defined]
        if declared is not None:
            return [("type", declared)]
    if kind is ast.Name or kind is ast.Attribute:
        named = qualify(value)
        return [("name", named)] if named is not None else None
    return None


def _display(value: ast.expr, cls: str) -> str:
    """A list, set or dict display: with its item types when every item is a constant of
    one class (``{"a": "b", ...}`` is ``dict[str, str]``), else without."""
    if isinstance(value, ast.Dict) and value.keys:
        keys, values = _constant_class(value.keys), _constant_class(value.values)
        return f"{cls}[{keys}, {values}]" if keys and values else cls
    if isinstance(value, (ast.List, ast.Set)) and value.elts:
        items = _constant_class(value.elts)
        return f"{cls}[{items}]" if items else cls
    return cls


def _constant_class(items: Sequence[ast.expr | None]) -> str | None:
    found: set[type] = set()
    for item in items:
        if not isinstance(item, ast.Constant) or type(item.value) not in _CONSTANTS:
            return None
        found.add(type(item.value))
    return _CONSTANTS[found.pop()] if len(found) == 1 else None


def _tuple(items: list[ast.expr], qualify: Callable[[ast.expr], str | None], param: Callable[[str], str | None]) -> str:
    """``tuple[int, str]`` when each item is one known type, else ``tuple``."""
    if not items:
        return "tuple[()]"
    if len(items) > _MAX_ITEMS:
        return "builtins.tuple"
    written: list[str] = []
    for item in items:
        sources = value_sources(item, qualify, param) if not isinstance(item, ast.Starred) else None
        if sources is None or len(sources) != 1 or sources[0][0] != "type":
            return "builtins.tuple"
        written.append(sources[0][1])
    return f"tuple[{', '.join(written)}]"


def _arithmetic(value: ast.expr) -> str | None:
    """The class of arithmetic on constants: ``128 * 1024`` is an ``int``, ``1 / 2`` a
    ``float``, ``"a" + "b"`` a ``str``; None for anything else."""
    if isinstance(value, ast.Constant):
        return _CONSTANTS.get(type(value.value))
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, (ast.USub, ast.UAdd, ast.Invert)):
        operand = _arithmetic(value.operand)
        return "builtins.int" if operand == "builtins.bool" else operand if operand in _NUMBERS else None
    if not isinstance(value, ast.BinOp):
        return None
    op = value.op
    left = _arithmetic(value.left)
    if left in _TEXTS and isinstance(op, ast.Mod):  # ``"%s" % anything``
        return left
    right = _arithmetic(value.right)
    if left is None or right is None:
        return None
    if left in _TEXTS:
        if isinstance(op, ast.Add) and right == left:
            return left
        return left if isinstance(op, ast.Mult) and right in ("builtins.int", "builtins.bool") else None
    if left not in _NUMBERS or right not in _NUMBERS:
        return None
    if isinstance(op, ast.Pow):  # ``2 ** 20`` is an int, ``2 ** -1`` a float: only a plain exponent is read
        exponent = value.right
        plain = isinstance(exponent, ast.Constant) and type(exponent.value) is int and exponent.value >= 0
        return left if plain and left in ("builtins.int", "builtins.float") else None
    bitwise = isinstance(op, (ast.LShift, ast.RShift, ast.BitAnd, ast.BitOr, ast.BitXor))
    if bitwise and left == right == "builtins.bool" and not isinstance(op, (ast.LShift, ast.RShift)):
        return left
    widest = max(_NUMBERS.index(left), _NUMBERS.index(right), 1)
    if isinstance(op, ast.Div):
        widest = max(widest, 2)
    return None if widest > 1 and bitwise else _NUMBERS[widest]


def no_param(name: str) -> str | None:
    return None


def add_sources(found: dict[str, list[ValueSource] | None], name: str, sources: list[ValueSource] | None) -> None:
    """One more value of ``name``; a value without sources leaves the name out for good."""
    if sources is None:
        found[name] = None
    elif name not in found:
        found[name] = list(sources)
    else:
        known = found[name]
        if known is not None:
            known.extend(sources)


def source_triples(
    found: dict[str, list[ValueSource] | None], declared: dict[str, str]
) -> tuple[tuple[str, str, str], ...]:
    return tuple(
        (name, how, what)
        for name, sources in found.items()
        if sources and name not in declared
        for how, what in dict.fromkeys(sources)
    )


class Qualified(ast.NodeTransformer):
    """Names and dotted names written out qualified; a ``Literal``'s arguments are values,
    left alone; a string elsewhere is a forward reference, read as the expression it holds."""

    def __init__(
        self,
        qualify: Callable[[ast.expr], str | None],
        is_typing: Callable[[ast.expr, str], bool],
    ) -> None:
        self._qualify = qualify
        self._is_typing = is_typing

    def visit_Name(self, node: ast.Name) -> ast.expr:
        return ast.Name(self._qualify(node) or node.id)

    def visit_Attribute(self, node: ast.Attribute) -> ast.expr:
        qualified = self._qualify(node)
        return ast.Name(qualified) if qualified is not None else node

    def visit_Subscript(self, node: ast.Subscript) -> ast.expr:
        literal = self._is_typing(node.value, "Literal")
        node.value = self.visit(node.value)
        if not literal:
            node.slice = self.visit(node.slice)
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.expr:
        if not isinstance(node.value, str):
            return node
        try:
            inner = ast.parse(node.value.strip(), mode="eval").body
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return node
        result: ast.expr = self.visit(inner)
        return result
