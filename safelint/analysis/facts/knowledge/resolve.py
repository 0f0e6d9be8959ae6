"""Link stub records lazily: names to definitions, annotations to types, classes to MROs.

Nothing here walks a whole module: a query resolves the names it needs, following
imports, re-exports, aliases and star imports across modules (unpickling or parsing each
module on first use), and every answer is memoized for the life of the process.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from .model import (
    ANY,
    NEVER,
    NONE,
    SELF,
    Alternative,
    Kind,
    LiteralValue,
    TypeFacts,
)
from .stubs import (
    StubAlias,
    StubBinding,
    StubClass,
    StubImport,
    StubModule,
    StubOverloads,
    StubTypeVar,
    StubVariable,
)

_TYPING_MODULES = frozenset({"typing", "typing_extensions", "_typeshed"})
"""Where special forms live (``_typeshed`` for the ``Self`` TypeVar older stubs import)."""
_WRAPPERS = frozenset({"Annotated", "ClassVar", "Final", "Required", "NotRequired", "ReadOnly", "InitVar"})
_SPECIAL_CLASSES = {
    "Tuple": "builtins.tuple",
    "Type": "builtins.type",
    "LiteralString": "builtins.str",
    "TypeGuard": "builtins.bool",
    "TypeIs": "builtins.bool",
    "Callable": "typing.Callable",
}
_MAX_DEPTH = 24
OBJECT = "builtins.object"


class ModuleSource(Protocol):
    """Where the linker gets stub records from."""

    def module(self, name: str) -> StubModule | None: ...


@dataclass(frozen=True, slots=True)
class ModuleRef:
    name: str


@dataclass(frozen=True, slots=True)
class Definition:
    """A class, function, variable, TypeVar or type alias, where the stub defines it."""

    module: str
    path: tuple[str, ...]
    binding: StubBinding = field(compare=False, hash=False)
    owner: Definition | None = field(default=None, compare=False, hash=False)
    """The class whose body defines it, for members."""

    @property
    def qualname(self) -> str:
        return ".".join((self.module, *self.path))


@dataclass(frozen=True, slots=True)
class Resolved:
    target: Definition | ModuleRef
    receiver: Definition | None = None
    """The class a member was looked up on (an instance's class for ``os.environ.get``)."""


def is_special(definition: Definition, *names: str) -> bool:
    """Whether ``definition`` is one of typing's special forms ``names``."""
    return definition.module in _TYPING_MODULES and definition.path[-1] in names


class Linker:
    def __init__(self, source: ModuleSource, public: dict[str, str]) -> None:
        self._source = source
        self._public = public
        self._members: dict[tuple[str, str], Resolved | None] = {}
        self._modules: dict[str, bool] = {}
        self._mros: dict[Definition, tuple[Definition, ...]] = {}
        self._protocols: dict[Definition, bool] = {}
        self._resolved: dict[str, Resolved | None] = {}

    # -- names ------------------------------------------------------------------------

    def has_module(self, name: str) -> bool:
        known = self._modules.get(name)
        if known is None:
            known = self._source.module(name) is not None
            self._modules[name] = known
        return known

    def public_name(self, definition: Definition) -> str:
        """What users write for ``definition``: ``io.TextIOWrapper`` for ``_io.TextIOWrapper``."""
        for end in range(len(definition.path), 0, -1):
            head = ".".join((definition.module, *definition.path[:end]))
            public = self._public.get(head)
            if public is not None:
                return ".".join((public, *definition.path[end:]))
        return definition.qualname

    def resolve(self, qualname: str) -> Resolved | None:
        """Resolve a dotted name users write: ``os.environ.get``, ``open``, ``dict.get``."""
        if qualname in self._resolved:
            return self._resolved[qualname]
        parts = qualname.split(".")
        result: Resolved | None = None
        for end in range(len(parts), 0, -1):
            if self.has_module(".".join(parts[:end])):
                result = self._walk(Resolved(ModuleRef(".".join(parts[:end]))), parts[end:])
                break
        else:  # ``open``, ``dict.get``: builtins need no module prefix
            result = self._walk(Resolved(ModuleRef("builtins")), parts)
        self._resolved[qualname] = result
        return result

    def _walk(self, start: Resolved, names: list[str]) -> Resolved | None:
        current: Resolved | None = start
        for name in names:
            if current is None:
                return None
            current = self.attribute(current, name)
        return current

    def member(self, module: str, name: str, depth: int = 0) -> Resolved | None:
        """``module.name``, following imports, aliases and star imports."""
        key = (module, name)
        if key in self._members:
            return self._members[key]
        if depth > _MAX_DEPTH:
            return None
        self._members[key] = None  # a cycle resolves to nothing rather than recursing forever
        result = self._member(module, name, depth)
        self._members[key] = result
        return result

    def _member(self, module: str, name: str, depth: int) -> Resolved | None:
        stub = self._source.module(module)
        if stub is None:
            return None
        binding = stub.members.get(name)
        if binding is None:
            for star in stub.stars:
                if self.exports(star, name):
                    found = self.member(star, name, depth + 1)
                    if found is not None:
                        return found
            submodule = f"{module}.{name}"
            return Resolved(ModuleRef(submodule)) if self.has_module(submodule) else None
        return self._bind(module, (name,), binding, None, depth)

    def exports(self, module: str, name: str, seen: frozenset[str] = frozenset()) -> bool:
        """Whether ``from module import *`` binds ``name``."""
        stub = self._source.module(module)
        if stub is None or module in seen:
            return False
        if stub.all is not None:
            return name in stub.all
        if name.startswith("_"):
            return False
        return name in stub.members or any(self.exports(star, name, seen | {module}) for star in stub.stars)

    def exported_names(self, module: str, seen: frozenset[str] = frozenset()) -> Iterator[str]:
        """Every name ``from module import *`` binds."""
        stub = self._source.module(module)
        if stub is None or module in seen:
            return
        if stub.all is not None:
            yield from stub.all
            return
        yield from (name for name in stub.members if not name.startswith("_"))
        for star in stub.stars:
            yield from self.exported_names(star, seen | {module})

    def _bind(
        self,
        module: str,
        path: tuple[str, ...],
        binding: StubBinding,
        owner: Definition | None,
        depth: int,
    ) -> Resolved | None:
        if isinstance(binding, StubImport):
            if binding.name is None:
                return Resolved(ModuleRef(binding.module)) if self.has_module(binding.module) else None
            submodule = f"{binding.module}.{binding.name}"
            if self.has_module(submodule):
                return Resolved(ModuleRef(submodule))
            return self.member(binding.module, binding.name, depth + 1)
        definition = Definition(module, path, binding, owner)
        if isinstance(binding, StubAlias):
            # `X = X` in a class body reads the X around the class (pytest's `Interrupted =
            # Interrupted`): the name is not bound in the class yet when its value is read.
            own = owner is not None and binding.expression.split(".")[0] == path[-1]
            target = self._dotted(module, owner.owner if own and owner else owner, binding.expression, depth + 1)
            if target is not None:
                return target
        return Resolved(definition)

    def _dotted(self, module: str, owner: Definition | None, text: str, depth: int) -> Resolved | None:
        """Resolve ``text`` when it is a plain dotted name, else None."""
        parts = text.split(".")
        if not all(part.isidentifier() for part in parts):
            return None
        current = self.lookup(module, owner, parts[0], depth)
        return self._walk(current, parts[1:]) if current is not None else None

    def lookup(self, module: str, owner: Definition | None, name: str, depth: int = 0) -> Resolved | None:
        """A bare name in a stub's scope: the enclosing class bodies, the module, builtins."""
        if depth > _MAX_DEPTH:  # aliases in class bodies that name each other
            return None
        scope = owner
        while scope is not None:
            binding = _members(scope).get(name)
            if isinstance(binding, (StubClass, StubAlias, StubTypeVar)):
                return self._bind(scope.module, (*scope.path, name), binding, scope, depth)
            scope = scope.owner
        found = self.member(module, name, depth)
        if found is None and module != "builtins":
            found = self.member("builtins", name, depth)
        return found

    def attribute(self, resolved: Resolved, name: str) -> Resolved | None:
        """``x.name`` where ``x`` is a module, a class or a variable (through its type)."""
        target = resolved.target
        if isinstance(target, ModuleRef):
            return self.member(target.name, name)
        binding = target.binding
        if isinstance(binding, StubClass):
            return self.class_member(target, name)
        if isinstance(binding, (StubVariable, StubAlias)):
            instance_of = self.single_class(self.variable_type(target))
            return self.class_member(instance_of, name) if instance_of is not None else None
        if isinstance(binding, StubOverloads) and "property" in _decorators(binding):
            returns = self.property_type(target)
            instance_of = self.single_class(returns) if returns is not None else None
            return self.class_member(instance_of, name) if instance_of is not None else None
        return None

    def class_member(self, klass: Definition, name: str) -> Resolved | None:
        """``name`` looked up through ``klass``'s MRO; the receiver is ``klass``."""
        for ancestor in self.mro(klass):
            binding = _members(ancestor).get(name)
            if binding is None:
                continue
            found = self._bind(ancestor.module, (*ancestor.path, name), binding, ancestor, 0)
            if found is None:
                return None
            return Resolved(found.target, klass)
        return None

    def single_class(self, facts: TypeFacts | None) -> Definition | None:
        """The class a value of type ``facts`` is an instance of, when there is just one."""
        if facts is None or len(facts.classes) != 1:
            return None
        found = self.resolve(facts.classes[0])
        if found is None or not isinstance(found.target, Definition):
            return None
        return found.target if isinstance(found.target.binding, StubClass) else None

    # -- classes ----------------------------------------------------------------------

    def bases(self, klass: Definition) -> tuple[list[Definition], bool]:
        """The base classes of ``klass``, and whether it is a Protocol."""
        bases: list[Definition] = []
        protocol = False
        assert isinstance(klass.binding, StubClass)
        for text in klass.binding.bases:
            head = text.partition("[")[0].strip()
            found = self._dotted(klass.module, klass.owner, head, 0)
            if found is None or not isinstance(found.target, Definition):
                continue
            base = found.target
            if is_special(base, "Protocol"):
                protocol = True
            elif isinstance(base.binding, StubClass) and base != klass:
                bases.append(base)
        return bases, protocol

    def is_protocol(self, klass: Definition) -> bool:
        known = self._protocols.get(klass)
        if known is None:
            known = self.bases(klass)[1]
            self._protocols[klass] = known
        return known

    def mro(self, klass: Definition) -> tuple[Definition, ...]:
        """C3 linearization; a depth-first order when the stubs' bases do not linearize."""
        known = self._mros.get(klass)
        if known is not None:
            return known
        self._mros[klass] = (klass,)  # breaks cycles in broken stubs
        bases, _ = self.bases(klass)
        base_mros = [list(self.mro(base)) for base in bases]
        merged = _c3([*base_mros, list(bases)])
        if merged is None:
            merged = list(dict.fromkeys(d for mro in base_mros for d in mro))
        result = [klass, *merged]
        root = self.member("builtins", "object")
        if root is not None and isinstance(root.target, Definition):
            if root.target not in result:
                result.append(root.target)
            elif result[-1] != root.target:
                result.remove(root.target)
                result.append(root.target)
        known = tuple(result)
        self._mros[klass] = known
        return known

    # -- types ------------------------------------------------------------------------

    def variable_type(self, definition: Definition) -> TypeFacts | None:
        binding = definition.binding
        if isinstance(binding, StubVariable) and binding.annotation is not None:
            return self.type_of(definition.module, definition.owner, binding.annotation)
        if isinstance(binding, StubAlias):
            return self.type_of(definition.module, definition.owner, binding.expression)
        return None

    def property_type(self, definition: Definition) -> TypeFacts | None:
        assert isinstance(definition.binding, StubOverloads)
        returns = definition.binding.signatures[0].returns
        if returns is None:
            return None
        facts = self.type_of(definition.module, definition.owner, returns)
        owner = definition.owner
        return substitute_self(facts, self.public_name(owner)) if owner is not None else facts

    def type_of(self, module: str, owner: Definition | None, text: str) -> TypeFacts:
        """Evaluate the annotation ``text`` written in ``module`` (inside class ``owner``)."""
        try:
            node = ast.parse(f"(\n{text}\n)", mode="eval").body
        except SyntaxError:
            return TypeFacts(text, (ANY,))
        alternatives, items = self._evaluate(node, module, owner, 0)
        return TypeFacts(text, tuple(dict.fromkeys(alternatives)), items)

    def _evaluate(
        self, node: ast.expr, module: str, owner: Definition | None, depth: int
    ) -> tuple[list[Alternative], tuple[TypeFacts, ...] | None]:
        if depth > _MAX_DEPTH:
            return [ANY], None
        if isinstance(node, ast.Constant):
            if node.value is None:
                return [NONE], None
            if isinstance(node.value, str):  # a forward reference
                try:
                    inner = ast.parse(f"(\n{node.value}\n)", mode="eval").body
                except SyntaxError:
                    return [ANY], None
                return self._evaluate(inner, module, owner, depth + 1)
            return [ANY], None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            left, _ = self._evaluate(node.left, module, owner, depth + 1)
            right, _ = self._evaluate(node.right, module, owner, depth + 1)
            return [*left, *right], None
        if isinstance(node, ast.Subscript):
            return self._subscript(node, module, owner, depth)
        found = self._expression(node, module, owner, depth)
        if found is None:
            return [ANY], None
        return self._entity_type(found, depth)

    def _expression(self, node: ast.expr, module: str, owner: Definition | None, depth: int) -> Resolved | None:
        if isinstance(node, ast.Name):
            return self.lookup(module, owner, node.id, depth)
        if isinstance(node, ast.Attribute):
            base = self._expression(node.value, module, owner, depth)
            return self.attribute(base, node.attr) if base is not None else None
        return None

    def _entity_type(self, found: Resolved, depth: int) -> tuple[list[Alternative], tuple[TypeFacts, ...] | None]:
        target = found.target
        if isinstance(target, ModuleRef):
            return [ANY], None
        if target.module in _TYPING_MODULES:
            name = target.path[-1]
            if name == "Any":
                return [ANY], None
            if name in ("NoReturn", "Never"):
                return [NEVER], None
            if name == "Self":
                return [SELF], None
            if name in _SPECIAL_CLASSES:
                return [Alternative(Kind.CLASS, _SPECIAL_CLASSES[name])], None
        binding = target.binding
        if isinstance(binding, StubClass):
            return [Alternative(Kind.CLASS, self.public_name(target))], None
        if isinstance(binding, StubTypeVar):
            return [self._typevar(target, depth)], None
        if isinstance(binding, StubAlias):
            try:
                node = ast.parse(f"(\n{binding.expression}\n)", mode="eval").body
            except SyntaxError:
                return [ANY], None
            return self._evaluate(node, target.module, target.owner, depth + 1)
        return [ANY], None

    def _typevar(self, typevar: Definition, depth: int) -> Alternative:
        """A TypeVar alternative: whether None satisfies it, and the class it is bound to."""
        binding = typevar.binding
        assert isinstance(binding, StubTypeVar)
        limits = [binding.bound] if binding.bound is not None else list(binding.constraints)
        nullable = not limits
        classes: list[str] = []
        for text in limits:
            try:
                node = ast.parse(f"(\n{text}\n)", mode="eval").body
            except SyntaxError:
                return Alternative(Kind.TYPEVAR, typevar.qualname)
            for alternative in self._evaluate(node, typevar.module, typevar.owner, depth + 1)[0]:
                if alternative.kind in (Kind.NONE, Kind.ANY) or alternative.name == OBJECT:
                    nullable = True
                elif alternative.kind is Kind.CLASS:
                    classes.append(alternative.name)
        bound = classes[0] if binding.bound is not None and len(classes) == 1 else ""
        return Alternative(Kind.TYPEVAR, typevar.qualname, nullable=nullable, bound=bound)

    def _subscript(
        self, node: ast.Subscript, module: str, owner: Definition | None, depth: int
    ) -> tuple[list[Alternative], tuple[TypeFacts, ...] | None]:
        arguments = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
        head = self._expression(node.value, module, owner, depth)
        if head is None or not isinstance(head.target, Definition):
            return [ANY], None
        definition = head.target
        special = definition.path[-1] if definition.module in _TYPING_MODULES else ""
        if special == "Optional":
            inner, _ = self._evaluate(arguments[0], module, owner, depth + 1)
            return [*inner, NONE], None
        if special == "Union":
            alternatives: list[Alternative] = []
            for argument in arguments:
                alternatives.extend(self._evaluate(argument, module, owner, depth + 1)[0])
            return alternatives, None
        if special == "Literal":
            return self._literals(arguments, module, owner, depth), None
        if special in _WRAPPERS:
            return self._evaluate(arguments[0], module, owner, depth + 1)
        alternatives, _ = self._entity_type(head, depth)
        if alternatives == [Alternative(Kind.CLASS, "builtins.tuple")]:
            return alternatives, self._tuple_items(arguments, module, owner)
        return alternatives, None

    def _tuple_items(
        self, arguments: list[ast.expr], module: str, owner: Definition | None
    ) -> tuple[TypeFacts, ...] | None:
        if any(isinstance(a, ast.Constant) and a.value is Ellipsis for a in arguments):
            return None
        if len(arguments) == 1 and isinstance(arguments[0], ast.Tuple) and not arguments[0].elts:
            return ()
        return tuple(self.type_of(module, owner, ast.unparse(a)) for a in arguments)

    def _literals(
        self, arguments: list[ast.expr], module: str, owner: Definition | None, depth: int
    ) -> list[Alternative]:
        alternatives: list[Alternative] = []
        for argument in arguments:
            value = _literal_value(argument)
            if value is None:
                alternatives.append(NONE)
            elif not isinstance(value, _NotLiteral):
                alternatives.append(Alternative(Kind.LITERAL, value=value))
            elif isinstance(argument, ast.Attribute):  # ``Literal[Color.RED]``: its enum class
                klass = self._expression(argument.value, module, owner, depth)
                alternatives.extend(self._entity_type(klass, depth)[0] if klass else [ANY])
            else:  # a nested ``Literal[...]`` or an alias of one
                alternatives.extend(self._evaluate(argument, module, owner, depth + 1)[0])
        return alternatives


class _NotLiteral:
    """Marks a ``Literal[...]`` argument that is not a plain constant."""


def _literal_value(node: ast.expr) -> LiteralValue | _NotLiteral:
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes, int, bool, float, complex, type(None))):
        return node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and isinstance(node.operand.value, (int, float))
        and not isinstance(node.operand.value, bool)
    ):
        return -node.operand.value
    return _NotLiteral()


