"""The one evaluator of what a value is: ``ctx.types.type_of(expr, scope)``.

Every family asks it; a rule never guesses a type on its own. It works on demand, one
expression at a time, memoising each answer for the life of the file's check, in the way
pyright's evaluator does: declared types first (annotations here, stubs for libraries, the
project index for other modules), inference where nothing is declared (a local's reaching
assignments, a field's assignments in its class, an unannotated function's ``return``s),
calls through overloads and type variables solved from the arguments. What it cannot tell
is Unknown, and Unknown never produces a finding.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

import libcst as cst

from safelint.analysis.optional.narrowing import Fact, ModuleNarrowing, Nullness
from safelint.analysis.syntax import (
    Scope,
    as_scope,
    decorator_names,
    dotted_name,
    is_generator,
    parameters,
    region_scope,
)
from safelint.analysis.types.aliases import TypeAliases
from safelint.analysis.types.annotations import AnnotationReader
from safelint.analysis.types.bindings import Binding, ScopeBindings
from safelint.analysis.types.calls import Arg, call_result
from safelint.analysis.types.library import literal
from safelint.analysis.types.members import ClassMembers
from safelint.analysis.types.model import (
    CONTEXT_MANAGER_DECORATORS,
    NEVER,
    NONE,
    UNKNOWN,
    ClassObject,
    FunctionType,
    Instance,
    ModuleType,
    NeverType,
    NoneType,
    Param,
    Signature,
    TupleType,
    Type,
    TypeVarType,
    UnionType,
    UnknownType,
    context_manager,
    join,
)
from safelint.analysis.types.project import ProjectTypes, falls_off_end, returns_of
from safelint.analysis.types.relations import ProjectRelations

if TYPE_CHECKING:
    from safelint.context import ModuleContext

__all__ = ["TypeEvaluator"]

_BOOL: Final = Instance("builtins.bool")
_STR: Final = Instance("builtins.str")
_BYTES: Final = Instance("builtins.bytes")
_INT: Final = Instance("builtins.int")
_GEN: Final = Instance("typing.Generator", (UNKNOWN, UNKNOWN, UNKNOWN))
_AGEN: Final = Instance("typing.AsyncGenerator", (UNKNOWN, UNKNOWN))
_MAX_DEPTH: Final = 40
_OPERATORS: Final = {
    cst.Add: "add",
    cst.Subtract: "sub",
    cst.Multiply: "mul",
    cst.Divide: "truediv",
    cst.FloorDivide: "floordiv",
    cst.Modulo: "mod",
    cst.Power: "pow",
    cst.MatrixMultiply: "matmul",
    cst.LeftShift: "lshift",
    cst.RightShift: "rshift",
    cst.BitAnd: "and",
    cst.BitOr: "or",
    cst.BitXor: "xor",
}
_AUGMENTED: Final = {
    cst.AddAssign: "add",
    cst.SubtractAssign: "sub",
    cst.MultiplyAssign: "mul",
    cst.DivideAssign: "truediv",
    cst.FloorDivideAssign: "floordiv",
    cst.ModuloAssign: "mod",
    cst.PowerAssign: "pow",
    cst.MatrixMultiplyAssign: "matmul",
    cst.LeftShiftAssign: "lshift",
    cst.RightShiftAssign: "rshift",
    cst.BitAndAssign: "and",
    cst.BitOrAssign: "or",
    cst.BitXorAssign: "xor",
}
_UNARY: Final = {cst.Minus: "__neg__", cst.Plus: "__pos__", cst.BitInvert: "__invert__"}
_AWAITABLE_RESULT: Final = {
    "typing.Coroutine": 2,
    "typing.Awaitable": 0,
    "asyncio.Future": 0,
    "asyncio.Task": 0,
    "_asyncio.Future": 0,
    "_asyncio.Task": 0,
}


class TypeEvaluator:
    def __init__(self, ctx: ModuleContext) -> None:
        self._ctx = ctx
        self.library = ctx.library
        self.project = ProjectTypes(ctx, self)
        self._memo: dict[cst.CSTNode, Type] = {}
        self._bindings: dict[Binding, Type] = {}
        self._functions: dict[cst.FunctionDef, FunctionType] = {}
        self._depth = 0
        self.relations = ProjectRelations(self)
        self.aliases = TypeAliases(ctx, self)
        self.reader = AnnotationReader(
            self.library, ctx.names.qualified_name, self.project.is_class, self._typevar, self.aliases.alias
        )
        self._members = ClassMembers(ctx, self)

    # -- the public query --------------------------------------------------------------------

    def type_of(self, expr: cst.BaseExpression, scope: cst.CSTNode | None = None) -> Type:
        """What ``expr``, read in ``scope`` (None or the Module: the module), evaluates to."""
        found = self._memo.get(expr)
        if found is not None:
            return found
        if self._depth > _MAX_DEPTH:
            return UNKNOWN
        self._memo[expr] = UNKNOWN  # a cycle (``x = x + 1`` in a loop) reads Unknown
        self._depth += 1
        try:
            found = self._evaluate(expr, self._ctx.names.effective_scope(expr, as_scope(scope)))
        finally:
            self._depth -= 1
        self._memo[expr] = found
        return found

    def call_target(self, call: cst.Call, scope: cst.CSTNode | None = None) -> str | None:
        """The qualified name of what ``call`` calls: ``re.Pattern.match`` for a method of a
        typed receiver, ``pkg.mod.Class`` for a constructor, else the name as written resolves
        to (``requests.get`` when nothing is known of it)."""
        callee = self.type_of(call.func, scope)
        if isinstance(callee, FunctionType) and callee.qualname and callee.qualname != "<lambda>":
            return callee.qualname
        if isinstance(callee, ClassObject):
            return callee.cls
        return self._ctx.names.qualified_name(call.func, as_scope(scope))

    def class_of(self, expr: cst.BaseExpression, scope: cst.CSTNode | None = None) -> str | None:
        """The one class the value of ``expr`` is an instance of (None aside), if known."""
        return self.type_of(expr, scope).class_name

    def qualified_value(self, qualname: str) -> Type:
        """What a fully qualified name denotes: a project function or class, another
        module, a library definition. Where the project's own code says nothing (an
        unannotated function) and a stub does (the project ships stubs, or it is the
        standard library itself), the stub's word is taken."""
        found = self._project_value(qualname)
        if isinstance(found, UnknownType) or (
            isinstance(found, FunctionType) and all(isinstance(s.returns, UnknownType) for s in found.signatures)
        ):
            stub = self.library.value(qualname)
            if not isinstance(stub, UnknownType):
                return stub
        return found

    def _project_value(self, qualname: str) -> Type:
        own = self.project.own_function(qualname)
        if own is not None:
            return self.function_type(own, qualname)
        if self.project.is_class(qualname):
            return ClassObject(qualname)
        summary = self._ctx.index.function(qualname)
        if summary is not None:
            return self.project.summary_function(summary)
        if self._ctx.index.module(qualname) is not None:
            return ModuleType(qualname)
        module, _, name = qualname.rpartition(".")
        if module == self.project.prefix:
            return self._module_variable(name)
        found = self.project.variable(qualname)
        if isinstance(found, UnknownType) and module:  # ``pkg.mod.Color.RED``, ``pkg.mod.DEFAULT.wait``
            owner = self._project_value(module)
            if isinstance(owner, (Instance, ClassObject, TupleType)):
                return self.member(owner, name)
        return found

    # -- expressions -------------------------------------------------------------------------

    def _evaluate(self, expr: cst.BaseExpression, scope: Scope) -> Type:
        kind = type(expr)
        if kind is cst.Name:
            return self._name(expr, scope)  # type: ignore[arg-type]
        if kind is cst.Attribute:
            found = self.member(self.type_of(expr.value, scope), expr.attr.value)  # type: ignore[attr-defined]
            return self._narrowed(expr, scope, found)
        if kind is cst.Call:
            return self._call(expr, scope)  # type: ignore[arg-type]
        if kind is cst.Subscript:
            return self._subscript(expr, scope)  # type: ignore[arg-type]
        if kind is cst.SimpleString or kind is cst.ConcatenatedString:
            value = expr.evaluated_value  # type: ignore[attr-defined]
            return literal(value) if isinstance(value, (str, bytes)) else _STR
        if kind is cst.FormattedString:
            return _BYTES if "b" in expr.prefix.lower() else _STR  # type: ignore[attr-defined]
        if kind is cst.Integer:
            try:
                return literal(int(expr.value.replace("_", ""), 0))  # type: ignore[attr-defined]
            except ValueError:  # ``007``: leave it to the reader
                return _INT
        if kind is cst.Float:
            return Instance("builtins.float")
        if kind is cst.Imaginary:
            return Instance("builtins.complex")
        if kind is cst.Await:
            return self._awaited(self.type_of(expr.expression, scope))  # type: ignore[attr-defined]
        if kind is cst.Yield:
            return self._sent(scope)
        if kind is cst.BinaryOperation:
            return self._binary(expr, scope)  # type: ignore[arg-type]
        if kind is cst.Comparison:
            return _BOOL
        if kind is cst.UnaryOperation:
            return self._unary(expr, scope)  # type: ignore[arg-type]
        if kind is cst.BooleanOperation:
            return self._boolean(expr, scope)  # type: ignore[arg-type]
        if kind is cst.IfExp:
            return join((self.type_of(expr.body, scope), self.type_of(expr.orelse, scope)))  # type: ignore[attr-defined]
        if kind is cst.NamedExpr:
            return self.type_of(expr.value, scope)  # type: ignore[attr-defined]
        if kind in (cst.List, cst.Set, cst.Tuple, cst.Dict):
            return self._display(expr, scope)
        if kind in (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp):
            return self._comprehension(expr)  # type: ignore[arg-type]
        if kind is cst.Lambda:
            body = self.type_of(expr.body, expr)  # type: ignore[attr-defined]
            return FunctionType("<lambda>", (Signature(_ANY_PARAMS, body),))
        return UNKNOWN

    def _name(self, expr: cst.Name, scope: Scope) -> Type:
        name = expr.value
        if name in ("True", "False"):
            return literal(name == "True")
        if name == "None":
            return NONE
        where, binder = self._ctx.names.binder(name, scope)
        if where == "nested":  # a comprehension or lambda here binds it too: which region is this read in?
            inner = region_scope(expr, scope, self._ctx.parents)
            if inner is not scope:
                return self._name(expr, inner)
            if not self.scope_bindings(scope).all.get(name):
                return UNKNOWN
            where, binder = "scope", scope
        if where == "builtin":
            return self.library.value(f"builtins.{name}")
        if where == "unbound" and name in _IMPLICIT_STR:
            return Instance("builtins.str")
        if where == "unbound" and name == "__doc__":
            return join((Instance("builtins.str"), NONE))
        if where != "scope":
            return UNKNOWN
        target = self.scope_bindings(binder).binding_at(expr)
        if target is not None:
            return self.binding_type(target, binder)
        return self._narrowed(expr, scope, self._read(name, expr, binder, scope))

    def _read(self, name: str, at: cst.CSTNode, binder: Scope, scope: Scope) -> Type:
        """The join of the bindings of ``name`` (bound in ``binder``) reaching ``at``."""
        bindings = self.scope_bindings(binder)
        found = bindings.reaching(name, at) if binder is scope else bindings.all.get(name, [])
        if not found:
            return UNKNOWN
        return join(self.binding_type(b, binder) for b in found)

    def _narrowed(self, expr: cst.BaseExpression, scope: Scope, found: Type) -> Type:
        """A read's type where the flow has ruled None out or in (``if x:``, ``if x is None:
        return``, ``assert x``), from the one None narrowing, run without sources: only
        what the code's own checks say."""
        if found.may_be_none is not True:
            return found
        narrowing = self._ctx.memo(
            "refinements", lambda: ModuleNarrowing(self._ctx.module, initial_facts=_no_facts, cfg_of=self._ctx.cfg)
        )
        fact = narrowing.result(scope if scope is not None else self._ctx.module).fact_at(expr)
        if fact is None or fact.nullness is Nullness.MAYBE:
            return found
        return found.without_none() if fact.nullness is Nullness.NOT_NONE else NONE

    def _module_variable(self, name: str) -> Type:
        bindings = self.scope_bindings(None).all.get(name, [])
        return join(self.binding_type(b, None) for b in bindings) if bindings else UNKNOWN

    def scope_bindings(self, scope: Scope) -> ScopeBindings:
        node = scope if scope is not None else self._ctx.module
        return self._ctx.memo(("bindings", node), lambda: ScopeBindings(node, self._ctx.cfg(node), self._ctx.parents))

    # -- bindings ----------------------------------------------------------------------------

    def binding_type(self, binding: Binding, scope: Scope) -> Type:
        """What a binding gives its name."""
        known = self._bindings.get(binding)
        if known is None:
            # Bottom while in progress: ``total += x`` in a loop reaches itself, and the join
            # of the other bindings is the answer the loop settles on.
            self._bindings[binding] = NEVER
            known = self._bindings[binding] = self._binding_type(binding, scope)
        return known

    def _binding_type(self, binding: Binding, scope: Scope) -> Type:
        node = binding.node
        if isinstance(node, cst.Param):
            return self._param(node, scope)
        if isinstance(node, cst.Assign):
            # A variable takes the class of a literal it is given, as mypy infers it.
            return _plain(self.unpacked(self.type_of(node.value, scope), node.targets[0].target, binding.target))
        if isinstance(node, cst.AnnAssign):
            declared = self.reader.read(node.annotation.annotation, scope)
            if node.value is None:
                return declared
            value = self.type_of(node.value, scope)
            if isinstance(declared, UnknownType):
                return value
            return declared.without_none() if value.may_be_none is False else declared
        if isinstance(node, cst.AugAssign):
            before = self._read(node.target.value, node, scope, scope) if isinstance(node.target, cst.Name) else UNKNOWN
            operator = _AUGMENTED.get(type(node.operator))
            if operator is None:
                return UNKNOWN
            return self._operation(before, operator, self.type_of(node.value, scope))
        if isinstance(node, (cst.For, cst.CompFor)):
            element = self.element_type(self.type_of(node.iter, scope), asynchronous=node.asynchronous is not None)
            return self.unpacked(element, node.target, binding.target)
        if isinstance(node, cst.WithItem):
            manager = self.type_of(node.item, scope)
            entered = self._entered(manager, node, scope)
            assert node.asname is not None
            return self.unpacked(entered, node.asname.name, binding.target)
        if isinstance(node, (cst.ExceptHandler, cst.ExceptStarHandler)):
            return self._exception(node.type, scope) if node.type is not None else UNKNOWN
        if isinstance(node, cst.FunctionDef):
            qualname = self._qualname(node)
            return self.function_type(node, qualname) if qualname else self.function_type(node, node.name.value)
        if isinstance(node, cst.ClassDef):
            qualname = self._qualname(node)
            return ClassObject(qualname) if qualname else UNKNOWN
        if isinstance(node, cst.ImportAlias):
            return self._import(node, binding)
        if isinstance(node, cst.NamedExpr):
            return self.type_of(node.value, scope)
        return UNKNOWN

    def _qualname(self, node: cst.FunctionDef | cst.ClassDef) -> str | None:
        parts = [node.name.value]
        parent = self._ctx.names.parent(node)
        while parent is not None:
            if not isinstance(parent, cst.ClassDef):
                return None
            parts.append(parent.name.value)
            parent = self._ctx.names.parent(parent)
        parts.append(self.project.prefix)
        return ".".join(reversed(parts))

    def _import(self, alias: cst.ImportAlias, binding: Binding) -> Type:
        statement = binding.statement
        names = self._ctx.names
        if isinstance(statement, cst.Import):
            full = dotted_name(alias.name)
            if full is None:
                return UNKNOWN
            target = full if alias.asname is not None else full.partition(".")[0]
            return self.qualified_value(target) if self._ctx.index.module(target) is None else ModuleType(target)
        if isinstance(statement, cst.ImportFrom):
            name = dotted_name(alias.name)
            if name is None:
                return UNKNOWN
            return self.qualified_value(names.from_import_target(statement, name))
        return UNKNOWN

    def unpacked(self, value: Type, target: cst.CSTNode, part: cst.CSTNode | None) -> Type:
        """The type of ``part`` inside ``target`` when ``value`` is unpacked into it."""
        if part is None or part is target:
            return value
        path = _path_to(target, part)
        current: Type = value
        node: cst.CSTNode = target
        for index in path or []:
            assert isinstance(node, (cst.Tuple, cst.List))
            elements = node.elements
            starred = any(isinstance(e, cst.StarredElement) for e in elements)
            element = elements[index]
            fields = self._members.named_tuple_fields(current) if isinstance(current, Instance) else ()
            if isinstance(current, TupleType) and not starred and len(current.items) == len(elements):
                current = current.items[index]
            elif fields and not starred and len(fields) == len(elements):
                current = self.member(current, fields[index])
            else:
                item = self.element_type(current)
                current = Instance("builtins.list", (item,)) if isinstance(element, cst.StarredElement) else item
            node = element.value
        return current

    def _param(self, param: cst.Param, scope: Scope) -> Type:
        function = scope
        if not isinstance(function, (cst.FunctionDef, cst.Lambda)):
            return UNKNOWN
        outer = self._ctx.names.parent(function)
        params = parameters(function.params)
        if isinstance(function, cst.FunctionDef) and params and param is params[0] and isinstance(outer, cst.ClassDef):
            decorators = decorator_names(function)
            qualname = self._qualname(outer)
            if "staticmethod" not in decorators and qualname is not None:
                return ClassObject(qualname) if "classmethod" in decorators else Instance(qualname)
        declared: Type = UNKNOWN
        if param.annotation is not None:
            declared = self.reader.read(param.annotation.annotation, outer)
        if param is function.params.star_arg:
            return Instance("builtins.tuple", (declared,))
        if param is function.params.star_kwarg:
            return Instance("builtins.dict", (_STR, declared))
        default = param.default
        if isinstance(default, cst.Name) and default.value == "None":
            return join((declared, NONE))
        return declared

    def _entered(self, manager: Type, item: cst.WithItem, scope: Scope) -> Type:
        with_statement = self._ctx.parents.get(item)
        asynchronous = isinstance(with_statement, cst.With) and with_statement.asynchronous is not None
        enter = self.member(manager, "__aenter__" if asynchronous else "__enter__")
        if isinstance(enter, UnknownType):
            # An unknown ``__enter__`` is taken to return self, as files, sockets, locks do.
            return manager if isinstance(manager, Instance) else UNKNOWN
        entered = self.call(enter, [])
        return self._awaited(entered) if asynchronous else entered

    def _exception(self, caught: cst.BaseExpression, scope: Scope) -> Type:
        classes = caught.elements if isinstance(caught, cst.Tuple) else None
        if classes is not None:
            return join(self._exception(e.value, scope) for e in classes)
        value = self.type_of(caught, scope)
        if isinstance(value, ClassObject):
            return value.instance()
        return UNKNOWN

    # -- functions ---------------------------------------------------------------------------

    def function_type(self, node: cst.FunctionDef, qualname: str) -> FunctionType:
        """A function of this module, unbound; overloads declared before it come first."""
        known = self._functions.get(node)
        if known is None:
            self._functions[node] = FunctionType(qualname, (Signature(_ANY_PARAMS, UNKNOWN),))
            overloads = [self._signature(o) for o in self._overloads(node)]
            known = self._functions[node] = FunctionType(qualname, tuple(overloads) or (self._signature(node),))
        return known

    def _overloads(self, node: cst.FunctionDef) -> list[cst.FunctionDef]:
        parent = self._ctx.parents.get(node)
        body = getattr(parent, "body", None)
        if not isinstance(body, (list, tuple)):
            return []
        found = []
        for statement in body:
            if statement is node:
                break
            if (
                isinstance(statement, cst.FunctionDef)
                and statement.name.value == node.name.value
                and "overload" in decorator_names(statement)
            ):
                found.append(statement)
        return found

    def _signature(self, node: cst.FunctionDef) -> Signature:
        params = tuple(
            Param(p.name.value, _kind(node, p), p.default is not None, self._param(p, node))
            for p in parameters(node.params)
        )
        outer = self._ctx.names.parent(node)
        generator = is_generator(node)
        if node.returns is not None:
            returns = self.reader.read(node.returns.annotation, outer)
        elif generator:
            returns = _AGEN if node.asynchronous is not None else _GEN
        else:
            returns = returns_of(node, lambda e: self.type_of(e, node), falls_off_end(self._ctx, node))
        wrapper = self._context_manager_decorator(node, outer)
        if wrapper is not None:
            return Signature(params, context_manager(wrapper, returns), False)
        return Signature(
            params, returns, node.asynchronous is not None and not generator
        )  # an async generator is not awaited

    def _sent(self, scope: Scope) -> Type:
        """What a ``yield`` expression gives: the send type the generator's annotation
        declares (``Generator[Y, S, R]``, ``AsyncGenerator[Y, S]``)."""
        if not isinstance(scope, cst.FunctionDef) or scope.returns is None:
            return UNKNOWN
        declared = self.reader.read(scope.returns.annotation, self._ctx.names.parent(scope))
        if isinstance(declared, Instance) and declared.cls in _SENDING and len(declared.args) >= 2:
            return declared.args[1]
        return UNKNOWN

    def _context_manager_decorator(self, node: cst.FunctionDef, outer: Scope) -> str | None:
        """``@contextmanager``/``@asynccontextmanager``: the decorated function is called for
        the manager it gives, not for its generator (no ParamSpec here to apply the stub's)."""
        for decorator in node.decorators:
            name = self._ctx.names.qualified_name(decorator.decorator, outer)
            if name in CONTEXT_MANAGER_DECORATORS:
                return name
        return None

    # -- members -----------------------------------------------------------------------------

    def member(self, receiver: Type, name: str) -> Type:
        """``receiver.name``: a bound method, a field's or an attribute's type."""
        if isinstance(receiver, UnionType):
            parts = [m for m in receiver.items if not isinstance(m, NoneType)]
            return join(self.member(m, name) for m in parts) if parts else UNKNOWN
        if isinstance(receiver, TypeVarType):
            return self.member(receiver.bound, name) if not isinstance(receiver.bound, UnknownType) else UNKNOWN
        if isinstance(receiver, ModuleType):
            return self.qualified_value(f"{receiver.name}.{name}")
        if isinstance(receiver, Instance) and name == "__class__":  # ``type[Self]``, which the model cannot spell
            return ClassObject(receiver.cls, receiver.args)
        if isinstance(receiver, (Instance, ClassObject)) and self.project.is_class(receiver.cls):
            return self._members.of(receiver, name)
        return self.library.member(receiver, name)

    # -- calls -------------------------------------------------------------------------------

    def _call(self, call: cst.Call, scope: Scope) -> Type:
        callee = self.type_of(call.func, scope)
        args = [Arg(self.type_of(a.value, scope), a.keyword.value if a.keyword else None, a.star) for a in call.args]
        return self.call(callee, args)

    def call(self, callee: Type, args: list[Arg]) -> Type:
        """What calling a value of type ``callee`` with ``args`` gives."""
        if isinstance(callee, UnionType):
            return join(self.call(m, args) for m in callee.items if not isinstance(m, NoneType))
        if isinstance(callee, FunctionType):
            result = call_result(callee, args, self.relations)
            if any(s.is_async for s in callee.signatures):
                return Instance("typing.Coroutine", (UNKNOWN, UNKNOWN, result))
            return result
        if isinstance(callee, ClassObject):
            if callee.cls == "builtins.type" and len(args) == 1:
                value = args[0].type
                return ClassObject(value.cls) if isinstance(value, Instance) else UNKNOWN
            if self.project.is_class(callee.cls):
                return Instance(callee.cls)
            return call_result(self.library.constructor(callee), args, self.relations)
        if isinstance(callee, Instance):
            return self._call_member(callee, "__call__", args)
        return UNKNOWN

    def _call_member(self, receiver: Type, name: str, args: list[Arg]) -> Type:
        method = self.member(receiver, name)
        return self.call(method, args) if not isinstance(method, UnknownType) else UNKNOWN

    def _subscript(self, expr: cst.Subscript, scope: Scope) -> Type:
        value = self.type_of(expr.value, scope)
        elements = expr.slice
        if isinstance(value, ClassObject):
            return value  # ``list[int]``: a generic alias of the class
        if len(elements) != 1 or not isinstance(elements[0].slice, cst.Index):
            index: Type = Instance("builtins.slice")
        else:
            index = self.type_of(elements[0].slice.value, scope)
            if isinstance(value, TupleType) and isinstance(elements[0].slice.value, cst.Integer):
                position = int(elements[0].slice.value.value, 0)
                if -len(value.items) <= position < len(value.items):
                    return value.items[position]
        return self._call_member(value, "__getitem__", [Arg(index)])

    def _awaited(self, value: Type) -> Type:
        if isinstance(value, UnionType):
            return join(self._awaited(m) for m in value.items)
        if isinstance(value, Instance):
            position = _AWAITABLE_RESULT.get(value.cls)
            if position is not None:
                return value.args[position] if len(value.args) > position else UNKNOWN
            generator = self._call_member(value, "__await__", [])
            if isinstance(generator, Instance) and len(generator.args) == 3:
                return generator.args[2]
        return UNKNOWN

    def element_type(self, iterable: Type, asynchronous: bool = False) -> Type:
        """What iterating a value of type ``iterable`` yields (``for x in it``)."""
        if isinstance(iterable, TupleType):
            return join(iterable.items) if iterable.items else UNKNOWN
        if isinstance(iterable, UnionType):
            return join(self.element_type(m, asynchronous) for m in iterable.items if not isinstance(m, NoneType))
        method = "__aiter__" if asynchronous else "__iter__"
        iterator = self._call_member(iterable, method, [])
        if isinstance(iterator, UnknownType):
            if not asynchronous:
                return self._call_member(iterable, "__getitem__", [Arg(_INT)])
            return UNKNOWN
        step = self._call_member(iterator, "__anext__" if asynchronous else "__next__", [])
        return self._awaited(step) if asynchronous else step

    # -- operators ---------------------------------------------------------------------------

    def _binary(self, expr: cst.BinaryOperation, scope: Scope) -> Type:
        operator = _OPERATORS.get(type(expr.operator))
        if operator is None:
            return UNKNOWN
        return self._operation(self.type_of(expr.left, scope), operator, self.type_of(expr.right, scope))

    def _operation(self, left: Type, operator: str, right: Type) -> Type:
        if isinstance(left, Instance) and left.cls in ("builtins.str", "builtins.bytes") and operator == "mod":
            return left.plain()
        found = self._call_member(left, f"__{operator}__", [Arg(right)])
        if isinstance(found, (UnknownType, NeverType)) or _is_not_implemented(found):
            found = self._call_member(right, f"__r{operator}__", [Arg(left)])
        return UNKNOWN if _is_not_implemented(found) else found

    def _unary(self, expr: cst.UnaryOperation, scope: Scope) -> Type:
        if isinstance(expr.operator, cst.Not):
            return _BOOL
        method = _UNARY.get(type(expr.operator))
        operand = self.type_of(expr.expression, scope)
        if isinstance(operand, Instance) and operand.has_literal:
            operand = operand.plain()
        return self._call_member(operand, method, []) if method is not None else UNKNOWN

    def _boolean(self, expr: cst.BooleanOperation, scope: Scope) -> Type:
        left = self.type_of(expr.left, scope)
        right = self.type_of(expr.right, scope)
        if isinstance(expr.operator, cst.Or):
            return join((left.without_none(), right))
        return join((left, right))

    # -- displays ----------------------------------------------------------------------------

    def _display(self, expr: cst.BaseExpression, scope: Scope) -> Type:
        if isinstance(expr, cst.Tuple):
            if any(isinstance(e, cst.StarredElement) for e in expr.elements):
                return Instance("builtins.tuple", (self._elements(expr.elements, scope),))
            return TupleType(tuple(self.type_of(e.value, scope) for e in expr.elements))
        if isinstance(expr, cst.Dict):
            keys: list[Type] = []
            values: list[Type] = []
            for element in expr.elements:
                if isinstance(element, cst.DictElement):
                    keys.append(_plain(self.type_of(element.key, scope)))
                    values.append(_plain(self.type_of(element.value, scope)))
                else:
                    keys.append(UNKNOWN)
                    values.append(UNKNOWN)
            return Instance("builtins.dict", (join(keys) if keys else UNKNOWN, join(values) if values else UNKNOWN))
        cls = "builtins.list" if isinstance(expr, cst.List) else "builtins.set"
        return Instance(cls, (self._elements(expr.elements, scope),))  # type: ignore[attr-defined]

    def _elements(self, elements: Sequence[cst.BaseElement], scope: Scope) -> Type:
        found: list[Type] = []
        for element in elements:
            value = self.type_of(element.value, scope)
            found.append(_plain(self.element_type(value) if isinstance(element, cst.StarredElement) else value))
        return join(found) if found else UNKNOWN

    def _comprehension(self, expr: cst.ListComp | cst.SetComp | cst.DictComp | cst.GeneratorExp) -> Type:
        if isinstance(expr, cst.DictComp):
            key, value = _plain(self.type_of(expr.key, expr)), _plain(self.type_of(expr.value, expr))
            return Instance("builtins.dict", (key, value))
        element = _plain(self.type_of(expr.elt, expr))
        if isinstance(expr, cst.GeneratorExp):
            return Instance("typing.Generator", (element, NONE, NONE))
        return Instance("builtins.list" if isinstance(expr, cst.ListComp) else "builtins.set", (element,))

    # -- helpers -----------------------------------------------------------------------------

    def _typevar(self, name: str, scope: Scope) -> TypeVarType | None:
        """A type variable a project annotation names (``T = TypeVar("T")``, ``def f[T]``)."""
        where, binder = self._ctx.names.binder(name, scope)
        if where != "scope":
            return None
        for binding in self.scope_bindings(binder).all.get(name, []):
            node = binding.node
            if isinstance(node, cst.Assign) and isinstance(node.value, cst.Call):
                callee = self._ctx.names.qualified_name(node.value.func, binder) or ""
                if callee.rpartition(".")[2] in ("TypeVar", "ParamSpec", "TypeVarTuple"):
                    return TypeVarType(f"{self.project.prefix}.{name}")
        return None


