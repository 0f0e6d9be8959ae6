"""The races shared state makes: its accesses with the locks held, judged (SL3).

Computed once per module from :mod:`accesses` (the shared state, every access to it and
the locks held there), so that the five SL3 rules only pick their own findings. Each
unprotected write is reported once, by the most specific rule that explains it: a declared
guard (SL304), a lock taken elsewhere (SL303), a lost update (SL301), a check-then-act
(SL302), a mutation while another thread iterates (SL305). Two accesses race only where
the thread model (:mod:`model`) shows they can run at once: :class:`Overlap` says why.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import libcst as cst

from safelint.analysis.deliberate import said_unlocked_on_purpose
from safelint.analysis.syntax import dotted_name, enclosing, walk, without_nested_defs
from safelint.analysis.threads.accesses import NOT_CONCURRENT, SharedAccesses, joins
from safelint.analysis.threads.model import (
    MAIN,
    Entry,
    EntryKind,
    Function,
    ThreadModel,
    mentions_threads,
    thread_model,
)
from safelint.analysis.threads.state import WRITES, Access, Kind, State, self_name

if TYPE_CHECKING:
    from safelint.context import ModuleContext

__all__ = ["Overlap", "OverlapKind", "Race", "RaceKind", "races"]


class RaceKind(enum.Enum):
    """What is wrong with an unprotected access, most specific first: each access has one."""

    GUARD_VIOLATION = "guard violation"
    """The state is declared guarded by a lock (``GuardedBy``, ``# guarded-by:``) that is not held."""
    INCONSISTENT_LOCKING = "inconsistent locking"
    """Written without a lock here, under a lock of its object elsewhere; ``overlap`` shows the
    two can meet."""
    UPDATE_OUTSIDE_LOCK = "update outside lock"
    """Updated (``+=``) without a lock here, written under a lock of its object elsewhere: the
    lock declares the state shared, as RacerD takes it."""
    LOST_UPDATE = "lost update"
    """Read, changed and written back without a lock while another write can run."""
    CHECK_THEN_ACT = "check then act"
    """Tested and then changed without a lock while another write can run."""
    CHANGED_WHILE_ITERATED = "changed while iterated"
    """Changed without a lock while another function iterates it."""
    HELD_FLAG = "held flag"
    """Whether this thread holds a lock, kept on ``self`` where every thread shares it."""
    ITERATED_OUTSIDE_LOCK = "iterated outside lock"
    """Iterated without a lock while another function changes it in place under its owner's lock."""


class OverlapKind(enum.Enum):
    """Why two accesses can run at once."""

    SELF = "self"
    """The function runs on an entry started more than once: it races with itself."""
    SAME_ENTRY = "same entry"
    """Both functions run on one entry started more than once."""
    BESIDE = "beside"
    """The thread's function runs while the access's function may run on another thread."""
    OTHER_ACCESS = "other access"
    """The other access runs while the thread's function runs."""


@dataclass(frozen=True)
class Overlap:
    kind: OverlapKind
    function: Function
    """The function that runs on ``entry``."""
    entry: Entry
    entry_line: int | None
    """The line of the entry's site; None when it is the function's own ``def``."""
    other: Access
    """The access the race is with (for ``SELF``, the access itself)."""


@dataclass(frozen=True)
class Race:
    """An unprotected access to shared state, what is wrong with it, and which lock to take."""

    kind: RaceKind
    access: Access
    other: Access | None
    """The access it conflicts with: the locked write, the other write or the iteration."""
    lock: str | None
    """The declared guard (``GUARD_VIOLATION``) or the lock the other access holds."""
    overlap: Overlap | None
    lock_hint: str
    """The lock to hold around it ("" when the code has none to offer)."""
    hint_is_async: bool = False
    """The code takes that lock with ``async with`` (an asyncio lock)."""
    released_early: Access | None = None
    """An access of the same state in the same function under ``lock``: the lock was
    released too early (the keys computed under it, the deletion after it)."""


def races(ctx: ModuleContext, extra_entries: Sequence[str] = (), atomic_steps: bool = False) -> list[Race]:
    """Every race of the module, computed once per file and options. ``atomic_steps``: also
    a single atomic container step without the lock against a single step under it."""
    started = ctx.module_name[0] is not None and ctx.index.starts_threads_in(ctx.module_name[0])
    if not extra_entries and not started and not mentions_threads(ctx.text):
        return []
    model = thread_model(ctx, extra_entries)
    return ctx.memo(("races", model, atomic_steps), lambda: _Finder(ctx, model, atomic_steps).find())


class _Finder:
    def __init__(self, ctx: ModuleContext, model: ThreadModel, atomic_steps: bool) -> None:
        self.ctx = ctx
        self.model = model
        self.atomic_steps = atomic_steps
        self.shared = SharedAccesses(ctx, model)
        self._besides: dict[Entry, set[Function]] = {}
        self._entry_order = {entry: i for i, entry in enumerate(model.entries)}
        self._locking: dict[cst.ClassDef, bool] = {}
        self._guard_locks: frozenset[str] | None = None
        self._purposes: dict[str, bool] = {}

    def find(self) -> list[Race]:
        shared = self.shared
        shared.learn_locks()
        flags = self._held_flags()
        shared.find_states()
        if not shared.states:
            return flags
        if not self.model.threaded and not shared.guards and not shared.locked_somewhere():
            return []
        shared.collect()
        entered_async = shared.locks.entered_async
        return flags + [
            replace(race, hint_is_async=True) if race.lock_hint in entered_async else race for race in self._judge()
        ]

    def _held_flags(self) -> list[Race]:
        """``self.locked = self._lock.acquire(False)`` (or ``= True`` after ``acquire()``) and
        later ``if self.locked: self._lock.release()``: the flag says what *this* thread holds,
        but every thread running the method shares it, so one thread's failed attempt clears
        another's and the lock is never released (or released by a thread not holding it)."""
        found: list[Race] = []
        if ".acquire(" not in self.ctx.text:
            return found
        for function in self.model.functions.values():
            me = self_name(function)
            if me is None:
                continue
            own = self.shared.nodes(function)
            flags: dict[str, tuple[cst.Assign, str]] = {}
            acquired = next(
                (
                    lock
                    for node in own
                    if isinstance(node, cst.Call)
                    and isinstance(node.func, cst.Attribute)
                    and node.func.attr.value == "acquire"
                    and self.shared.locks.is_lock(lock := dotted_name(node.func.value))
                ),
                None,
            )
            for node in own:
                if not isinstance(node, cst.Assign) or len(node.targets) != 1:
                    continue
                target = dotted_name(node.targets[0].target)
                if target is None or not target.startswith(f"{me}.") or target.count(".") != 1:
                    continue
                value = node.value
                if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute):
                    lock = dotted_name(value.func.value)
                    if value.func.attr.value == "acquire" and self.shared.locks.is_lock(lock):
                        assert lock is not None
                        flags[target] = (node, lock)
                elif isinstance(value, cst.Name) and value.value == "True" and acquired is not None:
                    flags.setdefault(target, (node, acquired))
            for node in own:
                if not isinstance(node, cst.If):
                    continue
                tested = dotted_name(node.test)
                if tested not in flags:
                    continue
                assignment, lock = flags[tested]
                releases = any(
                    isinstance(n, cst.Call)
                    and isinstance(n.func, cst.Attribute)
                    and n.func.attr.value == "release"
                    and dotted_name(n.func.value) == lock
                    for n in without_nested_defs(node.body)
                )
                if releases:
                    state = State(f"f:{function.qualname}.{tested}", tested, False, function.klass, True)
                    access = Access(state, Kind.WRITE, assignment, function, frozenset(), True)
                    test = Access(state, Kind.READ, node.test, function, frozenset(), True)
                    found.append(Race(RaceKind.HELD_FLAG, access, test, lock, None, "a local variable"))
                    del flags[tested]
        return found

    # ----------------------------------------------------------------- judging

    def _judge(self) -> list[Race]:
        by_state: dict[str, list[Access]] = {}
        for access in self.shared.accesses:
            by_state.setdefault(access.state.key, []).append(access)
        out: list[Race] = []
        for key, accesses in by_state.items():
            state = accesses[0].state
            guard = self.shared.guards.get(key)
            locked_writes = [a for a in accesses if a.kind in WRITES and a.held and a.concurrent]
            writes = [a for a in accesses if a.kind in WRITES and a.concurrent]
            iterations = [a for a in accesses if a.kind is Kind.ITER and a.concurrent]
            hint = self._lock_hint(state, accesses, guard)
            reported: set[int] = set()
            for a in accesses:
                if not a.concurrent:
                    continue
                if guard is not None:
                    if not any(h.rsplit(".", 1)[-1] == guard or h == "<caller's lock>" for h in a.held):
                        if id(a.node) not in reported:
                            reported.add(id(a.node))
                            out.append(Race(RaceKind.GUARD_VIOLATION, a, None, guard, None, hint))
                    continue
                if a.held:
                    continue
                if a.kind is Kind.ITER:
                    race = self._iterated_outside_lock(a, locked_writes, hint)
                elif a.kind in WRITES:
                    race = self._classify(a, locked_writes, writes, iterations, hint, accesses) or self._swap(
                        a, accesses, hint
                    )
                else:
                    race = self._read_after_release(a, accesses, locked_writes, hint)
                if race is not None and not self._on_purpose(key, accesses):
                    if race.lock is not None and race.kind is RaceKind.INCONSISTENT_LOCKING:
                        race = replace(race, released_early=_released_early(a, accesses, race.lock))
                    out.append(race)
        return out

    def _on_purpose(self, key: str, accesses: list[Access]) -> bool:
        """Whether a comment at one of the state's unlocked accesses says it is made without
        the lock on purpose: the maintainers' word covers the field, not only that line."""
        found = self._purposes.get(key)
        if found is None:
            found = self._purposes[key] = any(
                not a.held and said_unlocked_on_purpose(self.ctx, a.node) for a in accesses
            )
        return found

    def _read_after_release(self, a: Access, accesses: list[Access], locked: list[Access], hint: str) -> Race | None:
        """``with lock: n[k] = n.get(k, 0) + 1`` then ``return n[k]``: a function that updates
        the state under the lock and returns or tests it after the release acts on a value
        another thread may have changed in between (two workers both see the final count)."""
        if not _decides(self.ctx, a.node):
            return None
        read = self.ctx.position(a.node).start
        for b in accesses:
            if b.function is not a.function or b.kind is not Kind.RMW or not b.held:
                continue
            written = self.ctx.position(b.node).start
            if (written.line, written.column) >= (read.line, read.column):
                continue
            for lock in sorted(b.held):
                if not _owns(a.state, lock):
                    continue
                for c in locked:
                    if lock in c.held:
                        overlap = self._overlap(a, c, broad=True)
                        if overlap is not None:
                            return Race(RaceKind.INCONSISTENT_LOCKING, a, c, lock, overlap, hint, released_early=b)
        return None

    def _iterated_outside_lock(self, a: Access, locked: list[Access], hint: str) -> Race | None:
        """A loop over a container that other code changes in place under its owner's lock:
        the lock declares the container shared, and the loop does not take it."""
        if not a.state.container:
            return None
        for b in locked:
            if b.kind is Kind.WRITE or b.function is a.function:
                continue
            for lock in sorted(b.held):
                if _owns(a.state, lock):
                    overlap = self._overlap(a, b, broad=True)
                    if overlap is not None:
                        return Race(RaceKind.ITERATED_OUTSIDE_LOCK, a, b, lock, overlap, hint)
        return None

    def _classify(
        self,
        a: Access,
        locked: list[Access],
        writes: list[Access],
        iterations: list[Access],
        hint: str,
        accesses: list[Access],
    ) -> Race | None:
        guards = self._entry_guards()
        # An asyncio lock (taken with `async with`) orders coroutines on one loop, and a
        # coroutine's step that does not await cannot be interrupted by them.
        loop_locks = self.shared.locks.entered_async if a.function.node.asynchronous is not None else set()
        for b, lock in [
            (b, lock)
            for b in locked
            for lock in sorted(b.held)
            if _owns(a.state, lock) and lock not in guards and lock not in loop_locks
        ]:
            # RacerD's rule (the lock declares the class shared) for lost updates; a plain
            # write needs a visible thread too, or a setup or test hook would be reported.
            if _owner_releases(a, b) or _flag_store(a, writes):
                continue
            if not self.atomic_steps and (
                _insertion(a)
                or a.kind is Kind.MUTATE
                and not (_compound(b, lock, self.shared.accesses) or _released_early(a, accesses, lock) is not None)
            ):
                continue
            overlap = self._overlap(a, b, broad=True)
            if overlap is not None:
                return Race(RaceKind.INCONSISTENT_LOCKING, a, b, lock, overlap, hint)
            if isinstance(a.node, cst.AugAssign) and a.function.parent is None:
                # A closure's callers are not seen: the one that runs it may hold the lock.
                return Race(RaceKind.UPDATE_OUTSIDE_LOCK, a, b, lock, None, hint)
        if a.kind is Kind.RMW or a.check_then_act:
            broad = self._takes_lock(a.state)
            for b in writes:
                if _same_constant(a, b) or (a.check_then_act and _flags(a, b)) or (a.checks_presence and _insertion(b)):
                    continue
                overlap = self._overlap(a, b, broad=broad)
                if overlap is not None:
                    kind = RaceKind.LOST_UPDATE if a.kind is Kind.RMW else RaceKind.CHECK_THEN_ACT
                    return Race(kind, a, b, None, overlap, hint)
            return None
        if a.kind is Kind.MUTATE and not (a.state.is_list and _appends(a)):
            for b in iterations:
                overlap = self._overlap(a, b)
                if overlap is not None and b.function is not a.function:
                    return Race(RaceKind.CHANGED_WHILE_ITERATED, a, b, None, overlap, hint)
        return None

    def _swap(self, a: Access, accesses: list[Access], hint: str) -> Race | None:
        """``pending = self.pending; self.pending = []`` without a lock while another thread
        appends to the container: an item added between the read and the rebinding goes to
        the list already taken, or is lost."""
        if a.kind is not Kind.WRITE or not a.state.container or not isinstance(a.node, cst.Assign):
            return None
        if not any(r.kind is Kind.READ and r.function is a.function and not r.held for r in accesses):
            return None
        for b in accesses:
            if b.kind is Kind.MUTATE and b.concurrent and b.function is not a.function and not b.held:
                overlap = self._overlap(a, b, broad=self._takes_lock(a.state))
                if overlap is not None:
                    return Race(RaceKind.LOST_UPDATE, a, b, None, overlap, hint)
        return None

    def _entry_guards(self) -> frozenset[str]:
        """Locks tried without blocking, raising when taken (``if not self._poll_lock.acquire(
        blocking=False): raise RuntimeError("Concurrent access")``): they forbid a second
        caller of one method, and guard no data that other methods change."""
        if self._guard_locks is None:
            found: set[str] = set()
            for function in self.model.functions.values():
                for node in self.shared.nodes(function):
                    if not (
                        isinstance(node, cst.If)
                        and isinstance(node.test, cst.UnaryOperation)
                        and isinstance(node.test.operator, cst.Not)
                        and isinstance(node.test.expression, cst.Call)
                        and isinstance(node.test.expression.func, cst.Attribute)
                        and node.test.expression.func.attr.value == "acquire"
                        and any(isinstance(n, cst.Raise) for n in without_nested_defs(node.body))
                    ):
                        continue
                    lock = dotted_name(node.test.expression.func.value)
                    if lock is not None:
                        found.add(lock)
            self._guard_locks = frozenset(found)
        return self._guard_locks

    def _takes_lock(self, state: State) -> bool:
        """Whether the class owning ``state`` takes one of its own locks anywhere: RacerD's
        sign that it means to be thread-safe, so every method counts as running at once."""
        klass = state.owner
        if klass is None or not state.via_self:
            return False
        if klass not in self._locking:
            self._locking[klass] = any(
                lock.startswith("self.") for a in self.shared.accesses if a.function.klass is klass for lock in a.held
            )
        return self._locking[klass]

    def _overlap(self, a: Access, b: Access, *, broad: bool = False) -> Overlap | None:
        """Why ``a`` and ``b`` can run at once, RacerD-style, or None if nothing shows it.

        Code on the starting thread races with a thread only where it visibly runs while
        the thread does (:meth:`_beside`), unless ``broad``: a lock on the state declares
        every method concurrent (RacerD's rule).
        """
        order = self._entry_order
        scope = a.state.scope
        if scope is not None and a.function.qualname == scope and b.function.qualname == scope:
            return None
        for ca in _contexts(a, order):
            for cb in _contexts(b, order):
                if ca is MAIN and cb is MAIN or (ca is cb and not ca.repeated) or (ca.awaited and cb.awaited):
                    continue
                if not broad and (
                    cb is MAIN and not self._beside(ca, b.function) or ca is MAIN and not self._beside(cb, a.function)
                ):
                    continue
                if ca is cb and a.function is b.function:
                    return Overlap(OverlapKind.SELF, a.function, ca, self._entry_line(ca), a)
                if ca is cb:
                    return Overlap(OverlapKind.SAME_ENTRY, a.function, ca, self._entry_line(ca), b)
                (x, cx), (y, cy) = ((b, cb), (a, ca)) if ca is MAIN else ((a, ca), (b, cb))
                kind = OverlapKind.BESIDE if y is a else OverlapKind.OTHER_ACCESS
                return Overlap(kind, x.function, cx, self._entry_line(cx), y)
        return None

    def _beside(self, entry: Entry, function: Function) -> bool:
        """Whether ``function``, on the starting thread, visibly runs while ``entry`` does: its
        starter's code after the start (and what that code calls), or anything at all for a
        ``Thread`` subclass (the object is a handle other threads use) or a thread started at
        module level, and the public methods of an object that runs one of its own methods on
        a thread it keeps (started in ``__init__`` or stored on ``self``) and neither joins nor
        awaits: a background worker, whose users call those methods while it runs."""
        starter = entry.starter
        if starter is None or entry.kind is EntryKind.DECLARED:
            return True
        target = entry.target.method if entry.target is not None else None
        owner = function.method
        if (
            entry.shares_self
            and not entry.awaited
            and target is not None
            and owner is not None
            and owner.klass is target.klass
            and self.model.outside_api(owner)
            and owner.node.name.value not in NOT_CONCURRENT
            and not any(joins(n) for n in self.shared.nodes(starter))
            and (starter.node.name.value == "__init__" or self._kept_on_self(entry, starter))
        ):
            return True
        if entry not in self._besides:
            window = self.shared.windows[starter]
            found = {starter}
            todo = [
                callee
                for n in self.shared.nodes(starter)
                if isinstance(n, cst.Call) and window(n) and (callee := self.model.resolve(n.func, starter)) is not None
            ]
            while todo:
                callee = todo.pop()
                if callee not in found:
                    found.add(callee)
                    todo.extend(callee.callees)
            self._besides[entry] = found
        return function in self._besides[entry]

    def _kept_on_self(self, entry: Entry, starter: Function) -> bool:
        """``self._thread = Thread(target=self._run)``: the object keeps its thread, which
        outlives the call that started it."""
        return any(
            isinstance(n, cst.Assign)
            and n.value is entry.site
            and any((dotted_name(t.target) or "").startswith("self.") for t in n.targets)
            for n in self.shared.nodes(starter)
        )

    def _entry_line(self, entry: Entry) -> int | None:
        """The line of an entry's site; None for an entry known from elsewhere (another
        module, the option), which sits on the ``def`` itself."""
        if entry.target is not None and entry.site is entry.target.node:
            return None
        return self._line(entry)

    def _line(self, entry: Entry) -> int:
        """The line of an entry site: found in the text when it occurs once there (laying
        out a large class costs more than the whole analysis), else by position."""
        site = entry.site
        if isinstance(site, (cst.ClassDef, cst.FunctionDef)):
            keyword = "class" if isinstance(site, cst.ClassDef) else "def"
            pattern = re.compile(rf"^[ \t]*(?:async[ \t]+)?{keyword}[ \t]+{site.name.value}\b", re.M)
            found = list(pattern.finditer(self.ctx.text))
            if len(found) == 1:
                return self.ctx.text.count("\n", 0, found[0].start()) + 1
        else:
            code = self.ctx.module.code_for_node(site)
            first = self.ctx.text.find(code)
            if first >= 0 and self.ctx.text.find(code, first + 1) < 0:
                return self.ctx.text.count("\n", 0, first) + 1
        return self.ctx.position(site, entry.top).start.line

    def _lock_hint(self, state: State, accesses: list[Access], guard: str | None) -> str:
        if guard is not None:
            return f"self.{guard}" if state.via_self else guard
        for a in accesses:
            for lock in sorted(a.held):
                if lock != "<caller's lock>":
                    return lock
        for name in sorted(self.shared.locks.known):
            if state.owner is None and "." not in name:
                return name
            if state.owner is not None and name.startswith("self.") and _mentions_field(state.owner, name):
                return name
        return ""


