"""The SL3 family: one analysis finds every unprotected access to shared state that can meet
another thread, and what is wrong with it; each rule reports the kinds of race it owns."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, ClassVar

import libcst as cst

from safelint.analysis.threads.model import MAIN, Entry, EntryKind
from safelint.analysis.threads.races import Overlap, OverlapKind, Race, RaceKind, races
from safelint.analysis.threads.state import Kind
from safelint.rule import Option, Rule

if TYPE_CHECKING:
    from safelint.context import ModuleContext

__all__ = ["ATOMIC_STEPS", "THREAD_ENTRY_POINTS", "Kind", "Race", "RaceKind", "RaceRule"]

THREAD_ENTRY_POINTS = Option(
    "thread-entry-points",
    list,
    (),
    "functions that run on worker threads, as fnmatch patterns over qualified names",
)

ATOMIC_STEPS = Option(
    "atomic-steps",
    bool,
    False,
    "also report one atomic container step without the lock (d.pop(k), s.add(x)) against one step under it",
)

_HOW = {
    EntryKind.MAIN: "on the thread that starts the others",
    EntryKind.THREAD_TARGET: "started as a Thread target",
    EntryKind.TIMER: "run by a threading.Timer",
    EntryKind.START_NEW_THREAD: "started by `_thread.start_new_thread`",
    EntryKind.TO_THREAD: "run by `asyncio.to_thread`",
    EntryKind.POOL_SUBMIT: "submitted to a thread pool",
    EntryKind.POOL_MAP: "mapped over a thread pool",
    EntryKind.EXECUTOR: "run in an executor",
    EntryKind.DONE_CALLBACK: "registered as a done-callback of a thread-pool future",
    EntryKind.THREAD_SUBCLASS: "run by a Thread subclass",
    EntryKind.REQUEST_HANDLER: "run for every request by a threading server",
    EntryKind.DECLARED: "declared a thread entry point",
    EntryKind.STARTED_ELSEWHERE: "started on a thread in `{}`",
    EntryKind.CALLED_ELSEWHERE: "called from `{}` on a thread",
    EntryKind.WRAPPER: "given to a helper that starts it on a thread",
}

PARTICIPLE = {
    Kind.READ: "read",
    Kind.ITER: "iterated",
    Kind.WRITE: "written",
    Kind.MUTATE: "mutated",
    Kind.RMW: "updated",
}
"""How an access uses the state, as a message says it: "`_cache` is mutated in ..."."""


def how(entry: Entry) -> str:
    """How code comes to run on the thread: "started as a Thread target"."""
    return _HOW[entry.kind].format(entry.origin)


def runs(overlap: Overlap) -> str:
    """E.g. "`worker` runs on a thread (started as a Thread target at line 40)"."""
    entry, function = overlap.entry, overlap.function
    at = "" if overlap.entry_line is None else f" at line {overlap.entry_line}"
    threads = f"threads ({how(entry)}{at})" if entry.repeated else f"a thread ({how(entry)}{at})"
    if entry is MAIN or function is entry.target or entry.target is None:
        return f"`{function.qualname}` runs on {threads}"
    return f"`{function.qualname}` runs, called from `{entry.target.qualname}`, on {threads}"


def why(overlap: Overlap) -> str:
    """Why the two accesses can run at once, as a clause."""
    other = overlap.other
    if overlap.kind is OverlapKind.SELF:
        return f"{runs(overlap)}, several at once"
    if overlap.kind is OverlapKind.SAME_ENTRY:
        return f"{runs(overlap)}, several at once, and so does `{other.function.qualname}`"
    if overlap.kind is OverlapKind.BESIDE:
        return f"{runs(overlap)}, while `{other.function.qualname}` may run on another thread"
    return f"it is {PARTICIPLE[other.kind]} in `{other.function.qualname}` while {runs(overlap)}"


class RaceRule(Rule):
    """An SL3 rule: it reports the races of the kinds in :attr:`kinds`, in its own words."""

    kinds: ClassVar[frozenset[RaceKind]]

    shared_sections: ClassVar[dict[str, str]] = {
        "Options": inspect.cleandoc(
            """
            - `thread-entry-points` (list of strings, default `[]`): functions that run on worker
              threads although no visible code starts them (framework views, callbacks), as
              `fnmatch` patterns over their qualified names (`app.views.*`, `*.Handler.handle`).
              Set it once for the family under `[tool.safelint.rules.SL3]`.
            - `atomic-steps` (bool, default `false`): also report a single atomic container step
              made without the lock (`d.pop(k, None)`, `del d[k]`, `s.add(x)`, `q.append(x)`) when
              the code under the lock takes a single step too. Off by default: on the ten threaded
              packages of `realworld` this sub-pattern gave 3 findings (kafka-python's selector,
              measured before its entry-guard lock was recognised), 0 REAL: CPython makes each step
              atomic (`bench/sl3_issue17.md`).
            """
        ),
        "Known limits": inspect.cleandoc(
            """
            Calls are followed from module to module through the project index: a function that a
            thread target of another module calls, directly or through further calls (`f()`,
            `mod.f()`, `Class()`, `self.m()`, `self.attr.m()` where `__init__` constructs `attr`),
            runs on that thread. Across modules, only calls within the same top-level package are
            followed, and only thread starts the index sees (`Thread`/`Timer` targets, `to_thread`,
            `run_in_executor`, `submit`/`map` on a `ThreadPoolExecutor` bound in the module, `run`
            of a `Thread` subclass). Within a module, an object a thread reaches through a field
            whose class the type evaluator knows (`self.registry.forget()`) or through a local or
            a parameter it knows (`w = Worker(); Thread(target=w.run)`, `pool.submit(c.crawl)`),
            a dict literal of callbacks submitted by key (`pool.submit(handlers[kind])`), what is
            given to a helper that starts its parameter on a thread (`def spawn(fn):
            Thread(target=fn).start()`, in this module or, per the index, another, called by name
            or through a field that holds it; one level, not a helper of a helper), a thread body
            nested in a method, and the locals a nested function run on threads
            closes over are followed too; such an object handed from another module, or a
            callback passed around otherwise, is not seen: name such functions in
            `thread-entry-points`. A method only a constructor calls (`self.load()` in
            `__init__`) builds an object no other thread holds yet, as `__init__` does. A lock is recognised by its type or its name (`_lock`, `mutex`,
            `cond`), and holding *any* lock silences the report. One race is one finding: the
            first unprotected site, with the other sites and the access it meets as related
            locations. Single atomic container steps (`d.pop(k, None)`, `s.add(x)`) are reported
            only against several steps under the lock, a loop, or a lock released too early; a
            field only ever set to constants is a flag, not a race; a lock tried without blocking
            whose failure raises guards entry, not data. A field whose unlocked access carries a
            comment (on its line or in the nearest comment block above) saying it is made without
            the lock on purpose (`# Deliberately outside _lock: an advisory hint`) is the
            maintainers' decision and is not reported.
            """
        ),
    }

    options = (THREAD_ENTRY_POINTS, ATOMIC_STEPS)

    def message(self, race: Race) -> str:
        raise NotImplementedError

    def visit_Module(self, node: cst.Module, ctx: ModuleContext) -> None:
        by_state: dict[str, list[Race]] = {}
        for race in races(ctx, self.settings["thread-entry-points"], self.settings["atomic-steps"]):
            if race.kind in self.kinds:
                by_state.setdefault(race.access.state.key, []).append(race)
        for group in by_state.values():
            # One race, one finding: the first unprotected site, the others as related locations.
            if len(group) > 1:
                group.sort(
                    key=lambda r: (ctx.position(r.access.node).start.line, ctx.position(r.access.node).start.column)
                )
            race = group[0]
            ctx.report(
                self, race.access.node, self.message(race), help=self.help(race), related=_related(race, group[1:])
            )

    def help(self, race: Race) -> str:
        if race.hint_is_async:
            return (
                f"`{race.lock_hint}` is an asyncio lock, which orders coroutines, not threads: hand the change "
                "to the event loop (`loop.call_soon_threadsafe`), or guard the state with a `threading.Lock`"
            )
        if race.lock_hint:
            return f"hold `{race.lock_hint}` around it (`with {race.lock_hint}:`)"
        if race.access.state.via_self:
            return (
                "no lock guards this object yet: create one in `__init__` (`self._lock = threading.Lock()`) "
                "and hold it around every access (`with self._lock:`)"
            )
        return (
            "no lock guards it yet: create one beside it (`_lock = threading.Lock()`) and hold it around every access"
        )


def _related(race: Race, others: list[Race]) -> list[tuple[cst.CSTNode, str]]:
    """The other sites of one race: further unprotected accesses, and the access it meets."""
    found: list[tuple[cst.CSTNode, str]] = []
    seen = {id(race.access.node)}
    for other in others:
        a = other.access
        if id(a.node) not in seen:
            seen.add(id(a.node))
            found.append((a.node, f"also {PARTICIPLE[a.kind]} without a lock in `{a.function.qualname}`"))
    for r in (race, *others):
        for b in (r.released_early, r.other):
            if b is None or id(b.node) in seen or b is r.access:
                continue
            seen.add(id(b.node))
            held = f" under `{r.lock}`" if r.lock is not None and b.held else ""
            found.append((b.node, f"{PARTICIPLE[b.kind]}{held} in `{b.function.qualname}`"))
    return found
