from __future__ import annotations

from safelint.analysis.optional_uses import OptionalUseRule
from safelint.finding import Severity


class OptionalAttributeUse(OptionalUseRule):
    """
    ## What it does
    Reports a use (attribute, subscript, call, iteration, operand) of `self.x` in a public
    method, where the class declares `x` Optional (a class annotation, a dataclass field,
    `self.x: T | None = ...`) — the "used before it was initialised" bug. A method that
    checks the field (`if self.x is None: return`) or assigns it first is fine, and so is a
    private helper (`_send`), which runs where its callers have set the field up. With the
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

    ## Options
    - `code-evidence` (bool, default `false`): also report a value that only the code
      itself makes None — a name set to `None` on some path (`x = None`, then a loop or a
      branch that may not set it), a value compared with None and then used on the path where
      it was None, a field set to None in `__init__` (not declared Optional). Off by default:
      such code often relies on an invariant the analysis cannot see (a flag set together
      with the value, a loop that always runs). Declared types and APIs (`Optional`
      parameters and fields, calls that return `X | None`) are always reported.
      Set it for the whole family with `[tool.safelint.rules.SL2]`.

    ## Known limits
    Test files (`test_*.py`, `*_test.py`, `conftest.py`, anything under `test/`, `tests/` or
    `testing/`) are not checked by this rule: there the bug fails or warns in the test run itself.
    Only what safelint can see is a source: a parameter's annotation does not type its
    methods (`def f(d: dict): d.get(k).x` is missed), and the call of a call's result
    (`getattr(o, n, None)()`) is not followed. Facts about attributes survive calls that
    cannot reach the object (aliasing is ignored); a nested function starts with no facts
    about the names it captures (`cb = lambda: m.group()` is missed). A repeated lookup
    (`if d.get(k): d.get(k).x`) counts as checked whenever the scope tests the same call
    text, whatever runs in between. Precision comes first: a None that only the code itself
    brings (a `None` literal, a comparison with None, an Optional field) is not reported at a
    use that runs under a condition not about the value (`if done: x.y`), since such code
    usually relies on the condition implying the value is set; a condition repeated as text
    (`x = f() if on else None` ... `if on: x.y`) and a name set to None in `except
    ImportError` are taken as handled. A callee that always raises but is not annotated
    `NoReturn` is not known to; instead, a check whose branch ends in a call that is not
    logging (`if m is None: self.fail(...)`) is taken as handling the None, and so is a
    condition that passes the value to any predicate (`if not inspect.ismodule(m): raise`),
    both judged as text within the scope. Unannotated parameters defaulting
    to None are not taken as Optional (in unannotated code they are mostly sentinels callers
    override) unless, with `code-evidence`, the function itself compares them with None.
    A call whose result goes straight into another call (`print(d.get(k))`) is no use. A project function
    `f(x: T | None) -> U | None` is taken to pass None through (overloads are not read), so
    its result is not a source. Uses inside a `try` whose handlers catch `AttributeError`,
    `TypeError` or anything broader are taken as handled.
    """

    code = "SL206"
    name = "optional-attribute-use"
    severity = Severity.ERROR
    summary = "A field declared Optional, or set to None in `__init__`, is used in a method without a check."
