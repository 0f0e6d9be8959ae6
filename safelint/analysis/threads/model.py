"""Where a module's code runs on other threads: thread entry points and what they reach (SL3).

An *entry* is a function some visible code hands to another thread: a ``Thread`` target or
a ``Thread`` subclass's ``run``, a ``Timer`` callback, a task given to a thread pool
(``submit``/``map``, ``run_in_executor``, ``asyncio.to_thread``), a done-callback of a
``concurrent.futures.Future``, a request handler of a threading ``socketserver`` or
``ThreadingHTTPServer``, or a function the user names in ``thread-entry-points``.
``multiprocessing`` process pools share no memory and are not entries.

Each function of the module then gets its *contexts*: the entries that reach it through the
module's calls (``f()`` and ``self.m()``), plus ``MAIN`` when it may also run on the thread
that started them (it is called from such code, or it is public and called from nowhere
this module shows). Two
accesses can race when their contexts hold two different threads, or the same entry started
more than once (in a loop, by a pool's ``map``, by a server for every request).
"""

from __future__ import annotations

import enum
import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, cast

import libcst as cst

from safelint.analysis.facts.apis import (
    FUTURES,
    REQUEST_HANDLER_BASES,
    THREAD_POOLS,
    THREAD_STARTER_NAMES,
    THREADING_SERVERS,
)
from safelint.analysis.facts.callees import project_class
from safelint.analysis.syntax import (
    as_scope,
    callee_name,
    dotted_name,
    iter_scopes,
    push_children,
    without_nested_defs,
)

if TYPE_CHECKING:
    from safelint.context import ModuleContext

__all__ = ["MAIN", "Entry", "EntryKind", "Function", "ThreadModel", "mentions_threads", "private_name", "thread_model"]

_THREADY_WORDS: Final = ("Thread", "threading", "Executor", "executor", "to_thread", "GuardedBy", "guarded-by")
_THREAD_MODULE = re.compile(r"_thread\b")

_HANDLER_METHODS = re.compile(r"handle|setup|finish|do_[A-Z]+")


_LOOPS: Final = frozenset({cst.For, cst.While, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp})
"""Exact types (libcst's ABC ``isinstance`` is slow on this walk): code under them may
start a thread more than once."""


def mentions_threads(text: str) -> bool:
    """The cheap test: a module that never names threads, executors or guards has no race."""
    # Substring tests run at C speed over the text, several times faster than one regex
    # alternation; the regex is left for the one word that needs a boundary.
    return any(word in text for word in _THREADY_WORDS) or (
        "_thread" in text and _THREAD_MODULE.search(text) is not None
    )


class EntryKind(enum.Enum):
    """How code comes to run on another thread."""

    MAIN = "main"
    """The thread that starts the others."""
    THREAD_TARGET = "thread target"
    TIMER = "timer"
    START_NEW_THREAD = "start_new_thread"
    TO_THREAD = "to_thread"
    POOL_SUBMIT = "pool submit"
    POOL_MAP = "pool map"
    EXECUTOR = "executor"
    DONE_CALLBACK = "done callback"
    THREAD_SUBCLASS = "Thread subclass"
    REQUEST_HANDLER = "request handler"
    DECLARED = "declared"
    """Named in the ``thread-entry-points`` option."""
    STARTED_ELSEWHERE = "started elsewhere"
    """Another module starts it on a thread (``origin`` says which)."""
    CALLED_ELSEWHERE = "called elsewhere"
    """Another module's thread code calls it (``origin`` says which function)."""
    WRAPPER = "thread-starting helper"
    """Given to a function of the module that starts its parameter on a thread
    (``def spawn(fn): Thread(target=fn, daemon=True).start()``)."""


@dataclass(eq=False)
class Entry:
    """A way code is started on another thread."""

    kind: EntryKind
    site: cst.CSTNode
    """The call (or class) that starts it, for the line in messages."""
    repeated: bool
    """Started more than once, so it races with itself."""
    shares_self: bool = True
    """False for request handlers: each request gets its own handler object."""
    target: Function | None = None
    """The function it starts."""
    starter: Function | None = None
    """The function whose call starts it (None: module-level code, a class, the option)."""
    origin: str | None = None
    """For an entry known from another module: the module or function that starts it."""
    top: cst.CSTNode | None = None
    """The module-level statement holding ``site``: its line is found without laying out
    the whole module."""
    awaited: bool = False
    """Awaited where it is started (``await asyncio.to_thread(f)``), outside a loop."""


