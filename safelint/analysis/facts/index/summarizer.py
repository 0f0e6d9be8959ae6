"""Pass 1's summarizer: one module's source to its :class:`ModuleSummary`.

It parses with the stdlib ``ast`` (several times faster than libcst) and walks statements,
not expressions, wherever it can: this pass must stay a small fraction of a run.
"""

from __future__ import annotations

import ast
import bisect
import builtins
import copy
import dataclasses
import functools
import gc
import os
import warnings
from collections.abc import Callable
from typing import Final, Union

from safelint.analysis.facts.apis import (
    MUTABLE_CONTAINERS,
    REGISTERING_CALLS,
    SELF_RELEASERS,
    THREAD_POOLS,
    THREAD_STARTERS,
)
from safelint.analysis.syntax import PROPERTY_ACCESSORS
from safelint.source import is_nesting_error

from .bindings import (
    Scope,
    bound_names,
    dotted_name,
    from_module,
    import_sites,
    is_none,
    make_scope,
    push_children,
    self_assignments,
    statements,
)
from .downlevel import downlevel
from .summary import (
    ClassSummary,
    FunctionSummary,
    ModuleSummary,
    ParamKind,
    ParamSummary,
    ReturnKind,
    ValueSource,
)
from .values import Qualified, add_sources, no_param, source_triples, value_sources

__all__ = ["build_summary", "is_package_file"]


# --------------------------------------------------------------------------- summarising

_TYPING_MODULES: Final = ("typing", "typing_extensions")
_NEVER: Final = frozenset({"NoReturn", "Never"})
_TYPE_ALIAS: Final = tuple(t for t in (getattr(ast, "TypeAlias", None),) if t is not None)
"""``type X = ...`` (Python 3.12+); older interpreters read it rewritten as an assignment."""
_WRAPPERS: Final = frozenset({"Annotated", "ClassVar", "Final"})
"""Forms whose first argument is the declared type."""
_LITERAL_CONTAINERS: Final[dict[type, str]] = {
    ast.Dict: "builtins.dict",
    ast.DictComp: "builtins.dict",
    ast.List: "builtins.list",
    ast.ListComp: "builtins.list",
    ast.Set: "builtins.set",
    ast.SetComp: "builtins.set",
}
_BUILTIN_NAMES: Final = frozenset(n for n in dir(builtins) if not n.startswith("_"))
_FUNCTION_TYPES: Final = (ast.FunctionDef, ast.AsyncFunctionDef)
_NESTED_FUNCTIONS: Final = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_SCOPE_END: Final = ast.AST()
"""Pushed under a nested function's children: popping it means the walk is back in the body."""

_AttrWrite = tuple[str, Union[ast.expr, None], Union[ast.expr, None], Scope, Callable[[str], Union[str, None]]]
"""``self.<attr> = value`` in a method: the attribute, the value (None: annotated only),
the annotation, the method's scope (to resolve a callee) and its parameters' declared types
(for ``self.size = size``)."""


