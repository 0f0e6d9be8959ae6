from __future__ import annotations

import libcst as cst

from safelint.analysis.facts.apis import CLOSED_WHEN_EXHAUSTED, SERVES_UNTIL_EXIT, TUPLE_ACQUIRERS
from safelint.analysis.resources.acquisition import Effect, InlineUse, acquisition, inline_effect, release_methods
from safelint.analysis.syntax import callee_name, dotted_name
from safelint.analysis.types.model import ClassObject
from safelint.context import ModuleContext
from safelint.families.resources import manager_statement
from safelint.results import Severity
from safelint.rule import Rule

_FIRST_NAMES = frozenset(
    {
        "open",
        "urlopen",
        "HTTPServer",
        "ThreadingHTTPServer",
        "TCPServer",
        "ThreadingTCPServer",
        "UDPServer",
        "ThreadingUDPServer",
        "Popen",
        "connect",
        "socket",
        "create_connection",
        "ZipFile",
        "TarFile",
        "TemporaryFile",
        "NamedTemporaryFile",
        "TemporaryDirectory",
        "SpooledTemporaryFile",
        "mmap",
        "ThreadPoolExecutor",
        "ProcessPoolExecutor",
        "Pool",
        "SMTP",
        "SMTP_SSL",
        "FTP",
        "FTP_TLS",
        "HTTPConnection",
        "HTTPSConnection",
        "fdopen",
        "popen",
        "mkstemp",
        "wrap_socket",
        "DefaultSelector",
        "urlretrieve",
        "new_event_loop",
        "epoll",
        "kqueue",
        "poll",
        "devpoll",
        "dup",
        "fromfd",
        "Telnet",
        "IMAP4",
        "IMAP4_SSL",
        "POP3",
        "POP3_SSL",
        "Shelf",
        "DbfilenameShelf",
        "Client",
        "Listener",
    }
)


