from __future__ import annotations

import libcst as cst

from safelint.analysis.deliberate import expects_exception, in_test_code
from safelint.analysis.facts.callees import project_class
from safelint.analysis.mustuse.local_values import dropped_on_some_path, local_from_call
from safelint.analysis.syntax import callee_name
from safelint.context import ModuleContext
from safelint.results import Severity
from safelint.rule import Rule


class ThreadNeverStarted(Rule):
    """
    ## What it does
    Reports a `threading.Thread` or `threading.Timer` (or a subclass) that is created and,
    on some path, neither started nor handed on: the object is dropped as an expression
    statement, or bound to a local that reaches the end of the function (or is rebound)
    without `start()` being called on it or the thread being stored, returned or passed to
    something. Setting `daemon` or `name` on it does not count as handing it on.

    ## Why is this a bug
    Creating a thread runs nothing: only `start()` does. A thread that is configured and then
    forgotten on some branch means work that silently never happens — a heartbeat that never
    beats, a cleanup timer that never fires. Rust: `thread::Builder` is `#[must_use]`, and
    only `spawn()` runs the closure.

    ## Example
    ```python
    import threading

    def watch(poll, quiet):
        worker = threading.Thread(target=poll, daemon=True)
        if not quiet:
            worker.start()
    ```

    ## Use instead
    ```python
    import threading

    def watch(poll, quiet):
        worker = threading.Thread(target=poll, daemon=True)
        worker.start()
        return worker
    ```

    ## Options
    None.

    ## Known limits
    A project subclass that defines `__init__` (it may start itself there) is not reported,
    nor is test code (a `test*` function, a `Test*` class, a `test_*.py` file or a file under
    `tests/`), which creates threads to check their settings. Any other read of the local
    counts as handing the thread on. Paths where something raised are not considered, even
    when a handler catches the exception and the function goes on: the handler decided
    what happens to the work (and if it swallows the error, SL106 is the rule for that).
    """

    code = "SL109"
    name = "thread-never-started"
    severity = Severity.WARNING
    summary = "A thread is created and, on some path, never started, so its work never runs."

    def visit_Expr(self, node: cst.Expr, ctx: ModuleContext) -> None:
        call = node.value
        if type(call) is cst.Call and _creates_thread(ctx, call) and not _deliberate(ctx, node):
            ctx.report(
                self,
                call,
                "the thread is created and dropped: it is never started, so its work never runs",
                help="call its `start()` (and keep it to `join()` later)",
            )

    def visit_Assign(self, node: cst.Assign, ctx: ModuleContext) -> None:
        found = local_from_call(node, ctx.scope)
        if found is None or not _creates_thread(ctx, found[2]) or _deliberate(ctx, node):
            return
        scope, name, call = found
        if dropped_on_some_path(ctx, scope, node, name, _hands_on, after_exceptions=False):
            ctx.report(
                self,
                call,
                f"the thread in `{name}` is, on some path, neither started nor handed on",
                help=f"call `{name}.start()` on every path, or do not create the thread there",
            )


# Configuring a thread is not starting it, nor handing it to someone who will.
_CONFIGURING = frozenset({"daemon", "name", "setDaemon", "setName"})


def _deliberate(ctx: ModuleContext, statement: cst.CSTNode) -> bool:
    """Tests create threads to read their settings; ``assertRaises`` bodies to see them fail."""
    return in_test_code(ctx, statement) or expects_exception(ctx, statement, in_try=False)


def _hands_on(attribute: str | None) -> bool:
    return attribute not in _CONFIGURING


def _creates_thread(ctx: ModuleContext, call: cst.Call) -> bool:
    func = call.func
    last = callee_name(func) or ""
    if not last[:1].isupper():  # a class, by the naming convention every Thread subclass follows
        return False
    target = ctx.names.qualified_name(func, ctx.scope)
    return target is not None and _is_thread_class(ctx, target, 0)


def _is_thread_class(ctx: ModuleContext, qualname: str, depth: int) -> bool:
    facts = ctx.knowledge.class_facts(qualname)
    if facts is not None:
        return "threading.Thread" in facts.ancestors
    klass = project_class(ctx, qualname)
    if klass is None or "__init__" in klass.methods or depth > 8:
        return False
    return any(_is_thread_class(ctx, base, depth + 1) for base in klass.bases)
