from __future__ import annotations

import libcst as cst

from safelint.analysis.tasks.model import Start, StartKind
from safelint.analysis.tasks.updates import Lost, LostKind, lost_updates
from safelint.context import ModuleContext
from safelint.families.thread_safety import THREAD_ENTRY_POINTS
from safelint.results import Severity
from safelint.rule import Rule


class AwaitLostUpdate(Rule):
    """
    ## What it does
    Reports a write of shared state in a coroutine that runs concurrently with itself, when
    the value written was read before a suspension point (`await`, `async for`,
    `async with`) and the write comes after it:
    - a value read and kept in a local across the await, then written back
      (`n = self.count; await flush(); self.count = n + 1`);
    - an update whose operand is awaited after the state was read
      (`self.total += await size()`, `hits = hits + await count()`);
    - a test of the state acted on after an await in the same `if`
      (`if key not in cache: cache[key] = await load(key)`,
      `if self._conn is None: self._conn = await connect()`).

    No `asyncio.Lock` (nor any lock) may be held at the write. State read and written
    between two awaits is atomic under asyncio and is not reported.

    A coroutine runs concurrently with itself when the module starts it more than once or
    in a loop or comprehension (`create_task`, `ensure_future`, `TaskGroup.create_task`,
    anyio's `start_soon`, `gather`, `as_completed`, `asyncio.wait`), for every connection
    (`asyncio.start_server`), for every request (a route: `@app.get(...)`,
    `@routes.post(...)`, `router.add_get(path, handler)`), when code that runs concurrently
    with itself starts it, or when it is named in `thread-entry-points`; and so does what it
    calls. Shared state is a module-level mutable container or a name rebound with
    `global`, a container or `nonlocal` name of the enclosing function for a nested
    coroutine, and the fields of `self` when the tasks share the object
    (`create_task(self.fetch(url))` in a loop of a method).

    ## Why is this a bug
    Every `await` lets the event loop run the other tasks; when one of them runs the same
    code, it reads the same old value, and whichever writes last erases the other's update
    — a lost count, a connection opened twice and one leaked, a cache entry computed twice.
    Rust: a shared `&mut` cannot be held across `.await` by two tasks; the state must sit in
    a `tokio::sync::Mutex` whose guard spans the whole update.

    ## Example
    ```python
    import asyncio

    stats = {"bytes": 0}


    async def download(session, url):
        seen = stats["bytes"]
        body = await session.get(url)
        stats["bytes"] = seen + len(body)


    async def main(session, urls):
        await asyncio.gather(*(download(session, url) for url in urls))
    ```

    ## Use instead
    ```python
    import asyncio

    stats = {"bytes": 0}


    async def download(session, url):
        body = await session.get(url)
        stats["bytes"] += len(body)


    async def main(session, urls):
        await asyncio.gather(*(download(session, url) for url in urls))
    ```
    or hold an `asyncio.Lock` (`async with lock:`) around the read, the await and the write.

    ## Options
    - `thread-entry-points` (list of strings, default `[]`): coroutines that a framework runs
      for each request or event although no visible code starts them, as `fnmatch` patterns
      over their qualified names (`app.views.*`, `*.Handler.on_message`). It is the option of
      the SL3 family: set it once under `[tool.safelint.rules.SL3]`.

    ## Known limits
    Only the module's own starts are seen: a coroutine handed to another module's code, or
    started through a variable, runs concurrently unseen — name it in `thread-entry-points`.
    The value is followed through one local (`n = self.count`), not through calls or
    containers; the state is recognised by the name it is reached through (`self.x`, a
    module name), so an object passed as an argument is not shared state. Holding any lock
    at the write counts as protected, even one taken after the read.
    """

    code = "SL307"
    name = "await-lost-update"
    severity = Severity.ERROR
    summary = (
        "Shared state read before an `await` is written after it by a coroutine that runs concurrently with itself."
    )
    options = (THREAD_ENTRY_POINTS,)

    def visit_Module(self, node: cst.Module, ctx: ModuleContext) -> None:
        for lost in lost_updates(ctx, self.settings["thread-entry-points"]):
            ctx.report(
                self,
                lost.write,
                self.message(ctx, lost),
                help="hold an `asyncio.Lock` across the read, the await and the write, or "
                "read the state again after the await",
                related=[(lost.source, _SOURCE[lost.kind]), (lost.point, "other tasks run here")],
            )

    def message(self, ctx: ModuleContext, lost: Lost) -> str:
        line = ctx.position(lost.point).start.line
        what = "read" if lost.kind is LostKind.LOST_UPDATE else "tested"
        return (
            f"`{lost.state.label}` was {what} before the await at line {line} and is written after it in "
            f"`{lost.function.qualname}`, which {_runs(ctx, lost.start)}: another task's update in between is lost"
        )


_SOURCE = {LostKind.LOST_UPDATE: "the state is read here", LostKind.CHECK_THEN_ACT: "the state is tested here"}


def _runs(ctx: ModuleContext, start: Start) -> str:
    if start.kind is StartKind.DECLARED:
        return "is named in `thread-entry-points`, so runs concurrently with itself"
    line = ctx.position(start.site).start.line
    return f"runs concurrently with itself ({start.kind.value} at line {line})"
