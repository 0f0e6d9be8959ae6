"""Types from stubs: the standard library's (typeshed inside mypy) and installed packages'.

The knowledge base links names to stub definitions; this module reads those definitions as
types, with what the knowledge base's facts leave out: the type parameters of a class and
the arguments of its generic bases (``dict(MutableMapping[_KT, _VT])``), so that a member
looked up on ``dict[str, int]`` through ``Mapping.get`` comes back as ``int | None``;
``Self`` and a ``self: _T`` annotation bound to the receiver; overloads kept in order.

Classes are named by their public name (``io.TextIOWrapper``, not ``_io.TextIOWrapper``), as
every rule and the knowledge base name them. Every answer is memoised for the process.
"""

from __future__ import annotations

import ast
import re
from typing import Final

from safelint.analysis.facts.knowledge import Knowledge
from safelint.analysis.facts.knowledge.resolve import Definition, Linker, ModuleRef, Resolved
from safelint.analysis.facts.knowledge.stubs import (
    StubAlias,
    StubClass,
    StubFunction,
    StubOverloads,
    StubTypeVar,
    StubVariable,
)
from safelint.analysis.types.calls import Arg, Relations, call_result
from safelint.analysis.types.model import (
    NEVER,
    NONE,
    UNKNOWN,
    ClassObject,
    FunctionType,
    Instance,
    LiteralValue,
    ModuleType,
    Param,
    Signature,
    TupleType,
    Type,
    TypeVarType,
    UnionType,
    join,
)

__all__ = ["SELF", "Library"]

_TYPING: Final = frozenset({"typing", "typing_extensions", "_typeshed", "types", "builtins"})
_ALIASES: Final = {
    "List": "builtins.list",
    "Dict": "builtins.dict",
    "Set": "builtins.set",
    "FrozenSet": "builtins.frozenset",
    "Tuple": "builtins.tuple",
    "Type": "builtins.type",
    "DefaultDict": "collections.defaultdict",
    "OrderedDict": "collections.OrderedDict",
    "Counter": "collections.Counter",
    "Deque": "collections.deque",
    "ChainMap": "collections.ChainMap",
    "Text": "builtins.str",
    "LiteralString": "builtins.str",
    "TypeGuard": "builtins.bool",
    "TypeIs": "builtins.bool",
}
_WRAPPERS: Final = frozenset({"Annotated", "ClassVar", "Final", "Required", "NotRequired", "ReadOnly", "InitVar"})
_MAX_DEPTH: Final = 24
_PROPERTIES: Final = frozenset({"property", "cached_property", "_magic_enum_attr", "DynamicClassAttribute"})
"""Decorators that make a method read as an attribute (``enum.Enum.name`` is a ``_magic_enum_attr``)."""
_TYPE_OF: Final = re.compile(r"^\s*(?:builtins\.|typing\.)?(?:type|Type)\[(.+)\]\s*$")
SELF: Final = "typing.Self"
"""The one name ``Self`` goes by, whichever module a stub imported it from."""


