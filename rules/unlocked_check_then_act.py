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
    state while it runs). In a class that takes one of its own locks anywhere, every method
    counts as running beside the threads that reach the class (RacerD's rule). Also reported:
    a flag on `self` that records whether *this* thread got a lock
    (`self.locked = self._lock.acquire(False)` … `if self.locked: self._lock.release()`).

    Not reported: a test that a container holds something (`if queue: queue.popleft()`) when
    the other threads only add to it, which cannot make the test false; and code after a
    busy flag taken under a lock (`with lock: if self.busy: return; self.busy = True`, then
    `finally: self.busy = False`), which admits one thread at a time.

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

    kinds = frozenset({RaceKind.CHECK_THEN_ACT, RaceKind.HELD_FLAG})

    def message(self, race: Race) -> str:
        a = race.access
        if race.kind is RaceKind.HELD_FLAG:
            return (
                f"`{a.state.label}` records whether this thread holds `{race.lock}`, but it lives on the object, "
                f"shared by every thread running `{a.function.qualname}`: another thread's attempt overwrites it, "
                "and the lock is never released or released by a thread that does not hold it"
            )
        assert race.overlap is not None
        return (
            f"`{a.state.label}` is checked and then changed in `{a.function.qualname}` without a lock, "
            f"and {why(race.overlap)}: both threads can act"
        )

    def help(self, race: Race) -> str:
        if race.kind is RaceKind.HELD_FLAG:
            return "keep the flag in a local variable of the function that acquires and releases the lock"
        return super().help(race)
