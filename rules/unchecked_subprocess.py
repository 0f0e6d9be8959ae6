from __future__ import annotations

import libcst as cst

from safelint.analysis.deliberate import expects_exception, in_test_code
from safelint.analysis.facts.callees import call_target
from safelint.analysis.syntax import walk
from safelint.context import ModuleContext
from safelint.results import Severity
from safelint.rule import Rule


class UncheckedSubprocess(Rule):
    """
    ## What it does
    Reports a child process whose exit status nobody looks at: `subprocess.run(...)` without
    `check=True` and `subprocess.call(...)` as expression statements, `os.system(...)` as an
    expression statement, and `proc.wait()` as an expression statement when nothing in the
    function reads `proc.returncode`.

    ## Why is this a bug
    A command that fails returns a non-zero status, and that status is the only sign of the
    failure: dropped, the program carries on as if the command had worked — a backup that was
    not written, a build step that did not run. Rust: `Command::status()` returns a `Result`
    that is `#[must_use]`, and `ExitStatus::success()` must be asked.

    ## Example
    ```python
    # safelint-config: extend-select = ["SL105"]
    import subprocess

    def deploy():
        subprocess.run(["make", "install"])
    ```

    ## Use instead
    ```python
    # safelint-config: extend-select = ["SL105"]
    import subprocess

    def deploy():
        subprocess.run(["make", "install"], check=True)
    ```

    ## Options
    None.

    ## Known limits
    Off by default; opt in with `extend-select = ["SL105"]`. Judged on code nobody tuned it on
    (`bench/fresh_judging.md`, `bench/fresh_judging_2.md`; the evidence is in
    `bench/default_set.md`), 2 of its 11 findings were REAL (3 DEBATABLE, 6 FALSE): most
    statuses it saw are of no use to anyone (a pager or the user's own shell command writing
    to the terminal, a screen cleared, a child just killed), or a failure the next step
    notices anyway. That is below what a default rule must reach (80% REAL).

    Test code (a `test*` function, a `Test*` class, a `test_*.py` file, a file under a `test`
    or `tests` directory) is not reported: a test runs a child to exercise the API, and
    asserts on what it cares about. `check=False` written out is a decision and is not
    reported, nor is a best-effort call whose output is silenced too (`capture_output=True`,
    `stdout=subprocess.DEVNULL`), nor a call passing `**kwargs` (which may hold `check`). A
    result bound to a name is taken as looked at. `proc.wait()` is reported only on a local
    `Popen` outside `try` bodies and handlers, not handed on, when the function never reads
    `proc.returncode`: waiting only to reap the child, or on an error path, is common and
    harmless.
    """

    code = "SL105"
    name = "unchecked-subprocess"
    severity = Severity.WARNING
    summary = "A child process's exit status is dropped, so a failed command goes unnoticed."
    enabled_by_default = False

    def visit_Expr(self, node: cst.Expr, ctx: ModuleContext) -> None:
        call = node.value
        if type(call) is not cst.Call or not isinstance(call.func, (cst.Name, cst.Attribute)):
            return
        last = call.func.attr.value if isinstance(call.func, cst.Attribute) else call.func.value
        if last not in ("run", "call", "system", "wait"):
            return
        target = call_target(ctx, call)
        if target is None:
            return
        canonical = ctx.knowledge.function(target)
        name = canonical.qualname if canonical is not None else target
        if name in ("subprocess.run", "subprocess.call"):
            if _checks(call) or _silenced(call):
                return
            help = "pass `check=True`, or keep the result and look at `returncode`"
        elif name in ("os.system", "posix.system", "nt.system"):
            help = "use `subprocess.run(..., check=True)`, or check the status `os.system` returns"
        elif name == "subprocess.Popen.wait":
            if not _waits_for_own_child(ctx, node, call):
                return
            help = "check the status `wait()` returns, or `returncode` after it"
        else:
            return
        if expects_exception(ctx, node, in_try=False) or in_test_code(ctx, node):
            return
        ctx.report(
            self, call, f"the exit status of `{name}(...)` is dropped: a failed command goes unnoticed", help=help
        )


def _checks(call: cst.Call) -> bool:
    """``check=`` is given (``check=False`` is a decision too) or may be, through ``**kwargs``."""
    return any(arg.star == "**" or (arg.keyword is not None and arg.keyword.value == "check") for arg in call.args)


def _silenced(call: cst.Call) -> bool:
    """``capture_output=True`` or output sent to ``DEVNULL``, and the result dropped: the
    author chose not to hear from the child at all — a best-effort call."""
    for arg in call.args:
        keyword = arg.keyword.value if arg.keyword is not None else None
        if keyword == "capture_output" and not (isinstance(arg.value, cst.Name) and arg.value.value == "False"):
            return True
        value = arg.value
        name = (
            value.attr.value
            if isinstance(value, cst.Attribute)
            else value.value
            if isinstance(value, cst.Name)
            else None
        )
        if keyword in ("stdout", "stderr") and name == "DEVNULL":
            return True
    return False


def _waits_for_own_child(ctx: ModuleContext, statement: cst.Expr, call: cst.Call) -> bool:
    """``proc.wait()`` on a local ``Popen`` whose status nothing else can see: not ``self`` or
    an attribute (its owner may read ``returncode``), not reaping on an error path, not a
    test (which checks the output), not handed on, and no ``proc.returncode`` read in the function."""
    receiver = call.func.value if isinstance(call.func, cst.Attribute) else None
    if not isinstance(receiver, cst.Name) or receiver.value == "self":
        return False
    if in_test_code(ctx, statement) or expects_exception(ctx, statement, in_try=True) or _in_handler(ctx, statement):
        return False
    name = receiver.value
    through_attribute: set[int] = set()
    bare: list[cst.Name] = []
    for node in walk(ctx.scope if ctx.scope is not None else ctx.module):
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
            if node.attr.value == "returncode" and node.value.value == name:
                return False
            through_attribute.add(id(node.value))
        elif isinstance(node, cst.AssignTarget):
            through_attribute.add(id(node.target))
        elif isinstance(node, cst.Name) and node.value == name:
            bare.append(node)
    # Returned, stored or passed on: whoever receives it may look at ``returncode``.
    return all(id(n) in through_attribute for n in bare)


def _in_handler(ctx: ModuleContext, statement: cst.CSTNode) -> bool:
    parent = ctx.parents.get(statement)
    while parent is not None and not isinstance(parent, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
        if isinstance(parent, (cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally)):
            return True
        parent = ctx.parents.get(parent)
    return False
