from __future__ import annotations

import libcst as cst

from safelint.families.none_safety import Cause, OptionalUse, OptionalUseRule, UseKind
from safelint.results import Severity

_HOW = {
    UseKind.ATTRIBUTE: "is used",
    UseKind.SUBSCRIPT: "is subscripted",
    UseKind.CALL: "is called",
    UseKind.ITERATION: "is iterated",
    UseKind.UNPACKING: "is unpacked",
    UseKind.MEMBERSHIP: "is searched with `in`",
    UseKind.OPERAND: "is an operand of arithmetic or an ordering comparison",
}


class OptionalAttributeUse(OptionalUseRule):
    """
    ## What it does
    With the `declared-optionals` option (a declared field is a declaration's None, see
    SL201), reports a use (attribute, subscript, call, iteration, operand) of `self.x` in a public
    method, where the class declares `x` Optional (a class annotation, a dataclass field,
    `self.x: T | None = ...`) — the "used before it was initialised" bug. A method that
    checks the field (`if self.x is None: return`) or assigns it first is fine, and so is a
    private helper (`_send`), which runs where its callers have set the field up, and so is
    `__exit__`/`__aexit__` for a field its `__enter__`/`__aenter__` sets (the protocol runs
    exit only after enter). With the
    `code-evidence` option, a field set to `None` in `__init__` (not declared Optional) and
    to something else in another method is reported too, when at least half of the methods
    that read it test it against None (a field the class uses unchecked almost everywhere is
    set up by a lifecycle call before use). It is a separate code from SL201-SL205 so that a
    project can tune it on its own.

    ## Why is this a bug
    A field that starts as None and is set by `connect()` or `start()` crashes every method
    called before it: `AttributeError: 'NoneType' object has no attribute 'send'`, far from
    the missing call. Rust: such a field is an `Option<T>`, and each method must match it or
    `.expect("connect() first")`.

    ## Example
    ```python
    # safelint-config: [rules.SL2]
    # safelint-config: declared-optionals = true
    import socket

    class Client:
        def __init__(self, address: tuple[str, int]) -> None:
            self.address = address
            self.sock: socket.socket | None = None

        def connect(self) -> None:
            self.sock = socket.create_connection(self.address)

        def send(self, data: bytes) -> None:
            self.sock.sendall(data)
    ```

    ## Use instead
    ```python
    # safelint-config: [rules.SL2]
    # safelint-config: declared-optionals = true
    import socket

    class Client:
        def __init__(self, address: tuple[str, int]) -> None:
            self.address = address
            self.sock: socket.socket | None = None

        def connect(self) -> None:
            self.sock = socket.create_connection(self.address)

        def send(self, data: bytes) -> None:
            if self.sock is None:
                raise RuntimeError("call connect() first")
            self.sock.sendall(data)
    ```

    """

    code = "SL206"
    name = "optional-attribute-use"
    severity = Severity.ERROR
    summary = "A field declared Optional, or set to None in `__init__`, is used in a method without a check."

    def claims(self, use: OptionalUse) -> bool:
        return use.cause is Cause.FIELD

    def use(self, use: OptionalUse, it: str) -> str:
        if isinstance(use.node, cst.Attribute):
            return f"`.{use.node.attr.value}` is used on {it}"
        return f"{it} {_HOW[use.kind]}"