class _Summarizer:
    """Summarises one parsed module. Module-level names are resolved flow-insensitively
    from the module's own bindings; a function's imports and assignments are layered on
    top for what its body returns."""

    def __init__(self, module: str, is_package: bool, source: bytes, tree: ast.Module) -> None:
        self.module = module
        self.is_package = is_package
        self.tree = tree
        # Lines mentioning ``yield``: only functions spanning one are walked for it, as
        # that walk (every expression of the body) would cost more than the rest.
        self.yield_lines = (
            [i for i, line in enumerate(source.splitlines(), 1) if b"yield" in line] if b"yield" in source else []
        )
        self.may_global = b"global" in source
        self.may_start_threads = b"hread" in source  # Thread, Timer's threading, to_thread
        self.star_imports: list[str] = []
        sites: list[tuple[str, str | None]] = []
        for stmt in statements(tree.body):
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                if isinstance(stmt, ast.ImportFrom) and any(a.name == "*" for a in stmt.names):
                    self.star_imports.append(from_module(stmt, self._anchor))
                sites.extend(import_sites(stmt, self._anchor))
            else:
                sites.extend((name, None) for name in bound_names(stmt))
        self.scope = make_scope(sites)

    def _anchor(self, level: int) -> str | None:
        parts = self.module.split(".") if self.module else []
        if not self.is_package:
            parts = parts[:-1]
        if len(parts) < level:
            return None
        return ".".join(parts[: len(parts) - level + 1])

    # ----------------------------------------------------------------- names

    def qualify(self, node: ast.expr, local: Scope | None = None) -> str | None:
        """The qualified name of a name/attribute chain, or None if unknown."""
        dotted = dotted_name(node)
        if dotted is None:
            return None
        head, dot, rest = dotted.partition(".")
        base: str | None
        if local is not None and head in local.imports:
            base = local.imports[head]
        elif local is not None and (head in local.defined or head in local.ambiguous):
            return None  # a local variable
        elif head in self.scope.imports:
            base = self.scope.imports[head]
        elif head in self.scope.defined:
            base = f"{self.module}.{head}" if self.module else head
        elif head in self.scope.ambiguous:
            return None
        elif head in _BUILTIN_NAMES and not self.star_imports:
            base = f"builtins.{head}"
        else:
            return None
        return base + dot + rest

    def _named(self, node: ast.expr, local: Scope | None = None) -> str | None:
        """Qualified if possible, else the dotted source text (for decorators, bases)."""
        if isinstance(node, ast.Call):
            node = node.func
        return self.qualify(node, local) or dotted_name(node)

    def _is_typing(self, node: ast.expr, name: str | frozenset[str]) -> bool:
        """Whether ``node`` names ``typing.<name>``; an unresolvable name (a star import)
        is judged by its last component."""
        names = frozenset({name}) if isinstance(name, str) else name
        qualified = self.qualify(node)
        if qualified is not None:
            module, _, last = qualified.rpartition(".")
            return module in _TYPING_MODULES and last in names
        dotted = dotted_name(node)
        return dotted is not None and dotted.rpartition(".")[2] in names

    # ----------------------------------------------------------------- annotations

    def annotation(self, node: ast.expr | None) -> tuple[ReturnKind, str | None]:
        """What an annotation says about None, and the class it names."""
        if node is None:
            return "unannotated", None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return "value", None
        if is_none(node) or self.qualify(node) in ("types.NoneType", "builtins.NoneType"):
            return "none", None
        if self._is_typing(node, _NEVER):
            return "never", None
        members = self._union_members(node)
        if members is None:
            return self._unwrapped(node)
        others = [m for m in members if not is_none(m)]
        if not others:
            return "none", None
        head = self.annotation(others[0])[1] if len(others) == 1 else None
        return ("optional" if len(others) < len(members) else "value"), head

    def _unwrapped(self, node: ast.expr) -> tuple[ReturnKind, str | None]:
        if isinstance(node, ast.Subscript):
            if self._is_typing(node.value, _WRAPPERS):
                inner = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) else node.slice
                return self.annotation(inner)
            return "value", self.qualify(node.value)
        return "value", self.qualify(node)

    def _union_members(self, node: ast.expr) -> list[ast.expr] | None:
        """The members of ``Optional[X]``, ``Union[...]`` or ``X | Y``; None otherwise."""
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            members: list[ast.expr] = []
            stack: list[ast.expr] = [node]
            while stack:
                item = stack.pop()
                if isinstance(item, ast.BinOp) and isinstance(item.op, ast.BitOr):
                    stack.extend((item.right, item.left))
                else:
                    members.append(item)
            return members
        if isinstance(node, ast.Subscript):
            if self._is_typing(node.value, "Optional"):
                return [node.slice, ast.Constant(value=None)]
            if self._is_typing(node.value, "Union"):
                return list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
        return None

    # ----------------------------------------------------------------- functions

    def function(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, qualname: str, *, method: bool
    ) -> tuple[FunctionSummary, list[_AttrWrite]]:
        """The summary and, for a method, the ``self.<attr>`` assignments its body makes
        (facts about the enclosing class)."""
        decorators = tuple(filter(None, (self._named(d) for d in node.decorator_list)))
        last = {d.rpartition(".")[2] for d in decorators}
        params = self._params(node.args)
        local_sites: list[tuple[str, str | None]] = [(p.name, None) for p in params]
        counts: dict[str, int] = {p.name: 1 for p in params}
        assigned: dict[str, ast.expr] = {}
        returns: list[ast.expr] = []
        self_name = None
        if (
            method
            and params
            and params[0].kind in ("positional_only", "positional")
            and not last & {"staticmethod", "classmethod"}
        ):
            self_name = params[0].name
        self_sets: list[tuple[str, ast.expr | None, ast.expr | None]] = []
        for stmt in statements(node.body):
            if isinstance(stmt, ast.Return):
                if stmt.value is not None:
                    returns.append(stmt.value)
                continue
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                local_sites.extend(import_sites(stmt, self._anchor))
                continue
            if isinstance(stmt, (ast.Global, ast.Nonlocal)):
                for name in stmt.names:
                    counts[name] = 2  # outlives the call: its one assignment here is not all it holds
                continue
            for name in bound_names(stmt):
                local_sites.append((name, None))
                counts[name] = counts.get(name, 0) + 1
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        assigned[target.id] = stmt.value
            if self_name is not None:
                self_sets.extend(self_assignments(stmt, self_name))
        local = make_scope(local_sites)
        kind, head = self.annotation(node.returns)
        calls, is_generator, started = self._calls(node, local, self_name)
        summary = FunctionSummary(
            qualname=qualname,
            is_async=isinstance(node, ast.AsyncFunctionDef),
            is_generator=is_generator,
            is_context_manager=bool(last & {"contextmanager", "asynccontextmanager"}),
            must_use="must_use" in last,
            return_kind=kind,
            return_annotation=head,
            returns_declared=self._written_out(node.returns) if node.returns is not None else None,
            returned_calls=self._returned_calls(returns, local, counts, assigned),
            decorators=decorators,
            params=params,
            calls=calls,
            starts_parameter=started,
        )
        declared = {
            p.name: p.declared
            for p in params
            if p.declared and not p.optional and counts.get(p.name) == 1 and p.kind in _PLAIN_PARAMS
        }
        return summary, [(attr, value, annotation, local, declared.get) for attr, value, annotation in self_sets]

    def _calls(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, local: Scope, self_name: str | None
    ) -> tuple[tuple[str, ...], bool, str | None]:
        """The project functions the body calls (nested functions' calls included), whether
        its own body yields, and the parameter it starts on a thread, found in one walk."""
        found: dict[str, None] = {}
        started: str | None = None
        arguments = node.args
        names = {a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)}
        top = self.module.partition(".")[0]
        may_yield, yields, nested = self._may_yield(node), False, 0
        stack: list[ast.AST] = list(node.body)
        while stack:
            item = stack.pop()
            if item is _SCOPE_END:
                nested -= 1
                continue
            if isinstance(item, ast.ClassDef):
                continue
            if may_yield:
                if isinstance(item, _NESTED_FUNCTIONS):
                    stack.append(_SCOPE_END)
                    nested += 1
                elif not nested and isinstance(item, (ast.Yield, ast.YieldFrom)):
                    yields = True
            push_children(item, stack)
            if not isinstance(item, ast.Call):
                continue
            dotted = dotted_name(item.func)
            if dotted is None:
                continue
            head, _, rest = dotted.partition(".")
            if head == self_name:
                if rest and rest.count(".") <= 1:
                    found[f"self.{rest}"] = None
                continue
            callee = self.qualify(item.func, local)
            if callee is not None and callee.partition(".")[0] == top:
                found[callee] = None
            elif callee in THREAD_STARTERS and started is None:
                started = _started_parameter(item, THREAD_STARTERS[callee], names)
        return tuple(found), yields, started

    def _may_yield(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        lines = self.yield_lines
        i = bisect.bisect_left(lines, node.lineno)
        return i < len(lines) and lines[i] <= (node.end_lineno or node.lineno)

    def _params(self, args: ast.arguments) -> tuple[ParamSummary, ...]:
        positional = [*args.posonlyargs, *args.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
        defaults.extend(args.defaults)
        listed: list[tuple[ast.arg, ParamKind, ast.expr | None, bool]] = [
            (
                arg,
                "positional_only" if i < len(args.posonlyargs) else "positional",
                default,
                default is not None,
            )
            for i, (arg, default) in enumerate(zip(positional, defaults))
        ]
        if args.vararg is not None:
            listed.append((args.vararg, "var_positional", None, False))
        listed.extend(
            (arg, "keyword_only", default, default is not None)
            for arg, default in zip(args.kwonlyargs, args.kw_defaults)
        )
        if args.kwarg is not None:
            listed.append((args.kwarg, "var_keyword", None, False))
        out = []
        for arg, kind, default, has_default in listed:
            annotated, head = self.annotation(arg.annotation)
            out.append(
                ParamSummary(
                    name=arg.arg,
                    kind=kind,
                    optional=annotated == "optional" or is_none(default),
                    has_default=has_default,
                    annotation=head,
                    declared=self._written_out(arg.annotation) if arg.annotation is not None else None,
                )
            )
        return tuple(out)

    def _returned_calls(
        self,
        returns: list[ast.expr],
        local: Scope,
        counts: dict[str, int],
        assigned: dict[str, ast.expr],
    ) -> tuple[str, ...]:
        callees: dict[str, None] = {}
        for value in returns:
            if isinstance(value, ast.Name) and counts.get(value.id) == 1:
                value = assigned.get(value.id, value)
            if isinstance(value, ast.Call):
                callee = self.qualify(value.func, local)
                if callee is not None:
                    callees[callee] = None
            elif not (isinstance(value, ast.Constant) and value.value is None):
                # `return _loop` (a global, a field, a parameter) hands back something that
                # outlives the call: the function does not make a fresh value on every path.
                return ()
        return tuple(callees)

    # ----------------------------------------------------------------- classes

    def klass(self, node: ast.ClassDef, qualname: str, functions: list[FunctionSummary]) -> list[ClassSummary]:
        """The class's summary and its nested classes'; methods go to ``functions``."""
        classes: list[ClassSummary] = []
        methods: dict[str, None] = {}
        noop: list[str] = []
        calls: dict[str, str] = {}
        optional: dict[str, None] = {}
        none_in_init: dict[str, None] = {}
        set_elsewhere: set[str] = set()
        registers_self = False
        annotated: dict[str, str] = {}
        assigned: dict[str, None] = {}
        overloads: dict[str, list[FunctionSummary]] = {}
        init_writes: dict[str, list[ast.expr | None]] = {}
        other_writes: dict[str, list[ast.expr | None]] = {}
        from_param: dict[str, str] = {}
        inferred: dict[str, list[ValueSource] | None] = {}
        for stmt in statements(node.body):
            if isinstance(stmt, _FUNCTION_TYPES):
                methods[stmt.name] = None
                if _does_nothing(stmt):
                    noop.append(stmt.name)
                summary, writes = self.function(stmt, f"{qualname}.{stmt.name}", method=True)
                _add_function(functions, overloads, summary, stmt.name)
                in_init = stmt.name == "__init__"
                if in_init and not registers_self:
                    registers_self = _hands_self_on(stmt)
                params = {
                    p.name: p for p in summary.params if p.annotation and not p.optional and p.kind in _PLAIN_PARAMS
                }
                for attr, value, annotation, local, declared in writes:
                    if annotation is not None:
                        self._annotated(annotated, optional, attr, annotation)
                    elif value is not None:
                        sources = value_sources(value, functools.partial(self.qualify, local=local), declared)
                        add_sources(inferred, attr, sources)
                    (init_writes if in_init else other_writes).setdefault(attr, []).append(value)
                    if in_init and isinstance(value, ast.Name) and value.id in params:
                        from_param[attr] = params[value.id].annotation or ""
                    if in_init:
                        if is_none(value):
                            none_in_init[attr] = None
                        elif value is not None:
                            callee = self._constructor(value, local)
                            if callee is not None:
                                calls.setdefault(attr, callee)
                    elif value is not None and not is_none(value):
                        set_elsewhere.add(attr)
            elif isinstance(stmt, ast.ClassDef):
                classes.extend(self.klass(stmt, f"{qualname}.{stmt.name}", functions))
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                self._annotated(annotated, optional, stmt.target.id, stmt.annotation)
                if isinstance(stmt.value, ast.Call):
                    self._class_call(calls, stmt.target.id, stmt.value)
            elif isinstance(stmt, ast.Assign):
                named = all(isinstance(t, ast.Name) for t in stmt.targets)
                sources = value_sources(stmt.value, self.qualify, no_param) if named else None
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        assigned[target.id] = None
                        add_sources(inferred, target.id, sources)
                        if isinstance(stmt.value, ast.Call):
                            self._class_call(calls, target.id, stmt.value)
        # ``self.size = size`` with ``size: int``, the field's only write: it has the parameter's class.
        for attr, head in from_param.items():
            if len(init_writes[attr]) == 1 and attr not in other_writes:
                annotated.setdefault(attr, head)
        own = ClassSummary(
            qualname=qualname,
            bases=tuple(filter(None, (self._named(b) for b in node.bases))),
            methods=tuple(methods),
            noop_methods=tuple(noop),
            attribute_calls=tuple(calls.items()),
            optional_attributes=tuple(optional),
            none_then_set_attributes=tuple(a for a in none_in_init if a in set_elsewhere),
            registers_self=registers_self,
            annotated_attributes=tuple(annotated.items()),
            class_assignments=tuple(assigned),
            init_only_attributes=tuple(a for a in init_writes if a not in other_writes),
            inferred_attributes=source_triples(inferred, annotated),
        )
        return [own, *classes]

    def _annotated(self, annotated: dict[str, str], optional: dict[str, None], attr: str, annotation: ast.expr) -> None:
        kind, head = self.annotation(annotation)
        if kind == "optional":
            optional[attr] = None
        module, _, last = (head or "").rpartition(".")
        if head is not None and not (module in _TYPING_MODULES and last in _WRAPPERS):  # a bare ``Final``
            annotated.setdefault(attr, head)

    def _type_alias(self, stmt: ast.Assign | ast.AnnAssign) -> tuple[str, str] | None:
        """``M = Literal[...]``, ``U = A | B`` or ``X: TypeAlias = ...`` at module level."""
        if isinstance(stmt, ast.AnnAssign):
            if not (isinstance(stmt.target, ast.Name) and self._is_typing(stmt.annotation, "TypeAlias")):
                return None
            target: ast.expr = stmt.target
        elif len(stmt.targets) == 1:
            target = stmt.targets[0]
        else:
            return None
        value = stmt.value
        if value is None or not isinstance(target, ast.Name):
            return None
        if isinstance(stmt, ast.Assign) and not (
            (isinstance(value, ast.Subscript) and self.qualify(value.value) is not None)
            or (isinstance(value, ast.BinOp) and isinstance(value.op, ast.BitOr))
        ):
            return None
        return target.id, self._written_out(value)

    def _written_out(self, annotation: ast.expr) -> str:
        """A type expression with each name replaced by its qualified name (forward
        references too); a name that cannot be qualified is left as written."""
        return ast.unparse(Qualified(self.qualify, self._is_typing).visit(copy.deepcopy(annotation)))

    def _constructor(self, value: ast.expr, local: Scope) -> str | None:
        """The callee whose result ``value`` is: a call, or a conditional whose two sides
        call the same (``URL(u) if p is None else URL(u, params=p)``)."""
        if isinstance(value, ast.Call):
            return self.qualify(value.func, local)
        if isinstance(value, ast.IfExp):
            body, orelse = self._constructor(value.body, local), self._constructor(value.orelse, local)
            return body if body == orelse else None
        return None

    def _class_call(self, calls: dict[str, str], attr: str, value: ast.Call) -> None:
        callee = self.qualify(value.func)
        if callee is not None:
            calls.setdefault(attr, callee)

    # ----------------------------------------------------------------- module

    def summary(self) -> ModuleSummary:
        started, repeated = self._thread_targets()
        functions: list[FunctionSummary] = []
        classes: list[ClassSummary] = []
        mutable: dict[str, str] = {}
        aliases: dict[str, str] = {}
        overloads: dict[str, list[FunctionSummary]] = {}
        variables: dict[str, list[ValueSource] | None] = {}
        declared: dict[str, list[ValueSource] | None] = {}
        for stmt in statements(self.tree.body):
            self._variable(stmt, variables, declared)
            if isinstance(stmt, _FUNCTION_TYPES):
                summary, _ = self.function(stmt, f"{self.module}.{stmt.name}", method=False)
                _add_function(functions, overloads, summary, stmt.name)
            elif isinstance(stmt, ast.ClassDef):
                classes.extend(self.klass(stmt, f"{self.module}.{stmt.name}", functions))
            elif isinstance(stmt, _TYPE_ALIAS):
                aliases[stmt.name.id] = self._written_out(stmt.value)
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
                alias = self._type_alias(stmt)
                if alias is not None:
                    aliases[alias[0]] = alias[1]
                kind = self._mutable_kind(stmt.value)
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        if kind is None:
                            mutable.pop(target.id, None)
                        else:
                            mutable.setdefault(target.id, kind)
        rebound = self._global_rebound() if self.may_global else ()
        for name in rebound:  # a function's ``global X; X = ...`` may give it any other value than declared
            variables[name] = None
        return ModuleSummary(
            module=self.module,
            is_package=self.is_package,
            imports=tuple(self.scope.imports.items()),
            star_imports=tuple(self.star_imports),
            functions=tuple(functions),
            classes=tuple(classes),
            global_rebound=rebound,
            mutable_globals=tuple(mutable.items()),
            variables=source_triples({**variables, **declared}, {}),
            type_aliases=tuple(aliases.items()),
            thread_targets=started,
            repeated_thread_targets=repeated,
        )

    def _variable(
        self,
        stmt: ast.stmt,
        variables: dict[str, list[ValueSource] | None],
        declared: dict[str, list[ValueSource] | None],
    ) -> None:
        """What a module-level statement says of the names it binds: an assignment, the
        sources of its value; an annotation, its type (a bare ``Final``, the value's); any
        other binding (a def, an import, a loop) leaves the name out, declared or not."""
        if isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name) for t in stmt.targets):
            sources = value_sources(stmt.value, self.qualify, no_param)
            for target in stmt.targets:
                add_sources(variables, target.id, sources)  # type: ignore[attr-defined]
            return
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            name = stmt.target.id
            if self._is_typing(stmt.annotation, "TypeAlias"):
                variables[name] = None
            elif self._is_typing(stmt.annotation, "Final"):
                value = stmt.value
                add_sources(variables, name, value_sources(value, self.qualify, no_param) if value else None)
            elif declared.get(name, ()) is not None:
                declared[name] = [("type", self._written_out(stmt.annotation))]
            return
        names = (
            [name for name, _ in import_sites(stmt, self._anchor)]
            if isinstance(stmt, (ast.Import, ast.ImportFrom))
            else bound_names(stmt)
        )
        for name in names:
            variables[name] = declared[name] = None

    def _thread_targets(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Functions started on threads here, and those started in a loop (or mapped over a
        pool): they race with themselves."""
        if not self.may_start_threads:
            return (), ()
        pools: set[str] = set()
        submitted: list[tuple[str, ast.expr, bool]] = []
        targets: set[str] = set()
        repeated: set[str] = set()
        stack: list[tuple[ast.AST, bool, tuple[str, str] | None]] = [(self.tree, False, None)]
        kids: list[ast.AST] = []
        while stack:
            node, looping, owner = stack.pop()
            inner = looping or isinstance(node, (ast.For, ast.AsyncFor, ast.While, ast.comprehension))
            # ``owner``: None at module level; (class, "") in a class body; (class, self's
            # name) in a method; ("", "") anywhere else (a class there is not indexed).
            if isinstance(node, ast.ClassDef):
                if owner is None or (owner[0] and not owner[1]):
                    owner = (f"{owner[0] if owner else self.module}.{node.name}", "")
                else:
                    owner = ("", "")
            elif isinstance(node, _FUNCTION_TYPES):
                arguments = [*node.args.posonlyargs, *node.args.args]
                in_class = owner is not None and owner[0] and not owner[1]
                owner = (owner[0], arguments[0].arg) if owner is not None and in_class and arguments else ("", "")
            kids.clear()
            push_children(node, kids)
            stack += [(child, inner, owner) for child in kids]
            if isinstance(node, (ast.Assign, ast.withitem)):
                value = node.value if isinstance(node, ast.Assign) else node.context_expr
                bound = node.targets if isinstance(node, ast.Assign) else [node.optional_vars]
                if isinstance(value, ast.Call) and self.qualify(value.func) in THREAD_POOLS:
                    pools.update(filter(None, (dotted_name(t) for t in bound if t is not None)))
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            argument: ast.expr | None = None
            if isinstance(func, ast.Attribute) and func.attr in ("submit", "map") and node.args:
                receiver = dotted_name(func.value)
                if receiver is not None:
                    submitted.append((receiver, node.args[0], looping or func.attr == "map"))
                continue
            if isinstance(func, ast.Attribute) and func.attr == "run_in_executor" and len(node.args) > 1:
                argument = node.args[1]
            starter = THREAD_STARTERS.get(self.qualify(func) or "")
            if starter is not None:
                keyword, position = starter
                argument = next((k.value for k in node.keywords if k.arg == keyword), None)
                if argument is None and position is not None and len(node.args) > position:
                    argument = node.args[position]
            target = self._started(argument, owner) if argument is not None else None
            if target is not None:
                targets.add(target)
                if looping:
                    repeated.add(target)
        for receiver, argument, many in submitted:
            target = self._started(argument, None) if receiver in pools else None
            if target is not None:
                targets.add(target)
                if many:
                    repeated.add(target)
        return tuple(sorted(targets)), tuple(sorted(repeated))

    def _started(self, argument: ast.expr, owner: tuple[str, str] | None) -> str | None:
        """The qualified function a thread start names: a module-level name, or
        ``self.m`` in a method of the class ``owner`` names (with its ``self`` parameter)."""
        if (
            owner is not None
            and owner[1]
            and isinstance(argument, ast.Attribute)
            and isinstance(argument.value, ast.Name)
            and argument.value.id == owner[1]
        ):
            return f"{owner[0]}.{argument.attr}"
        return self.qualify(argument)

    def _mutable_kind(self, value: ast.expr) -> str | None:
        literal = _LITERAL_CONTAINERS.get(type(value))
        if literal is not None:
            return literal
        if isinstance(value, ast.Call):
            callee = self.qualify(value.func)
            if callee in MUTABLE_CONTAINERS:
                return callee
        return None

    def _global_rebound(self) -> tuple[str, ...]:
        found: dict[str, None] = {}
        bodies: list[tuple[list[ast.stmt], bool]] = [(self.tree.body, False)]
        while bodies:
            body, in_function = bodies.pop()
            declared: list[str] = []
            bound: set[str] = set()
            for stmt in statements(body):
                if isinstance(stmt, (*_FUNCTION_TYPES, ast.ClassDef)):
                    bodies.append((stmt.body, not isinstance(stmt, ast.ClassDef)))
                if not in_function:
                    continue
                if isinstance(stmt, ast.Global):
                    declared.extend(stmt.names)
                elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
                    bound.update(name for name, _ in import_sites(stmt, self._anchor))
                else:
                    bound.update(bound_names(stmt))
            for name in declared:
                if name in bound:
                    found[name] = None
        return tuple(sorted(found))


_PLAIN_PARAMS: Final = frozenset({"positional_only", "positional", "keyword_only"})
"""Parameters whose declared type is the argument's (not ``*args``' tuple of it)."""


def _does_nothing(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether a function's body is only ``pass``, ``...`` or its docstring."""
    return all(
        isinstance(stmt, ast.Pass) or isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
        for stmt in function.body
    )


