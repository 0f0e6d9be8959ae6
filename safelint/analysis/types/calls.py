"""Calls: which overload a call selects, and what its type variables stand for there.

As mypy and pyright do, the first overload whose parameters accept the arguments wins. An
argument of unknown type is accepted by any parameter except one that only takes None, so
``d.get(k, x)`` selects the overload with a default and its result is not Optional: a None
is reported only when the API itself says so. Type variables are solved from the argument
types (``re.compile(p)`` with ``p: str`` gives ``Pattern[str]``); one left unsolved is
Unknown in the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from safelint.analysis.types.model import (
    NONE,
    UNKNOWN,
    ClassObject,
    FunctionType,
    Instance,
    NeverType,
    NoneType,
    Signature,
    TupleType,
    Type,
    TypeVarType,
    UnionType,
    UnknownType,
    join,
)

__all__ = ["Arg", "Relations", "call_result", "select", "solve"]

_POSITIONAL_ONLY, _POSITIONAL_OR_KEYWORD, _VAR_POSITIONAL, _KEYWORD_ONLY, _VAR_KEYWORD = range(5)
_PROMOTIONS = {
    "builtins.bool": ("builtins.int", "builtins.float", "builtins.complex"),
    "builtins.int": ("builtins.float", "builtins.complex"),
    "builtins.float": ("builtins.complex",),
    "builtins.bytearray": ("builtins.bytes",),
    "builtins.memoryview": ("builtins.bytes",),
}


@dataclass(frozen=True, slots=True)
class Arg:
    """One argument as the call writes it."""

    type: Type
    keyword: str | None = None
    star: str = ""
    """``*`` or ``**`` for an unpacked argument."""


class Relations:
    """What the caller knows about classes: whether one derives from another, and what a
    generic ancestor's type variables stand for in an instance. None means "cannot tell"."""

    def is_subclass(self, cls: str, base: str) -> bool | None:
        return None

    def as_ancestor(self, instance: Instance, ancestor: str) -> Instance | None:
        """``instance`` seen as its ancestor ``ancestor`` (``dict[str, int]`` as ``Mapping``)."""
        return instance if instance.cls == ancestor else None


def call_result(function: FunctionType, args: Sequence[Arg], relations: Relations) -> Type:
    """What calling ``function`` with ``args`` returns (a coroutine's result for ``async``
    signatures is the caller's business: see :attr:`Signature.is_async`)."""
    chosen = select(function.signatures, args, relations)
    if chosen is None:
        return UNKNOWN
    signature, mapping = chosen
    return _unsolved_to_unknown(signature.returns.substitute(mapping))


def select(
    signatures: Sequence[Signature], args: Sequence[Arg], relations: Relations
) -> tuple[Signature, dict[str, Type]] | None:
    """The first signature that accepts ``args``, with its type variables solved."""
    for signature in signatures:
        bound = _bind(signature, args)
        if bound is None:
            continue
        if all(_accepts(param_type, arg.type, relations) for param_type, arg in bound):
            mapping: dict[str, Type] = {}
            for param_type, arg in bound:
                solve(param_type, arg.type, mapping, relations)
            return signature, mapping
    return None


def _bind(signature: Signature, args: Sequence[Arg]) -> list[tuple[Type, Arg]] | None:
    """Pair each argument with the type of the parameter it binds to; None if they do not fit."""
    params = signature.params
    positional = [p for p in params if p.kind in (_POSITIONAL_ONLY, _POSITIONAL_OR_KEYWORD)]
    var_positional = next((p for p in params if p.kind == _VAR_POSITIONAL), None)
    var_keyword = next((p for p in params if p.kind == _VAR_KEYWORD), None)
    pairs: list[tuple[Type, Arg]] = []
    filled: set[str] = set()
    index = 0
    unpacked = False
    for arg in args:
        if arg.star == "*":
            unpacked = True
            continue
        if arg.star == "**" or arg.keyword is not None:
            continue
        if index < len(positional):
            pairs.append((positional[index].type, arg))
            filled.add(positional[index].name)
            index += 1
        elif var_positional is not None:
            pairs.append((var_positional.type, arg))
        else:
            return None
    keyworded = any(a.star == "**" for a in args)
    for arg in args:
        if arg.keyword is None:
            continue
        param = next(
            (p for p in params if p.name == arg.keyword and p.kind in (_POSITIONAL_OR_KEYWORD, _KEYWORD_ONLY)),
            None,
        )
        if param is not None:
            if param.name in filled:
                return None
            pairs.append((param.type, arg))
            filled.add(param.name)
        elif var_keyword is not None:
            pairs.append((var_keyword.type, arg))
        else:
            return None
    if not (unpacked or keyworded):
        for param in params:
            if param.kind in (_VAR_POSITIONAL, _VAR_KEYWORD) or param.has_default or param.name in filled:
                continue
            return None  # a required parameter is missing
    return pairs


