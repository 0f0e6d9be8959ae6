"""Match a call site's arguments to a function's overloads, as mypy picks an overload.

Only what is visible in the call is used: how many positional arguments, which keyword
names, and the value of literal arguments (``None``, ``True``, ``"rb"``, ``0``). Any other
argument is "unknown, and not None": a rule reports a possible None only when it comes
from the API itself (``d.get(k)``), never from an argument it cannot see (``d.get(k, x)``).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import libcst as cst

from .model import Kind, LiteralValue, ParamKind, Signature, TypeFacts

_OBJECT = "builtins.object"
_PROMOTIONS = {
    "builtins.int": frozenset({"builtins.float", "builtins.complex"}),
    "builtins.bool": frozenset({"builtins.float", "builtins.complex"}),
    "builtins.float": frozenset({"builtins.complex"}),
}


class Unknown:
    """An argument that is not a literal: its type is not known, and it is taken as not None."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = Unknown()
ArgValue = LiteralValue | Unknown


@dataclass(frozen=True, slots=True)
class CallShape:
    """What overload matching needs from a call: argument positions, names, literal values."""

    positional: tuple[ArgValue, ...] = ()
    keywords: tuple[tuple[str, ArgValue], ...] = ()
    star_args: bool = False
    """``*args`` in the call: positional arguments cannot be counted."""
    star_kwargs: bool = False
    """``**kwargs`` in the call: keyword arguments cannot be listed."""

    @classmethod
    def of(cls, call: cst.Call) -> CallShape:
        positional: list[ArgValue] = []
        keywords: list[tuple[str, ArgValue]] = []
        star_args = star_kwargs = False
        for arg in call.args:
            if arg.star == "*":
                star_args = True
            elif arg.star == "**":
                star_kwargs = True
            elif arg.keyword is not None:
                keywords.append((arg.keyword.value, argument_value(arg.value)))
            else:
                positional.append(argument_value(arg.value))
        return cls(tuple(positional), tuple(keywords), star_args, star_kwargs)


def argument_value(node: cst.BaseExpression) -> ArgValue:
    """The value of a literal argument, or ``UNKNOWN``."""
    if isinstance(node, cst.Name):
        return {"None": None, "True": True, "False": False}.get(node.value, UNKNOWN)
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value  # None for a concatenation with an f-string
        return UNKNOWN if value is None else value
    if isinstance(node, (cst.Integer, cst.Float, cst.Imaginary)):
        return node.evaluated_value
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        inner = argument_value(node.expression)
        if isinstance(inner, (int, float, complex)) and not isinstance(inner, bool):
            return -inner
    return UNKNOWN


class Fit(enum.IntEnum):
    NO = 0
    MAYBE = 1
    YES = 2


class ClassRelation(Protocol):
    def __call__(self, subclass: str, klass: str) -> bool | None:
        """Whether ``subclass`` is ``klass`` or derives from it; None when unknown (protocols)."""


def fits(value: ArgValue, facts: TypeFacts | None, relation: ClassRelation, uniform: bool = False) -> Fit:
    """Whether an argument with ``value`` can be passed to a parameter annotated ``facts``.

    ``uniform``: every overload declares this parameter with this type, so whatever the
    argument's type, it cannot make one overload fit and not another.
    """
    if facts is None:
        return Fit.YES
    alternatives = facts.alternatives
    if value is None:
        for a in alternatives:
            if (
                a.kind in (Kind.NONE, Kind.ANY)
                or (a.kind is Kind.TYPEVAR and a.nullable)
                or (a.kind is Kind.CLASS and a.name == _OBJECT)
            ):
                return Fit.YES
        return Fit.NO
    if isinstance(value, Unknown):
        if uniform or any(
            a.kind in (Kind.ANY, Kind.TYPEVAR) or (a.kind is Kind.CLASS and a.name == _OBJECT) for a in alternatives
        ):
            return Fit.YES
        # Only None and literals left: an expression of unknown type matches neither.
        return Fit.MAYBE if any(a.kind in (Kind.CLASS, Kind.SELF) for a in alternatives) else Fit.NO
    literal_class = f"builtins.{type(value).__name__}"
    result = Fit.NO
    for a in alternatives:
        if a.kind in (Kind.ANY, Kind.TYPEVAR):
            return Fit.YES
        if a.kind is Kind.LITERAL and type(a.value) is type(value) and a.value == value:
            return Fit.YES
        if a.kind is Kind.CLASS:
            if a.name in _PROMOTIONS.get(literal_class, ()):
                return Fit.YES
            related = relation(literal_class, a.name)
            if related:
                return Fit.YES
            if related is None:
                result = Fit.MAYBE
        if a.kind is Kind.SELF:
            result = Fit.MAYBE
    return result


