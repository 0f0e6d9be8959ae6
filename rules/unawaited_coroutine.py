from __future__ import annotations

from typing import Literal

import libcst as cst

from safelint.analysis.deliberate import dead_by_constant, expects_exception
from safelint.analysis.facts.callees import call_target, project_function
from safelint.analysis.mustuse.local_values import dropped_on_some_path, local_from_call
from safelint.context import ModuleContext
from safelint.results import Applicability, Edit, Fix, Severity
from safelint.rule import Rule


class UnawaitedCoroutine(Rule):
    """
    ## What it does
    Reports a call to a coroutine function whose coroutine is dropped without being
    awaited, scheduled or stored: a project `async def` (found through the project index,
    in any module) or a library one the stubs declare `async` (`asyncio.sleep`,
    `asyncio.wait_for`, `loop.sock_sendall`, ...). Awaitables that other calls return are
    reported the same way when dropped (`asyncio.gather(...)`, `asyncio.shield(...)`). In an
    `async def`, a coroutine bound to a local that is not read on some path to the end of
    the function is reported too.

    ## Why is this a bug
    Calling a coroutine function runs none of its body: it only creates the coroutine. Dropped,
    the work silently never happens, and Python prints "coroutine was never awaited" at some
    later garbage collection, far from the cause. Rust: futures are `#[must_use]` and do
    nothing unless polled; the compiler warns when one is dropped.

    ## Example
    ```python
    import asyncio

    async def tick():
        asyncio.sleep(1)
    ```

    ## Use instead
    ```python
    import asyncio

    async def tick():
        await asyncio.sleep(1)
    ```

    ## Options
    None.

    ## Known limits
    The callee must resolve: a method on a receiver of unknown type (`client.fetch()` where
    `client` is a parameter) is not checked. A project `async def` with a decorator other
    than `staticmethod`, `classmethod`, `abstractmethod` or `override` is not reported: the
    decorator may make it something else. A coroutine entered by `with`/`async with`
    (`async with open_file(p):` for an `async def open_file`) is reported too. Locals are followed in `async def` functions only;
    a name read by a nested function, declared `global`/`nonlocal`, or a function calling
    `locals()` is taken as kept. A call under `with pytest.raises(...)`/`assertRaises` is
    made to fail and is not reported. The fix (add `await`) is offered only inside an
    `async def`, where it is always valid; it is marked safe because the code never ran the
    coroutine before and could not have meant to.
    """

    code = "SL102"
    name = "unawaited-coroutine"
    severity = Severity.ERROR
    summary = "A coroutine is created and dropped without being awaited, so its body never runs."

    def visit_Expr(self, node: cst.Expr, ctx: ModuleContext) -> None:
        call = node.value
        if type(call) is not cst.Call:
            return
        target = call_target(ctx, call)
        kind = _awaitable(ctx, target) if target is not None else None
        if kind is None or expects_exception(ctx, node, in_try=False) or dead_by_constant(ctx, node):
            return
        scope = ctx.scope
        fix = None
        if isinstance(scope, cst.FunctionDef) and scope.asynchronous is not None:
            start = ctx.position(call, ctx.current_top).start
            column = start.column + 1
            fix = Fix("add `await`", Applicability.SAFE, (Edit(start.line, column, start.line, column, "await "),))
        ctx.report(
            self,
            call,
            f"the {kind} from `{ctx.module.code_for_node(call.func)}()` is never awaited: {_LOST[kind]}",
            help="`await` it, or schedule it with `asyncio.create_task` and keep the task",
            fix=fix,
        )

    def visit_WithItem(self, node: cst.WithItem, ctx: ModuleContext) -> None:
        """``async with open_file(p):`` where ``open_file`` is an ``async def``: a coroutine is
        no context manager, the ``with`` fails and the coroutine is never awaited."""
        call = node.item
        if type(call) is not cst.Call:
            return
        target = call_target(ctx, call)
        if target is None or _awaitable(ctx, target) != "coroutine":
            return
        ctx.report(
            self,
            call,
            f"the coroutine from `{ctx.module.code_for_node(call.func)}()` is entered by `with` instead of "
            "being awaited: a coroutine is no context manager, and its body never runs",
            help=f"await it first: `async with await {ctx.module.code_for_node(call)}:`",
        )

    def visit_AnnAssign(self, node: cst.AnnAssign, ctx: ModuleContext) -> None:
        """``c: Coroutine[...] = fetch()``: the annotation awaits nothing."""
        self.visit_Assign(node, ctx)

    def visit_Assign(self, node: cst.Assign | cst.AnnAssign, ctx: ModuleContext) -> None:
        found = local_from_call(node, ctx.scope)
        if found is None or found[0].asynchronous is None:
            return
        scope, name, call = found
        target = call_target(ctx, call)
        if target is None or _awaitable(ctx, target) != "coroutine" or expects_exception(ctx, node, in_try=False):
            return
        if dropped_on_some_path(ctx, scope, node, name):
            ctx.report(
                self,
                call,
                f"the coroutine from `{ctx.module.code_for_node(call.func)}()` is stored in `{name}` but, on some path, never awaited",
                help=f"`await {name}` on every path, or return or store it",
            )


# Library functions that return an awaitable but have already scheduled the work: dropping
# their result loses a task or a future, which SL103 reports, not a coroutine.
_SCHEDULERS = frozenset({"asyncio.ensure_future", "asyncio.wrap_future"})

_LOST = {
    "coroutine": "its body never runs",
    "awaitable": "its result and its errors are lost",
}

# Decorators that leave an ``async def`` a coroutine function; any other may wrap it into
# something that schedules or runs it (``@sync_to_async``, a framework's task decorator).
_TRANSPARENT_DECORATORS = frozenset({"staticmethod", "classmethod", "abstractmethod", "override", "must_use"})


def _awaitable(ctx: ModuleContext, target: str) -> Literal["coroutine", "awaitable"] | None:
    """What calling ``target`` returns, if dropping it loses work: a coroutine (a project
    ``async def`` or a library one), or an awaitable a library function builds from others
    (``asyncio.gather``); None otherwise."""
    project = project_function(ctx, target)
    if project is not None:
        keeps_coroutine = all(d.rpartition(".")[2] in _TRANSPARENT_DECORATORS for d in project.decorators)
        return "coroutine" if project.is_coroutine_function and keeps_coroutine else None
    knowledge = ctx.knowledge
    if knowledge.is_coroutine_function(target):
        return "coroutine"
    if not knowledge.returns_awaitable(target) or knowledge.return_type(target) == "asyncio.Task":
        return None
    facts = knowledge.function(target)
    if facts is None or facts.kind != "function" or facts.qualname in _SCHEDULERS:
        return None
    return "awaitable"