def substitute_self(facts: TypeFacts, klass: str, typevar: str | None = None) -> TypeFacts:
    """Replace ``Self`` (and a TypeVar annotating ``self``) by the receiver class."""
    replacement = Alternative(Kind.CLASS, klass)
    alternatives = tuple(
        dict.fromkeys(
            replacement if a.kind is Kind.SELF or (a.kind is Kind.TYPEVAR and a.name == typevar) else a
            for a in facts.alternatives
        )
    )
    if alternatives == facts.alternatives:
        return facts
    return TypeFacts(facts.text, alternatives, facts.items)


def _members(definition: Definition) -> dict[str, StubBinding]:
    binding = definition.binding
    return binding.members if isinstance(binding, StubClass) else {}


def _decorators(overloads: StubOverloads) -> frozenset[str]:
    return overloads.signatures[0].decorators


def _c3(sequences: list[list[Definition]]) -> list[Definition] | None:
    result: list[Definition] = []
    pending = [list(sequence) for sequence in sequences if sequence]
    while pending:
        for sequence in pending:
            head = sequence[0]
            if not any(head in other[1:] for other in pending):
                break
        else:
            return None
        result.append(head)
        pending = [[d for d in sequence if d != head] for sequence in pending]
        pending = [sequence for sequence in pending if sequence]
    return result