def bind(
    signature: Signature,
    call: CallShape,
    relation: ClassRelation,
    uniform: frozenset[str] = frozenset(),
) -> tuple[Fit, dict[str, ArgValue]]:
    """How well ``call`` fits ``signature``, and the literal arguments by parameter name.

    ``uniform`` names the parameters every overload declares alike (see ``fits``).
    """
    params = signature.params
    positional = [p for p in params if p.kind in (ParamKind.POSITIONAL_ONLY, ParamKind.POSITIONAL_OR_KEYWORD)]
    var_positional = next((p for p in params if p.kind is ParamKind.VAR_POSITIONAL), None)
    var_keyword = next((p for p in params if p.kind is ParamKind.VAR_KEYWORD), None)
    by_keyword = {p.name: p for p in params if p.kind in (ParamKind.POSITIONAL_OR_KEYWORD, ParamKind.KEYWORD_ONLY)}
    fit = Fit.MAYBE if call.star_args or call.star_kwargs else Fit.YES
    bound: dict[str, ArgValue] = {}
    for index, value in enumerate(call.positional):
        if index < len(positional):
            bound[positional[index].name] = value
        elif var_positional is None:
            return Fit.NO, {}
        else:
            fit = min(fit, fits(value, var_positional.type, relation))
    for name, value in call.keywords:
        param = by_keyword.get(name)
        if param is None:
            if var_keyword is None:
                return Fit.NO, {}
            fit = min(fit, fits(value, var_keyword.type, relation))
        elif name in bound:
            return Fit.NO, {}
        else:
            bound[name] = value
    for param in params:
        if param.kind in (ParamKind.VAR_POSITIONAL, ParamKind.VAR_KEYWORD):
            continue
        if param.name in bound:
            fit = min(fit, fits(bound[param.name], param.type, relation, param.name in uniform))
        elif not param.has_default and not (call.star_args or call.star_kwargs):
            return Fit.NO, {}
        if fit is Fit.NO:
            return Fit.NO, {}
    return fit, bound


Candidate = tuple[Signature, dict[str, ArgValue]]


def candidates(signatures: Sequence[Signature], call: CallShape | None, relation: ClassRelation) -> list[Candidate]:
    """The overloads ``call`` may select: those that may fit, up to the first that surely does.

    Without a call, every overload. Overloads returning ``Never`` mark calls typeshed
    rejects (``shutil.which`` of a ``PathLike``); they are dropped unless nothing else is left.
    """
    if call is None:
        found: list[Candidate] = [(s, {}) for s in signatures]
    else:
        found = []
        uniform = _uniform_params(signatures)
        for signature in signatures:
            fit, bound = bind(signature, call, relation, uniform)
            if fit is Fit.NO:
                continue
            found.append((signature, bound))
            if fit is Fit.YES:
                break
    returning = [c for c in found if c[0].returns is None or not c[0].returns.noreturn]
    return returning or found


def _uniform_params(signatures: Sequence[Signature]) -> frozenset[str]:
    """Parameters every signature declares with the same type (``open``'s ``file``)."""
    types: dict[str, set[object]] = {}
    for signature in signatures:
        for param in signature.params:
            types.setdefault(param.name, set()).add(param.type.alternatives if param.type is not None else None)
    return frozenset(
        name
        for name, seen in types.items()
        if len(seen) == 1 and all(any(p.name == name for p in s.params) for s in signatures)
    )


def may_return_none(candidate: Candidate) -> bool:
    """Whether the overload's result may be None, with the call's literal arguments.

    A TypeVar in the result that annotates a parameter takes that argument's type:
    ``next(it, None)`` returns ``_T | _VT`` with ``_VT`` bound to ``None``.
    """
    signature, bound = candidate
    returns = signature.returns
    if returns is None:
        return False
    if returns.optional:
        return True
    typevars = {a.name for a in returns.alternatives if a.kind is Kind.TYPEVAR}
    for param in signature.params:
        if param.type is None or param.name not in bound or bound[param.name] is not None:
            continue
        if any(a.kind is Kind.TYPEVAR and a.name in typevars for a in param.type.alternatives):
            return True
    return False
