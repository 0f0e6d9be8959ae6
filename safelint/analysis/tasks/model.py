"""Which coroutines of a module run as tasks, and which run concurrently with themselves.

The async counterpart of :mod:`safelint.analysis.threads.model`, on the same functions and
call graph: a coroutine is *started* as a task by ``create_task``/``ensure_future`` (a
loop's, ``asyncio``'s or a ``TaskGroup``'s) or a wrapper named like them
(``create_referenced_task``), anyio's ``start_soon``, ``gather``, ``as_completed`` or ``wait``; it
is run for every connection by ``asyncio.start_server``, for every request when it is a
route of a web framework (``@app.get(...)``, ``@routes.post(...)``, ``router.add_get(path,
handler)``), or because the user names it in ``thread-entry-points``. It runs concurrently
with itself when it is started in a loop or a comprehension, by two functions, twice in one
``gather``, per connection or request, or by code that itself runs concurrently with itself; and so does
every function it calls.
"""

from __future__ import annotations

import enum
import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import libcst as cst

from safelint.analysis.facts.apis import TASK_FACTORIES, TASK_FACTORY_NAME
from safelint.analysis.syntax import COMPREHENSIONS, callee_name, dotted_name, push_children
from safelint.analysis.threads.model import Function, ThreadModel, thread_model

if TYPE_CHECKING:
    from safelint.context import ModuleContext

__all__ = ["Start", "StartKind", "TaskModel", "task_model"]


class StartKind(enum.Enum):
    """How a coroutine comes to run as a task."""

    TASK = "created as a task"
    GATHER = "gathered"
    AS_COMPLETED = "run by `as_completed`"
    WAIT = "run by `asyncio.wait`"
    SERVER = "run for every connection by `start_server`"
    ROUTE = "run for every request as a route handler"
    DECLARED = "declared an entry point"


@dataclass(frozen=True)
class Start:
    """One place that starts a coroutine as a task."""

    kind: StartKind
    site: cst.CSTNode
    repeated: bool
    """Started in a loop, a comprehension, or per connection or request."""
    shares_self: bool
    """The tasks share the object: ``self.m()`` started by a method of the same object."""
    starter: Function | None


_ROUTE_METHODS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "route", "websocket", "api_route", "view"}
)
_ADD_ROUTE = frozenset(
    {"add_route", "add_get", "add_post", "add_put", "add_patch", "add_delete", "add_head", "add_api_route"}
)
_SERVERS = frozenset({"start_server", "start_unix_server"})
# Exact types: this walk meets every node, and isinstance against libcst's ABCs is slow.
_LOOPS: Final = frozenset({cst.For, cst.While, *COMPREHENSIONS})
_DEFS: Final = frozenset({cst.FunctionDef, cst.ClassDef, cst.Lambda})