MAIN = Entry(EntryKind.MAIN, cst.Pass(), False)


@dataclass(eq=False)
class Function:
    """A function or method of the module, with what the thread analysis knows of it."""

    node: cst.FunctionDef
    qualname: str
    """``f``, ``C.m`` or ``outer.inner``: the name messages use."""
    klass: cst.ClassDef | None
    """The class it is a method of."""
    parent: Function | None
    """The function it is nested in."""
    contexts: set[Entry] = field(default_factory=set)
    callees: set[Function] = field(default_factory=set)
    callers: set[Function] = field(default_factory=set)
    starts: list[cst.CSTNode] = field(default_factory=list)
    """The entry sites in its own code."""

    @property
    def method(self) -> Function | None:
        """The method whose ``self`` this function sees: itself, or for a closure nested in a
        method (a thread body defined inside it), that method."""
        scope: Function | None = self
        while scope is not None and scope.klass is None:
            scope = scope.parent
        return scope


class ThreadModel:
    """Entries, the module's functions and their contexts. Build with :func:`thread_model`."""

    def __init__(self, ctx: ModuleContext, extra_entries: Sequence[str]) -> None:
        self.ctx = ctx
        self.functions: dict[cst.FunctionDef, Function] = {}
        self.classes: dict[str, cst.ClassDef] = {}
        self.entries: list[Entry] = []
        self.targets: set[Function] = set()
        self._nested: dict[cst.CSTNode, dict[str, Function]] = {}
        self._fields: dict[tuple[cst.ClassDef | None, str], cst.ClassDef | None] = {}
        self._method_names: set[str] = set()
        """The names of the module's methods: only ``x.name(...)`` with one of them may call one."""
        self._hooks: dict[Function, bool] = {}
        self._wrappers: dict[Function, tuple[int | None, str]] = {}
        """Functions that start a parameter on a thread: the parameter's position and name."""
        self._referenced: set[str] = set()
        """Names and attribute names the module mentions: a private function passed as a
        callback (``atexit.register(_cleanup)``) is run by the code that registered it."""
        self._collect()
        self._find_entries(extra_entries)
        self._link_calls()
        self._propagate()

    @property
    def threaded(self) -> bool:
        return bool(self.entries)

    def resolve(self, func: cst.BaseExpression, where: Function | None) -> Function | None:
        """The module function a call's ``func`` (``f``, ``self.m``, ``cls.m``) names."""
        if isinstance(func, cst.Name):
            scope = where
            while scope is not None:
                found = self._nested.get(scope.node, {}).get(func.value)
                if found is not None:
                    return found
                scope = scope.parent
            return self._nested.get(self.ctx.module, {}).get(func.value)
        owner = where.method if where is not None else None
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and owner is not None
            and owner.klass is not None
            and func.value.value in ("self", "cls")
        ):
            return self.method(owner.klass, func.attr.value)
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Attribute)
            and isinstance(func.value.value, cst.Name)
            and func.value.value.value == "self"
            and owner is not None
            and owner.klass is not None
        ):
            return self._field_method(func.value, func.attr.value, owner)
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and where is not None
            and func.attr.value in self._method_names
        ):
            return self._object_method(func.value, func.attr.value, where)
        return None

    def _object_method(self, receiver: cst.Name, name: str, where: Function) -> Function | None:
        """``w.run`` where the evaluator knows ``w`` (a local, a parameter) is an instance of
        a class of this module: that object's method runs wherever ``w.run`` is started."""
        klass = self._local_class(self.ctx.types.class_of(receiver, where.node))
        return self.method(klass, name) if klass is not None else None

    def _local_class(self, qualname: str | None) -> cst.ClassDef | None:
        prefix = f"{self.ctx.module_name[0] or '<module>'}."
        if qualname is None or not qualname.startswith(prefix):
            return None
        return self.classes.get(qualname[len(prefix) :])

    def _field_method(self, field: cst.Attribute, name: str, owner: Function) -> Function | None:
        """``self.store.add`` where the evaluator knows ``self.store`` is an instance of a
        class of this module: the object is reached by whatever thread runs the caller."""
        key = (owner.klass, field.attr.value)
        known = self._fields.get(key, False)
        if known is False:
            known = self._fields[key] = self._local_class(self.ctx.types.class_of(field, owner.node))
        return self.method(known, name) if isinstance(known, cst.ClassDef) else None

    def outside_api(self, function: Function) -> bool:
        """Whether code outside this module calls ``function`` as its users' API: a public
        name, or a private method a base class of another module calls as ``self.name()``
        from one of its public methods (kombu's ``Channel.queue_bind`` runs the transport's
        ``self._queue_bind``)."""
        name = function.node.name.value
        if not private_name(name):
            return True
        if function.klass is None or function.callers:
            return False
        found = self._hooks.get(function)
        if found is None:
            found = self._hooks[function] = self._base_calls(function.klass, f"self.{name}")
        return found

    def _base_calls(self, klass: cst.ClassDef, call: str) -> bool:
        ctx = self.ctx
        todo = [q for b in klass.bases if (q := ctx.names.qualified_name(b.value, None)) is not None]
        seen: set[str] = set()
        while todo and len(seen) < 16:
            qualname = todo.pop()
            summary = project_class(ctx, qualname) if qualname not in seen else None
            seen.add(qualname)
            if summary is None:
                continue
            for method in summary.methods:
                if not private_name(method):
                    found = ctx.index.function(f"{summary.qualname}.{method}")
                    if found is not None and call in found.calls:
                        return True
            todo.extend(summary.bases)
        return False

    def method(self, klass: cst.ClassDef, name: str, depth: int = 0) -> Function | None:
        """``klass.name``, looked up through the base classes this module defines."""
        found = self._nested.get(klass, {}).get(name)
        if found is not None or depth > 8:
            return found
        for base in klass.bases:
            base_name = dotted_name(base.value)
            parent = self.classes.get(base_name or "")
            if parent is not None:
                found = self.method(parent, name, depth + 1)
                if found is not None:
                    return found
        return None

    def is_subclass(self, klass: cst.ClassDef, bases: Sequence[str], depth: int = 0) -> bool:
        """Whether ``klass`` derives from one of ``bases`` (qualified names), through this
        module's classes, the project index and the knowledge base."""
        for base in klass.bases:
            local = self.classes.get(dotted_name(base.value) or "")
            if local is not None and depth < 8 and self.is_subclass(local, bases, depth + 1):
                return True
            qualified = self.ctx.names.qualified_name(base.value, None)
            if qualified is not None and _derives(self.ctx, qualified, bases, 0):
                return True
        return False

    # ----------------------------------------------------------------- building

    def _collect(self) -> None:
        owners: dict[cst.CSTNode, Function | None] = {self.ctx.module: None}
        for scope, parent in iter_scopes(self.ctx.module):
            if isinstance(scope, cst.ClassDef):
                if parent is self.ctx.module:
                    self.classes[scope.name.value] = scope
                owners[scope] = owners.get(parent) if parent is not None else None
                continue
            if not isinstance(scope, cst.FunctionDef) or parent is None:
                if parent is not None:
                    owners[scope] = owners.get(parent)
                continue
            klass = parent if isinstance(parent, cst.ClassDef) else None
            outer = owners.get(parent)
            prefix = f"{outer.qualname}." if outer is not None else ""
            if klass is not None:
                prefix = f"{prefix}{klass.name.value}." if outer is None else prefix
            function = Function(scope, f"{prefix}{scope.name.value}", klass, outer)
            if klass is not None:
                self._method_names.add(scope.name.value)
            self.functions[scope] = function
            owners[scope] = function
            self._nested.setdefault(parent, {})[scope.name.value] = function

    def _find_entries(self, extra: Sequence[str]) -> None:
        ctx = self.ctx
        targets: dict[Function, list[Entry]] = {}
        servers = False
        module_name = ctx.module_name[0] or "<module>"
        for function in self.functions.values():
            if extra and any(
                fnmatch.fnmatchcase(name, pattern)
                for pattern in extra
                for name in (function.qualname, f"{module_name}.{function.qualname}")
            ):
                targets.setdefault(function, []).append(Entry(EntryKind.DECLARED, function.node, True))
            qualname = f"{module_name}.{function.qualname}"
            for elsewhere, known in (
                (EntryKind.STARTED_ELSEWHERE, ctx.index.started_elsewhere(qualname)),
                (EntryKind.CALLED_ELSEWHERE, ctx.index.called_from_thread(qualname)),
            ):
                if known is not None:
                    origin, repeated = known
                    # Reached only from a constructor run on the thread (`WSGIHandler()` runs
                    # `self.load_middleware()`): its object is not yet shared.
                    fresh = elsewhere is EntryKind.CALLED_ELSEWHERE and ctx.index.built_on_thread(qualname)
                    entry = Entry(elsewhere, function.node, repeated, shares_self=not fresh, origin=origin)
                    targets.setdefault(function, []).append(entry)
        declared = [entry for entries in targets.values() for entry in entries]
        stack: list[tuple[cst.CSTNode, Function | None, cst.CSTNode | None, cst.CSTNode | None]] = [
            (ctx.module, None, None, None)
        ]
        kids: list[cst.CSTNode] = []
        tops: dict[cst.CSTNode, cst.CSTNode | None] = {}
        awaited: set[int] = set()
        pending: list[tuple[cst.Call, Function, cst.CSTNode | None, cst.CSTNode | None]] = []
        while stack:
            node, where, loop, top = stack.pop()
            if top is None and node is not ctx.module:
                top = node
            if type(node) is cst.Await:
                awaited.add(id(node.expression))
            elif type(node) is cst.Call:
                found = self._entry_call(node, where, loop)
                if not found and where is not None:
                    pending.append((node, where, loop, top))
                for target, entry in found:
                    entry.awaited = id(node) in awaited and loop is None
                    entry.top = top
                    entry.starter = where
                    targets.setdefault(target, []).append(entry)
                if found and where is not None:
                    where.starts.append(node)
            elif type(node) is cst.Name:
                self._referenced.add(node.value)
            elif type(node) is cst.Attribute:
                self._referenced.add(node.attr.value)
            if not servers and _names_threading_server(node):
                assert isinstance(node, (cst.Name, cst.Attribute))
                servers = ctx.names.qualified_name(node, where.node if where else None) in THREADING_SERVERS
            kind = type(node)
            inner = self.functions.get(cast(cst.FunctionDef, node)) if kind is cst.FunctionDef else None
            if inner is not None:
                where, loop = inner, None
                tops[node] = top
            elif kind in _LOOPS:
                loop = node
            kids.clear()
            push_children(node, kids)
            for child in kids:
                if inner is None or child is not inner.node.name:
                    stack.append((child, where, loop, top))
        helpers_elsewhere = any(name in ctx.text for name in ctx.index.thread_helper_names)
        for call, where, loop, top in pending if self._wrappers or helpers_elsewhere else ():
            for target, entry in self._wrapped_start(call, where, loop):
                entry.top, entry.starter = top, where
                targets.setdefault(target, []).append(entry)
                where.starts.append(call)
        for entry in declared:
            entry.top = tops.get(entry.site)
        for klass in self.classes.values():
            if self.is_subclass(klass, ("threading.Thread",)):
                run = self._nested.get(klass, {}).get("run")  # an inherited `run` is its class's entry
                if run is not None:
                    targets.setdefault(run, []).append(Entry(EntryKind.THREAD_SUBCLASS, klass, False, top=klass))
            elif servers and self.is_subclass(klass, REQUEST_HANDLER_BASES):
                for name, method in self._nested.get(klass, {}).items():
                    if _HANDLER_METHODS.fullmatch(name):
                        entry = Entry(EntryKind.REQUEST_HANDLER, klass, True, shares_self=False, top=klass)
                        targets.setdefault(method, []).append(entry)
        for target, entries in targets.items():
            # Awaited in place (`await loop.run_in_executor(None, self._read)`), each call ends
            # before its coroutine goes on: such calls do not overlap one another.
            if len(entries) > 1 and not all(entry.awaited for entry in entries):
                for entry in entries:
                    entry.repeated = True
            for entry in entries:
                entry.target = target
            target.contexts.update(entries)
            self.targets.add(target)
            self.entries.extend(entries)

    def _entry_call(
        self, call: cst.Call, where: Function | None, loop: cst.CSTNode | None
    ) -> list[tuple[Function, Entry]]:
        """The functions this call starts on another thread, if it is an entry site (a table
        of callbacks, ``pool.submit(handlers[kind])``, may start any of its functions)."""
        ctx = self.ctx
        scope = where.node if where is not None else None
        func = call.func
        method = func.attr.value if isinstance(func, cst.Attribute) else None
        argument: cst.BaseExpression | None = None
        kind = EntryKind.MAIN
        repeated = loop is not None
        if method in ("submit", "map") and isinstance(func, cst.Attribute) and self._is_pool(func.value, where):
            argument = _positional(call, 0) or _keyword(call, "fn")
            kind = EntryKind.POOL_SUBMIT if method == "submit" else EntryKind.POOL_MAP
            repeated = repeated or method == "map"
        elif method == "run_in_executor":
            argument, kind = _positional(call, 1), EntryKind.EXECUTOR
        elif method == "add_done_callback" and isinstance(func, cst.Attribute):
            if ctx.types.class_of(func.value, scope) in FUTURES or _submitted(func.value):
                argument, kind = _positional(call, 0), EntryKind.DONE_CALLBACK
        elif (callee_name(func) or "")[:1].isupper() or callee_name(func) in THREAD_STARTER_NAMES:
            # `try: import threading except ImportError: import dummy_threading as threading`
            # leaves the name unresolved; the spelling is evidence enough.
            name = ctx.names.qualified_name(func, scope) or dotted_name(func)
            if name == "asyncio.to_thread":
                argument, kind = _positional(call, 0), EntryKind.TO_THREAD
            elif name in ("_thread.start_new_thread", "_thread.start_new"):
                argument, kind = _positional(call, 0), EntryKind.START_NEW_THREAD
            elif name == "threading.Timer":
                argument, kind = _positional(call, 1) or _keyword(call, "function"), EntryKind.TIMER
            elif name is not None and self._is_thread_class(func, name):
                argument, kind = _keyword(call, "target") or _positional(call, 1), EntryKind.THREAD_TARGET
        if argument is None:
            return []
        if isinstance(argument, cst.Name) and where is not None and kind is not EntryKind.MAIN:
            self._note_wrapper(where, argument.value)
        if isinstance(argument, cst.Call) and dotted_name(argument.func) in ("functools.partial", "partial"):
            argument = argument.args[0].value if argument.args else argument
        if isinstance(argument, cst.Lambda) and isinstance(argument.body, cst.Call):
            argument = argument.body.func
        if repeated and _built_each_time(argument, loop):
            repeated = False  # `w = Worker(); Thread(target=w.run)` in a loop: one object each
        if isinstance(argument, cst.Subscript):
            targets = self._table(argument.value, where)
        else:
            target = self.resolve(argument, where)
            targets = [target] if target is not None else []
        return [(target, Entry(kind, call, repeated)) for target in targets]

    def _note_wrapper(self, function: Function, name: str) -> None:
        """``function`` starts its parameter ``name`` on a thread: what callers pass there runs on one."""
        params = function.node.params
        positional = [p.name.value for p in (*params.posonly_params, *params.params)]
        if name in positional:
            self._wrappers[function] = (positional.index(name), name)
        elif any(p.name.value == name for p in params.kwonly_params):
            self._wrappers[function] = (None, name)

    def _wrapped_start(self, call: cst.Call, where: Function, loop: cst.CSTNode | None) -> list[tuple[Function, Entry]]:
        """``spawn(self.work)``, where ``spawn`` is a function of the module that starts its
        parameter on a thread (one level: a helper of a helper is not followed)."""
        helper = self.resolve(call.func, where)
        if helper is not None:
            found = self._wrappers.get(helper)
            bound = helper.klass is not None and isinstance(call.func, cst.Attribute)
        else:
            found, bound = self._helper_elsewhere(call, where), False
        if found is None:
            return []
        position, name = found
        argument = _keyword(call, name)
        if argument is None and position is not None:
            argument = _positional(call, position - 1 if bound else position)
        if argument is None:
            return []
        if isinstance(argument, cst.Call) and dotted_name(argument.func) in ("functools.partial", "partial"):
            argument = argument.args[0].value if argument.args else argument
        target = self.resolve(argument, where)
        if target is None:
            return []
        repeated = loop is not None and not _built_each_time(argument, loop)
        return [(target, Entry(EntryKind.WRAPPER, call, repeated))]

    def _helper_elsewhere(self, call: cst.Call, where: Function) -> tuple[int | None, str] | None:
        """A project function of another module that starts a parameter on a thread, called
        by name or through a field that holds it (``self.create_thread = spawn``), per the
        index: the parameter's position as this call counts it, and its name."""
        qualname = self.ctx.types.call_target(call, where.node)
        summary = self.ctx.index.function(qualname) if qualname is not None else None
        if summary is None or summary.starts_parameter is None:
            return None
        name = summary.starts_parameter
        positional = [p.name for p in summary.params if p.kind in ("positional_only", "positional")]
        if positional[:1] in (["self"], ["cls"]) and isinstance(call.func, cst.Attribute):
            positional = positional[1:]
        return (positional.index(name) if name in positional else None), name

    def _table(self, table: cst.BaseExpression, where: Function | None) -> list[Function]:
        """The methods a dict literal of callbacks holds, ``handlers = {"a": self.on_a}``
        reaching the call in the function (the scope's reaching bindings) or
        ``self.handlers = {...}`` in a method of its class (the evaluator's field model)."""
        if where is None:
            return []
        values: list[tuple[cst.BaseExpression | None, Function | None]] = []
        if isinstance(table, cst.Name):
            reaching = self.ctx.types.scope_bindings(as_scope(where.node)).reaching(table.value, table)
            values = [(b.node.value, where) for b in reaching if isinstance(b.node, cst.Assign) and b.target is None]
        elif isinstance(table, cst.Attribute) and isinstance(table.value, cst.Name) and table.value.value == "self":
            qualname = self.ctx.types.class_of(table.value, where.node)
            bound = self.ctx.types.project.field_bindings(qualname, table.attr.value) if qualname is not None else []
            for method, node in bound:
                if isinstance(node, cst.Assign) and len(node.targets) == 1:
                    values.append((node.value, self.functions.get(method)))
        found: list[Function] = []
        for value, scope in values:
            if not isinstance(value, cst.Dict) or scope is None:
                continue
            for element in value.elements:
                callback = self.resolve(element.value, scope) if isinstance(element, cst.DictElement) else None
                if callback is not None and callback not in found:
                    found.append(callback)
        return found

    def _is_thread_class(self, func: cst.BaseExpression, name: str) -> bool:
        local = self.classes.get(dotted_name(func) or "")
        if local is not None:
            return self.is_subclass(local, ("threading.Thread",))
        return _derives(self.ctx, name, ("threading.Thread",), 0)

    def _is_pool(self, receiver: cst.BaseExpression, where: Function | None) -> bool:
        ctx = self.ctx
        if ctx.types.class_of(receiver, where.node if where else None) in THREAD_POOLS:
            return True
        name = dotted_name(receiver)
        if name is None:
            return False
        if where is not None and where.klass is not None and name.startswith("self.") and name.count(".") == 1:
            module = ctx.module_name[0] or "<module>"
            summary = project_class(ctx, f"{module}.{where.klass.name.value}")
            calls = dict(summary.attribute_calls) if summary is not None else {}
            return calls.get(name[5:]) in THREAD_POOLS
        return _bound_to_pool(ctx, name, where)

    def _link_calls(self) -> None:
        for function in self.functions.values():
            stack: list[cst.CSTNode] = [function.node.body]
            while stack:
                node = stack.pop()
                if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
                    continue
                if type(node) is cst.Call:
                    assert isinstance(node, cst.Call)
                    callee = None if _on_local(node.func) else self.resolve(node.func, function)
                    if callee is not None:
                        for target in (callee, *self._overrides(callee, node.func)):
                            if target is not function:
                                function.callees.add(target)
                                target.callers.add(function)
                    elif _starts_thread(node):
                        function.starts.append(node)
                push_children(node, stack)

    def _overrides(self, method: Function, func: cst.BaseExpression) -> list[Function]:
        """What ``self.m()`` may run besides ``method``: the overrides of ``m`` in the
        module's subclasses of its class (``Handler.handle`` calls ``FileHandler.emit``)."""
        if method.klass is None or not isinstance(func, cst.Attribute):
            return []
        name = method.node.name.value
        found = []
        for klass in self.classes.values():
            if klass is not method.klass and self._derives_locally(klass, method.klass, 0):
                override = self._nested.get(klass, {}).get(name)
                if override is not None:
                    found.append(override)
        return found

    def _derives_locally(self, klass: cst.ClassDef, base: cst.ClassDef, depth: int) -> bool:
        for parent in klass.bases:
            local = self.classes.get(dotted_name(parent.value) or "")
            if local is base or (local is not None and depth < 8 and self._derives_locally(local, base, depth + 1)):
                return True
        return False

    def _propagate(self) -> None:
        entry_functions = {f for f in self.functions.values() if f.contexts}
        for function in self.functions.values():
            name = function.node.name.value
            if (
                function not in entry_functions
                and not function.callers
                and (not private_name(name) or name in self._referenced or self.outside_api(function))
            ):
                function.contexts.add(MAIN)
        changed = True
        while changed:
            changed = False
            for function in self.functions.values():
                for callee in function.callees:
                    missing = function.contexts - callee.contexts
                    if missing:
                        callee.contexts |= missing
                        changed = True