class UnmanagedInlineResource(Rule):
    """
    ## What it does
    Reports a resource that is used without ever being bound to a name, so nothing can
    release it: `open(p).read()`, `json.load(open(p))`, `for line in open(p):`,
    `urlopen(u).read()`, `zipfile.ZipFile(p).namelist()`, `tempfile.mkstemp()[1]` (the
    descriptor is dropped), `ThreadPoolExecutor().submit(job)`, `open(p, "a")` alone as a
    statement. Releasing it on the spot (`open(p).close()`, `Popen(cmd).wait()`) is fine, and
    so is handing it to something that takes it over: returning it, storing it, giving it to
    a constructor (`io.TextIOWrapper(open(p, "rb"))`, `contextlib.closing(...)`), to
    `ExitStack.enter_context`, or to an unknown callee. `typing.cast(T, open(p))` is the same
    object: it counts as whatever happens to the cast (returned: handed on; `.read()`: used).

    ## Why is this a bug
    The object is released only when the garbage collector gets to it: immediately on
    CPython (with a `ResourceWarning` under `-W error` or in test runs), at some later
    collection on PyPy and other runtimes, which keep descriptors open and written data
    unflushed meanwhile. A file opened for writing this way may lose its last buffer if the
    interpreter exits first. Rust: a temporary is dropped at the end of its statement; in
    Python nothing promises that.

    ## Example
    ```python
    import json

    def load_settings(path):
        return json.load(open(path))
    ```

    ## Use instead
    ```python
    import json

    def load_settings(path):
        with open(path) as f:
            return json.load(f)
    ```

    ## Options
    None.

    ## Known limits
    Measured precision on code nobody tuned it on (per rule and for the family, with the
    causes: `bench/default_set.md`): 8 findings, 2 REAL, 5 DEBATABLE, 1 FALSE;
    re-run on 9345a7a, 7 findings, 2 REAL, 5 DEBATABLE, 0 FALSE.

    Test files (`test_*.py`, `*_test.py`, `conftest.py`, anything under `test/`, `tests/` or
    `testing/`) are not checked by this rule: there the bug fails or warns in the test run itself.
    A resource passed straight to a function or method the knowledge base does not know is
    taken as handed on and is not reported, and so is one given to a method of another
    object (`files.append(open(p))`). `os.scandir` and `fileinput.input` are not reported
    when iterated inline: iterating to the end closes them, nor is a server whose
    `serve_forever()` is called inline: nothing can shut it down, so it lives as long as
    its process. Calls are recognised by the
    name they are made through (or the class an alias stands for: `from tarfile import
    TarFile as TF`, `Archive = tarfile.TarFile`), so a project function returning a resource
    is reported only when the knowledge base or the project index knows it does.
    """

    code = "SL403"
    name = "unmanaged-inline-resource"
    severity = Severity.WARNING
    summary = "A resource is used without being bound, so only the garbage collector releases it."
    checks_test_files = False

    def visit_Call(self, node: cst.Call, ctx: ModuleContext) -> None:
        func = node.func
        last = callee_name(func)
        if last is None:
            return
        parent = ctx.parents.get(node)
        if parent is None or isinstance(parent, (cst.Assign, cst.AnnAssign, cst.WithItem, cst.Return, cst.NamedExpr)):
            return
        if last not in _FIRST_NAMES and not _maybe_project(ctx, last) and not _alias_of_first_name(ctx, func):
            return
        found = acquisition(ctx, node, ctx.scope)
        if found is None:
            return
        kind, qualname, type_name = found
        label = dotted_name(func) or last
        if kind == "tuple":
            if isinstance(parent, cst.Subscript) and parent.value is node and TUPLE_ACQUIRERS[qualname][0] == "fd":
                ctx.report(
                    self,
                    node,
                    f"`{label}(...)` returns a file descriptor that is dropped here and never closed",
                    help=f"keep the descriptor: `fd, name = {label}(...)`, then `os.close(fd)`",
                )
            return
        if kind != "resource":
            return
        releases, popen = release_methods(ctx, qualname, type_name)
        outcome = inline_effect(ctx, node, kind, releases, popen)
        if outcome is None or outcome[0] is not Effect.BORROW or outcome[1] is None:
            return
        if outcome[1] is InlineUse.ITERATED and qualname in CLOSED_WHEN_EXHAUSTED:
            return
        if outcome[1] is InlineUse.METHOD_CALLED and outcome[2] in SERVES_UNTIL_EXIT:
            return  # `HTTPServer(...).serve_forever()`: released with the process it serves in
        if popen and isinstance(parent, cst.Expr):
            return  # a child started and left to run (a browser, a viewer) is deliberate
        what = f"{_how_used(outcome[1], outcome[2])}, and only the garbage collector closes it"
        statement = "with" if popen else manager_statement(ctx, type_name)
        ctx.report(
            self,
            node,
            f"`{label}(...)` is never released: {what}",
            help=(
                f"bind it in a `{statement}` statement: `{statement} {label}(...) as resource:`"
                if statement is not None
                else f"bind it to a name, `resource = {label}(...)`, and call `resource.close()` in a `finally`"
            ),
        )


def _alias_of_first_name(ctx: ModuleContext, func: cst.BaseExpression) -> bool:
    """``TF("x.tar").open()`` after ``from tarfile import TarFile as TF`` (or ``TF = TarFile``)."""
    if not isinstance(func, cst.Name):
        return False
    qualname = ctx.names.qualified_name(func, ctx.scope)
    if qualname is not None and qualname.rsplit(".", 1)[-1] in _FIRST_NAMES:
        return True
    if not func.value[:1].isupper():
        return False  # a class alias by assignment is capitalised like the class
    value = ctx.types.type_of(func, ctx.scope)
    return isinstance(value, ClassObject) and value.cls.rsplit(".", 1)[-1] in _FIRST_NAMES


def _maybe_project(ctx: ModuleContext, last: str) -> bool:
    """Whether a project function or class of that name could return a resource: the index
    is asked only for names some module defines."""
    return last[:1].isalpha() and _defines(ctx, last)


def _defines(ctx: ModuleContext, last: str) -> bool:
    return last in ctx.index.returning_names or last in ctx.index.derived_class_names


def _how_used(use: InlineUse, name: str) -> str:
    if use is InlineUse.METHOD_CALLED:
        return f"`.{name}()` is called on it"
    if use is InlineUse.ATTRIBUTE_READ:
        return f"only its `.{name}` is read"
    if use is InlineUse.PASSED:
        return f"it is passed to `{name or 'the callee'}()`, which does not close it"
    if use is InlineUse.ITERATED:
        return "it is iterated over"
    return "its result is dropped"
