from __future__ import annotations

from safelint.families.none_safety import Cause, OptionalUse, OptionalUseRule, UseKind
from safelint.results import Severity


class OptionalCall(OptionalUseRule):
    """
    ## What it does
    Reports `x(...)` where `x` may be None on some path to it (the sources of SL201). Most
    are declared — a callback parameter annotated `Optional[Callable]`, the result of
    `getattr(obj, name, None)` bound to a name — and reported with the `declared-optionals`
    option; with the `code-evidence` option, a handler set to None on some path.

    ## Why is this a bug
    `TypeError: 'NoneType' object is not callable`, typically for an optional callback that
    most callers pass and one does not. Rust: an `Option<F>` must be matched before the
    closure is called.

    ## Example
    ```python
    # safelint-config: [rules.SL2]
    # safelint-config: declared-optionals = true
    from typing import Callable, Optional

    def run(job, on_done: Optional[Callable[[object], None]] = None):
        result = job()
        on_done(result)
    ```

    ## Use instead
    ```python
    # safelint-config: [rules.SL2]
    # safelint-config: declared-optionals = true
    from typing import Callable, Optional

    def run(job, on_done: Optional[Callable[[object], None]] = None):
        result = job()
        if on_done is not None:
            on_done(result)
    ```

    """

    code = "SL203"
    name = "optional-call"
    severity = Severity.ERROR
    summary = "A value that may be None is called without a check."

    def claims(self, use: OptionalUse) -> bool:
        return use.cause is Cause.VALUE and use.kind is UseKind.CALL

    def use(self, use: OptionalUse, it: str) -> str:
        return f"{it} is called"