def _hands_self_on(init: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether ``__init__`` registers the instance (or its release method) with something
    that will release it: ``stack.enter_context(self)``, ``atexit.register(self.close)``,
    ``weakref.finalize(self, ...)``, ``_open_instances.add(self)``."""
    args = init.args.posonlyargs + init.args.args
    if not args:
        return False
    me = args[0].arg
    nodes: list[ast.AST] = list(init.body)
    while nodes:  # one walk: every node under the body once
        node = nodes.pop()
        push_children(node, nodes)
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        if name not in REGISTERING_CALLS:
            continue
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            if isinstance(arg, ast.Name) and arg.id == me:
                return True
            if (
                isinstance(arg, ast.Attribute)
                and isinstance(arg.value, ast.Name)
                and arg.value.id == me
                and arg.attr in SELF_RELEASERS
            ):
                return True
    return False


def _add_function(
    functions: list[FunctionSummary], overloads: dict[str, list[FunctionSummary]], summary: FunctionSummary, name: str
) -> None:
    """An ``@overload`` waits for its implementation, which carries the overloads before it;
    a property's setter and deleter leave the getter to stand for the name."""
    if any(d.rpartition(".")[2] in PROPERTY_ACCESSORS for d in summary.decorators):
        return
    if any(d.rpartition(".")[2] == "overload" for d in summary.decorators):
        overloads.setdefault(name, []).append(summary)
        return
    declared = overloads.pop(name, None)
    functions.append(dataclasses.replace(summary, overloads=tuple(declared)) if declared else summary)


def is_package_file(path: str | os.PathLike[str]) -> bool:
    """Whether a file is its package's ``__init__`` (without a ``Path``: pass 1 asks per file)."""
    return os.path.splitext(os.path.basename(path))[0] == "__init__"


def build_summary(path: str | os.PathLike[str], source: bytes, module_name: str) -> ModuleSummary:
    """Summarise one module; never raises (an unparseable file gives an empty summary)."""
    is_package = is_package_file(path)
    # An ast tree holds no reference cycles, so the cyclic collector, which the many
    # allocations of a parse keep triggering, has nothing to find: ~15 % of this pass.
    collecting = gc.isenabled()
    gc.disable()
    try:
        tree = _parse(source, path)
        if tree is None:
            return ModuleSummary(module_name, is_package, (), (), parsed=False)
        return _Summarizer(module_name, is_package, source, tree).summary()
    except (ValueError, RecursionError, MemoryError, OverflowError):
        return ModuleSummary(module_name, is_package, (), (), parsed=False)
    finally:
        if collecting:
            gc.enable()


def _parse(source: bytes, path: str | os.PathLike[str]) -> ast.Module | None:
    """The module's ``ast``; syntax newer than this interpreter's is read through libcst."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarning for "\d" etc. is not ours to show
        try:
            return ast.parse(source, filename=os.fspath(path))
        except SyntaxError as error:
            if is_nesting_error(error):
                return None
            rewritten = downlevel(source)
            if rewritten is None:
                return None
            try:
                return ast.parse(rewritten, filename=os.fspath(path))
            except SyntaxError:
                return None


def _started_parameter(call: ast.Call, starter: tuple[str, int | None], names: set[str]) -> str | None:
    """The parameter a thread-starting call runs (``Thread(target=fn)``, ``Thread(None, fn)``)."""
    keyword, position = starter
    if position is None:
        position = 1  # `Thread(group, target)`
    argument = next((k.value for k in call.keywords if k.arg == keyword), None)
    if argument is None and len(call.args) > position:
        argument = call.args[position]
    return argument.id if isinstance(argument, ast.Name) and argument.id in names else None