def _mentions_field(owner: cst.ClassDef, lock: str) -> bool:
    """Whether the class reaches ``self.<field>`` of the lock anywhere: another class's lock
    of the module (``Stats._stats_lock``) is no lock of this one."""
    field = lock.split(".")[1]
    return any(
        isinstance(node, cst.Attribute)
        and node.attr.value == field
        and isinstance(node.value, cst.Name)
        and node.value.value == "self"
        for node in walk(owner)
    )


def _decides(ctx: ModuleContext, node: cst.CSTNode) -> bool:
    """Whether the value read at ``node`` is returned or tested: what the function does next
    depends on it."""
    for child, parent in enclosing(node, ctx.parents):
        if isinstance(parent, cst.Return) or isinstance(parent, (cst.If, cst.While)) and child is parent.test:
            return True
        if isinstance(parent, cst.BaseStatement):
            return False
    return False


def _released_early(a: Access, accesses: list[Access], lock: str) -> Access | None:
    """An access of ``a``'s state in ``a``'s function that holds ``lock``, if any."""
    return next((b for b in accesses if b.function is a.function and lock in b.held), None)


_RELEASING = re.compile(r"release|unlock|_exit", re.I)


def _owner_releases(a: Access, b: Access) -> bool:
    """A "held" flag set under a lock when acquired and cleared without it on release: only
    the owner releases, so the clearing write cannot meet the setting one."""
    return (
        isinstance(a.node, cst.Assign)
        and isinstance(a.node.value, cst.Name)
        and a.node.value.value in ("False", "None")
        and _RELEASING.search(a.function.node.name.value) is not None
        and "acquire" in b.function.node.name.value.lower()
    )


