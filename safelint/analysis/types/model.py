"""The type model every family reads: what a value is, as far as safelint can tell.

Types are immutable values, compared by structure. ``UNKNOWN`` is the answer whenever the
evaluator cannot tell; no rule may report anything on its strength. A union is kept flat
and without repeats, and a union of one member is that member, so ``T | None`` can be
asked for its parts without unwrapping layers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Final, Union

LiteralValue = Union[str, bytes, int, bool, float, complex, None]


class Type:
    """The base of every type. Subclasses are frozen dataclasses."""

    __slots__ = ()

    def members(self) -> tuple[Type, ...]:
        """The alternatives of a union; any other type is its own single alternative."""
        return (self,)

    def without_none(self) -> Type:
        return join(m for m in self.members() if not isinstance(m, NoneType))

    @property
    def may_be_none(self) -> bool | None:
        """True when None is one alternative, False when none is, None when unknown."""
        members = self.members()
        if any(isinstance(m, NoneType) for m in members):
            return True
        if any(isinstance(m, (UnknownType, TypeVarType)) for m in members):
            return None
        return False

    @property
    def class_name(self) -> str | None:
        """The one class every non-None alternative is an instance of, if there is one."""
        members = self.members()
        names = {m.cls if isinstance(m, Instance) else _TUPLE for m in members if isinstance(m, (Instance, TupleType))}
        others = [m for m in members if not isinstance(m, (Instance, TupleType, NoneType))]
        if len(names) == 1 and not others:
            return next(iter(names))
        return None

    def substitute(self, mapping: Mapping[str, Type]) -> Type:
        """Type variables replaced by what ``mapping`` binds them to."""
        return self

    def __str__(self) -> str:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class UnknownType(Type):
    def __str__(self) -> str:
        return "Unknown"


@dataclass(frozen=True, slots=True)
class NoneType(Type):
    def __str__(self) -> str:
        return "None"


@dataclass(frozen=True, slots=True)
class NeverType(Type):
    """The type of an expression that never produces a value (a call to ``sys.exit``)."""

    def __str__(self) -> str:
        return "Never"


UNKNOWN = UnknownType()
NONE = NoneType()
NEVER = NeverType()


@dataclass(frozen=True, slots=True)
class Instance(Type):
    """An instance of a class: ``builtins.list[builtins.str]``. A literal keeps its value."""

    cls: str
    """The fully qualified name of the class where it is defined (``re.Match``)."""
    args: tuple[Type, ...] = ()
    literal: LiteralValue | None = None
    has_literal: bool = False
    """Set for literal types (``Literal["rb"]``, or the type of ``"rb"`` itself)."""

    def substitute(self, mapping: Mapping[str, Type]) -> Type:
        if not self.args:
            return self
        return Instance(self.cls, tuple(a.substitute(mapping) for a in self.args), self.literal, self.has_literal)

    def plain(self) -> Instance:
        """The type without its literal value: ``str`` for ``"rb"``."""
        return Instance(self.cls, self.args) if self.has_literal else self

    def __str__(self) -> str:
        if self.has_literal:
            return f"Literal[{self.literal!r}]"
        if self.args:
            return f"{self.cls}[{', '.join(map(str, self.args))}]"
        return self.cls


@dataclass(frozen=True, slots=True)
class TupleType(Type):
    """A tuple of known length: ``tuple[str, int]``. ``tuple[str, ...]`` is an Instance."""

    items: tuple[Type, ...]

    def substitute(self, mapping: Mapping[str, Type]) -> Type:
        return TupleType(tuple(i.substitute(mapping) for i in self.items))

    def as_instance(self) -> Instance:
        return Instance(_TUPLE, (join(self.items) if self.items else UNKNOWN,))

    def __str__(self) -> str:
        return f"tuple[{', '.join(map(str, self.items))}]"


_TUPLE: Final = "builtins.tuple"


@dataclass(frozen=True, slots=True)
class ClassObject(Type):
    """A class used as a value: ``str`` in ``str(x)``, or ``type[C]``."""

    cls: str
    args: tuple[Type, ...] = ()

    def substitute(self, mapping: Mapping[str, Type]) -> Type:
        return ClassObject(self.cls, tuple(a.substitute(mapping) for a in self.args)) if self.args else self

    def instance(self) -> Instance:
        return Instance(self.cls, self.args)

    def __str__(self) -> str:
        return f"type[{self.cls}]"


@dataclass(frozen=True, slots=True)
class ModuleType(Type):
    name: str

    def __str__(self) -> str:
        return f"module {self.name}"


@dataclass(frozen=True, slots=True)
class TypeVarType(Type):
    """A type variable not yet solved: ``_T`` of ``list[_T]``, ``Self`` of a method."""

    name: str
    """Qualified, so two ``_T``s of different classes stay apart (``builtins.list._T``)."""
    bound: Type = UNKNOWN

    def substitute(self, mapping: Mapping[str, Type]) -> Type:
        return mapping.get(self.name, self)

    def __str__(self) -> str:
        return self.name.rpartition(".")[2]


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a signature, as a call binds arguments to it."""

    name: str
    kind: int
    """As ``inspect.Parameter.kind``: 0 positional-only ... 4 ``**kwargs``."""
    has_default: bool
    type: Type


