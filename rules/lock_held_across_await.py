from __future__ import annotations

import libcst as cst

from safelint.analysis.tasks.held import thread_locks_across_awaits
from safelint.context import ModuleContext
from safelint.results import Severity
from safelint.rule import Rule


class LockHeldAcrossAwait(Rule):
    """
    ## What it does
    Reports a `threading` or `multiprocessing` lock, re-entrant lock, semaphore or condition
    held — by a plain `with` block or between `acquire()` and `release()` — at a point where
    a coroutine (`async def`) is suspended: an `await`, an `async for` taking its next item,
    an `async with` entering or leaving. Each `with` (or `acquire()`) is reported once, at
    its first such point.

    The lock is recognised by its type (its assignment in the module, or the type
    evaluator), or, when the type is unknown, by a name that says it is a lock (`_lock`,
    `mutex`, `sem`, `cond`). A lock of another library (`filelock.FileLock`, often held
    for good by a leader) is not reported. An `asyncio` (or `anyio`, `trio`) lock is never reported: it is
    entered by `async with` and acquired by `await`, and holding it across an `await` is
    what it is for. A lock held only between two awaits is not reported either.

    ## Why is this a bug
    While the coroutine is suspended, the event loop runs its other tasks on the same
    thread. The first of them that asks for the lock blocks that thread in `acquire()` —
    and with it the whole loop, including the task that holds the lock and would release
    it: a deadlock. Until then, every thread that wants the lock waits for as long as the
    awaited I/O takes. Rust: clippy's `await_holding_lock` rejects a `std::sync::MutexGuard`
    held across an `.await` (and such a future is not `Send`); use `tokio::sync::Mutex`.

    ## Example
    ```python
    import threading

    class Cache:
        def __init__(self, backend):
            self._lock = threading.Lock()
            self._backend = backend
            self._items = {}

        async def refresh(self, key):
            with self._lock:
                self._items[key] = await self._backend.fetch(key)
    ```

    ## Use instead
    ```python
    import asyncio

    class Cache:
        def __init__(self, backend):
            self._lock = asyncio.Lock()
            self._backend = backend
            self._items = {}

        async def refresh(self, key):
            async with self._lock:
                self._items[key] = await self._backend.fetch(key)
    ```
    or fetch first and take the thread lock only around the update:
    `value = await fetch(key)`, then `with self._lock: self._items[key] = value`.

    ## Options
    None.

    ## Known limits
    The lock is followed by the name it is reached through (`l = self._lock; with l:` is
    not recognised), a lock taken inside a helper (`with self._locked():`) is not seen, and
    a lock counts as held only where every path holds it. A lock whose type is unknown and
    whose name does not say it is a lock is not reported.
    """

    code = "SL306"
    name = "lock-held-across-await"
    severity = Severity.ERROR
    summary = "A thread lock is held across an `await`, blocking the event loop's thread in a deadlock."

    def visit_FunctionDef(self, node: cst.FunctionDef, ctx: ModuleContext) -> None:
        if node.asynchronous is None:
            return
        for held in thread_locks_across_awaits(ctx, node):
            what = f"a `{held.lock_class}`" if held.lock_class else "a thread lock"
            ctx.report(
                self,
                held.point,
                f"`{held.lock}` ({what}) is held across this suspension: another task of the "
                "event loop that asks for it blocks the loop's thread, and the holder never resumes",
                help="use an `asyncio.Lock` (`async with`), or release the lock before awaiting",
                related=[(held.taken, "the lock is taken here")] if held.taken is not None else [],
            )
