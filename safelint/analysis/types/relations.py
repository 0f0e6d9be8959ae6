"""How the evaluator relates classes: which is a subclass of which, and what a generic
ancestor's type arguments are for an instance (``list[int]`` as ``Iterable[int]``), for
the project's classes (from their bases) and the stubs' (also structurally, for protocols)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from safelint.analysis.facts.knowledge.resolve import Definition
from safelint.analysis.types.calls import Arg, Relations, select, solve
from safelint.analysis.types.model import UNKNOWN, FunctionType, Instance, Type, TypeVarType

if TYPE_CHECKING:
    from safelint.analysis.types.evaluator import TypeEvaluator

__all__ = ["ProjectRelations"]


class ProjectRelations(Relations):
    """Subclassing and generic ancestry across the project's classes and the stubs'."""

    def __init__(self, evaluator: TypeEvaluator) -> None:
        self._evaluator = evaluator
        self._matching: set[tuple[Instance, str]] = set()

    def is_subclass(self, cls: str, base: str) -> bool | None:
        project = self._evaluator.project
        if project.is_class(cls):
            for entry in project.mro(cls):
                name = entry if isinstance(entry, str) else entry.qualname
                if name == base:
                    return True
                if isinstance(entry, str):
                    inherited = self._library_subclass(entry, base)
                    if inherited:
                        return True
            return None
        return self._library_subclass(cls, base)

    def _library_subclass(self, cls: str, base: str) -> bool | None:
        library = self._evaluator.library
        sub, sup = library.class_definition(cls), library.class_definition(base)
        if sub is None or sup is None:
            return None
        if library.is_protocol(sup):
            # A stub class lacking one of the protocol's methods does not implement it
            # (``str`` is no ``PathLike``); having them all may still be a mismatch of types.
            missing = any(not library.has_member(sub, m) for m in library.protocol_methods(sup))
            return False if missing else None
        return sup in library.mro(sub)

    def as_ancestor(self, instance: Instance, ancestor: str) -> Instance | None:
        if instance.cls == ancestor:
            return instance
        library = self._evaluator.library
        definition = library.class_definition(ancestor)
        if definition is None or self._evaluator.project.is_class(instance.cls):
            return None
        params = library.type_params(definition)
        mapping = library.mapping(instance, definition)
        key = (instance, ancestor)
        if not mapping and library.is_protocol(definition) and key not in self._matching:
            # A protocol's method may return the protocol again (``__iter__`` of an Iterator).
            self._matching.add(key)
            try:
                mapping = self._structural(instance, definition, params)
            finally:
                self._matching.discard(key)
        if not mapping:
            return None
        return Instance(ancestor, tuple(mapping.get(p, UNKNOWN) for p in params))

    def _structural(self, instance: Instance, protocol: Definition, params: tuple[str, ...]) -> dict[str, Type]:
        """What a protocol's type variables stand for in a class that implements it without
        naming it (``list[int]`` as ``SupportsIter[Iterator[int]]``, ``float`` as
        ``SupportsDivMod[float, tuple[float, float]]``): each protocol method is matched with
        the first overload of the class's method that takes its parameters, and the type
        variables are read from that overload's parameters and result."""
        library = self._evaluator.library
        mapping: dict[str, Type] = {}
        for name in library.protocol_methods(protocol):
            declared = library.member(
                Instance(library.public_name(protocol), tuple(TypeVarType(p) for p in params)), name
            )
            actual = self._evaluator.member(instance, name)
            if not isinstance(declared, FunctionType) or not isinstance(actual, FunctionType):
                continue
            if len(declared.signatures) != 1:
                continue
            wanted = declared.signatures[0]
            chosen = select(actual.signatures, [Arg(p.type) for p in wanted.params if p.kind < 2], self)
            if chosen is None:
                continue
            signature = chosen[0]
            for mine, theirs in zip(wanted.params, signature.params):
                solve(mine.type, theirs.type, mapping, self)
            solve(wanted.returns, signature.returns, mapping, self)
        return mapping