@dataclass(frozen=True, slots=True)
class Signature:
    params: tuple[Param, ...]
    returns: Type
    is_async: bool = False
    """``async def``: calling it returns a coroutine of ``returns``."""

    def substitute(self, mapping: Mapping[str, Type]) -> Signature:
        if not mapping:
            return self
        params = tuple(Param(p.name, p.kind, p.has_default, p.type.substitute(mapping)) for p in self.params)
        return Signature(params, self.returns.substitute(mapping), self.is_async)


@dataclass(frozen=True, slots=True)
class FunctionType(Type):
    """A function, a bound method or an overloaded one (several signatures, first match wins)."""

    qualname: str
    signatures: tuple[Signature, ...]

    def substitute(self, mapping: Mapping[str, Type]) -> Type:
        return FunctionType(self.qualname, tuple(s.substitute(mapping) for s in self.signatures))

    def __str__(self) -> str:
        return f"def {self.qualname}"


@dataclass(frozen=True, slots=True)
class UnionType(Type):
    items: tuple[Type, ...]
    """At least two, none of them a union."""

    def members(self) -> tuple[Type, ...]:
        return self.items

    def substitute(self, mapping: Mapping[str, Type]) -> Type:
        return join(i.substitute(mapping) for i in self.items)

    def __str__(self) -> str:
        return " | ".join(map(str, self.items))


def join(types: Iterable[Type]) -> Type:
    """The union of ``types``: flattened, without repeats, Never dropped; a literal meets its
    plain class as the class. An empty join is Never. Unknown stays a member, so that
    ``Unknown | None`` (an unannotated parameter defaulting to None) still says None."""
    found: dict[Type, None] = {}
    for t in types:
        for member in t.members():
            if not isinstance(member, NeverType):
                found[member] = None
    plain = {m.plain() for m in found if isinstance(m, Instance) and not m.has_literal}
    items = [m for m in found if not (isinstance(m, Instance) and m.has_literal and m.plain() in plain)]
    if not items:
        return NEVER
    if len(items) == 1:
        return items[0]
    return UnionType(tuple(items))


def optional(t: Type) -> Type:
    return join((t, NONE))


def walk_types(t: Type) -> Iterator[Type]:
    """``t`` and every type inside it."""
    yield t
    if isinstance(t, UnionType):
        for item in t.items:
            yield from walk_types(item)
    elif isinstance(t, (Instance, ClassObject)):
        for arg in t.args:
            yield from walk_types(arg)
    elif isinstance(t, TupleType):
        for item in t.items:
            yield from walk_types(item)


CONTEXT_MANAGER_DECORATORS: Final = frozenset({"contextlib.contextmanager", "contextlib.asynccontextmanager"})


def context_manager(decorator: str, generator: Type) -> Instance:
    """What a function decorated ``@contextmanager`` (or its async twin) returns, given the
    generator its body makes: the manager, whose ``__enter__`` gives what the body yields."""
    yielded = generator.args[0] if isinstance(generator, Instance) and generator.args else UNKNOWN
    if decorator == "contextlib.asynccontextmanager":
        return Instance("contextlib._AsyncGeneratorContextManager", (yielded, NONE))
    return Instance("contextlib._GeneratorContextManager", (yielded, NONE, NONE))
