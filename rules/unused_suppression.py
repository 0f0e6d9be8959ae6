from safelint.results import Severity
from safelint.rule import Rule


class UnusedSuppression(Rule):
    """
    ## What it does
    Reports a suppression comment (`# safelint: ignore[...]`, `# safelint: ignore-file[...]`,
    or a `# noqa:` naming safelint codes) that suppresses no finding: the code it names is
    not reported on that line, is not enabled, or is not a safelint code. Off by default;
    turn it on with `--extend-select SL001` or `extend-select = ["SL001"]`.

    ## Why is this a bug
    A stale suppression hides the next real bug that lands on its line, and a misspelt code
    suppresses nothing while looking as if it did. Rust: `#[allow(...)]` of a lint that
    never fires is reported by `unfulfilled_lint_expectations` for `#[expect]`.

    ## Example
    ```python
    # safelint-config: extend-select = ["SL001"]
    x = 1  # safelint: ignore[SL106]
    ```

    ## Use instead
    ```python
    # safelint-config: extend-select = ["SL001"]
    x = 1
    ```

    ## Options
    None.

    ## Known limits
    A bare `# noqa` is never reported: it may be meant for another tool.
    """

    code = "SL001"
    name = "unused-suppression"
    severity = Severity.WARNING
    summary = "A suppression comment that suppresses nothing."
    enabled_by_default = False