def _accepts(param: Type, arg: Type, relations: Relations) -> bool:
    """Whether a parameter of type ``param`` takes an argument of type ``arg``, as far as can
    be told: only a visible mismatch rejects."""
    if isinstance(param, (UnknownType, TypeVarType)):
        return True
    members = arg.members()
    if isinstance(arg, UnknownType):
        return not _only_none(param)
    if len(members) > 1:
        return all(_accepts(param, m, relations) for m in members if not isinstance(m, UnknownType))
    if isinstance(arg, NeverType):
        return True
    return any(_accepts_one(p, arg, relations) for p in param.members())


def _accepts_one(param: Type, arg: Type, relations: Relations) -> bool:
    if isinstance(param, (UnknownType, TypeVarType)) or isinstance(arg, UnknownType):
        return True
    if isinstance(arg, NoneType) and isinstance(param, Instance) and param.cls == "builtins.object":
        return True  # ``str(None)``, ``id(None)``: None is an object
    if isinstance(param, NoneType) or isinstance(arg, NoneType):
        return isinstance(param, NoneType) and isinstance(arg, NoneType)
    if isinstance(arg, TupleType):
        arg = arg.as_instance()
    if isinstance(param, TupleType):
        param = param.as_instance()
    if isinstance(param, Instance) and isinstance(arg, Instance):
        if param.has_literal and arg.has_literal:
            return param.literal == arg.literal and type(param.literal) is type(arg.literal)
        if param.has_literal:
            return False  # a plain `str` does not select the overload for `Literal["rb"]`
        if param.cls in ("builtins.object", arg.cls) or param.cls in _PROMOTIONS.get(arg.cls, ()):
            return True
        derived = relations.is_subclass(arg.cls, param.cls)
        return derived is not False
    if isinstance(param, Instance) and isinstance(arg, (ClassObject, FunctionType)):
        return param.cls not in ("builtins.str", "builtins.bytes", "builtins.int", "builtins.float", "builtins.bool")
    return True


def _only_none(t: Type) -> bool:
    return all(isinstance(m, NoneType) for m in t.members())


def solve(declared: Type, actual: Type, mapping: dict[str, Type], relations: Relations) -> None:
    """Bind the type variables in ``declared`` to what ``actual`` gives them, joining what
    several arguments give one variable."""
    if isinstance(declared, TypeVarType):
        if isinstance(actual, UnknownType):
            return
        plain = actual.plain() if isinstance(actual, Instance) else actual
        previous = mapping.get(declared.name)
        mapping[declared.name] = plain if previous is None else join((previous, plain))
        return
    if isinstance(declared, UnionType):
        # `_T | None` given `str | None`: `_T` is `str`.
        variables = [m for m in declared.items if isinstance(m, TypeVarType)]
        concrete = [m for m in declared.items if not isinstance(m, TypeVarType)]
        rest = join(
            m for m in actual.members() if not any(_accepts_one(c, m, relations) for c in concrete if c is not NONE)
        )
        if any(isinstance(c, NoneType) for c in concrete):
            rest = rest.without_none()
        if len(variables) == 1:
            solve(variables[0], rest, mapping, relations)
        for member in concrete:
            for part in actual.members():
                solve(member, part, mapping, relations)
        return
    if isinstance(declared, TupleType) and isinstance(actual, TupleType) and len(declared.items) == len(actual.items):
        for d, a in zip(declared.items, actual.items):
            solve(d, a, mapping, relations)
        return
    if isinstance(actual, TupleType):
        actual = actual.as_instance()
    if isinstance(declared, Instance) and declared.args:
        for part in actual.members():
            if not isinstance(part, Instance):
                continue
            seen = relations.as_ancestor(part, declared.cls)
            if seen is not None:
                for d, a in zip(declared.args, seen.args):
                    solve(d, a, mapping, relations)
        return
    if isinstance(declared, ClassObject) and isinstance(actual, ClassObject):
        return
    if isinstance(declared, FunctionType) and isinstance(actual, FunctionType):
        _solve_callable(declared, actual, mapping, relations)


def _solve_callable(
    declared: FunctionType, actual: FunctionType, mapping: dict[str, Type], relations: Relations
) -> None:
    """``Callable[..., _T]`` given a function: ``_T`` is what the function returns."""
    if len(declared.signatures) != 1 or len(actual.signatures) != 1:
        return
    returns = actual.signatures[0].returns
    solve(declared.signatures[0].returns, returns, mapping, relations)


def _unsolved_to_unknown(t: Type) -> Type:
    return t.substitute(_Unsolved())


class _Unsolved(dict[str, Type]):
    """A mapping that sends every type variable it is asked about to Unknown."""

    def get(self, key: str, default: Type | None = None) -> Type:  # type: ignore[override]
        return UNKNOWN
