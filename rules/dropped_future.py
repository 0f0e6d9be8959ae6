from __future__ import annotations

import libcst as cst

from safelint.analysis.deliberate import expects_exception
from safelint.analysis.facts.callees import call_target
from safelint.context import ModuleContext
from safelint.results import Severity
from safelint.rule import Rule


class DroppedFuture(Rule):
    """
    ## What it does
    Reports `executor.submit(...)` (any `concurrent.futures.Executor`) and
    `loop.run_in_executor(...)` as expression statements: the future that carries the
    callable's result and exception is dropped.

    ## Why is this a bug
    An exception raised by the submitted callable is stored in the future, and only
    `future.result()` or `future.exception()` re-raises it. Nobody holds the future, so the
    failure is silent: the work is simply not done, and nothing says so. Rust: a
    `JoinHandle` is `#[must_use]`; a thread's panic is only seen through `join()`.

    ## Example
    ```python
    from concurrent.futures import ThreadPoolExecutor

    def refresh_all(pages):
        with ThreadPoolExecutor() as pool:
            for page in pages:
                pool.submit(page.refresh)
    ```

    ## Use instead
    ```python
    from concurrent.futures import ThreadPoolExecutor, as_completed

    def refresh_all(pages):
        with ThreadPoolExecutor() as pool:
            futures = [pool.submit(page.refresh) for page in pages]
            for future in as_completed(futures):
                future.result()
    ```

    ## Options
    None.

    ## Known limits
    The executor's type must be known: created in the function (`with ThreadPoolExecutor()
    as pool`), a parameter annotated with an executor class, or `self` of an executor
    subclass. An executor held in an attribute or passed as an unannotated parameter is not
    checked. A future bound to a name is taken as used. A call under
    `with pytest.raises(...)`/`assertRaises` is made to fail and is not reported.
    """

    code = "SL104"
    name = "dropped-future"
    severity = Severity.WARNING
    summary = "A future is dropped, so an exception in the submitted work is never seen."

    def visit_Expr(self, node: cst.Expr, ctx: ModuleContext) -> None:
        call = node.value
        if type(call) is not cst.Call or type(call.func) is not cst.Attribute:
            return
        method = call.func.attr.value
        if method not in _SUBMITTERS:
            return
        target = call_target(ctx, call)
        if (
            target is None
            or ctx.knowledge.return_type(target) != _SUBMITTERS[method]
            or expects_exception(ctx, node, in_try=False)
        ):
            return
        ctx.report(
            self,
            call,
            f"the future `{method}(...)` returns is dropped: if the work raises, the error is lost",
            help="keep the future and call its `result()` (or use `executor.map`, `as_completed`, `asyncio.gather`)",
        )


# The method, and the future class it must return for the call to be an executor's.
_SUBMITTERS = {"submit": "concurrent.futures.Future", "run_in_executor": "asyncio.Future"}