def private_name(name: str) -> bool:
    """``_helper`` with no caller here is called by the package's own code, on whatever
    thread that runs: unknown, so not counted as the starting thread."""
    return name.startswith("_") and not name.endswith("__")


def _derives(ctx: ModuleContext, qualname: str, bases: Sequence[str], depth: int) -> bool:
    if qualname in bases:
        return True
    facts = ctx.knowledge.class_facts(qualname)
    if facts is not None:
        return any(base in facts.ancestors for base in bases)
    klass = project_class(ctx, qualname)
    if klass is None or depth > 8:
        return False
    return any(_derives(ctx, base, bases, depth + 1) for base in klass.bases)


def _bound_to_pool(ctx: ModuleContext, name: str, where: Function | None) -> bool:
    """``with ThreadPoolExecutor() as pool:`` / ``pool = ThreadPoolExecutor()`` in the function."""
    if where is None:
        return False
    stack: list[cst.CSTNode] = [where.node.body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.WithItem) and isinstance(node.item, cst.Call) and node.asname is not None:
            if dotted_name(node.asname.name) == name:
                return ctx.names.qualified_name(node.item.func, where.node) in THREAD_POOLS
        elif isinstance(node, cst.Assign) and isinstance(node.value, cst.Call):
            if any(dotted_name(t.target) == name for t in node.targets):
                return ctx.names.qualified_name(node.value.func, where.node) in THREAD_POOLS
        push_children(node, stack)
    return False


