from __future__ import annotations

from safelint.families.thread_safety import PARTICIPLE, Race, RaceKind, RaceRule
from safelint.results import Severity


class GuardedByViolation(RaceRule):
    """
    ## What it does
    Reports a read or a write of state whose guard the author declared — with a trailing
    `# guarded-by: _lock` comment on its assignment (module level, class body, or
    `self.x = ...` in a method), or an annotation `Annotated[..., GuardedBy("_lock")]` with a
    `GuardedBy` from any module — made outside `__init__` without that lock held (by its last
    name: `self._lock` matches `_lock`).

    ## Why is this a bug
    The declaration is a contract every reader relies on; one access outside the lock breaks
    it for all of them. Rust: `Mutex<T>` makes the contract the type — the data is only
    reachable through the guard.

    ## Example
    ```python
    import threading

    _lock = threading.Lock()
    jobs = []  # guarded-by: _lock


    def add(job):
        jobs.append(job)
    ```

    ## Use instead
    ```python
    import threading

    _lock = threading.Lock()
    jobs = []  # guarded-by: _lock


    def add(job):
        with _lock:
            jobs.append(job)
    ```

    """

    code = "SL304"
    name = "guarded-by-violation"
    severity = Severity.ERROR
    summary = "State declared guarded by a lock is read or written without holding that lock."

    kinds = frozenset({RaceKind.GUARD_VIOLATION})

    def message(self, race: Race) -> str:
        a = race.access
        return (
            f"`{a.state.label}` is declared guarded by `{race.lock}` but is {PARTICIPLE[a.kind]} "
            f"in `{a.function.qualname}` without holding it"
        )
