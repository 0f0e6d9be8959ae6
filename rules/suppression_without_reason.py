from safelint.results import Severity
from safelint.rule import Rule


class SuppressionWithoutReason(Rule):
    """
    ## What it does
    Where the project sets `require-suppression-reason = true`, reports a
    `# safelint: ignore[...]` comment that gives no reason after ` -- `.

    ## Why is this a bug
    A suppression is a claim that the code is right although safelint says otherwise; without
    the reason, the next reader cannot check the claim when the code changes. Rust: teams
    require a `// SAFETY:` comment on every `unsafe` block for the same reason.

    ## Example
    ```python
    # safelint-config: require-suppression-reason = true
    def load(path):
        f = open(path)  # safelint: ignore[SL401]
        return f.read()
    ```

    ## Use instead
    ```python
    # safelint-config: require-suppression-reason = true
    def load(path):
        f = open(path)  # safelint: ignore[SL401] -- the caller's atexit hook closes it
        return f.read()
    ```

    ## Options
    Enabled by the top-level setting `require-suppression-reason` (default false).

    ## Known limits
    `# noqa` comments are not checked: their syntax has no place for a reason.
    """

    code = "SL002"
    name = "suppression-without-reason"
    severity = Severity.WARNING
    summary = "A suppression comment without a reason, where the project requires one."
