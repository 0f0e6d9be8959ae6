"""Suspension points and the task model: where a coroutine yields, what runs concurrently."""

from __future__ import annotations

import textwrap

import libcst as cst

from safelint.analysis.flow.cfg import NodeKind, build_cfg
from safelint.analysis.syntax import walk
from safelint.analysis.tasks.model import StartKind, task_model
from safelint.analysis.tasks.suspension import is_coroutine, node_suspends, suspension_points
from safelint.context import ModuleContext


def function(source: str, name: str) -> tuple[cst.Module, cst.FunctionDef]:
    module = cst.parse_module(textwrap.dedent(source))
    found = [n for n in walk(module) if isinstance(n, cst.FunctionDef) and n.name.value == name]
    return module, found[0]


def test_suspension_points_skip_nested_functions() -> None:
    _, f = function(
        """
        async def f(stream, lock):
            await stream.ready()
            async for chunk in stream:
                pass
            async with lock:
                pass
            values = [await v async for v in stream]

            async def later():
                await stream.close()
        """,
        "f",
    )
    kinds = sorted(type(n).__name__ for n in suspension_points(f.body))
    assert kinds == ["Await", "Await", "CompFor", "For", "With"]
    assert is_coroutine(f)


def test_graph_nodes_that_suspend() -> None:
    module, f = function(
        """
        async def f(stream, lock):
            x = 1
            await stream.ready()
            with lock:
                pass
            async with lock:
                pass
            async for chunk in stream:
                pass
        """,
        "f",
    )
    cfg = build_cfg(f)
    suspending = sorted(
        (n.kind.value, module.code_for_node(n.ast).strip().splitlines()[0]) for n in cfg.nodes if node_suspends(n)
    )
    assert suspending == [
        (NodeKind.FOR_NEXT.value, "chunk"),
        (NodeKind.STMT.value, "await stream.ready()"),
        (NodeKind.WITH_ENTER.value, "lock"),
        (NodeKind.WITH_EXIT.value, "lock"),
    ]


def test_task_model_starts_and_concurrency() -> None:
    source = textwrap.dedent(
        """
        import asyncio

        async def once(): ...
        async def each(x): ...
        async def helper(): ...
        async def twice(): await helper()

        async def main(xs):
            asyncio.create_task(once())
            await asyncio.gather(*(each(x) for x in xs))
            await asyncio.gather(twice(), twice())
            while True:
                if await ready():
                    asyncio.create_task(once())
                    return
        """
    )
    ctx = ModuleContext("m.py", source, cst.parse_module(source))
    model = task_model(ctx)
    by_name = {f.qualname: f for f in model.threads.functions.values()}
    assert [s.kind for s in model.tasks(by_name["each"])] == [StartKind.GATHER]
    concurrent = {f.qualname for f in model.concurrent}
    assert concurrent == {"each", "twice", "helper"}
