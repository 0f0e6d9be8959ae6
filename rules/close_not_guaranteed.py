from __future__ import annotations

import libcst as cst

from safelint.analysis.resources.fix import with_block_edit
from safelint.analysis.resources.ownership import Acquisition, LeakKind, function_leaks, line_of
from safelint.context import ModuleContext
from safelint.families.resources import describe, grammar, manager_statement, release_help, release_verb
from safelint.results import Applicability, Fix, Severity
from safelint.rule import Rule


class CloseNotGuaranteed(Rule):
    """
    ## What it does
    Reports the call that acquires a resource bound to a local when the resource is released
    on every normal path, but a statement between the acquisition and the release can raise
    and no `with` block or `finally` covers it: the exception leaves the function with the
    resource still open. The message names the first line that can raise.

    A child process waited for with a timeout (`proc.communicate(timeout=...)`,
    `proc.wait(timeout=...)`) counts as released only when the call returns: on its
    `TimeoutExpired` the child still runs, and must be killed and reaped on that path too.
    A `@contextmanager` generator that releases its resource after the `yield` without a
    `finally` is reported too: an exception in the `with` block is raised at the `yield`.

    ## Why is this a bug
    `f = open(p); data = f.read(); f.close()` closes the file only if `read()` succeeds. When
    it raises, and in a server or a long loop it eventually will, the descriptor stays open
    until the garbage collector finds it — never promptly on PyPy — and with it the lock on
    the file, the connection slot or the child process. Rust: `Drop` runs during unwinding
    too, so a panic between open and close still closes the file.

    ## Example
    ```python
    def load(path):
        f = open(path)
        data = f.read()
        f.close()
        return data
    ```

    ## Use instead
    ```python
    def load(path):
        with open(path) as f:
            data = f.read()
        return data
    ```

    ## Options
    None.

    ## Known limits
    Measured precision on code nobody tuned it on (per rule and for the family, with the
    causes: `bench/default_set.md`): 31 findings, 1 REAL, 28 DEBATABLE, 2 FALSE;
    re-run on 9345a7a, 32 (one SL401 became an SL402 on its exception path), 1 REAL, 29
    DEBATABLE, 2 FALSE.

    Test files (`test_*.py`, `*_test.py`, `conftest.py`, anything under `test/`, `tests/` or
    `testing/`) are not checked by this rule: there the bug fails or warns in the test run itself.
    What can raise is decided syntactically: calls, subscripts, `await`, `yield` and `raise`
    can; names, constants, attribute reads and operators are taken not to, nor are calls the
    knowledge base knows not to raise (clocks, logging, `list.append`), `os.close` (it frees
    the descriptor even when it reports an error), project functions of the module made only
    of such calls, and taking the next item of a list or tuple in a `for`. A resource that
    is handed on on the normal path (returned by a factory, stored on `self`) but leaks when
    a statement before the hand-over raises is not reported. An attached fix rewrites
    `f = open(p)` … `f.close()` in one block as a `with` block; it is marked unsafe because
    it changes what happens when the statements in between raise.
    """

    code = "SL402"
    name = "close-not-guaranteed"
    severity = Severity.ERROR
    summary = "A resource is released on the normal path only: an exception before the release leaks it."
    checks_test_files = False

    def visit_FunctionDef(self, node: cst.FunctionDef, ctx: ModuleContext) -> None:
        for leak in function_leaks(ctx, node):
            if leak.kind is not LeakKind.EXCEPTION:
                continue
            site = leak.site
            line = line_of(ctx, leak.where)
            raising = f"line {line} can raise" if line else "a statement can raise"
            verb, them = grammar(leak.others)
            message = (
                f"{describe(site, leak.others)} {verb} {release_verb(site)} on the normal path only: "
                f"{raising} first and leave {them} open"
            )
            related = [(leak.where, "this can raise while it is open")] if leak.where is not None else []
            edit = with_block_edit(ctx, site) if manager_statement(ctx, site.type) == "with" else None
            # Unsafe: a statement in between that raises now closes the file, which is the point,
            # but is still a change in behaviour.
            fix = (
                None
                if edit is None
                else Fix(f"use `with {_code(ctx, site)} as {site.name}:`", Applicability.UNSAFE, (edit,))
            )
            ctx.report(self, site.call, message, help=release_help(ctx, site), fix=fix, related=related)


def _code(ctx: ModuleContext, site: Acquisition) -> str:
    return ctx.module.code_for_node(site.call)
