from __future__ import annotations

import libcst as cst

from safelint.context import ModuleContext
from safelint.results import Severity
from safelint.rule import Rule


class PrintInLibrary(Rule):
    """
    ## What it does
    Reports a call to the built-in `print` that does not name its stream (`file=...`), outside
    the parts of a module that are a program's own: a `__main__.py`, a file starting with a
    `#!` line, the body of `if __name__ == "__main__":` and functions named `main`. Test files
    are not checked. Off by default: turn it on with `extend-select = ["ACME102"]`.

    ## Why is this a bug
    A library does not own standard output; the application that imports it does. A print
    left over from debugging lands in a command-line tool's JSON output, a server's access log
    or a pipe another program parses, and raises `BrokenPipeError` or `UnicodeEncodeError`
    when that stream is closed or cannot encode the text. Logging leaves the decision to the
    application.

    ## Example
    ```python
    def load(path):
        print("loading", path)
        with open(path) as f:
            return f.read()
    ```

    ## Use instead
    ```python
    import logging

    logger = logging.getLogger(__name__)

    def load(path):
        logger.info("loading %s", path)
        with open(path) as f:
            return f.read()
    ```

    ## Options
    None.

    ## Known limits
    A command-line module of a package whose entry function is not called `main` is reported;
    list it in `per-file-ignores` (`{ "src/pkg/cli.py" = ["ACME102"] }`). A print through
    another name (`say = print`) is not found.
    """

    code = "ACME102"
    name = "print-in-library"
    severity = Severity.WARNING
    summary = "`print()` in library code writes to an output the application owns."
    enabled_by_default = False
    checks_test_files = False

    def visit_Call(self, node: cst.Call, ctx: ModuleContext) -> None:
        if ctx.types.call_target(node, ctx.scope) != "builtins.print":
            return
        if any(arg.keyword is not None and arg.keyword.value == "file" for arg in node.args):
            return
        if ctx.path.endswith("__main__.py") or ctx.text.startswith("#!") or _in_program_part(node, ctx):
            return
        ctx.report(
            self,
            node,
            "`print()` in library code writes to the application's standard output",
            help="log it (`logging.getLogger(__name__)`), or name the stream with `file=`",
        )


def _in_program_part(node: cst.CSTNode, ctx: ModuleContext) -> bool:
    parent = ctx.parents.get(node)
    while parent is not None:
        if isinstance(parent, cst.FunctionDef) and parent.name.value == "main":
            return True
        if isinstance(parent, cst.If) and _is_main_guard(parent.test):
            return True
        parent = ctx.parents.get(parent)
    return False


def _is_main_guard(test: cst.BaseExpression) -> bool:
    """``__name__ == "__main__"``, either way round."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    target = test.comparisons[0]
    if not isinstance(target.operator, cst.Equal):
        return False
    sides = {_text(test.left), _text(target.comparator)}
    return sides == {"__name__", "__main__"}


def _text(expr: cst.BaseExpression) -> str | None:
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.SimpleString):
        return expr.evaluated_value if isinstance(expr.evaluated_value, str) else None
    return None
