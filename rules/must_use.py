from __future__ import annotations

import libcst as cst

from safelint.analysis.facts.callees import call_target, project_function
from safelint.context import ModuleContext
from safelint.results import Severity
from safelint.rule import Option, Rule


class MustUse(Rule):
    """
    ## What it does
    Reports an expression statement that calls a function the project declares must-use,
    dropping its result. A function is must-use when it is decorated with a decorator whose
    name is `must_use` (from any module: a project may define a no-op one), which is known
    across modules through the project index, or when it is listed in the `functions` option.

    ## Why is this a bug
    The author of a must-use function says that its result is the point of calling it — an
    error value to check, a handle to keep, a new state to carry on with. Dropping it
    ignores the one thing the function asks of its callers. Rust: `#[must_use]` on a
    function or type makes an unused result a compiler warning.

    ## Example
    ```python
    def must_use(function):
        return function

    @must_use
    def validate(form):
        return [field for field in form if not field]

    def submit(form):
        validate(form)
    ```

    ## Use instead
    ```python
    def must_use(function):
        return function

    @must_use
    def validate(form):
        return [field for field in form if not field]

    def submit(form):
        errors = validate(form)
        if errors:
            raise ValueError(errors)
    ```

    ## Options
    - `functions` (list of strings, default `[]`): fully qualified names of further must-use
      functions or methods (`"pkg.mod.func"`, `"pkg.mod.Class.method"`), for code that
      cannot be decorated, such as a third-party library's.

    ## Known limits
    The call must resolve to a qualified name: a method called on a receiver of unknown type
    is not checked. Assigning the result to `_` is an explicit discard and is not reported.
    """

    code = "SL107"
    name = "must-use"
    severity = Severity.WARNING
    summary = "The result of a function declared must-use is dropped."
    options = (Option("functions", list, (), "fully qualified names of further must-use functions"),)

    def visit_Expr(self, node: cst.Expr, ctx: ModuleContext) -> None:
        call = node.value
        if type(call) is cst.Await:
            call = call.expression
        if type(call) is not cst.Call:
            return
        target = call_target(ctx, call)
        if target is None:
            return
        listed: tuple[str, ...] = self.settings["functions"]
        if target not in listed:
            summary = project_function(ctx, target)
            if summary is None or not summary.must_use:
                return
        callee = ctx.module.code_for_node(call.func)
        ctx.report(
            self,
            call,
            f"`{callee}()` is declared must-use, and its result is dropped",
            help="use the result, or assign it to `_` to discard it on purpose",
        )
