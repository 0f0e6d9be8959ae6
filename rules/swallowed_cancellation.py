from __future__ import annotations

import libcst as cst

from safelint.analysis.syntax import dotted_name, push_children
from safelint.analysis.tasks.model import task_model
from safelint.analysis.tasks.suspension import is_coroutine, suspension_points
from safelint.context import ModuleContext
from safelint.results import Severity
from safelint.rule import Option, Rule

_CANCELLED = frozenset({"asyncio.CancelledError", "asyncio.exceptions.CancelledError"})
_EVERYTHING = frozenset({"BaseException", "builtins.BaseException"})
_TASKS = frozenset({"asyncio.Task", "asyncio.Future", "asyncio.tasks.Task", "asyncio.futures.Future"})
_NESTED = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


class SwallowedCancellation(Rule):
    """
    ## What it does
    Reports an `except` clause in a coroutine (`async def`) that catches
    `asyncio.CancelledError` — by name, through `BaseException`, or with a bare `except:` —
    around code that can be suspended (an `await`, `async for` or `async with`), and whose
    body never raises: the cancellation stops there.

    Not reported:
    - a handler that raises (`raise`, `raise err`, or another exception): the task still ends;
    - `except Exception`: `CancelledError` derives from `BaseException` since Python 3.8;
    - a `try` whose body cannot be suspended: a task's cancellation only arrives at an await;
    - the handler of a clause before it already caught `CancelledError` and re-raised it;
    - catching the cancellation of a task the code cancelled itself: the `try` awaits
      something (`await task`, `await asyncio.gather(*tasks)`) on which the same function
      calls `cancel()` (`for t in tasks: t.cancel()` counts for `tasks`), or an attribute
      (`self._reader`) on which some code of the module calls `cancel()`, or only awaits
      values typed as an `asyncio.Task` or `Future` (`task: asyncio.Task[None]`);
    - a handler that hands the error on (`errors.append(err)`, `convert(err)`; logging it
      does not count);
    - a wait inside an `except` clause that itself raises (shielding a cleanup from further
      cancellation before re-raising the first);
    - the stop of a task: the coroutine is started as a task in the module
      (`create_task(self._run())`), and the handler leads out of it (the `try` is in no loop,
      or the handler returns or breaks): cancelling is how its owner tells it to stop.

    ## Why is this a bug
    `task.cancel()` raises `CancelledError` inside the task at its next await; catching it
    and going on means the task cannot be cancelled. `asyncio.timeout()`, `wait_for` and
    `TaskGroup` cancel the task and wait for the `CancelledError` to come back: swallowed,
    the timeout never fires, and a task group's shutdown hangs or returns early. Rust: a
    future is cancelled by dropping it — no code inside it can refuse.

    ## Example
    ```python
    # safelint-config: extend-select = ["SL110"]
    import asyncio
    import logging

    async def pump(queue, sink):
        while True:
            try:
                item = await queue.get()
                await sink.send(item)
            except BaseException:
                logging.exception("send failed")
    ```

    ## Use instead
    ```python
    # safelint-config: extend-select = ["SL110"]
    import asyncio
    import logging

    async def pump(queue, sink):
        while True:
            try:
                item = await queue.get()
                await sink.send(item)
            except Exception:
                logging.exception("send failed")
    ```
    or, where cleanup must run on cancellation too, re-raise it:
    `except asyncio.CancelledError: await sink.close(); raise`.

    ## Options
    - `report-task-stop` (bool, default `false`): report the stop of a task too — a
      coroutine started as a task whose handler leads out of it (`except CancelledError:
      break`). The task then ends as completed, not cancelled: harmless where its owner only
      cancels it and waits, but a `wait_for`, `TaskGroup` or supervisor that checks
      `task.cancelled()` is misled. Some projects fix every such handler (SonarQube's S7497
      asks for it); measured on real code, about half of these are deliberate.

    ## Known limits
    Off by default; opt in with `extend-select = ["SL110"]`. Judged on code nobody tuned it on
    (`bench/fresh_judging.md`, `bench/fresh_judging_2.md`, `bench/fresh_judging_3.md`; the
    evidence is in `bench/default_set.md`), none of its 11 findings was REAL (2 DEBATABLE, 9
    FALSE): most were the top-level coroutine of a server or a worker (the one given to
    `asyncio.run` or `run_until_complete`, a connection's request loop), where cancellation is
    the stop signal and catching it is how the coroutine shuts down, or a catch-all around user
    code that shows the error and that nothing cancels. That is below what a default rule must
    reach (80% REAL).

    Only `asyncio`'s cancellation is known (not trio's `Cancelled`, nor anyio's
    `get_cancelled_exc_class()`), and only `except` clauses: `contextlib.suppress(CancelledError)`
    is not reported. A handler that raises on some path only (`if closing: raise`) counts
    as re-raising. A task cancelled by another function and awaited here through an untyped
    name (`await task` for a task handed in as an argument) is not recognised as cancelled
    by the code itself, and its `except CancelledError: pass` is reported. Awaiting a typed
    task counts as waiting for its own cancellation even where the waiter's could arrive.
    """

    code = "SL110"
    name = "swallowed-cancellation"
    severity = Severity.WARNING
    summary = "An `except` in a coroutine catches the task's cancellation and does not re-raise it."
    enabled_by_default = False
    options = (
        Option(
            "report-task-stop",
            bool,
            False,
            "also report a coroutine started as a task that stops when cancelled without re-raising",
        ),
    )

    def visit_Try(self, node: cst.Try | cst.TryStar, ctx: ModuleContext) -> None:
        scope = ctx.scope
        if not is_coroutine(scope) or not node.handlers:
            return
        assert isinstance(scope, cst.FunctionDef)
        awaits = suspension_points(node.body)
        if not awaits:
            return
        for handler in node.handlers:
            caught = _catches_cancellation(ctx, handler, scope)
            if caught is None:
                continue
            if not (
                _raises(handler.body)
                or _hands_on(handler)
                or _awaits_own_cancelled(ctx, scope, awaits)
                or _only_awaits_tasks(ctx, scope, awaits)
                or (not self.settings["report-task-stop"] and _stops_task(ctx, scope, node, handler))
                or _while_reraising(ctx, scope, node)
            ):
                ctx.report(
                    self,
                    handler,
                    f"{caught} in a coroutine swallows the task's cancellation: it is never re-raised",
                    end=handler.type or len("except"),
                    help="re-raise it (`raise`) after cleaning up, or catch `Exception` instead",
                )
            return  # later clauses never see a CancelledError

    visit_TryStar = visit_Try


