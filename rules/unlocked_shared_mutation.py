from __future__ import annotations

from safelint.families.thread_safety import Race, RaceKind, RaceRule, why
from safelint.results import Severity


class UnlockedSharedMutation(RaceRule):
    """
    ## What it does
    Reports a mutation of a shared container — `d[k] = v`, `lst.append(x)`, `s.add(x)`,
    `del d[k]`, `d.pop(k)` — made without a lock in code that runs concurrently with a
    function that iterates the same container (`for k in d`, `d.items()`, a comprehension),
    when the thread evidence is visible: at least one side runs on a thread started in the
    module. The other way round too: a loop, without a lock, over a container that other
    methods change in place under its owner's lock (the lock says the container is shared;
    the loop skips it), when a thread reaches one of the two.

    ## Why is this a bug
    Iterating a dict or set while another thread changes its size raises
    `RuntimeError: dictionary changed size during iteration`; a list silently skips or
    repeats items. Rust: the iterator borrows the collection, so no one can mutate it until
    the loop ends — across threads that takes a `Mutex` or `RwLock`.

    ## Example
    ```python
    import threading

    sessions = {}


    def accept(n):
        for i in range(n):
            sessions[i] = "open"


    def report():
        for key in sessions:
            print(key)


    threading.Thread(target=accept, args=(10,)).start()
    report()
    ```

    ## Use instead
    ```python
    import threading

    sessions = {}
    sessions_lock = threading.Lock()


    def accept(n):
        for i in range(n):
            with sessions_lock:
                sessions[i] = "open"


    def report():
        with sessions_lock:
            keys = list(sessions)
        for key in keys:
            print(key)


    threading.Thread(target=accept, args=(10,)).start()
    report()
    ```

    """

    code = "SL305"
    name = "unlocked-shared-mutation"
    severity = Severity.WARNING
    summary = "A shared container is mutated without a lock while another thread iterates it."

    kinds = frozenset({RaceKind.CHANGED_WHILE_ITERATED, RaceKind.ITERATED_OUTSIDE_LOCK})

    def message(self, race: Race) -> str:
        a, b = race.access, race.other
        assert race.overlap is not None and b is not None
        if race.kind is RaceKind.ITERATED_OUTSIDE_LOCK:
            return (
                f"`{a.state.label}` is iterated in `{a.function.qualname}` without a lock, but changed under "
                f"`{race.lock}` in `{b.function.qualname}`, and {why(race.overlap)}: the loop can fail or miss items"
            )
        return (
            f"`{a.state.label}` is changed in `{a.function.qualname}` without a lock, and {why(race.overlap)}: "
            f"the loop in `{b.function.qualname}` can fail or miss items"
        )
