from __future__ import annotations

import libcst as cst

from safelint.analysis.deliberate import expects_exception, in_test_code
from safelint.analysis.facts.callees import call_target
from safelint.analysis.facts.sockets import is_datagram_socket
from safelint.context import ModuleContext
from safelint.results import Severity
from safelint.rule import Option, Rule


class UncheckedPartialWrite(Rule):
    """
    ## What it does
    Reports an expression statement that drops the count a partial write returns:
    `sock.send(data)` on a socket, and `write(data)` on an unbuffered binary file (an
    `io.RawIOBase`, such as `open(p, "wb", buffering=0)`); with the `os-write` option,
    `os.write(fd, data)` too. Buffered and text
    files, whose `write` takes all the data or raises, are not reported, nor is a write of a
    bytes literal of at most 512 bytes (POSIX's least `PIPE_BUF`: pipes and files take it
    whole). `sendto` is not reported: datagrams are sent whole or not at all; nor is the
    `send` of a datagram socket (made with `SOCK_DGRAM`, held in an attribute the class only
    binds so, or sent from a class named for datagrams, such as `UDPTransport`). Test code (a
    `test*` function, a `Test*` class, a `test_*.py` file or a file under `tests/`), which
    writes a few bytes to pipes and files it has just made, is not reported either.

    ## Why is this a bug
    These calls may write only part of the data — a full socket buffer, a signal, a pipe —
    and return how much they did write. Dropped, the rest is silently lost and the reader
    sees a truncated message. Rust: `Write::write` returns the count in a `#[must_use]`
    `Result`, and `write_all` is the loop that sends everything (Go: `n, err := w.Write(p)`).

    ## Example
    ```python
    # safelint-config: extend-select = ["SL108"]
    import socket

    def greet(host):
        with socket.create_connection((host, 80)) as conn:
            conn.send(f"HELLO {host}\\r\\n".encode())
    ```

    ## Use instead
    ```python
    # safelint-config: extend-select = ["SL108"]
    import socket

    def greet(host):
        with socket.create_connection((host, 80)) as conn:
            conn.sendall(f"HELLO {host}\\r\\n".encode())
    ```

    ## Options
    - `os-write` (bool, default `false`): report `os.write(fd, data)` with its count dropped.
      Off by default: almost every such call writes to a regular file (`tempfile.mkstemp`,
      `os.open`) or a blocking pipe, which take the data whole but on a full disk or a
      signal; judged on real code (issue 16: django, invoke, requests) 4 of 4 were DEBATABLE
      and none REAL.

    ## Known limits
    Off by default; opt in with `extend-select = ["SL108"]`. Judged on code nobody tuned it on
    (`bench/fresh_judging.md`: 24 packages, 256k lines), 0 of its 8 findings were REAL (1
    DEBATABLE, 7 FALSE): short protocol messages sent with `send` on a blocking socket, which
    in practice takes them whole. Its precision is below what issue 16 asks of a default rule
    (80% REAL), so it stays available for code that uses non-blocking sockets, where a short
    count is routine.

    The receiver's type must be known (a socket created in the function,
    `socket.create_connection(...)`, or a parameter annotated `socket.socket`); a socket held
    in an attribute or passed as an unannotated parameter is not checked. A stream socket's `sendto` (rare) is missed. A call under
    `with pytest.raises(...)`/`assertRaises` is made to fail and is not reported.
    """

    code = "SL108"
    name = "unchecked-partial-write"
    severity = Severity.WARNING
    summary = "The count a partial write returns is dropped, so data may be silently lost."
    enabled_by_default = False
    options = (Option("os-write", bool, False, "report os.write(fd, data) with its count dropped"),)

    def visit_Expr(self, node: cst.Expr, ctx: ModuleContext) -> None:
        call = node.value
        if type(call) is not cst.Call or not isinstance(call.func, (cst.Name, cst.Attribute)):
            return
        last = call.func.attr.value if isinstance(call.func, cst.Attribute) else call.func.value
        if last not in ("send", "write"):
            return
        target = call_target(ctx, call)
        if (
            target is None
            or not _partial(ctx, target)
            or (target in _OS_WRITES and not self.settings["os-write"])
            or _short_literal(call, target)
            or (
                last == "send"
                and isinstance(call.func, cst.Attribute)
                and is_datagram_socket(ctx, call.func.value, call)
            )
            or expects_exception(ctx, node, in_try=False)
            or in_test_code(ctx, node)
        ):
            return
        ctx.report(
            self,
            call,
            f"`{last}()` may write only part of the data, and the count it returns is dropped",
            help="use `sendall()` for sockets, or loop until every byte is written",
        )


_PARTIAL = frozenset({"socket.SocketType.send", "ssl.SSLSocket.send", "os.write"})
_OS_WRITES = frozenset({"os.write", "posix.write", "nt.write"})
_PIPE_BUF = 512
"""POSIX's least ``PIPE_BUF``: a pipe takes a write this short whole, and so does a file."""


def _partial(ctx: ModuleContext, target: str) -> bool:
    facts = ctx.knowledge.function(target)
    if facts is None:
        return False
    if facts.qualname in _PARTIAL:
        return True
    owner, _, method = target.rpartition(".")
    klass = ctx.knowledge.class_facts(owner) if method == "write" else None
    return klass is not None and "io.RawIOBase" in klass.ancestors


def _short_literal(call: cst.Call, target: str) -> bool:
    """The data is a bytes literal of at most ``PIPE_BUF`` bytes: pipes and files take it
    whole, and a socket's buffer takes a greeting whole unless it is already full."""
    positional = [a.value for a in call.args if a.keyword is None and not a.star]
    position = 1 if target == "os.write" else 0
    data = positional[position] if position < len(positional) else None
    if isinstance(data, cst.SimpleString) and "b" in data.prefix.lower():
        value = data.evaluated_value
        return isinstance(value, bytes) and len(value) <= _PIPE_BUF
    return False