def _catches_cancellation(
    ctx: ModuleContext, handler: cst.ExceptHandler | cst.ExceptStarHandler, scope: cst.FunctionDef
) -> str | None:
    """How the handler catches ``CancelledError``, as a message says it; None if it does not."""
    if handler.type is None:
        return "a bare `except:`"
    star = "*" if isinstance(handler, cst.ExceptStarHandler) else ""
    types = handler.type.elements if isinstance(handler.type, cst.Tuple) else [handler.type]
    for element in types:
        expr = element.value if isinstance(element, cst.BaseElement) else element
        qualified = ctx.names.qualified_name(expr, scope) or dotted_name(expr)
        if qualified in _CANCELLED:
            return f"`except{star} {dotted_name(expr)}`"
        if qualified in _EVERYTHING:
            return f"`except{star} BaseException`"
    return None


def _raises(body: cst.BaseSuite) -> bool:
    stack: list[cst.CSTNode] = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Raise):
            return True
        if not isinstance(node, _NESTED):
            push_children(node, stack)
    return False


def _stops_task(
    ctx: ModuleContext,
    scope: cst.FunctionDef,
    statement: cst.Try | cst.TryStar,
    handler: cst.ExceptHandler | cst.ExceptStarHandler,
) -> bool:
    """The coroutine is started as a task by this module, and the handler leads out of it
    (the ``try`` is in no loop, or the handler breaks out or returns): the cancellation is
    how the task is told to stop, and it does."""
    function = task_model(ctx).threads.functions.get(scope)
    if function is None or not task_model(ctx).tasks(function):
        return False
    body = handler.body.body if isinstance(handler.body, cst.IndentedBlock) else [handler.body]
    last = body[-1] if body else None
    if isinstance(last, cst.SimpleStatementLine) and isinstance(last.body[-1], (cst.Return, cst.Break)):
        return True
    parent = ctx.parents.get(statement)
    while parent is not None and parent is not scope:
        if isinstance(parent, (cst.For, cst.While)):
            return False
        parent = ctx.parents.get(parent)
    return True


