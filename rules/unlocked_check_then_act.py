from __future__ import annotations

from safelint.families.thread_safety import Race, RaceKind, RaceRule, why
from safelint.results import Severity


class UnlockedCheckThenAct(RaceRule):
    """
    ## What it does
    Reports a write to shared state inside an `if` that tests the same state —
    `if key not in cache: cache[key] = load(key)`, `if self.conn is None: self.conn = connect()`
    — in code that runs on another thread with no lock held, when the thread evidence is
    visible (the function runs on several threads at once, or another function writes the
    state while it runs).

    ## Why is this a bug
    Between the test and the write another thread can pass the same test: both compute, both
    write, one result (a connection, a cache entry, a registration) is lost or leaks. Rust:
    the test and the write must happen under one `Mutex` guard, or through
    `entry().or_insert_with()` on a map the lock owns.

    ## Example
    ```python
    import threading

    cache = {}


    def load(key):
        if key not in cache:
            cache[key] = key.upper()
        return cache[key]


    for key in ("a", "b"):
        threading.Thread(target=load, args=(key,)).start()
    ```

    ## Use instead
    ```python
    import threading

    cache = {}
    cache_lock = threading.Lock()


    def load(key):
        with cache_lock:
            if key not in cache:
                cache[key] = key.upper()
            return cache[key]


    for key in ("a", "b"):
        threading.Thread(target=load, args=(key,)).start()
    ```

    """

    code = "SL302"
    name = "unlocked-check-then-act"
    severity = Severity.ERROR
    summary = "Shared state is tested and then changed without a lock, so two threads can both act on the same test."

    kinds = frozenset({RaceKind.CHECK_THEN_ACT})

    def message(self, race: Race) -> str:
        a = race.access
        assert race.overlap is not None
        return (
            f"`{a.state.label}` is checked and then changed in `{a.function.qualname}` without a lock, "
            f"and {why(race.overlap)}: both threads can act"
        )
