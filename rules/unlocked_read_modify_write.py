from __future__ import annotations

from safelint.families.thread_safety import Kind, Race, RaceKind, RaceRule, why
from safelint.results import Severity


class UnlockedReadModifyWrite(RaceRule):
    """
    ## What it does
    Reports a read-modify-write of shared state — `counter += 1`, `d[k] += 1`,
    `d[k] = d.get(k, 0) + 1`, `global n; n = n + 1`, `self.total = self.total + x` — in code
    that runs on another thread, with no lock held, when the thread evidence is visible: the
    function is started more than once (in a loop, by a pool's `map`, by a threading server)
    or another function writes the same state while it runs. Shared state is module-level
    mutable containers and names rebound with `global`, class attributes, and the attributes
    of `self` in a `Thread` subclass or a class whose method is handed to a thread, and the
    locals a function shares with a nested function it runs on threads (a dict a task
    submitted in a loop updates). Also reported: a container taken and replaced without a lock
    (`pending = self.pending; self.pending = []`) while another thread adds to it.

    ## Why is this a bug
    `x += 1` is a load, an add and a store: two threads that load the same value both store
    it plus one, and an update is lost — with the GIL too, and far more often on free-threaded
    CPython. Rust: a `static mut` or a shared `&mut` does not compile; the count must sit in a
    `Mutex<T>` or an atomic.

    ## Example
    ```python
    import threading

    hits = 0


    def count(n):
        global hits
        for _ in range(n):
            hits += 1


    threads = [threading.Thread(target=count, args=(1000,)) for _ in range(4)]
    for t in threads:
        t.start()
    ```

    ## Use instead
    ```python
    import threading

    hits = 0
    hits_lock = threading.Lock()


    def count(n):
        global hits
        for _ in range(n):
            with hits_lock:
                hits += 1


    threads = [threading.Thread(target=count, args=(1000,)) for _ in range(4)]
    for t in threads:
        t.start()
    ```

    """

    code = "SL301"
    name = "unlocked-read-modify-write"
    severity = Severity.ERROR
    summary = "Shared state is read, changed and written back without a lock where threads can race."

    kinds = frozenset({RaceKind.LOST_UPDATE})

    def message(self, race: Race) -> str:
        a = race.access
        assert race.overlap is not None
        if a.kind is Kind.WRITE:
            return (
                f"`{a.state.label}` is taken and replaced in `{a.function.qualname}` without a lock, "
                f"and {why(race.overlap)}: an item added in between is lost"
            )
        return (
            f"`{a.state.label}` is read and written back in `{a.function.qualname}` without a lock, "
            f"and {why(race.overlap)}: an update can be lost"
        )
