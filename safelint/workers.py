"""Worker processes that stop when the run stops.

Ctrl-C reaches the whole process group, but only the main process decides: workers ignore
SIGINT, and the main process, on any exception (KeyboardInterrupt included), kills the
workers of its pool at once instead of waiting for the work queued to them, as
``ProcessPoolExecutor``'s own ``__exit__`` would.

When the main process itself is killed (``kill -9``, a CI timeout), nothing in it runs, so
each worker watches for that on its own: on Linux the kernel sends it SIGKILL when its parent
goes (``PR_SET_PDEATHSIG``; immediate, even in the middle of a native parse that holds the
GIL). The signal follows the *thread* that forked the worker; pools are opened and closed
within one call on one thread, so no worker outlives that thread. Elsewhere a daemon thread
polls ``os.getppid()`` and exits when the worker has been re-parented. Either way a dead
run's workers never hold its stdout open and keep a pipeline from ending.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

_PR_SET_PDEATHSIG = 1
_WATCH_SECONDS = 0.5


def _context() -> multiprocessing.context.BaseContext:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


@contextmanager
def pool(
    jobs: int, initializer: Callable[..., None] | None = None, initargs: tuple[Any, ...] = ()
) -> Iterator[ProcessPoolExecutor]:
    """A process pool whose workers die with the run; left by an exception, it kills them."""
    before = {child.pid for child in multiprocessing.active_children()}
    executor = ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=_context(),
        initializer=_start_worker,
        initargs=(os.getpid(), initializer, initargs),
    )
    try:
        yield executor
    except BaseException:
        _kill_workers(executor, before)
        raise
    executor.shutdown(wait=True)


def _kill_workers(executor: ProcessPoolExecutor, before: set[int | None]) -> None:
    """Kill the pool's workers (the children started since it was made) and drop its queue;
    the executor's own shutdown would first wait for every task already handed out."""
    for child in multiprocessing.active_children():
        if child.pid not in before:
            child.kill()
    executor.shutdown(wait=True, cancel_futures=True)


def _start_worker(parent: int, initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with(parent)
    if initializer is not None:
        initializer(*initargs)


def _die_with(parent: int) -> None:
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
            if os.getppid() != parent:  # the parent went before the request was made
                os._exit(1)
            return
    threading.Thread(target=_watch, args=(parent,), name="safelint-orphan-watch", daemon=True).start()


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_WATCH_SECONDS)
    os._exit(1)