_INSERTIONS = frozenset({"append", "appendleft", "add", "extend", "extendleft"})


def _insertion(a: Access) -> bool:
    """``q.append(x)``, ``s.add(x)``: one atomic call that only adds. Code under the lock
    that reads, pops or checks the container cannot be broken by it; a loop over the
    container can, and is reported as such (SL305)."""
    return (
        isinstance(a.node, cst.Call)
        and isinstance(a.node.func, cst.Attribute)
        and a.node.func.attr.value in _INSERTIONS
    )


def _appends(a: Access) -> bool:
    """``items.append(x)``, ``items.extend(xs)``: a loop over the list sees the new items or
    not, and goes on."""
    return (
        isinstance(a.node, cst.Call)
        and isinstance(a.node.func, cst.Attribute)
        and a.node.func.attr.value in ("append", "extend")
    )


def _constant_store(a: Access) -> bool:
    return (
        isinstance(a.node, cst.Assign)
        and isinstance(a.node.value, cst.Name)
        and a.node.value.value in ("True", "False", "None")
    )


def _flag_store(a: Access, writes: list[Access]) -> bool:
    """``self._stopped = True`` where every write of the field stores a constant: a flag.
    One store cannot interleave with another, and whichever lands last is a valid order."""
    return _constant_store(a) and all(_constant_store(w) for w in writes)


