from __future__ import annotations

from safelint.families.thread_safety import PARTICIPLE, Race, RaceKind, RaceRule, why
from safelint.results import Severity


class InconsistentLocking(RaceRule):
    """
    ## What it does
    Reports a write to a field (`self.x`, a class attribute) or a module global made with no lock
    held, when the same state is written under a lock elsewhere. Following RacerD, a class (or
    module) that guards a field with a lock anywhere declares itself shared between threads:
    all its methods count as running concurrently even where no thread start is visible.
    An augmented assignment (`x += 1`) is reported on that evidence alone; a plain write
    or mutation also needs a visible thread that reaches one of the two places. Writes in
    `__init__` and at module level, before the object is shared, are not reported; nor are
    helpers that every caller in the module calls with the lock held, nor a "held" flag
    cleared by the release method of the thread that set it under the lock in its acquire
    method. A change made after the lock is released, in a function that used the same state
    under it (the keys to delete computed under the lock, the deletion after it), is worded
    as a lock released too early; so is a value the function updated under the lock and
    returns or tests after the release (`with lock: n[k] = n.get(k, 0) + 1`, then
    `return n[k]`), when a visible thread runs it beside another writer. A teardown that forces a release and lets it fail
    (`try: lock.release() except RuntimeError: pass`) does not hold the lock. An asyncio lock
    (taken with `async with`) orders coroutines only: a coroutine's step that does not await
    is not reported against it, and a thread's write is, with a help that says the lock
    cannot order threads.

    ## Why is this a bug
    The lock protects nothing if one writer skips it: the unlocked write interleaves with the
    locked read-modify-write it was meant to exclude. Rust: the data lives *inside* the
    `Mutex<T>`, so it cannot be reached without taking the lock.

    ## Example
    ```python
    import threading


    class Stats:
        def __init__(self):
            self._lock = threading.Lock()
            self.seen = {}

        def record(self, key):
            with self._lock:
                self.seen[key] = self.seen.get(key, 0) + 1

        def forget(self, key):
            self.seen[key] -= 1
    ```

    ## Use instead
    ```python
    import threading


    class Stats:
        def __init__(self):
            self._lock = threading.Lock()
            self.seen = {}

        def record(self, key):
            with self._lock:
                self.seen[key] = self.seen.get(key, 0) + 1

        def forget(self, key):
            with self._lock:
                self.seen[key] -= 1
    ```

    """

    code = "SL303"
    name = "inconsistent-locking"
    severity = Severity.ERROR
    summary = "A field or global written under a lock in one place is written without any lock in another."

    kinds = frozenset({RaceKind.INCONSISTENT_LOCKING, RaceKind.UPDATE_OUTSIDE_LOCK})

    def message(self, race: Race) -> str:
        a, b = race.access, race.other
        assert b is not None
        if race.overlap is None:
            return (
                f"`{a.state.label}` is updated without a lock in `{a.function.qualname}` but written under "
                f"`{race.lock}` in `{b.function.qualname}`, which declares it shared between threads"
            )
        if race.released_early is not None:
            return (
                f"`{a.state.label}` is {PARTICIPLE[a.kind]} in `{a.function.qualname}` after `{race.lock}` is "
                f"released, though the function uses it under that lock before and `{b.function.qualname}` "
                f"writes it under the lock, and {why(race.overlap)}: the lock is released too early"
            )
        return (
            f"`{a.state.label}` is {PARTICIPLE[a.kind]} without a lock in `{a.function.qualname}` but under `{race.lock}` "
            f"in `{b.function.qualname}`, and {why(race.overlap)}"
        )
