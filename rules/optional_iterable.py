from __future__ import annotations

from safelint.families.none_safety import Cause, OptionalUse, OptionalUseRule, UseKind
from safelint.results import Severity

_HOW = {
    UseKind.ITERATION: "is iterated",
    UseKind.UNPACKING: "is unpacked",
    UseKind.MEMBERSHIP: "is searched with `in`",
}


class OptionalIterable(OptionalUseRule):
    """
    ## What it does
    Reports `for _ in x`, a comprehension over `x`, `*x`, `**x`, `a, b = x`, `yield from x`
    and `y in x` where `x` may be None on some path to it (the sources of SL201).

    ## Why is this a bug
    `TypeError: 'NoneType' object is not iterable` (or `... cannot unpack non-iterable
    NoneType object`) on the path where a lookup found nothing. Rust: an `Option<Vec<T>>`
    must be matched (or `.unwrap_or_default()`-ed) before it is iterated.

    ## Example
    ```python
    # safelint-config: [rules.SL2]
    # safelint-config: declared-optionals = true
    import json

    def plugins(path):
        with open(path) as f:
            config = dict(json.load(f))
        return [name.lower() for name in config.get("plugins")]
    ```

    ## Use instead
    ```python
    # safelint-config: [rules.SL2]
    # safelint-config: declared-optionals = true
    import json

    def plugins(path):
        with open(path) as f:
            config = dict(json.load(f))
        return [name.lower() for name in config.get("plugins", [])]
    ```

    """

    code = "SL204"
    name = "optional-iterable"
    severity = Severity.ERROR
    summary = "A value that may be None is iterated, unpacked or searched without a check."

    def claims(self, use: OptionalUse) -> bool:
        return use.cause is Cause.VALUE and use.kind in _HOW

    def use(self, use: OptionalUse, it: str) -> str:
        return f"{it} {_HOW[use.kind]}"