def _on_local(func: cst.BaseExpression) -> bool:
    """``x.m()`` on a local or a parameter: the object may be one the caller built for itself
    (``ignorer = Ignorer(); walk(root, ignorer)``), which runs on the caller's thread but
    is not shared by it. Such calls start entries (``Thread(target=x.m)``) and place code
    beside a thread; they pass no thread context on."""
    return (
        isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value not in ("self", "cls")
    )


def _built_each_time(argument: cst.BaseExpression, loop: cst.CSTNode | None) -> bool:
    """``w.run`` where ``w`` is assigned inside ``loop``: each start gets its own object."""
    if loop is None or not isinstance(argument, cst.Attribute) or not isinstance(argument.value, cst.Name):
        return False
    name = argument.value.value
    return any(
        isinstance(node, cst.Assign) and any(dotted_name(t.target) == name for t in node.targets)
        for node in without_nested_defs(loop)
    )


def _starts_thread(call: cst.Call) -> bool:
    """``t.start()``: where a function's own accesses start to meet its threads'."""
    return isinstance(call.func, cst.Attribute) and call.func.attr.value == "start" and not call.args


def _names_threading_server(node: cst.CSTNode) -> bool:
    if isinstance(node, cst.Name):
        return node.value.startswith("Threading")
    return isinstance(node, cst.Attribute) and node.attr.value.startswith("Threading")


def _submitted(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "submit"


def _positional(call: cst.Call, index: int) -> cst.BaseExpression | None:
    positional = [a for a in call.args if a.keyword is None and not a.star]
    return positional[index].value if index < len(positional) else None


def _keyword(call: cst.Call, name: str) -> cst.BaseExpression | None:
    return next((a.value for a in call.args if a.keyword is not None and a.keyword.value == name), None)


def thread_model(ctx: ModuleContext, extra_entries: Sequence[str] = ()) -> ThreadModel:
    """The model of ``ctx``'s module, computed once per module (and entry-point option)."""
    key = tuple(extra_entries)
    return ctx.memo(("thread model", key), lambda: ThreadModel(ctx, key))
