from __future__ import annotations

from safelint.analysis.optional_uses import OptionalUseRule
from safelint.finding import Severity


class OptionalOperand(OptionalUseRule):
    """
    ## What it does
    Reports `x + 1`, `-x`, `x < y`, `x += 1` and the like where `x` may be None on some path
    to it (the sources of SL201). Equality and identity comparisons are fine with None and
    are never reported.

    ## Why is this a bug
    `TypeError: unsupported operand type(s) for +: 'NoneType' and 'int'` (or `'<' not
    supported between instances of 'NoneType' and 'int'`). Rust: arithmetic on an
    `Option<i32>` does not compile until the value is unwrapped.

    ## Example
    ```python
    from typing import Optional

    def deadline(start: float, timeout: Optional[float]) -> float:
        return start + timeout
    ```

    ## Use instead
    ```python
    from typing import Optional

    def deadline(start: float, timeout: Optional[float]) -> float:
        return start + (timeout if timeout is not None else 30.0)
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

    code = "SL205"
    name = "optional-operand"
    severity = Severity.ERROR
    summary = "A value that may be None is an operand of arithmetic or an ordering comparison without a check."
