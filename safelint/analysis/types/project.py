"""The checked project's own functions and classes, as types.

This module's definitions are read from its tree: a function's annotations (or, where the
return is not annotated, what its ``return`` statements give, with None when it can fall
off the end), its ``@overload``s in order; a class's bases, methods, properties, class-level
annotations and assignments, and the fields its methods set on ``self`` (declared where an
annotation says, else the join of every value assigned). Other modules of the project are
read from the project index's summaries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from safelint.analysis.facts.index.summary import ClassSummary, FunctionSummary, ParamSummary, ValueSource
from safelint.analysis.flow.cfg import NodeKind
from safelint.analysis.syntax import PROPERTY_ACCESSORS, children, decorator_names, parameters, target_elements, walk
from safelint.analysis.types.model import (
    CONTEXT_MANAGER_DECORATORS,
    NEVER,
    NONE,
    UNKNOWN,
    ClassObject,
    FunctionType,
    Instance,
    Param,
    Signature,
    Type,
    UnknownType,
    context_manager,
    join,
)

if TYPE_CHECKING:
    from safelint.analysis.types.evaluator import TypeEvaluator
    from safelint.context import ModuleContext

__all__ = ["NOT_FIELDS", "ClassModel", "ProjectTypes", "falls_off_end", "returns_of"]

_PARAM_KINDS = {"positional_only": 0, "positional": 1, "var_positional": 2, "keyword_only": 3, "var_keyword": 4}
NOT_FIELDS = frozenset({"__init__", "__new__", "__post_init__"})
"""Names that are methods even when something assigns them on ``self``."""


@dataclass
class ClassModel:
    """One project class: its bases, and what each member name holds."""

    qualname: str
    bases: tuple[str, ...]
    node: cst.ClassDef | None = None
    summary: ClassSummary | None = None
    methods: dict[str, cst.FunctionDef] = field(default_factory=dict)
    class_values: dict[str, list[tuple[cst.CSTNode, cst.BaseExpression | None]]] = field(default_factory=dict)
    """Class-level bindings: (annotation or assignment node, value)."""
    fields: dict[str, list[tuple[cst.FunctionDef, cst.CSTNode]]] = field(default_factory=dict)
    """``self.x`` bindings per name: (method, Assign/AnnAssign/AugAssign node)."""


class ProjectTypes:
    """The project's functions and classes for one module's evaluator."""

    def __init__(self, ctx: ModuleContext, evaluator: TypeEvaluator) -> None:
        self._ctx = ctx
        self._evaluator = evaluator
        module, _ = ctx.module_name
        self.prefix = module or "<module>"
        self._own_classes: dict[str, cst.ClassDef] | None = None
        self._own_functions: dict[str, cst.FunctionDef] | None = None
        self._classes: dict[str, ClassModel | None] = {}
        self._variables: dict[str, Type] = {}

    # -- what the module defines -------------------------------------------------------------

    def _index_own(self) -> None:
        classes: dict[str, cst.ClassDef] = {}
        functions: dict[str, cst.FunctionDef] = {}
        stack: list[tuple[cst.CSTNode, str]] = [(s, self.prefix) for s in self._ctx.module.body]
        while stack:
            node, prefix = stack.pop()
            if isinstance(node, cst.ClassDef):
                qualname = f"{prefix}.{node.name.value}"
                classes[qualname] = node
                stack.extend((s, qualname) for s in _body(node))
            elif isinstance(node, cst.FunctionDef):
                functions.setdefault(f"{prefix}.{node.name.value}", node)
            elif isinstance(node, (cst.If, cst.Try, cst.With)):
                stack.extend((s, prefix) for s in _nested_statements(node))
        self._own_classes, self._own_functions = classes, functions

    def own_class(self, qualname: str) -> cst.ClassDef | None:
        if self._own_classes is None:
            self._index_own()
        assert self._own_classes is not None
        return self._own_classes.get(qualname)

    def own_function(self, qualname: str) -> cst.FunctionDef | None:
        if self._own_functions is None:
            self._index_own()
        assert self._own_functions is not None
        return self._own_functions.get(qualname)

    def is_class(self, qualname: str) -> bool:
        return self.own_class(qualname) is not None or self._ctx.index.klass(qualname) is not None

    # -- classes ---------------------------------------------------------------------------

    def model(self, qualname: str) -> ClassModel | None:
        if qualname in self._classes:
            return self._classes[qualname]
        self._classes[qualname] = None
        node = self.own_class(qualname)
        found: ClassModel | None = None
        if node is not None:
            found = self._read_class(qualname, node)
        else:
            summary = self._ctx.index.klass(qualname)
            if summary is not None:
                found = ClassModel(summary.qualname, summary.bases, summary=summary)
        self._classes[qualname] = found
        return found

    def _read_class(self, qualname: str, node: cst.ClassDef) -> ClassModel:
        names = self._ctx.names
        bases = []
        for arg in node.bases:
            base = arg.value.value if isinstance(arg.value, cst.Subscript) else arg.value
            name = names.qualified_name(base, names.parent(node))
            if name is not None:
                bases.append(name)
        model = ClassModel(qualname, tuple(bases), node=node)
        for statement in _body(node):
            if isinstance(statement, cst.FunctionDef):
                if _is_overload(statement) or _is_accessor(statement):
                    continue
                model.methods[statement.name.value] = statement
            elif isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                        model.class_values.setdefault(small.target.value, []).append((small, small.value))
                    elif isinstance(small, cst.Assign):
                        for assigned in small.targets:
                            for element in target_elements(assigned.target):
                                if isinstance(element, cst.Name):
                                    model.class_values.setdefault(element.value, []).append((small, small.value))
        for method in model.methods.values():
            me = _self_name(method)
            if me is None:
                continue
            for inner in walk(method.body):
                if isinstance(inner, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
                    targets: list[cst.BaseExpression] = (
                        [t.target for t in inner.targets] if isinstance(inner, cst.Assign) else [inner.target]
                    )
                    for target in targets:
                        for element in target_elements(target):
                            if (
                                isinstance(element, cst.Attribute)
                                and isinstance(element.value, cst.Name)
                                and element.value.value == me
                            ):
                                model.fields.setdefault(element.attr.value, []).append((method, inner))
        return model

    def mro(self, qualname: str) -> Iterator[ClassModel | str]:
        """The class and its ancestors, depth first, left to right; a base the project does
        not define is yielded as its name (a library class) and not followed."""
        seen: set[str] = set()
        stack = [qualname]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            model = self.model(current)
            if model is None:
                yield current
                continue
            yield model
            stack.extend(reversed(model.bases))

    def field_bindings(self, qualname: str, attr: str) -> list[tuple[cst.FunctionDef, cst.CSTNode]]:
        """Where ``self.<attr>`` is bound, with the method binding it: in the first class of
        the MRO that binds it at all (a subclass's bindings hide its bases')."""
        for model in self.mro(qualname):
            bound = [] if isinstance(model, str) else model.fields.get(attr, [])
            if bound:
                return bound
        return []

    # -- functions --------------------------------------------------------------------------

    def function_type(self, qualname: str) -> Type:
        """A project function or method by qualified name (unbound: ``self`` is a parameter)."""
        node = self.own_function(qualname)
        if node is not None:
            return self._evaluator.function_type(node, qualname)
        summary = self._ctx.index.function(qualname)
        if summary is None:
            return UNKNOWN
        return self.summary_function(summary)

    def summary_function(self, summary: FunctionSummary, bound: bool = False) -> FunctionType:
        """Another module's function as its summary declares it: one signature per
        ``@overload`` when it has them (the implementation's is not callable then)."""
        signatures = []
        wrapper = next((d for d in summary.decorators if d in CONTEXT_MANAGER_DECORATORS), None)
        for declared in summary.overloads or (summary,):
            params = declared.params[1:] if bound and declared.params else declared.params
            returns = self._summary_return(declared)
            is_async = declared.is_coroutine_function  # an async generator is not awaited
            if wrapper is not None:
                returns, is_async = context_manager(wrapper, returns), False
            signatures.append(Signature(tuple(self._summary_param(p) for p in params), returns, is_async))
        return FunctionType(summary.qualname, tuple(signatures))

    def _summary_param(self, param: ParamSummary) -> Param:
        declared: Type = UNKNOWN
        if param.declared is not None:
            declared = self._evaluator.aliases.written_out(param.declared)
        if isinstance(declared, UnknownType) and param.annotation:
            declared = self.class_instance(param.annotation)
        if param.optional:
            declared = join((declared, NONE))
        return Param(param.name, _PARAM_KINDS[param.kind], param.has_default, declared)

    def _summary_return(self, summary: FunctionSummary) -> Type:
        kind = summary.return_kind
        if kind == "none":
            return NONE
        if kind == "never":
            return NEVER
        if summary.returns_declared is not None:
            declared = self._evaluator.aliases.written_out(summary.returns_declared)
            if not isinstance(declared, UnknownType):
                return declared
        if kind == "unannotated" or summary.return_annotation is None:
            return UNKNOWN
        returned = self.class_instance(summary.return_annotation)
        return join((returned, NONE)) if kind == "optional" else returned

    def class_instance(self, qualname: str) -> Type:
        """An instance of the class an index summary names (a project class or a stub's)."""
        if self.is_class(qualname):
            return Instance(qualname)
        value = self._evaluator.library.value(qualname)
        return value.instance() if isinstance(value, ClassObject) else UNKNOWN

    def attribute_call_type(self, summary: ClassSummary, name: str) -> Type:
        """A field another module's ``__init__`` sets to a call's result."""
        callee = dict(summary.attribute_calls).get(name)
        return self._called(callee) if callee is not None else UNKNOWN

    def variable(self, qualname: str) -> Type:
        """Another module's variable, from the value sources the index keeps of it."""
        known = self._variables.get(qualname)
        if known is None:
            self._variables[qualname] = UNKNOWN  # ``A = b.B`` and ``B = a.A``
            sources = self._ctx.index.variable(qualname)
            known = self._variables[qualname] = self.sources_type(sources) if sources else UNKNOWN
        return known

    def sources_type(self, sources: Iterable[ValueSource]) -> Type:
        """The join of what each value source (:data:`ValueSource`) gives."""
        found = []
        for how, what in sources:
            if how == "type":
                found.append(self._evaluator.aliases.written_out(what))
            elif how == "call":
                found.append(self._called(what))
            else:
                found.append(self._evaluator.qualified_value(what))
        return join(found)

    def _called(self, callee: str) -> Type:
        """What calling the qualified ``callee`` gives, whatever its arguments."""
        value = self._evaluator.qualified_value(callee)
        if isinstance(value, ClassObject):
            return value.instance()
        if isinstance(value, FunctionType):
            returns = join(s.returns for s in value.signatures)
            if any(s.is_async for s in value.signatures):
                return Instance("typing.Coroutine", (UNKNOWN, UNKNOWN, returns))
            return returns
        return UNKNOWN


def returns_of(function: cst.FunctionDef, evaluate: Callable[[cst.BaseExpression], Type], falls_off: bool) -> Type:
    """What an unannotated function returns: its ``return`` values, and None when a path
    ends without one (or a ``return`` has no value)."""
    found: list[Type] = [NONE] if falls_off else []
    stack: list[cst.CSTNode] = [function.body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Return):
            found.append(evaluate(node.value) if node.value is not None else NONE)
            continue
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        stack.extend(children(node))
    return join(found) if found else NONE


def falls_off_end(ctx: ModuleContext, function: cst.FunctionDef) -> bool:
    """Whether some path reaches the end of ``function`` without a ``return`` (or raising)."""
    cfg = ctx.cfg(function)
    for edge in cfg.exit.preds:
        node = edge.node
        if node.kind is NodeKind.ENTRY or not isinstance(node.ast, cst.Return):
            return True
    return False


def _body(node: cst.ClassDef) -> list[cst.CSTNode]:
    body = node.body
    return list(body.body) if isinstance(body, cst.IndentedBlock) else []


def _nested_statements(node: cst.If | cst.Try | cst.With) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = []
    blocks: list[cst.CSTNode] = [node.body]
    if isinstance(node, cst.If) and node.orelse is not None:
        blocks.append(node.orelse)
    if isinstance(node, cst.Try):
        blocks.extend(h.body for h in node.handlers)
        if node.orelse is not None:
            blocks.append(node.orelse.body)
    for block in blocks:
        if isinstance(block, cst.If):
            found.append(block)
        elif isinstance(block, cst.Else):
            found.extend(block.body.body if isinstance(block.body, cst.IndentedBlock) else [])
        elif isinstance(block, cst.IndentedBlock):
            found.extend(block.body)
    return found


def _is_overload(function: cst.FunctionDef) -> bool:
    return "overload" in decorator_names(function)


def _is_accessor(function: cst.FunctionDef) -> bool:
    """``@x.setter``/``@x.deleter``: the getter stands for the property."""
    return bool(decorator_names(function) & PROPERTY_ACCESSORS)


def _self_name(method: cst.FunctionDef) -> str | None:
    if decorator_names(method) & {"staticmethod", "classmethod"}:
        return None
    params = parameters(method.params)
    return params[0].name.value if params else None
