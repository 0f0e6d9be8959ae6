from __future__ import annotations

from safelint.families.none_safety import Cause, OptionalUse, OptionalUseRule, UseKind
from safelint.results import Severity


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
    import os

    def pool_size() -> int:
        return os.cpu_count() * 2
    ```

    ## Use instead
    ```python
    import os

    def pool_size() -> int:
        return (os.cpu_count() or 1) * 2
    ```

    """

    code = "SL205"
    name = "optional-operand"
    severity = Severity.ERROR
    summary = "A value that may be None is an operand of arithmetic or an ordering comparison without a check."

    def claims(self, use: OptionalUse) -> bool:
        return use.cause is Cause.VALUE and use.kind is UseKind.OPERAND

    def use(self, use: OptionalUse, it: str) -> str:
        return f"{it} is an operand of arithmetic or an ordering comparison"