class Library:
    def __init__(self, knowledge: Knowledge) -> None:
        self._knowledge = knowledge
        self._linker: Linker = knowledge.linker
        self._params: dict[Definition, tuple[str, ...]] = {}
        self._bases: dict[Definition, tuple[Instance, ...]] = {}
        self._values: dict[str, Type] = {}
        self._signatures: dict[tuple[Definition, str], tuple[Signature, ...]] = {}

    # -- names -----------------------------------------------------------------------------

    def value(self, qualname: str) -> Type:
        """What a dotted name users write denotes as a value: a module, a class, a function,
        a variable's declared type (``os.environ`` → ``os._Environ[str]``)."""
        known = self._values.get(qualname)
        if known is None:
            found = self._linker.resolve(qualname)
            known = self._values[qualname] = self._resolved_value(found) if found is not None else UNKNOWN
        return known

    def class_definition(self, name: str) -> Definition | None:
        found = self._linker.resolve(name)
        if found is None or not isinstance(found.target, Definition):
            return None
        return found.target if isinstance(found.target.binding, StubClass) else None

    def _resolved_value(self, found: Resolved) -> Type:
        target = found.target
        if isinstance(target, ModuleRef):
            return ModuleType(target.name)
        binding = target.binding
        if isinstance(binding, StubClass):
            return ClassObject(self._linker.public_name(target))
        if self._is_enum_member(target):
            assert target.owner is not None
            return Instance(self._linker.public_name(target.owner))
        if isinstance(binding, StubOverloads):
            if _PROPERTIES & binding.signatures[0].decorators:
                return UNKNOWN
            return FunctionType(self._linker.public_name(target), self.signatures(target, None))
        if isinstance(binding, StubVariable) and binding.annotation is not None:
            return self.annotation(target.module, target.owner, binding.annotation)
        if isinstance(binding, StubAlias):
            return self._alias_value(target, binding)
        return UNKNOWN

    def _alias_value(self, target: Definition, binding: StubAlias) -> Type:
        """``x = y`` in a stub: a value alias (``Text = str`` names the class ``str``,
        ``AF_INET: Final = AddressFamily.AF_INET`` an enum member)."""
        node = _parse(binding.expression)
        named = self._expression(node, target.module, target.owner) if node is not None else None
        if named is not None and isinstance(named.target, Definition) and self._is_enum_member(named.target):
            return self._resolved_value(named)
        evaluated = self.annotation(target.module, target.owner, binding.expression)
        if isinstance(evaluated, Instance) and not evaluated.has_literal:
            return ClassObject(evaluated.cls, evaluated.args)
        return UNKNOWN

    def _is_enum_member(self, definition: Definition) -> bool:
        """A stub enum's ``RED = 1`` (a value without an annotation in an enum class's body)."""
        owner = definition.owner
        if owner is None or not isinstance(definition.binding, StubVariable) or definition.binding.annotation:
            return False
        enum = self.class_definition("enum.Enum")
        return enum is not None and enum in self._linker.mro(owner)

    # -- classes ---------------------------------------------------------------------------

    def mro(self, klass: Definition) -> tuple[Definition, ...]:
        return self._linker.mro(klass)

    def is_protocol(self, klass: Definition) -> bool:
        return self._linker.is_protocol(klass)

    def public_name(self, klass: Definition) -> str:
        return self._linker.public_name(klass)

    def protocol_methods(self, protocol: Definition) -> list[str]:
        """The methods a protocol's own body declares."""
        binding = protocol.binding
        assert isinstance(binding, StubClass)
        return [name for name, member in binding.members.items() if isinstance(member, StubOverloads)]

    def has_member(self, klass: Definition, name: str) -> bool:
        """Whether the class or one of its ancestors declares ``name``."""
        return self._linker.class_member(klass, name) is not None

    def type_params(self, klass: Definition) -> tuple[str, ...]:
        """The type variables a generic class is parametrised by, in order: those of
        ``Generic[...]``/``Protocol[...]`` when given, else those its bases mention."""
        known = self._params.get(klass)
        if known is not None:
            return known
        self._params[klass] = ()
        assert isinstance(klass.binding, StubClass)
        explicit: list[str] = []
        implicit: list[str] = []
        for text in klass.binding.bases:
            node = _parse(text)
            if not isinstance(node, ast.Subscript):
                continue
            arguments = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            named: list[str] = []
            for argument in arguments:
                for typevar in _typevars(self._evaluate(argument, klass.module, klass.owner, 0)):
                    if typevar.name not in named:
                        named.append(typevar.name)
            found = self._expression(node.value, klass.module, klass.owner)
            if (
                found is not None
                and isinstance(found.target, Definition)
                and found.target.module in _TYPING
                and found.target.path[-1] in ("Generic", "Protocol")
            ):
                explicit = named
            else:
                implicit.extend(n for n in named if n not in implicit)
        known = self._params[klass] = tuple(explicit or implicit)
        return known

    def bases(self, klass: Definition) -> tuple[Instance, ...]:
        """The generic bases of ``klass`` as instances over its own type variables."""
        known = self._bases.get(klass)
        if known is not None:
            return known
        self._bases[klass] = ()
        assert isinstance(klass.binding, StubClass)
        found: list[Instance] = []
        for text in klass.binding.bases:
            base = self.annotation(klass.module, klass.owner, text)
            if isinstance(base, Instance) and base.cls != "typing.Generic":
                found.append(base)
        known = self._bases[klass] = tuple(found)
        return known

    def mapping(self, instance: Instance, ancestor: Definition) -> dict[str, Type]:
        """What the type variables of ``ancestor`` stand for in ``instance``: ``dict[str, int]``
        seen as a ``Mapping`` binds ``Mapping``'s ``_KT`` to ``str`` and ``_VT_co`` to ``int``."""
        klass = self.class_definition(instance.cls)
        if klass is None:
            return {}
        params = self.type_params(klass)
        mapping: dict[str, Type] = {p: a for p, a in zip(params, instance.args)}
        for p in params[len(instance.args) :]:
            mapping[p] = UNKNOWN
        return self._mapping_to(klass, mapping, ancestor, 0) or {}

    def _mapping_to(
        self, klass: Definition, mapping: dict[str, Type], ancestor: Definition, depth: int
    ) -> dict[str, Type] | None:
        if klass == ancestor:
            return mapping
        if depth > _MAX_DEPTH:
            return None
        for base in self.bases(klass):
            definition = self.class_definition(base.cls)
            if definition is None:
                continue
            params = self.type_params(definition)
            inner = {p: a.substitute(mapping) for p, a in zip(params, base.args)}
            for p in params[len(base.args) :]:
                inner[p] = UNKNOWN
            found = self._mapping_to(definition, inner, ancestor, depth + 1)
            if found is not None:
                return found
        return None

    # -- members ---------------------------------------------------------------------------

    def member(self, receiver: Type, name: str, *, dynamic: bool = True) -> Type:
        """``receiver.name``: a method bound to the receiver, or an attribute's type. Without
        ``dynamic``, only what the class and its ancestors declare: no ``__getattr__``, no
        metaclass (a subclass's own base may still declare the name)."""
        if isinstance(receiver, TupleType):
            receiver = receiver.as_instance()
        if isinstance(receiver, Instance):
            return self._instance_member(receiver, name, dynamic)
        if isinstance(receiver, ClassObject):
            return self._class_member(receiver, name, dynamic)
        if isinstance(receiver, ModuleType):
            return self.value(f"{receiver.name}.{name}")
        return UNKNOWN

    def _instance_member(self, receiver: Instance, name: str, dynamic: bool = True) -> Type:
        klass = self.class_definition(receiver.cls)
        if klass is None:
            return UNKNOWN
        found = self._linker.class_member(klass, name)
        if found is None and dynamic and not _is_dunder(name):
            return self.dynamic_attribute(self._instance_member(receiver, "__getattr__"), name)
        if found is None or not isinstance(found.target, Definition) or found.target.owner is None:
            return UNKNOWN
        definition, owner = found.target, found.target.owner
        if self._is_enum_member(definition):
            return Instance(self._linker.public_name(owner))
        mapping = self.mapping(receiver.plain(), owner)
        mapping[SELF] = receiver.plain()
        binding = definition.binding
        if isinstance(binding, StubOverloads):
            decorators = binding.signatures[0].decorators
            if _PROPERTIES & decorators:
                returns = binding.signatures[0].returns
                if returns is None:
                    return UNKNOWN
                return self.annotation(owner.module, owner, returns).substitute(mapping)
            bound = "staticmethod" not in decorators
            signatures = self.signatures(definition, receiver.plain() if bound else None)
            return FunctionType(f"{receiver.cls}.{name}", tuple(s.substitute(mapping) for s in signatures))
        if isinstance(binding, StubVariable) and binding.annotation is not None:
            return self.annotation(owner.module, owner, binding.annotation).substitute(mapping)
        if isinstance(binding, StubClass):
            return ClassObject(self._linker.public_name(definition))
        return UNKNOWN

    def dynamic_attribute(self, getattr_method: Type, name: str) -> Type:
        """An attribute no class in the MRO declares, read through ``__getattr__``
        (``CDLL.__getattr__`` gives every C function of a library); never a dunder, which
        Python looks up on the type alone."""
        if not isinstance(getattr_method, FunctionType) or _is_dunder(name):
            return UNKNOWN
        return call_result(getattr_method, [Arg(literal(name))], Relations())

    def _class_member(self, receiver: ClassObject, name: str, dynamic: bool = True) -> Type:
        klass = self.class_definition(receiver.cls)
        found = self._linker.class_member(klass, name) if klass is not None else None
        if found is None:
            return self.metaclass_member(name) if dynamic else UNKNOWN
        if not isinstance(found.target, Definition):
            return UNKNOWN
        definition = found.target
        if self._is_enum_member(definition) and definition.owner is not None:
            return Instance(self._linker.public_name(definition.owner))
        binding = definition.binding
        if isinstance(binding, StubOverloads):
            decorators = binding.signatures[0].decorators
            if "classmethod" in decorators:
                signatures = self.signatures(definition, receiver, classmethod=True)
                mapping = {SELF: receiver.instance()}
                return FunctionType(f"{receiver.cls}.{name}", tuple(s.substitute(mapping) for s in signatures))
            return FunctionType(f"{receiver.cls}.{name}", self.signatures(definition, None))
        if isinstance(binding, StubVariable) and binding.annotation is not None and definition.owner is not None:
            return self.annotation(definition.owner.module, definition.owner, binding.annotation)
        if isinstance(binding, StubClass):
            return ClassObject(self._linker.public_name(definition))
        return UNKNOWN

    def metaclass_member(self, name: str) -> Type:
        """What a class has as an object of ``type`` (``C.__name__``, ``C.__mro__``)."""
        return self._instance_member(_TYPE, name)

    def signatures(
        self, definition: Definition, receiver: Type | None, *, classmethod: bool = False
    ) -> tuple[Signature, ...]:
        """A function's overloads. With a ``receiver``, the first parameter is bound to it
        and dropped, and a type variable annotating it (``self: _T``) is solved to it."""
        binding = definition.binding
        assert isinstance(binding, StubOverloads)
        key = (definition, "bound" if receiver is not None else "plain")
        plain = self._signatures.get(key)
        if plain is None:
            plain = self._signatures[key] = tuple(
                self._signature(definition, stub, bound=receiver is not None) for stub in binding.signatures
            )
        if receiver is None:
            return plain
        out: list[Signature] = []
        for stub, signature in zip(binding.signatures, plain):
            first = stub.params[0] if stub.params else None
            mapping: dict[str, Type] = {}
            if first is not None and first.annotation is not None and definition.owner is not None:
                text = first.annotation
                target = receiver
                if classmethod:
                    inner = _TYPE_OF.match(text)
                    text = inner.group(1) if inner else text
                    target = receiver.instance() if isinstance(receiver, ClassObject) else receiver
                declared = self.annotation(definition.module, definition.owner, text)
                if isinstance(declared, TypeVarType):
                    mapping[declared.name] = target
            out.append(signature.substitute(mapping))
        return tuple(out)

    def _signature(self, definition: Definition, stub: StubFunction, *, bound: bool) -> Signature:
        module, owner = definition.module, definition.owner
        params = stub.params[1:] if bound and stub.params else stub.params
        converted = tuple(
            Param(
                p.name,
                p.kind,
                p.has_default,
                self.annotation(module, owner, p.annotation) if p.annotation is not None else UNKNOWN,
            )
            for p in params
        )
        returns = self.annotation(module, owner, stub.returns) if stub.returns is not None else UNKNOWN
        return Signature(converted, returns, stub.is_async)

    def constructor(self, klass: ClassObject) -> FunctionType:
        """Calling a class: the overloads of the nearest ``__init__`` (or ``__new__``),
        returning an instance whose type variables the arguments solve."""
        definition = self.class_definition(klass.cls)
        params = self.type_params(definition) if definition is not None else ()
        instance = Instance(klass.cls, klass.args or tuple(TypeVarType(p) for p in params))
        if definition is None:
            return FunctionType(klass.cls, (Signature((), instance),))
        for ancestor in self._linker.mro(definition):
            if ancestor.qualname == "builtins.object":
                break
            members = ancestor.binding.members if isinstance(ancestor.binding, StubClass) else {}
            for method in ("__new__", "__init__") if "__init__" not in members else ("__init__",):
                found = members.get(method)
                if not isinstance(found, StubOverloads):
                    continue
                member = Definition(ancestor.module, (*ancestor.path, method), found, ancestor)
                mapping = self.mapping(instance, ancestor)
                signatures = []
                for stub, signature in zip(found.signatures, self.signatures(member, instance)):
                    returns = signature.returns
                    if method == "__init__" or not isinstance(returns, Instance):
                        # ``def __init__(self: Popen[bytes], ...)``: the overload says what it makes.
                        returns = self._declared_self(member, stub) or instance
                    signatures.append(Signature(signature.params, returns).substitute(mapping))
                return FunctionType(klass.cls, tuple(signatures))
        return FunctionType(klass.cls, (Signature((), instance),))

    def _declared_self(self, method: Definition, stub: StubFunction) -> Instance | None:
        first = stub.params[0] if stub.params else None
        if first is None or first.annotation is None or method.owner is None:
            return None
        declared = self.annotation(method.module, method.owner, first.annotation)
        owner = self._linker.public_name(method.owner)
        return declared if isinstance(declared, Instance) and declared.cls == owner and declared.args else None

    # -- annotations -----------------------------------------------------------------------

    def annotation(self, module: str, owner: Definition | None, text: str) -> Type:
        """The type an annotation written in a stub (in ``module``, in class ``owner``) means."""
        node = _parse(text)
        return UNKNOWN if node is None else self._evaluate(node, module, owner, 0)

    def _evaluate(self, node: ast.expr, module: str, owner: Definition | None, depth: int) -> Type:
        if depth > _MAX_DEPTH:
            return UNKNOWN
        if isinstance(node, ast.Constant):
            if node.value is None:
                return NONE
            if isinstance(node.value, str):  # a forward reference
                inner = _parse(node.value)
                return UNKNOWN if inner is None else self._evaluate(inner, module, owner, depth + 1)
            return UNKNOWN
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return join(
                (
                    self._evaluate(node.left, module, owner, depth + 1),
                    self._evaluate(node.right, module, owner, depth + 1),
                )
            )
        if isinstance(node, ast.Subscript):
            return self._subscript(node, module, owner, depth)
        found = self._expression(node, module, owner)
        return UNKNOWN if found is None else self._entity(found, (), depth)

    def _expression(self, node: ast.expr, module: str, owner: Definition | None) -> Resolved | None:
        if isinstance(node, ast.Name):
            return self._linker.lookup(module, owner, node.id)
        if isinstance(node, ast.Attribute):
            base = self._expression(node.value, module, owner)
            return self._linker.attribute(base, node.attr) if base is not None else None
        return None

    def _entity(self, found: Resolved, args: tuple[Type, ...], depth: int) -> Type:
        target = found.target
        if isinstance(target, ModuleRef):
            return UNKNOWN
        name = target.path[-1]
        if target.module in _TYPING and len(target.path) == 1:
            if name == "Any":
                return UNKNOWN
            if name in ("NoReturn", "Never"):
                return NEVER
            if name == "Self":
                return TypeVarType(SELF)
            if name in _ALIASES:
                return Instance(_ALIASES[name], args)
        binding = target.binding
        if isinstance(binding, StubClass):
            return Instance(self._linker.public_name(target), args)
        if isinstance(binding, StubTypeVar):
            bound = self.annotation(target.module, target.owner, binding.bound) if binding.bound else UNKNOWN
            return TypeVarType(target.qualname, bound)
        if isinstance(binding, StubAlias):
            inner = _parse(binding.expression)
            if inner is None:
                return UNKNOWN
            aliased = self._evaluate(inner, target.module, target.owner, depth + 1)
            if not args:
                return aliased
            # A generic alias (``_CoroutineLike: TypeAlias = Coroutine[Any, Any, _T]``) takes its
            # arguments in the order its type variables first appear.
            variables = _typevars(aliased)
            if variables:
                return aliased.substitute({v.name: a for v, a in zip(variables, args)})
            return Instance(aliased.cls, args) if isinstance(aliased, Instance) else aliased
        return UNKNOWN

    def _subscript(self, node: ast.Subscript, module: str, owner: Definition | None, depth: int) -> Type:
        arguments = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
        head = self._expression(node.value, module, owner)
        if head is None or not isinstance(head.target, Definition):
            return UNKNOWN
        definition = head.target
        special = definition.path[-1] if definition.module in _TYPING else ""
        if special == "Optional":
            return join((self._evaluate(arguments[0], module, owner, depth + 1), NONE))
        if special == "Union":
            return join(self._evaluate(a, module, owner, depth + 1) for a in arguments)
        if special == "Literal":
            return join(self._literal(a, module, owner, depth) for a in arguments)
        if special in _WRAPPERS:
            return self._evaluate(arguments[0], module, owner, depth + 1)
        if special in ("type", "Type"):
            inner = self._evaluate(arguments[0], module, owner, depth + 1)
            return ClassObject(inner.cls, inner.args) if isinstance(inner, Instance) else UNKNOWN
        if special == "Callable":
            returns = self._evaluate(arguments[-1], module, owner, depth + 1) if len(arguments) == 2 else UNKNOWN
            return FunctionType("", (Signature((_ANY_ARGS, _ANY_KWARGS), returns),))
        values = tuple(self._evaluate(a, module, owner, depth + 1) for a in arguments)
        evaluated = self._entity(head, values, depth)
        if isinstance(evaluated, Instance) and evaluated.cls == "builtins.tuple":
            if any(isinstance(a, ast.Constant) and a.value is Ellipsis for a in arguments):
                return Instance("builtins.tuple", values[:1])
            if len(arguments) == 1 and isinstance(arguments[0], ast.Tuple) and not arguments[0].elts:
                return TupleType(())
            return TupleType(values)
        return evaluated

    def _literal(self, node: ast.expr, module: str, owner: Definition | None, depth: int) -> Type:
        value = _literal_value(node)
        if value is None:
            return NONE
        if not isinstance(value, _NotLiteral):
            return literal(value)
        if isinstance(node, ast.Attribute):  # ``Literal[Color.RED]``: its enum class
            klass = self._expression(node.value, module, owner)
            return self._entity(klass, (), depth) if klass is not None else UNKNOWN
        return self._evaluate(node, module, owner, depth + 1)


_ANY_ARGS: Final = Param("args", 2, False, UNKNOWN)
_TYPE: Final = Instance("builtins.type")
_ANY_KWARGS: Final = Param("kwargs", 4, False, UNKNOWN)


def literal(value: LiteralValue) -> Instance:
    """The literal type of a constant: ``Literal["rb"]`` is an instance of ``str``."""
    return Instance(f"builtins.{type(value).__name__}", (), value, True)


def _is_dunder(name: str) -> bool:
    """Python looks dunders up on the type, never through ``__getattr__``."""
    return name.startswith("__") and name.endswith("__")


def _parse(text: str) -> ast.expr | None:
    try:
        return ast.parse(f"(\n{text}\n)", mode="eval").body
    except SyntaxError:
        return None


def _typevars(t: Type) -> list[TypeVarType]:
    found: list[TypeVarType] = []
    stack = [t]
    while stack:
        current = stack.pop(0)
        if isinstance(current, TypeVarType):
            if current not in found:
                found.append(current)
        elif isinstance(current, (Instance, ClassObject)):
            stack.extend(current.args)
        elif isinstance(current, (TupleType,)):
            stack.extend(current.items)
        elif isinstance(current, UnionType):
            stack.extend(current.items)
    return found


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