class TaskModel:
    """The task starts of a module and the coroutines that run concurrently with themselves."""

    def __init__(self, ctx: ModuleContext, declared: Sequence[str]) -> None:
        self.ctx = ctx
        self.threads: ThreadModel = thread_model(ctx)
        self.starts: dict[Function, list[Start]] = {}
        self.concurrent: dict[Function, Start] = {}
        """Each function that runs concurrently with itself, and the start that makes it so."""
        self._parents: dict[cst.CSTNode, cst.CSTNode] = {}
        self._find(declared)
        self._propagate()

    def tasks(self, function: Function) -> list[Start]:
        return self.starts.get(function, [])

    def _find(self, declared: Sequence[str]) -> None:
        module = self.ctx.module_name[0] or "<module>"
        for function in self.threads.functions.values():
            node = function.node
            if declared and any(
                fnmatch.fnmatchcase(name, pattern)
                for pattern in declared
                for name in (function.qualname, f"{module}.{function.qualname}")
            ):
                self._add(function, Start(StartKind.DECLARED, node, True, True, None))
            for decorator in node.decorators:
                call = decorator.decorator
                if (
                    isinstance(call, cst.Call)
                    and isinstance(call.func, cst.Attribute)
                    and call.func.attr.value in _ROUTE_METHODS
                    and node.asynchronous is not None
                ):
                    self._add(function, Start(StartKind.ROUTE, decorator, True, False, None))
        self._scan(self.ctx.module, None)
        for function in self.threads.functions.values():
            self._scan(function.node.body, function)
        for function, starts in self.starts.items():
            # Sites in one function may be alternatives (`if ...: create_task(a()) else: ...`).
            if len({s.starter for s in starts}) > 1:
                self.starts[function] = [
                    Start(s.kind, s.site, True, s.shares_self and all(o.shares_self for o in starts), s.starter)
                    for s in starts
                ]

    def _scan(self, root: cst.CSTNode, where: Function | None) -> None:
        """The starts in ``root``'s own code, with whether each sits in a loop there."""
        stack: list[tuple[cst.CSTNode, bool]] = [(root, False)]
        kids: list[cst.CSTNode] = []
        while stack:
            node, looping = stack.pop()
            if type(node) is cst.Call:
                self._call(node, where, looping)
            kind = type(node)
            if node is not root and kind in _DEFS:
                if kind is not cst.ClassDef or where is not None:
                    continue
            inner = (looping or kind in _LOOPS) and not _ends_loop(node)
            kids.clear()
            push_children(node, kids)
            stack.extend((kid, inner) for kid in kids)

    def _call(self, call: cst.Call, where: Function | None, looping: bool) -> None:
        name = callee_name(call.func)
        positional = [a for a in call.args if a.keyword is None]
        if name in TASK_FACTORIES or name == "start_soon" or TASK_FACTORY_NAME.match(name or ""):
            if positional and not positional[0].star:
                self._coroutine(positional[0].value, StartKind.TASK, call, where, looping, name == "start_soon")
        elif name == "gather":
            seen: set[Function] = set()
            for arg in positional:
                repeated = bool(arg.star) or looping
                target = self._coroutine(arg.value, StartKind.GATHER, call, where, repeated, False)
                if target is not None and target in seen:
                    self._coroutine(arg.value, StartKind.GATHER, call, where, True, False)
                if target is not None:
                    seen.add(target)
        elif name in ("as_completed", "wait") and positional:
            kind = StartKind.AS_COMPLETED if name == "as_completed" else StartKind.WAIT
            self._coroutine(positional[0].value, kind, call, where, True, False)
        elif name in _SERVERS and positional:
            self._coroutine(positional[0].value, StartKind.SERVER, call, where, True, True)
        elif name in _ADD_ROUTE and positional:
            self._coroutine(positional[-1].value, StartKind.ROUTE, call, where, True, True)

    def _coroutine(
        self,
        expr: cst.BaseExpression,
        kind: StartKind,
        site: cst.Call,
        where: Function | None,
        repeated: bool,
        reference: bool,
    ) -> Function | None:
        """Record the start of the coroutine ``expr`` calls (or, with ``reference``, names)."""
        if isinstance(expr, (cst.GeneratorExp, cst.ListComp, cst.SetComp)):
            expr, repeated = expr.elt, True
        elif isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
            repeated = repeated or len(expr.elements) > 1
            found = None
            for element in expr.elements:
                found = self._coroutine(element.value, kind, site, where, repeated, reference) or found
            return found
        func = expr if reference else expr.func if isinstance(expr, cst.Call) else None
        if func is None:
            return None
        target = self.threads.resolve(func, where) or self._method_of_typed(func, where)
        if target is None or target.node.asynchronous is None:
            return None
        shares_self = isinstance(func, cst.Attribute) and dotted_name(func.value) in ("self", "cls")
        self._add(target, Start(kind, site, repeated, shares_self, where))
        return target

    def _method_of_typed(self, func: cst.BaseExpression, where: Function | None) -> Function | None:
        """``self.watchdog.watch`` where the receiver's type is a class of this module."""
        if not isinstance(func, cst.Attribute):
            return None
        cls = self.ctx.types.class_of(func.value, where.node if where is not None else None)
        module = self.ctx.module_name[0] or "<module>"
        if cls is None or cls.rpartition(".")[0] not in (module, ""):
            return None
        klass = self.threads.classes.get(cls.rpartition(".")[2])
        return self.threads.method(klass, func.attr.value) if klass is not None else None

    def _add(self, function: Function, start: Start) -> None:
        self.starts.setdefault(function, []).append(start)

    def _propagate(self) -> None:
        for function, starts in self.starts.items():
            for start in starts:
                if start.repeated and function not in self.concurrent:
                    self.concurrent[function] = start
        changed = True
        while changed:
            changed = False
            for function, starts in self.starts.items():
                if function in self.concurrent:
                    continue
                for start in starts:
                    if start.starter is not None and start.starter in self.concurrent:
                        outer = self.concurrent[start.starter]
                        self.concurrent[function] = Start(
                            start.kind, start.site, True, start.shares_self and outer.shares_self, start.starter
                        )
                        changed = True
                        break
            for function in list(self.concurrent):
                start = self.concurrent[function]
                for callee in function.callees:
                    if callee not in self.concurrent:
                        self.concurrent[callee] = start
                        changed = True


def _ends_loop(node: cst.CSTNode) -> bool:
    """A block that ends in ``return`` or ``break``: what it starts, it starts once (the
    retry loop ``while not ready: if await setup(): create_task(run()); return``)."""
    if not isinstance(node, cst.IndentedBlock) or not node.body:
        return False
    last = node.body[-1]
    return isinstance(last, cst.SimpleStatementLine) and isinstance(last.body[-1], (cst.Return, cst.Break))


def task_model(ctx: ModuleContext, declared: Sequence[str] = ()) -> TaskModel:
    """The model of ``ctx``'s module, computed once per module (and entry-point option)."""
    key = tuple(declared)
    return ctx.memo(("task model", key), lambda: TaskModel(ctx, key))
