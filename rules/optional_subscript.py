from __future__ import annotations

from safelint.families.none_safety import Cause, OptionalUse, OptionalUseRule, UseKind
from safelint.results import Severity


class OptionalSubscript(OptionalUseRule):
    """
    ## What it does
    Reports `x[k]`, `x[k] = v` and `del x[k]` where `x` may be None on some path to it (the
    sources are those of SL201: by default lookups whose None the environment decides,
    `os.environ.get(k)`; with the `declared-optionals` option calls returning `X | None` and
    `Optional` parameters; with the `code-evidence` option names set to None on some path).

    ## Why is this a bug
    `TypeError: 'NoneType' object is not subscriptable` on the path where a lookup found
    nothing. Rust: an `Option<Vec<T>>` cannot be indexed until it is matched.

    ## Example
    ```python
    import os

    def home_drive():
        return os.environ.get("HOMEDRIVE")[0]
    ```

    ## Use instead
    ```python
    import os

    def home_drive():
        return os.environ.get("HOMEDRIVE", "C:")[0]
    ```

    """

    code = "SL202"
    name = "optional-subscript"
    severity = Severity.ERROR
    summary = "A value that may be None is subscripted without a check."

    def claims(self, use: OptionalUse) -> bool:
        return use.cause is Cause.VALUE and use.kind is UseKind.SUBSCRIPT

    def use(self, use: OptionalUse, it: str) -> str:
        return f"{it} is subscripted"