def _while_reraising(ctx: ModuleContext, scope: cst.FunctionDef, statement: cst.Try | cst.TryStar) -> bool:
    """The ``try`` runs inside an ``except`` clause that raises: the task is already handling
    an error, possibly its cancellation, and re-raises it once this wait is over."""
    parent = ctx.parents.get(statement)
    while parent is not None and parent is not scope:
        if isinstance(parent, (cst.ExceptHandler, cst.ExceptStarHandler)) and _raises(parent.body):
            return True
        parent = ctx.parents.get(parent)
    return False


def _hands_on(handler: cst.ExceptHandler | cst.ExceptStarHandler) -> bool:
    """The handler passes the caught exception on (stores it, hands it to a call) other
    than to a logger: whoever receives it can still raise it."""
    if handler.name is None or not isinstance(handler.name.name, cst.Name):
        return False
    bound = handler.name.name.value
    stack: list[cst.CSTNode] = [handler.body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Call) and _logs(node):
            continue
        if isinstance(node, cst.Name) and node.value == bound:
            return True
        push_children(node, stack)
    return False


def _logs(call: cst.Call) -> bool:
    """``log.info(...)``, ``logger.exception(...)``, ``logging.warning(...)``, ``print(...)``."""
    func = call.func
    if isinstance(func, cst.Name):
        return func.value == "print"
    receiver = dotted_name(func.value) if isinstance(func, cst.Attribute) else None
    return receiver is not None and ("log" in receiver.rsplit(".", 1)[-1].lower())


def _awaits_own_cancelled(ctx: ModuleContext, scope: cst.FunctionDef, awaits: list[cst.CSTNode]) -> bool:
    """Some await of the ``try`` waits for a task cancelled by this function (a name or an
    attribute) or, for an attribute, by any code of the module."""
    here = _cancelled_in(scope)
    anywhere = ctx.memo(("cancelled attributes",), lambda: _cancelled_attributes(ctx.module))
    for point in awaits:
        if not isinstance(point, cst.Await):
            continue
        stack: list[cst.CSTNode] = [point.expression]
        while stack:
            node = stack.pop()
            if isinstance(node, (cst.Name, cst.Attribute)):
                name = dotted_name(node)
                if name in here or name in anywhere:
                    return True
            if not isinstance(node, _NESTED):
                push_children(node, stack)
    return False


def _only_awaits_tasks(ctx: ModuleContext, scope: cst.FunctionDef, awaits: list[cst.CSTNode]) -> bool:
    """Every suspension of the ``try`` awaits a task or future (typed so): the
    ``CancelledError`` caught is, as the idiom goes, that task's own."""
    return all(
        isinstance(point, cst.Await) and ctx.types.class_of(point.expression, scope) in _TASKS for point in awaits
    )


def _cancelled_in(root: cst.CSTNode) -> set[str]:
    """The names ``root`` calls ``cancel()`` on, and the iterables of loops that do so."""
    found: set[str] = set()
    loops: list[cst.For] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "cancel":
            name = dotted_name(node.func.value)
            if name is not None:
                found.add(name)
        elif isinstance(node, cst.For):
            loops.append(node)
        push_children(node, stack)
    for loop in loops:
        target, iterable = dotted_name(loop.target), dotted_name(_unwrapped(loop.iter))
        if target in found and iterable is not None:
            found.add(iterable)
    return found


def _cancelled_attributes(module: cst.Module) -> frozenset[str]:
    return frozenset(name for name in _cancelled_in(module) if "." in name)


def _unwrapped(iterable: cst.BaseExpression) -> cst.BaseExpression:
    """``tasks`` for ``list(tasks)``, ``tasks.values()`` and the like: the same tasks."""
    if isinstance(iterable, cst.Call):
        func = iterable.func
        if isinstance(func, cst.Name) and func.value in ("list", "tuple", "set", "sorted") and iterable.args:
            return iterable.args[0].value
        if isinstance(func, cst.Attribute) and func.attr.value in ("values", "copy") and not iterable.args:
            return func.value
    return iterable
