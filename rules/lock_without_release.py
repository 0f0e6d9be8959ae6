from __future__ import annotations

import libcst as cst

from safelint.analysis.resources.ownership import Acquisition, LeakKind, function_leaks, line_of
from safelint.context import ModuleContext
from safelint.results import Severity
from safelint.rule import Rule


class LockWithoutRelease(Rule):
    """
    ## What it does
    Reports `lock.acquire()` — on a `threading`, `multiprocessing` or `asyncio` lock,
    semaphore or condition — when a path from it reaches the end of the function, or an
    exception leaves the function, with the lock still held, although the function does
    release it elsewhere. A conditional acquisition (`if lock.acquire(timeout=1):`,
    `if not lock.acquire(blocking=False): return`) holds the lock only on the branch where
    it succeeded. An acquire and its release under the same condition on locals
    (`if blocking: lock.acquire()` ... `finally: if blocking: lock.release()`), or under a
    local flag set right after the acquire (`lock.acquire(); held = True` ... `if held:`),
    are a pair. A flag on `self` is not: any call in between can change it, so the lock can
    stay held, and that is reported. The help says `async with` for a lock whose `acquire()`
    is awaited (`asyncio.Lock`).

    The lock is recognised by its class (the knowledge base's lock classes, or a project
    class that assigns one to the attribute in `__init__`), or, when its type is unknown, by
    a name that says it is one (`lock`, `_lock`, `rlock`, `mutex`, `sem`, `cond`).

    ## Why is this a bug
    A lock that is not released on an error path is held forever: the next thread that wants
    it blocks, and the program hangs far from the line that caused it. Rust: a `MutexGuard`
    unlocks in `Drop`, on every path out of its scope, panics included.

    ## Example
    ```python
    import threading

    lock = threading.Lock()

    def update(table, key, compute):
        lock.acquire()
        table[key] = compute(key)
        lock.release()
    ```

    ## Use instead
    ```python
    import threading

    lock = threading.Lock()

    def update(table, key, compute):
        with lock:
            table[key] = compute(key)
    ```

    ## Options
    None.

    ## Known limits
    Test files (`test_*.py`, `*_test.py`, `conftest.py`, anything under `test/`, `tests/` or
    `testing/`) are not checked by this rule: there the bug fails or warns in the test run itself.
    A function that acquires a lock and never releases it is taken to hand the held lock to
    its caller on purpose (an `acquire()`/`lock()` method, `__enter__`), and is not
    reported; so is a method that returns holding a lock of `self` that another method of
    the class only releases (a semaphore slot that `ack()` gives back). A held lock handed
    on is no longer this function's to release: passed to a callee that may keep it (a
    condition variable's `waiters.append(wait_lock)`, released by the notifying thread),
    stored, its bound `release` given away (`Result(..., sem.release)`), or released by a
    nested function or lambda made here (a shutdown hook). The lock is followed by the name
    it is reached through: `l = self._lock; l.acquire()` paired with `self._lock.release()`
    is not recognised as a pair, and a name rebound while the lock is held (a loop taking
    the current semaphore each round) is followed no further.
    """

    code = "SL404"
    name = "lock-without-release"
    severity = Severity.ERROR
    summary = "A lock acquired by `acquire()` is still held on some path out of the function."
    checks_test_files = False

    def visit_FunctionDef(self, node: cst.FunctionDef, ctx: ModuleContext) -> None:
        for leak in function_leaks(ctx, node):
            site = leak.site
            line = line_of(ctx, leak.where)
            if leak.kind is LeakKind.LOCK_HELD:
                where = f" at line {line}" if line else ""
                message = f"`{site.name}` can still be held when the function returns{where}"
            elif leak.kind is LeakKind.LOCK_EXCEPTION:
                where = f"line {line} can raise" if line else "a statement can raise"
                message = f"`{site.name}` stays held if {where} before `release()`"
            else:
                continue
            note = "still held here" if leak.kind is LeakKind.LOCK_HELD else "this can raise while it is held"
            ctx.report(
                self,
                site.call,
                message,
                help=_help(ctx, site),
                related=[(leak.where, note)] if leak.where is not None else [],
            )


def _help(ctx: ModuleContext, site: Acquisition) -> str:
    """``async with`` for a lock whose ``acquire()`` is awaited (``asyncio.Lock``: a plain
    ``with`` is a TypeError), ``with`` otherwise: a lock is its own context manager."""
    statement = "async with" if isinstance(ctx.parents.get(site.call), cst.Await) else "with"
    return (
        f"use `{statement} {site.name}:`, or call `{site.name}.release()` in the `finally` of a `try` that"
        " starts right after the acquire"
    )
