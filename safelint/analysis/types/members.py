"""Members of the project's own classes: methods bound to their receiver, fields (declared,
else the join of what the methods assign), class attributes (through descriptors), enum
members and a NamedTuple's fields, read from this module's tree or another module's index
summary. The evaluator asks here for whatever the project defines and the stubs cannot say.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import libcst as cst

from safelint.analysis.syntax import decorator_names, target_elements
from safelint.analysis.types.calls import Arg
from safelint.analysis.types.library import SELF
from safelint.analysis.types.model import (
    NONE,
    UNKNOWN,
    ClassObject,
    FunctionType,
    Instance,
    Signature,
    Type,
    UnknownType,
    join,
)
from safelint.analysis.types.project import NOT_FIELDS, ClassModel

if TYPE_CHECKING:
    from safelint.analysis.types.evaluator import TypeEvaluator
    from safelint.context import ModuleContext

__all__ = ["ClassMembers"]

_OBJECT: Final = Instance("builtins.object")


class ClassMembers:
    """One module's view of the project's classes, for its evaluator."""

    def __init__(self, ctx: ModuleContext, evaluator: TypeEvaluator) -> None:
        self._ctx = ctx
        self._evaluator = evaluator
        self._fields: dict[tuple[str, str], tuple[Type, bool]] = {}

    def of(self, receiver: Instance | ClassObject, name: str) -> Type:
        """``receiver.name`` for an instance or class of the project, through its ancestors.

        The first declaration in the MRO wins. A field only assigned on ``self`` is defined
        by the furthest ancestor that assigns it (a subclass's ``self._tx = ...`` does not
        redefine the base's ``_tx: Transformer``), as mypy reads it."""
        instance = isinstance(receiver, Instance)
        library = self._evaluator.library
        inferred: Type | None = None
        for entry in self._evaluator.project.mro(receiver.cls):
            if isinstance(entry, str):
                base = Instance(entry) if instance else ClassObject(entry)
                inherited = library.member(base, name, dynamic=False)
                if not isinstance(inherited, UnknownType):
                    return inherited
                continue
            own = self._model_member(entry, receiver, name, instance)
            if own is None:
                continue
            value, declared = own
            if declared:
                return value if not isinstance(value, UnknownType) else library.member(receiver, name)
            inferred = value
        if inferred is not None:
            return inferred
        found = library.member(receiver, name, dynamic=False)  # a stub for the class may say more
        if not isinstance(found, UnknownType):
            return found
        if not instance:  # ``object``'s (``C.__new__``), else what every class has as a ``type``
            found = library.member(ClassObject(_OBJECT.cls), name, dynamic=False)
            itself = {SELF: Instance(receiver.cls)}
            return found.substitute(itself) if not isinstance(found, UnknownType) else library.metaclass_member(name)
        if name != "__getattr__":
            found = library.dynamic_attribute(self.of(receiver, "__getattr__"), name)
        return found if not isinstance(found, UnknownType) else library.member(_OBJECT, name, dynamic=False)

    def _model_member(
        self, model: ClassModel, receiver: Instance | ClassObject, name: str, instance: bool
    ) -> tuple[Type, bool] | None:
        """What ``model`` itself says ``name`` is, and whether that is a declaration (an
        inferred field's type is not: an ancestor's definition wins)."""
        if model.summary is not None:
            return self._summary_member(model, receiver, name, instance)
        method = model.methods.get(name)
        if method is not None:
            decorators = decorator_names(method)
            function = self._evaluator.function_type(method, f"{model.qualname}.{name}")
            if decorators & {"property", "cached_property"}:
                return (join(s.returns for s in function.signatures) if instance else UNKNOWN), True
            if "staticmethod" in decorators:
                return function, True
            if "classmethod" in decorators or instance:
                return _bind(function, {SELF: Instance(receiver.cls)}), True
            return function, True
        if instance and name in model.fields and name not in NOT_FIELDS:
            return self._field(model, name)
        values = model.class_values.get(name)
        if values is not None:
            found = self._class_value(model, name, values)
            return (self._descriptor(found, receiver) if instance else found), True
        return self._nested_class(model.qualname, name)

    def _summary_member(
        self, model: ClassModel, receiver: Instance | ClassObject, name: str, instance: bool
    ) -> tuple[Type, bool] | None:
        summary = model.summary
        assert summary is not None
        if name in summary.methods:
            method = self._ctx.index.function(f"{summary.qualname}.{name}")
            if method is None:
                return UNKNOWN, True
            decorators = {d.rpartition(".")[2] for d in method.decorators}
            itself: dict[str, Type] = {SELF: Instance(receiver.cls)}
            if decorators & {"property", "cached_property"}:
                signatures = self._evaluator.project.summary_function(method).signatures
                return join(s.returns.substitute(itself) for s in signatures), True
            bound = "classmethod" in decorators or (instance and "staticmethod" not in decorators)
            function = self._evaluator.project.summary_function(method, bound=bound)
            return FunctionType(function.qualname, tuple(s.substitute(itself) for s in function.signatures)), True
        if name in summary.class_assignments and self._is_enum_member(summary.qualname, name):
            return Instance(summary.qualname), True
        declared = dict(summary.annotated_attributes).get(name)
        found = self._evaluator.project.class_instance(declared) if declared is not None else UNKNOWN
        inferred = [(how, what) for attr, how, what in summary.inferred_attributes if attr == name]
        class_level = name in summary.class_assignments
        if isinstance(found, UnknownType) and inferred and (instance or class_level):
            found = self._evaluator.project.sources_type(inferred)
        if isinstance(found, UnknownType):
            found = self._evaluator.project.attribute_call_type(summary, name)
        if instance and class_level:
            found = self._descriptor(found, receiver)
        if name in summary.optional_attributes:
            return join((found, NONE)), True
        if declared is not None or class_level:
            return found, True
        if (inferred and instance) or name in dict(summary.attribute_calls):
            return found, False
        return self._nested_class(summary.qualname, name)

    def _nested_class(self, owner: str, name: str) -> tuple[Type, bool] | None:
        """A class defined in the class's body (``Future.Status``)."""
        nested = f"{owner}.{name}"
        return (ClassObject(nested), True) if self._evaluator.project.is_class(nested) else None

    def _descriptor(self, value: Type, receiver: Instance | ClassObject) -> Type:
        """A class attribute read on an instance: a descriptor's ``__get__`` result."""
        if not isinstance(value, Instance):
            return value
        get = self._evaluator.member(value, "__get__")
        if not isinstance(get, FunctionType):
            return value
        return self._evaluator.call(get, [Arg(Instance(receiver.cls)), Arg(ClassObject(receiver.cls))])

    def _is_enum_member(self, cls: str, name: str) -> bool:
        """An enum class's own assignments are its members (``Color.RED`` is a ``Color``);
        ``_ignore_``, dunders and sunders are not."""
        return (
            not (name.startswith("_") and name.endswith("_"))
            and self._evaluator.relations.is_subclass(cls, "enum.Enum") is True
        )

    def _field(self, model: ClassModel, name: str) -> tuple[Type, bool]:
        """A field's declared type (its annotations), else the join of what is assigned."""
        key = (model.qualname, name)
        known = self._fields.get(key)
        if known is not None:
            return known
        self._fields[key] = (UNKNOWN, True)
        declared: list[Type] = []
        assigned: list[Type] = []
        for method, node in model.fields[name]:
            if isinstance(node, cst.AnnAssign):
                declared.append(self._evaluator.reader.read(node.annotation.annotation, method))
            elif isinstance(node, cst.Assign):
                for target in node.targets:
                    for element in target_elements(target.target):
                        if isinstance(element, cst.Attribute) and element.attr.value == name:
                            assigned.append(
                                self._evaluator.unpacked(
                                    self._evaluator.type_of(node.value, method), target.target, element
                                )
                            )
        for statement, _ in model.class_values.get(name, []):
            if isinstance(statement, cst.AnnAssign):
                declared.append(self._evaluator.reader.read(statement.annotation.annotation, model.node))
        result = (join(declared), True) if declared else (join(assigned) if assigned else UNKNOWN, False)
        self._fields[key] = result
        return result

    def _class_value(
        self, model: ClassModel, name: str, values: list[tuple[cst.CSTNode, cst.BaseExpression | None]]
    ) -> Type:
        declared = [
            self._evaluator.reader.read(n.annotation.annotation, model.node)
            for n, _ in values
            if isinstance(n, cst.AnnAssign)
        ]
        if declared:
            return join(declared)
        if self._is_enum_member(model.qualname, name) and not any(_is_function(v) for _, v in values):
            return Instance(model.qualname)
        return join(self._evaluator.type_of(v, model.node) for _, v in values if v is not None)

    def named_tuple_fields(self, instance: Instance) -> tuple[str, ...]:
        """A project ``NamedTuple``'s fields in order (it unpacks like a tuple of them)."""
        model = self._evaluator.project.model(instance.cls)
        if model is None or self._evaluator.relations.is_subclass(instance.cls, "typing.NamedTuple") is not True:
            return ()
        if model.summary is not None:
            return tuple(name for name, _ in model.summary.annotated_attributes)
        return tuple(
            name for name, values in model.class_values.items() if any(isinstance(n, cst.AnnAssign) for n, _ in values)
        )


def _bind(function: FunctionType, mapping: dict[str, Type]) -> FunctionType:
    """A method bound to its receiver: its first parameter dropped, ``Self`` replaced."""
    signatures = []
    for signature in function.signatures:
        params = signature.params[1:] if signature.params and signature.params[0].kind in (0, 1) else signature.params
        signatures.append(Signature(params, signature.returns, signature.is_async).substitute(mapping))
    return FunctionType(function.qualname, tuple(signatures))


def _is_function(value: cst.BaseExpression | None) -> bool:
    """A value that stays a method in an enum's body (a lambda is one)."""
    return isinstance(value, cst.Lambda)
