"""The SL3 analyses on their own: thread entry points, reachability, locks held."""

from __future__ import annotations

import textwrap

import libcst as cst

from safelint.analysis.flow.cfg import build_cfg
from safelint.analysis.flow.dataflow import solve
from safelint.analysis.threads.locks import LockAnalysis, LockNames
from safelint.analysis.threads.model import MAIN, EntryKind, ThreadModel, mentions_threads, thread_model
from safelint.analysis.threads.races import races
from safelint.context import ModuleContext


def _ctx(source: str) -> ModuleContext:
    text = textwrap.dedent(source)
    return ModuleContext("example.py", text, cst.parse_module(text))


def _contexts(model: ThreadModel) -> dict[str, set[EntryKind]]:
    return {f.qualname: {c.kind for c in f.contexts} for f in model.functions.values()}


def test_entry_points_of_every_kind() -> None:
    model = thread_model(
        _ctx(
            """
            import asyncio, threading
            from concurrent.futures import ThreadPoolExecutor, ProcessPoolExecutor

            def a(): helper()
            def helper(): pass
            def b(): pass
            def c(): pass
            def d(): pass
            def e(f): pass
            def in_process(): pass

            async def main():
                threading.Thread(target=a).start()
                threading.Timer(1, b).start()
                with ThreadPoolExecutor() as pool:
                    pool.submit(c).add_done_callback(e)
                with ProcessPoolExecutor() as processes:
                    processes.submit(in_process)
                await asyncio.to_thread(d)
            """
        )
    )
    found = _contexts(model)
    assert found["a"] == {EntryKind.THREAD_TARGET}
    assert found["helper"] == {EntryKind.THREAD_TARGET}
    assert found["b"] == {EntryKind.TIMER}
    assert found["c"] == {EntryKind.POOL_SUBMIT}
    assert found["d"] == {EntryKind.TO_THREAD}
    assert found["e"] == {EntryKind.DONE_CALLBACK}
    assert found["in_process"] == {MAIN.kind}


def test_thread_subclass_and_handlers() -> None:
    model = thread_model(
        _ctx(
            """
            import threading
            from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

            class Worker(threading.Thread):
                def run(self): self._step()
                def _step(self): pass

            class Handler(BaseHTTPRequestHandler):
                def do_GET(self): pass

            ThreadingHTTPServer(("", 0), Handler).serve_forever()
            """
        )
    )
    found = _contexts(model)
    assert found["Worker.run"] == found["Worker._step"] == {EntryKind.THREAD_SUBCLASS}
    handler = next(f for f in model.functions.values() if f.qualname == "Handler.do_GET")
    (entry,) = handler.contexts
    assert entry.repeated and not entry.shares_self


def test_objects_closures_and_awaited_executors() -> None:
    model = thread_model(
        _ctx(
            """
            import asyncio, threading

            class Store:
                def add(self): pass

            class Service:
                def __init__(self):
                    self.store = Store()

                def start(self):
                    def body():
                        self.store.add()
                    threading.Thread(target=body).start()

                async def read(self):
                    await asyncio.to_thread(self._read)
                    await asyncio.to_thread(self._read)

                def _read(self): pass
            """
        )
    )
    found = _contexts(model)
    assert found["Service.start.body"] == found["Store.add"] - {EntryKind.MAIN} == {EntryKind.THREAD_TARGET}
    read = next(f for f in model.functions.values() if f.qualname == "Service._read")
    assert all(entry.awaited and not entry.repeated for entry in read.contexts)


def _held(source: str, function: str) -> dict[str, frozenset[str]]:
    module = cst.parse_module(textwrap.dedent(source))
    defs = {s.name.value: s for s in module.body if isinstance(s, cst.FunctionDef)}
    locks = LockNames({"lock", "sem"})
    for name, node in defs.items():
        locks.learn_helper(name, node.body)
    node = defs[function]
    cfg = build_cfg(node)
    result = solve(cfg, LockAnalysis(locks, node))
    held: dict[str, frozenset[str]] = {}
    for cfg_node in cfg.nodes:
        state = result.before(cfg_node)
        if isinstance(cfg_node.ast, cst.Expr) and isinstance(cfg_node.ast.value, cst.Name) and state is not None:
            held[cfg_node.ast.value.value] = state
    return held


def test_locks_held_through_with_acquire_and_helpers() -> None:
    source = """
        import contextlib

        @contextlib.contextmanager
        def locked():
            with lock:
                yield

        def f():
            before
            with lock:
                inside
            after
            lock.acquire()
            try:
                acquired
            finally:
                lock.release()
            released
            with locked():
                helper
            if lock.acquire(timeout=1):
                try:
                    tried
                finally:
                    lock.release()

        def counter():
            sem.acquire()
            unpaired

        def set_and_release():
            pinned
            lock.release()
        """
    held = _held(source, "f")
    assert held["before"] == held["after"] == held["released"] == frozenset()
    assert held["inside"] == held["acquired"] == held["helper"] == held["tried"] == {"lock"}
    assert _held(source, "counter")["unpaired"] == frozenset()
    assert _held(source, "set_and_release")["pinned"] == {"lock"}


def test_a_module_without_threads_costs_nothing() -> None:
    text = "cache = {}\n\ndef put(k):\n    cache[k] = cache.get(k, 0) + 1\n"
    assert not mentions_threads(text)
    assert races(_ctx(text)) == []
