from __future__ import annotations

import libcst as cst

from safelint.analysis.resources.acquisition import acquisition, is_sqlite_connection
from safelint.analysis.resources.ownership import LeakKind, function_leaks, line_of
from safelint.context import ModuleContext
from safelint.families.resources import describe, grammar, release_help, release_verb
from safelint.results import Severity
from safelint.rule import Rule

_SQLITE_HELP = (
    "use `with contextlib.closing(sqlite3.connect(...)) as conn:` (and `with conn:` inside it "
    "for the transaction), or call `conn.close()` in a `finally`"
)


def _related(node: cst.CSTNode | None, note: str) -> list[tuple[cst.CSTNode, str]]:
    return [(node, note)] if node is not None else []


class UnclosedResource(Rule):
    """
    ## What it does
    Reports the call that acquires a resource — a file, socket, child process, database
    connection, executor, temporary directory, memory map, raw file descriptor (`os.open`,
    `os.pipe`, the descriptor `tempfile.mkstemp` returns)… — and binds it to a local, when on
    some path the local is neither released nor handed on before the function returns, or is
    rebound while the resource is still open.

    Released: `close()`, `shutdown()`, `cleanup()`, `release()`, `__exit__`, a `with` block,
    `os.close(fd)`; a child process is released when it is reaped (`wait()`, `communicate()`,
    `poll()`, `with`: `kill()` or `terminate()` alone leave a zombie); an asyncio child
    process is reaped by the event loop once it exits, so `wait()`, `communicate()`,
    `kill()` and `terminate()` all release it. Handed on (nothing
    reported): returned, yielded, stored on an attribute, in a container or a global,
    assigned to another name, passed to a function or constructor that may keep it
    (`ExitStack.enter_context`, `closing`, an unknown callee, `os.fdopen(fd)`), made a
    standard stream (`os.dup2(fd, 0)`: a daemon's `/dev/null`), captured
    by a nested function. Passing it to a library function that only uses it
    (`json.load(f)`, `print(..., file=f)`, `shutil.copyfileobj`) is not handing it on.

    A module's top level is followed the same way, its end standing for the return: a script
    that opens a file and never closes it, or rebinds the name while it is open. A module
    global that one of the module's functions reads is taken as a process-long resource
    (a log file, a shared connection) unless it is rebound before the first such function
    is defined. A resource stored into a local list or dict (`jobs[k] = Popen(...)`) is
    followed through that container: any use of the container but a store hands it on.

    It also reports `with sqlite3.connect(db) as conn:`: a connection's `with` block commits
    or rolls back the transaction, but does not close the connection.

    What acquires a resource comes from the knowledge base (a call whose stub returns a class
    with a freeing method, `safelint knowledge NAME` shows it) and from the project index: a
    project function whose every visible `return` hands back a fresh resource, or a project
    class derived from a resource class. Not acquired: what a library getter returns
    (`asyncio.get_running_loop()`), or a project function returning it; an instance of a
    project subclass whose release methods are all no-ops (an executor that runs work
    inline). An acquisition in the branch `if key == "file":` of a loop over a mapping's
    `items()` runs once at most (keys are unique), so the loop does not rebind it. A
    resource acquired under a condition (`if IS_MACOS:`) and released under the same
    condition, on names the function does not rebind in between, is not held on the
    condition's false side; a path that ends in a call that never returns (`sys.exit`,
    `os._exit`, `os.execv`: the process becomes another program) leaks nothing.

    ## Why is this a bug
    Nothing closes a file, socket or connection when the function that opened it is done
    with it: CPython closes it when the last reference goes (with a `ResourceWarning`), PyPy
    and other runtimes whenever the collector runs. Until then the descriptor, the
    connection, the lock on a database file or the temporary directory stays held, and a
    long-running process runs out of descriptors. Rust: a `File` is closed by `Drop` when
    its owner goes out of scope, on every path.

    ## Example
    ```python
    def first_line(path):
        f = open(path)
        line = f.readline()
        if not line:
            return None
        f.close()
        return line
    ```

    ## Use instead
    ```python
    def first_line(path):
        with open(path) as f:
            line = f.readline()
        return line or None
    ```

    ## Options
    None.

    ## Known limits
    Measured precision on code nobody tuned it on (per rule and for the family, with the
    causes: `bench/default_set.md`): 27 findings, 1 REAL, 18 DEBATABLE, 8 FALSE;
    re-run on 9345a7a, 24 findings, 1 REAL, 18 DEBATABLE, 5 FALSE (three FALSE causes fixed since).

    Test files (`test_*.py`, `*_test.py`, `conftest.py`, anything under `test/`, `tests/` or
    `testing/`) are not checked by this rule: there the bug fails or warns in the test run itself.
    Only locals of a function or names of a module's top level are followed; a resource
    stored anywhere else is its new owner's business. A class body is not followed. At a
    module's top level an exception path is not reported (SL402): the exception ends the
    script or the import. The analysis does not correlate branches: `if keep: f.close()` after
    an unconditional `open` is reported even when `keep` is always true there. Tests on the
    resource itself are understood (`if f:`, `f is not None`, `f is not sys.stdout`,
    `f.closed`). A resource passed to a function whose ownership semantics the knowledge
    base does not know is taken as handed on, so a helper that only reads from it hides a
    leak. Paths that leave the function by an exception are SL402's concern.
    """

    code = "SL401"
    name = "unclosed-resource"
    severity = Severity.ERROR
    summary = "A resource bound to a local is neither released nor handed on, on some path."
    checks_test_files = False

    def visit_FunctionDef(self, node: cst.FunctionDef, ctx: ModuleContext) -> None:
        self._check(node, ctx)

    def visit_Module(self, node: cst.Module, ctx: ModuleContext) -> None:
        """A script's top level: what it acquires and leaks before the module's end."""
        self._check(node, ctx)

    def _check(self, node: cst.FunctionDef | cst.Module, ctx: ModuleContext) -> None:
        for leak in function_leaks(ctx, node):
            site = leak.site
            what = describe(site, leak.others)
            line = line_of(ctx, leak.where)
            if leak.kind is LeakKind.UNRELEASED:
                verb, them = grammar(leak.others)
                where = f": the path leaving at line {line} keeps {them} open" if line else ""
                message = f"{what} {verb} not {release_verb(site)} on every path{where}"
                ctx.report(
                    self,
                    site.call,
                    message,
                    help=release_help(ctx, site),
                    related=_related(leak.where, "it is still open here"),
                )
            elif leak.kind is LeakKind.REBOUND:
                if line == line_of(ctx, site.call):
                    message = (
                        f"this line runs again (a loop) and rebinds `{site.name}` while {what} of the previous"
                        " pass is still open"
                    )
                else:
                    message = f"`{site.name}` is rebound at line {line} while {what} is still open"
                ctx.report(
                    self, site.call, message, help=release_help(ctx, site), related=_related(leak.where, "rebound here")
                )
            elif leak.kind is LeakKind.SQLITE_WITH:
                message = (
                    f"`with {site.label}(...) as {site.name}` commits or rolls back but does not close the "
                    "connection, and nothing closes it afterwards"
                )
                ctx.report(self, site.call, message, help=_SQLITE_HELP)

    def visit_With(self, node: cst.With, ctx: ModuleContext) -> None:
        """``with sqlite3.connect(db):`` with nothing bound, or outside a function: the
        connection is never closed (inside a function, a bound one is followed by the flow
        analysis, which accepts a later ``conn.close()``)."""
        in_function = isinstance(ctx.scope, cst.FunctionDef)
        for item in node.items:
            call = item.item
            if not isinstance(call, cst.Call):
                continue
            if in_function and item.asname is not None and isinstance(item.asname.name, cst.Name):
                continue
            name = call.func.attr.value if isinstance(call.func, cst.Attribute) else getattr(call.func, "value", None)
            if name not in ("connect", "Connection"):
                continue
            found = acquisition(ctx, call, ctx.scope)
            if found is not None and is_sqlite_connection(found[1]):
                ctx.report(
                    self,
                    call,
                    "a `with` block over a sqlite3 connection commits or rolls back but does not close it",
                    help=_SQLITE_HELP,
                )