_ANY_PARAMS: Final = (Param("args", 2, False, UNKNOWN), Param("kwargs", 4, False, UNKNOWN))


def _kind(function: cst.FunctionDef, param: cst.Param) -> int:
    params = function.params
    if param in params.posonly_params:
        return 0
    if param is params.star_arg:
        return 2
    if param in params.kwonly_params:
        return 3
    if param is params.star_kwarg:
        return 4
    return 1


def _path_to(target: cst.CSTNode, part: cst.CSTNode) -> list[int] | None:
    """The element positions leading from an unpacking target to one of its names."""
    if target is part:
        return []
    if isinstance(target, (cst.Tuple, cst.List)):
        for index, element in enumerate(target.elements):
            inner = _path_to(element.value, part)
            if inner is not None:
                return [index, *inner]
    return None


_IMPLICIT_STR: Final = frozenset({"__name__", "__file__", "__package__"})
"""Names every module has without binding them, as type checkers read them."""


_SENDING: Final = frozenset(
    {"typing.Generator", "collections.abc.Generator", "typing.AsyncGenerator", "collections.abc.AsyncGenerator"}
)
"""Generators whose second type argument is what ``send()`` gives a ``yield``."""


def _no_facts(scope: cst.CSTNode) -> dict[str, Fact]:
    return {}


def _plain(t: Type) -> Type:
    """Literals widened to their classes, as a container's inferred item type is."""
    if isinstance(t, UnionType):
        return join(_plain(m) for m in t.items)
    if isinstance(t, TupleType):
        return TupleType(tuple(_plain(i) for i in t.items))
    return t.plain() if isinstance(t, Instance) else t


def _is_not_implemented(t: Type) -> bool:
    return isinstance(t, Instance) and t.cls in ("builtins._NotImplementedType", "types.NotImplementedType")
