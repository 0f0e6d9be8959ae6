from __future__ import annotations

import libcst as cst

from safelint.families.none_safety import Cause, OptionalUse, OptionalUseRule, UseKind
from safelint.results import Severity


class OptionalMemberAccess(OptionalUseRule):
    """
    ## What it does
    Reports an attribute access or method call (`x.attr`, `x.method()`), or a `with x:`
    (which looks up `x.__enter__`), on a value that may be None on some path to it. By
    default the sources are those whose None the machine the program runs on decides — an
    unset environment variable (`os.environ.get`, `os.getenv`), a program, module or library
    that is not installed (`shutil.which`, `importlib.util.find_spec`,
    `ctypes.util.find_library`), `os.cpu_count()` — the result of a call that only ever
    returns None (a function annotated `-> None`, `list.sort()`), and a name the code sets to
    None and uses on a path where it is None on every way there. With the `declared-optionals`
    option, also what a declaration says may be None, as a type checker reads it: the result of
    a call that returns `X | None` (`re.match`, `dict.get(k)`, `getattr(o, n, None)`,
    `next(it, None)`, a project function annotated `-> T | None`), a parameter annotated
    `Optional` (or annotated and defaulting to None), and `m.group(n)` when group `n` is
    optional in a literal pattern (`(a)?`, one side of `|`). With the `code-evidence` option,
    a name set to None on some path or one the code compares with None and then uses on the
    path where it was None.

    The checks the code makes count, as the other SL2 rules count them: `if x:`,
    `x is not None`, an early return, `assert`; a None test kept in a name
    (`has_x = x is not None` ... `if has_x:`); a flag bound once that says which branch set
    the value (`if not is_a: v = getattr(o, n, None) else: v = r` ... `if is_a: v.z`);
    `(a is None) != (b is None)`, after which `a` and `b` are None together; a name bound to
    `getattr(x, "attr", None)` and found true, after which `x` is not None; an implication
    stated under `if TYPE_CHECKING: assert ...`; a function of the module annotated
    `-> TypeGuard[...]`/`-> TypeIs[...]` or whose body is `return x is not None`; and a call
    of a project function annotated `-> NoReturn`, which ends the path. A line the
    maintainers marked for a type checker (`# type: ignore[union-attr]`,
    `# pyright: ignore[reportOptionalMemberAccess]`) is theirs: see the top-level
    `honour-type-ignores` setting.

    ## Why is this a bug
    `AttributeError: 'NoneType' object has no attribute ...` is the most common Python crash
    in production, and it happens on the rare path — no match, a missing key, an unset
    variable — that tests seldom take. Rust: an `Option<T>` cannot be used as a `T`; you must
    `match` it, use `?`, or say `.expect(...)`.

    ## Example
    ```python
    import os

    def editor_command(path):
        editor = os.environ.get("EDITOR")
        return editor.split() + [path]
    ```

    ## Use instead
    ```python
    import os

    def editor_command(path):
        editor = os.environ.get("EDITOR")
        if editor is None:
            raise SystemExit("set EDITOR to the editor to use")
        return editor.split() + [path]
    ```

    """

    code = "SL201"
    name = "optional-member-access"
    severity = Severity.ERROR
    summary = "An attribute or method of a value that may be None is used without a check."

    def claims(self, use: OptionalUse) -> bool:
        return use.cause is Cause.OPTIONAL_GROUP or (
            use.cause is Cause.VALUE and use.kind in (UseKind.ATTRIBUTE, UseKind.CONTEXT_MANAGER)
        )

    def use(self, use: OptionalUse, it: str) -> str:
        if use.kind is UseKind.CONTEXT_MANAGER:
            return f"{it} is entered by `with`"
        if isinstance(use.node, cst.Attribute):
            return f"`.{use.node.attr.value}` is used on {it}"
        return f"{it} is used"
