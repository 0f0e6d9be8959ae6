from __future__ import annotations

import libcst as cst

from safelint.analysis.deliberate import expects_exception
from safelint.analysis.facts.callees import call_target
from safelint.analysis.mustuse.local_values import dropped_on_some_path, local_from_call
from safelint.analysis.syntax import callee_name
from safelint.context import ModuleContext
from safelint.results import Severity
from safelint.rule import Rule


class DanglingTask(Rule):
    """
    ## What it does
    Reports `asyncio.create_task(...)`, `asyncio.ensure_future(...)` and
    `loop.create_task(...)` whose task is dropped — an expression statement — or bound to a
    local that, on some path to the end of the function, is neither awaited, stored, returned
    nor passed on. `TaskGroup.create_task` is not reported: the group keeps its tasks.

    ## Why is this a bug
    The event loop keeps only a weak reference to a task. A task nobody references can be
    garbage-collected in the middle of its work, and when it fails, its exception is never
    retrieved: the error surfaces, if at all, as "Task exception was never retrieved" at
    shutdown. Rust: a spawned task's `JoinHandle` is `#[must_use]`, and its panic is only
    seen through it.

    ## Example
    ```python
    import asyncio

    async def notify(user):
        asyncio.create_task(send_mail(user))

    async def send_mail(user):
        ...
    ```

    ## Use instead
    ```python
    import asyncio

    background = set()

    async def notify(user):
        task = asyncio.create_task(send_mail(user))
        background.add(task)
        task.add_done_callback(background.discard)

    async def send_mail(user):
        ...
    ```

    ## Options
    None.

    ## Known limits
    `loop.create_task` is recognised when the loop's type is known (`asyncio.get_running_loop()`,
    an event loop's own `self`); a loop held where its type is unknown is not checked. Any
    read of the local counts as keeping the task (even `task.cancel()`), and a name read by a
    nested function is taken as kept. Paths that leave the function by an exception are not
    considered, and a call under `with pytest.raises(...)`/`assertRaises` is made to fail and
    is not reported.
    """

    code = "SL103"
    name = "dangling-task"
    severity = Severity.ERROR
    summary = "A task is created and no reference to it is kept, so it may vanish and its errors are lost."

    def visit_Expr(self, node: cst.Expr, ctx: ModuleContext) -> None:
        call = node.value
        if type(call) is cst.Call and _creates_task(ctx, call) and not expects_exception(ctx, node, in_try=False):
            ctx.report(
                self,
                call,
                "the task is dropped: the event loop keeps only a weak reference, and its errors are never seen",
                help="keep the task (in a set, with `add_done_callback(tasks.discard)`), await it, or use a `TaskGroup`",
            )

    def visit_AnnAssign(self, node: cst.AnnAssign, ctx: ModuleContext) -> None:
        """``task: asyncio.Task = create_task(...)``: the annotation keeps nothing."""
        self.visit_Assign(node, ctx)

    def visit_Assign(self, node: cst.Assign | cst.AnnAssign, ctx: ModuleContext) -> None:
        found = local_from_call(node, ctx.scope)
        if found is None or not _creates_task(ctx, found[2]) or expects_exception(ctx, node, in_try=False):
            return
        scope, name, call = found
        if dropped_on_some_path(ctx, scope, node, name):
            ctx.report(
                self,
                call,
                f"the task in `{name}` is dropped on some path without being awaited or stored",
                help=f"await `{name}` or keep it on every path, or use a `TaskGroup`",
            )


_TASK_FACTORIES = frozenset({"create_task", "ensure_future"})


def _creates_task(ctx: ModuleContext, call: cst.Call) -> bool:
    """A call that schedules a task the caller must keep (not ``TaskGroup.create_task``)."""
    last = callee_name(call.func) or ""
    if last not in _TASK_FACTORIES:
        return False
    target = call_target(ctx, call)
    if target is None:
        return False
    facts = ctx.knowledge.function(target)
    if facts is None:
        return False
    if facts.qualname == "asyncio.ensure_future":
        return True
    return ctx.knowledge.return_type(target) == "asyncio.Task" and not facts.qualname.startswith("asyncio.TaskGroup.")