def _compound(b: Access, lock: str, accesses: list[Access]) -> bool:
    """Whether the code holding ``lock`` around ``b`` does more than one atomic step on its
    object's state: a test, a loop, an update, or several accesses that must agree. Against
    a single step (``d[k] = v`` under the lock) an unlocked single step (``d.pop(k, None)``,
    ``del d[k]``) breaks nothing: each is atomic."""
    together = [c for c in accesses if c.function is b.function and lock in c.held and c.state.owner is b.state.owner]
    return len(together) > 1 or any(c.kind in (Kind.ITER, Kind.RMW) or c.check_then_act for c in together)


def _flags(a: Access, b: Access) -> bool:
    """Both set a boolean (``if self.wake: self.wake = False`` against ``self.wake = True``):
    a request that arrives between the test and the reset merges with the one being served."""
    return all(
        isinstance(x.node, cst.Assign)
        and isinstance(x.node.value, cst.Name)
        and x.node.value.value in ("True", "False")
        for x in (a, b)
    )


def _same_constant(a: Access, b: Access) -> bool:
    """Two writes of one constant (``self.active = False`` in both) cannot lose anything."""
    if a is b or not isinstance(a.node, cst.Assign) or not isinstance(b.node, cst.Assign):
        return False
    first, second = a.node.value, b.node.value
    if isinstance(first, cst.Name) and isinstance(second, cst.Name):
        return first.value == second.value and first.value in ("True", "False", "None")
    if isinstance(first, (cst.Integer, cst.SimpleString)) and type(first) is type(second):
        return first.value == second.value
    return False


def _owns(state: State, lock: str) -> bool:
    """Whether ``lock`` belongs to the object holding ``state`` (``self._lock`` for
    ``self.x``, a module lock for a global): another object's lock guards that object."""
    if state.owner is None:
        return "." not in lock
    return lock.count(".") == 1 and lock.split(".")[0] in ("self", "cls", state.owner.name.value)


def _contexts(a: Access, order: dict[Entry, int]) -> list[Entry]:
    """The threads ``a`` runs on, in the order the model found them: a set of entries iterates
    in memory order, and the race a message explains must not change from run to run."""
    found = [c for c in a.function.contexts if c.shares_self or not a.state.via_self]
    return sorted(found, key=lambda c: order.get(c, -1))
