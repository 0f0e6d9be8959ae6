"""The races shared state makes: its accesses with the locks held, judged (SL3).

Computed once per module from :mod:`threads` (where code runs) and :mod:`locks` (what is
held), so that the five SL3 rules only pick their own findings. Each unprotected write is
reported once, by the most specific rule that explains it: a declared guard (SL304), a lock
taken elsewhere (SL303), a lost update (SL301), a check-then-act (SL302), a mutation while
another thread iterates (SL305).

Shared state is module-level mutable containers and names rebound with ``global``, class
attributes, and the attributes of ``self`` in a class whose instances some visible code
hands to another thread (a ``Thread`` subclass, ``Thread(target=self.work)``) or that
guards a field with a lock (RacerD's rule: such a class declares itself shared). Accesses
in ``__init__``, at module level, before a function starts its threads or after it joins
them, cannot race.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import libcst as cst

from safelint.analysis.facts.apis import MUTABLE_CONTAINERS
from safelint.analysis.facts.index.summarizer import build_summary
from safelint.analysis.facts.index.summary import ModuleSummary
from safelint.analysis.flow.cfg import CFG, NodeKind
from safelint.analysis.flow.dataflow import solve
from safelint.analysis.syntax import dotted_name, push_children, without_nested_defs
from safelint.analysis.threads.locks import Held, LockAnalysis, LockNames
from safelint.analysis.threads.model import (
    MAIN,
    Entry,
    EntryKind,
    Function,
    ThreadModel,
    mentions_threads,
    private_name,
    thread_model,
)
from safelint.analysis.threads.state import (
    WRITES,
    Access,
    Kind,
    Refs,
    State,
    guarded_by_annotation,
    is_container,
    is_lock_call,
    is_safe_call,
    module_assignments,
    self_name,
)

if TYPE_CHECKING:
    from safelint.context import ModuleContext

__all__ = ["Overlap", "OverlapKind", "Race", "RaceKind", "races"]


_NOT_CONCURRENT = frozenset(
    {
        "__init__",
        "__new__",
        "__post_init__",
        "__init_subclass__",
        "__del__",
        "setUp",
        "setUpClass",
        "__set_name__",
        "_at_fork_reinit",
        "_after_fork",
        "_after_fork_child",
        "_reinit",
    }
)
_JOINS = frozenset({"join", "shutdown"})
_SYNCHRONIZED = re.compile(r"synchroni[sz]ed")
_GUARD_COMMENT = re.compile(r"#\s*guarded[-_ ]by:\s*([\w.]+)", re.I)
_NESTED = frozenset({cst.FunctionDef, cst.ClassDef, cst.Lambda})
# The nodes whose ``ast`` is code run right there (not a whole compound statement).
_ACCESSING = frozenset(
    {
        NodeKind.STMT,
        NodeKind.ASSERT,
        NodeKind.TEST,
        NodeKind.FOR_ITER,
        NodeKind.WITH_ENTER,
        NodeKind.MATCH,
        NodeKind.EXPR,
    }
)


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
    """The lock to hold around it."""
    released_early: Access | None = None
    """An access of the same state in the same function under ``lock``: the lock was
    released too early (the keys computed under it, the deletion after it)."""


@dataclass
class _Module:
    states: dict[str, State] = field(default_factory=dict)
    guards: dict[str, str] = field(default_factory=dict)
    """State key → the short name of the lock declared to guard it."""


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
        self.locks = LockNames(())
        self.shared = _Module()
        self.accesses: list[Access] = []
        self.windows: dict[Function, Callable[[cst.CSTNode], bool]] = {}
        self._nodes: dict[Function, list[cst.CSTNode]] = {}
        self._besides: dict[Entry, set[Function]] = {}
        self._entry_order = {entry: i for i, entry in enumerate(model.entries)}
        self._locking: dict[cst.ClassDef, bool] = {}
        self._fork_hooks: set[Function] = set()
        self._guard_locks: frozenset[str] | None = None

    def find(self) -> list[Race]:
        self._learn_locks()
        flags = self._held_flags()
        self._find_states()
        if not self.shared.states:
            return flags
        if not self.model.threaded and not self.shared.guards and not self._locked_somewhere():
            return []
        entry_locks = self._entry_locks()
        self._fork_hooks = self._after_fork()
        self.windows = {f: _window(f, self.nodes(f)) for f in self.model.functions.values()}
        for function in self.model.functions.values():
            self._collect(function, entry_locks.get(function, frozenset()) | self._decorated_lock(function))
        return flags + self._judge()

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
            own = self.nodes(function)
            flags: dict[str, tuple[cst.Assign, str]] = {}
            acquired = next(
                (
                    lock
                    for node in own
                    if isinstance(node, cst.Call)
                    and isinstance(node.func, cst.Attribute)
                    and node.func.attr.value == "acquire"
                    and self.locks.is_lock(lock := dotted_name(node.func.value))
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
                    if value.func.attr.value == "acquire" and self.locks.is_lock(lock):
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

    # ----------------------------------------------------------------- locks

    def _learn_locks(self) -> None:
        ctx = self.ctx
        for name, value in module_assignments(ctx.module):
            if isinstance(value, cst.Call) and is_lock_call(ctx, value):
                self.locks.known.add(name)
        for function in self.model.functions.values():
            for node in self.nodes(function):
                if isinstance(node, cst.Assign) and isinstance(node.value, cst.Call) and is_lock_call(ctx, node.value):
                    for target in node.targets:
                        lock = dotted_name(target.target)
                        if lock is not None:
                            self.locks.known.add(lock)
        for function in self.model.functions.values():
            key = function.node.name.value if function.klass is None else f"self.{function.node.name.value}"
            self.locks.learn_helper(key, function.node.body)

    def _after_fork(self) -> set[Function]:
        """The methods a function that calls ``os.register_at_fork`` hands on as values
        (``WeakMethod(self._reset)``, a nested hook): they run in a child with one thread."""
        hooks: set[Function] = set()
        if "register_at_fork" not in self.ctx.text:
            return hooks
        for function in self.model.functions.values():
            own = self.nodes(function)
            if not any(isinstance(n, cst.Call) and dotted_name(n.func) == "os.register_at_fork" for n in own):
                continue
            called = {id(n.func) for n in own if isinstance(n, cst.Call)}
            for node in own:
                if isinstance(node, cst.Attribute) and id(node) not in called:
                    found = self.model.resolve(node, function)
                    if found is not None:
                        hooks.add(found)
        return hooks

    def _decorated_lock(self, function: Function) -> Held:
        """``@synchronized`` (Java's word, kept by ports such as kafka-python's): the wrapper
        holds the object's lock around the whole method."""
        if function.klass is None or not any(
            _SYNCHRONIZED.fullmatch((dotted_name(d.decorator) or "").rsplit(".", 1)[-1])
            for d in function.node.decorators
        ):
            return frozenset()
        known = sorted(n for n in self.locks.known if n.startswith("self."))
        return frozenset({known[0] if known else "self._lock"})

    def _locked_somewhere(self) -> bool:
        return bool(self.locks.known) or any(
            isinstance(n, cst.WithItem) and self.locks.entered(n)
            for f in self.model.functions.values()
            for n in self.nodes(f)
        )

    def _entry_locks(self) -> dict[Function, Held]:
        """What every caller holds, for functions only ever called with a lock held (and
        never started on a thread directly): their callers hold it for them. Each caller is
        solved once with nothing held on entry; what its own callers hold adds on top."""
        at_calls: dict[Function, dict[Function, Held]] = {}
        for caller in self.model.functions.values():
            if caller.callees:
                for callee, held_there in self._held_at_calls(caller).items():
                    at_calls.setdefault(callee, {})[caller] = held_there
        held: dict[Function, Held] = {}
        for function in self.model.functions.values():
            if function.node.name.value.endswith(("_locked", "_unlocked")):
                held[function] = frozenset({"<caller's lock>"})
        named = set(held)
        for _ in range(3):
            for callee, callers in at_calls.items():
                if callee in named or callee in self.model.targets or set(callers) != callee.callers:
                    continue
                common = frozenset.intersection(*(h | held.get(c, frozenset()) for c, h in callers.items()))
                if common:
                    held[callee] = common
        return held

    def _held_at_calls(self, caller: Function) -> dict[Function, Held]:
        """The locks held wherever ``caller`` calls each of its callees."""
        cfg = self._cfg(caller)
        result = solve(cfg, LockAnalysis(self.locks, caller.node, self._decorated_lock(caller)))
        found: dict[Function, Held] = {}
        if not result.converged:
            return found
        for node in cfg.nodes:
            if node.kind not in _ACCESSING or isinstance(node.ast, cst.BaseCompoundStatement):
                continue
            state = result.before(node)
            if state is None:
                continue
            for inner in without_nested_defs(node.ast):
                if isinstance(inner, cst.Call):
                    callee = self.model.resolve(inner.func, caller)
                    if callee is not None:
                        found[callee] = found[callee] & state if callee in found else state
        return found

    def _cfg(self, function: Function) -> CFG:
        return self.ctx.cfg(function.node)

    def nodes(self, function: Function) -> list[cst.CSTNode]:
        """The nodes of ``function``'s own code, computed once."""
        found = self._nodes.get(function)
        if found is None:
            found = self._nodes[function] = without_nested_defs(function.node.body)
        return found

    # ----------------------------------------------------------------- states

    def _find_states(self) -> None:
        ctx = self.ctx
        summary = self._summary()
        states = self.shared.states
        safe = {
            name
            for name, value in module_assignments(ctx.module)
            if isinstance(value, cst.Call) and is_safe_call(ctx, value)
        }
        for name, kind in summary.mutable_globals:
            if name not in safe and not self.locks.is_lock(name):
                states[f"g:{name}"] = State(
                    f"g:{name}", name, kind in MUTABLE_CONTAINERS or kind.startswith("builtins."), None, False
                )
        for name in summary.global_rebound:
            if name not in safe and f"g:{name}" not in states and not self.locks.is_lock(name):
                states[f"g:{name}"] = State(f"g:{name}", name, False, None, False)
        for klass in self.model.classes.values():
            self._class_states(klass)
        self._closure_states()
        self._guards()

    def _summary(self) -> ModuleSummary:
        name = self.ctx.module_name[0]
        found = self.ctx.index.module(name) if name is not None else None
        return found or build_summary(self.ctx.path, self.ctx.text.encode("utf-8"), name or "<module>")

    def _class_states(self, klass: cst.ClassDef) -> None:
        """A class defining ``acquire`` and ``release`` implements a lock: its fields are
        guarded by its own protocol, not by the locks it uses inside."""
        if self.model.method(klass, "acquire") is not None and self.model.method(klass, "release") is not None:
            return
        ctx = self.ctx
        cname = klass.name.value
        class_level: dict[str, bool] = {}
        for stmt in klass.body.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    value = small.value if isinstance(small, (cst.Assign, cst.AnnAssign)) else None
                    targets = (
                        [t.target for t in small.targets]
                        if isinstance(small, cst.Assign)
                        else [small.target]
                        if isinstance(small, cst.AnnAssign)
                        else []
                    )
                    for target in targets:
                        if isinstance(target, cst.Name) and value is not None and is_container(ctx, value):
                            class_level[target.value] = True
        own: dict[str, bool] = {}
        for method in (f for f in self.model.functions.values() if f.klass is klass):
            me = self_name(method)
            if me is None:
                continue
            for node in self.nodes(method):
                if isinstance(node, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
                    targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
                    for target in targets:
                        if (
                            isinstance(target, cst.Attribute)
                            and isinstance(target.value, cst.Name)
                            and target.value.value == me
                        ):
                            attr = target.attr.value
                            value = node.value
                            if self.locks.is_lock(f"self.{attr}") or (
                                isinstance(value, cst.Call) and is_safe_call(ctx, value)
                            ):
                                own[attr] = False
                            elif own.get(attr, True):
                                own[attr] = own.get(attr, False) or (
                                    value is not None and is_container(ctx, value, method.node)
                                )
                                own.setdefault(attr, False)
        for attr, container in own.items():
            if self.locks.is_lock(f"self.{attr}") or f"self.{attr}" in self.locks.known:
                continue
            self.shared.states[f"s:{cname}.{attr}"] = State(f"s:{cname}.{attr}", f"self.{attr}", container, klass, True)
        for attr in class_level:
            if attr not in own:
                self.shared.states[f"c:{cname}.{attr}"] = State(
                    f"c:{cname}.{attr}", f"{cname}.{attr}", True, klass, False
                )

    def _closure_states(self) -> None:
        """The locals a nested function run on other threads shares with the function that
        defines it: a container it fills (``seen[k] = seen.get(k, 0) + 1`` in a task
        submitted in a loop), or a name it rebinds through ``nonlocal``."""
        ctx = self.ctx
        for inner in self.model.functions.values():
            if inner.parent is None or inner.contexts <= {MAIN}:
                continue
            own = self.nodes(inner)
            mine = Refs({}, inner, own).locals
            rebound = {n.name.value for node in own if isinstance(node, cst.Nonlocal) for n in node.names}
            used = {n.value for n in own if isinstance(n, cst.Name)} - mine
            scope: Function | None = inner.parent
            while scope is not None and used:
                bound = Refs({}, scope, self.nodes(scope)).locals
                for name in sorted(used & bound):
                    containers = [
                        node.value
                        for node in self.nodes(scope)
                        if isinstance(node, cst.Assign)
                        and any(isinstance(t.target, cst.Name) and t.target.value == name for t in node.targets)
                    ]
                    container = bool(containers) and all(is_container(ctx, v) for v in containers)
                    if container or name in rebound:
                        key = f"l:{scope.qualname}.{name}"
                        self.shared.states[key] = State(key, name, container, None, False, scope.qualname)
                used -= bound
                scope = scope.parent

    def _guards(self) -> None:
        def scan(body: Sequence[cst.CSTNode], prefix: str, self_prefix: str | None) -> None:
            for line in body:
                if not isinstance(line, cst.SimpleStatementLine):
                    continue
                comment = line.trailing_whitespace.comment
                for small in line.body:
                    targets = (
                        [t.target for t in small.targets]
                        if isinstance(small, cst.Assign)
                        else [small.target]
                        if isinstance(small, cst.AnnAssign)
                        else []
                    )
                    lock = None
                    if comment is not None:
                        found = _GUARD_COMMENT.search(comment.value)
                        lock = found.group(1) if found else None
                    if lock is None and isinstance(small, cst.AnnAssign):
                        lock = guarded_by_annotation(small.annotation.annotation)
                    if lock is None:
                        continue
                    for target in targets:
                        name = dotted_name(target)
                        if name is None:
                            continue
                        if self_prefix is not None and name.startswith("self."):
                            key = f"s:{self_prefix}.{name[5:]}"
                        else:
                            key = f"{prefix}{name}"
                        if key not in self.shared.states and self_prefix is None and prefix == "g:":
                            self.shared.states[key] = State(key, name, True, None, False)
                        self.shared.guards[key] = lock.rsplit(".", 1)[-1]

        scan(self.ctx.module.body, "g:", None)
        for cname, klass in self.model.classes.items():
            scan(klass.body.body, f"c:{cname}.", None)
            for key in [k for k in self.shared.guards if k.startswith(f"c:{cname}.")]:
                attr = key.split(".", 1)[1]
                if f"s:{cname}.{attr}" in self.shared.states:
                    self.shared.guards[f"s:{cname}.{attr}"] = self.shared.guards[key]
            for method in (f for f in self.model.functions.values() if f.klass is klass):
                for node in self.nodes(method):
                    if isinstance(node, cst.IndentedBlock):
                        scan(node.body, f"c:{cname}.", cname)

    # ----------------------------------------------------------------- accesses

    def _collect(self, function: Function, entry: Held) -> None:
        refs = Refs(self.shared.states, function, self.nodes(function))
        if not refs.possible():
            return
        cfg = self._cfg(function)
        result = solve(cfg, LockAnalysis(self.locks, function.node, entry))
        if not result.converged:
            return
        window = self.windows[function]
        if self._called_outside_threads(function):
            window = _never
        elif len(function.contexts - {MAIN}) > 1 or any(c.repeated for c in function.contexts):
            window = _always  # it races with itself before the threads it starts, too
        checked: set[int] = set()
        for node in cfg.nodes:
            if node.kind is NodeKind.TEST and isinstance(node.stmt, cst.If) and node.ast is node.stmt.test:
                tested = {r.key for r in refs.all_refs(node.ast)}
                if tested:
                    for inner in without_nested_defs(node.stmt.body):
                        for state, _kind, target in refs.writes(inner):
                            if state.key in tested:
                                checked.add(id(target))
        found: dict[int, Access] = {}
        for node in cfg.nodes:
            if node.kind not in _ACCESSING:
                continue
            held = result.before(node)
            if held is None:
                continue
            root = node.ast.subject if isinstance(node.ast, cst.Match) else node.ast
            if not isinstance(root, cst.BaseCompoundStatement):
                for state, kind, target in refs.accesses(root, node.kind is NodeKind.FOR_ITER):
                    previous = found.get(id(target))
                    if previous is not None:
                        previous.held = previous.held & held
                        continue
                    concurrent = (
                        function.node.name.value not in _NOT_CONCURRENT
                        and function not in self._fork_hooks
                        and window(target)
                    )
                    access = Access(state, kind, target, function, held, concurrent, id(target) in checked)
                    found[id(target)] = access
        self.accesses.extend(found.values())

    def _called_outside_threads(self, function: Function) -> bool:
        """Runs on no thread but the starter's, and only before it starts them or after it
        joins them (``report()`` after the pool's ``with`` block)."""
        if function.contexts != {MAIN} or not function.callers:
            return False
        for caller in function.callers:
            if caller.node.name.value in _NOT_CONCURRENT:
                continue
            if not caller.starts:
                return False
            window = self.windows[caller]
            calls = [
                n
                for n in self.nodes(caller)
                if isinstance(n, cst.Call) and self.model.resolve(n.func, caller) is function
            ]
            if any(window(call) for call in calls):
                return False
        return True

    # ----------------------------------------------------------------- judging

    def _judge(self) -> list[Race]:
        by_state: dict[str, list[Access]] = {}
        for access in self.accesses:
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
                    race = None
                if race is not None:
                    if race.lock is not None and race.kind is RaceKind.INCONSISTENT_LOCKING:
                        race = replace(race, released_early=_released_early(a, accesses, race.lock))
                    out.append(race)
        return out

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
        for b, lock in [
            (b, lock) for b in locked for lock in sorted(b.held) if _owns(a.state, lock) and lock not in guards
        ]:
            # RacerD's rule (the lock declares the class shared) for lost updates; a plain
            # write needs a visible thread too, or a setup or test hook would be reported.
            if _owner_releases(a, b) or _flag_store(a, writes):
                continue
            if not self.atomic_steps and (
                _insertion(a)
                or a.kind is Kind.MUTATE
                and not (_compound(b, lock, self.accesses) or _released_early(a, accesses, lock) is not None)
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
                if _same_constant(a, b) or (a.check_then_act and _flags(a, b)):
                    continue
                overlap = self._overlap(a, b, broad=broad)
                if overlap is not None:
                    kind = RaceKind.LOST_UPDATE if a.kind is Kind.RMW else RaceKind.CHECK_THEN_ACT
                    return Race(kind, a, b, None, overlap, hint)
            return None
        if a.kind is Kind.MUTATE:
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
                for node in self.nodes(function):
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
                lock.startswith("self.") for a in self.accesses if a.function.klass is klass for lock in a.held
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
            and not private_name(owner.node.name.value)
            and owner.node.name.value not in _NOT_CONCURRENT
            and not any(_joins(n) for n in self.nodes(starter))
            and (starter.node.name.value == "__init__" or self._kept_on_self(entry, starter))
        ):
            return True
        if entry not in self._besides:
            window = self.windows[starter]
            found = {starter}
            todo = [
                callee
                for n in self.nodes(starter)
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
            for n in self.nodes(starter)
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
        for name in sorted(self.locks.known):
            if state.owner is None and "." not in name:
                return name
            if state.owner is not None and name.startswith("self."):
                return name
        return "self._lock" if state.via_self else "_lock"


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


def _joins(node: cst.CSTNode) -> bool:
    """``t.join()``, ``t.join(5)``, ``pool.shutdown(...)`` — not ``", ".join(parts)``."""
    if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute) or node.func.attr.value not in _JOINS:
        return False
    if node.func.attr.value == "shutdown":
        return True
    positional = [a.value for a in node.args if a.keyword is None]
    return not positional or (len(positional) == 1 and isinstance(positional[0], (cst.Integer, cst.Float)))


def _always(node: cst.CSTNode) -> bool:
    return True


def _never(node: cst.CSTNode) -> bool:
    return False


def _window(function: Function, own: list[cst.CSTNode]) -> Callable[[cst.CSTNode], bool]:
    """Where in ``function`` its accesses can meet another thread's: everywhere, unless it
    starts threads itself — then from the first start to the first join (or the end of
    the ``with`` block of the pool it submits to)."""
    if not function.starts and not any(_joins(n) for n in own):
        return _always
    order: dict[int, int] = {}
    stack: list[cst.CSTNode] = [function.node.body]
    kids: list[cst.CSTNode] = []
    while stack:
        node = stack.pop()
        order[id(node)] = len(order)
        if type(node) not in _NESTED:
            kids.clear()
            push_children(node, kids)
            kids.reverse()
            stack += kids
    starts = [order[id(s)] for s in function.starts if id(s) in order]
    start = min(starts) if starts else -1
    end = len(order)
    for node in own:
        position = order.get(id(node), -1)
        if _joins(node):
            if position > start:
                end = min(end, position)
        elif isinstance(node, cst.With) and any(isinstance(i.item, cst.Call) for i in node.items):
            inside = [order[id(n)] for n in without_nested_defs(node) if id(n) in order]
            if inside and min(inside) <= start <= max(inside):
                end = min(end, max(inside) + 1)
    return lambda node: start <= order.get(id(node), start) < end
