from __future__ import annotations

import libcst as cst

from safelint.context import ModuleContext
from safelint.results import Severity
from safelint.rule import Option, Rule

# Comprehensions that run to completion where they are written, so on the coroutine's own turn;
# a generator expression runs wherever it is consumed, which this rule cannot tell.
_INLINE = (cst.ListComp, cst.SetComp, cst.DictComp)


class BlockingCallInAsync(Rule):
    """
    ## What it does
    Reports a call to `time.sleep` (or to another function the `functions` option lists) made
    in the body of an `async def`, including the list, set and dict comprehensions there. The
    name is resolved through the module's imports, so `from time import sleep` and
    `import time as t` are found too.

    ## Why is this a bug
    A coroutine runs on the event loop's thread. A blocking call stops that thread, so every
    other task on the loop (every other request a server is handling, every timeout) waits
    until it returns. `await asyncio.sleep(...)` hands the loop back while it waits.

    ## Example
    ```python
    import time

    async def poll(client):
        while not await client.ready():
            time.sleep(0.5)
    ```

    ## Use instead
    ```python
    import asyncio

    async def poll(client):
        while not await client.ready():
            await asyncio.sleep(0.5)
    ```
    A blocking function with no asynchronous equivalent can run in a thread:
    `await asyncio.to_thread(blocking, arg)`.

    ## Options
    - `functions` (list of strings, default `["time.sleep"]`): the fully qualified names of the
      blocking functions to report, e.g. `["time.sleep", "requests.get", "subprocess.run"]`.

    ## Known limits
    Only calls in the coroutine's own body are reported: a blocking call inside a helper the
    coroutine calls, a nested function, a lambda or a generator expression is not, since
    safelint cannot tell where those run. A function passed without being called
    (`loop.run_in_executor(None, time.sleep, 1)`) is not a call and is not reported.
    """

    code = "ACME101"
    name = "blocking-call-in-async"
    severity = Severity.WARNING
    summary = "A blocking call inside `async def` stalls every task on the event loop."
    options = (Option("functions", list, ("time.sleep",), "fully qualified names of blocking functions"),)

    def visit_Call(self, node: cst.Call, ctx: ModuleContext) -> None:
        target = ctx.types.call_target(node, ctx.scope)
        if target is None or target not in self.settings["functions"]:
            return
        coroutine = _enclosing_coroutine(node, ctx)
        if coroutine is None:
            return
        ctx.report(
            self,
            node,
            f"`{target}()` blocks the event loop inside `async def {coroutine.name.value}`",
            help="await an asynchronous equivalent (`await asyncio.sleep(...)`), or `await asyncio.to_thread(...)`",
        )


def _enclosing_coroutine(node: cst.CSTNode, ctx: ModuleContext) -> cst.FunctionDef | None:
    """The ``async def`` whose own turn on the loop runs ``node``, if any."""
    parent = ctx.parents.get(node)
    while parent is not None:
        if isinstance(parent, cst.FunctionDef):
            return parent if parent.asynchronous is not None else None
        if isinstance(parent, (cst.Lambda, cst.ClassDef, cst.GeneratorExp)):
            return None
        parent = ctx.parents.get(parent)
    return None
