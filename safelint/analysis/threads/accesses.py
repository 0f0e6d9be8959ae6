"""Shared state and every access to it, with the locks held there: the facts the SL3 race
judgement in :mod:`races` works on.

Shared state is module-level mutable containers and names rebound with ``global``, class
attributes, the attributes of ``self`` in a class whose instances some visible code hands
to another thread (a ``Thread`` subclass, ``Thread(target=self.work)``) or that guards a
field with a lock (RacerD's rule: such a class declares itself shared), and the locals a
nested function run on another thread shares with its definer. Accesses in ``__init__``,
at module level, before a function starts its threads or after it joins them, cannot race.
Alongside: which names are locks, which lock a declaration (``GuardedBy``,
``# guarded-by:``) says guards a state, and what every caller of a function holds for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import libcst as cst

from safelint.analysis.facts.apis import MUTABLE_CONTAINERS
from safelint.analysis.facts.index.summarizer import build_summary
from safelint.analysis.facts.index.summary import ModuleSummary
from safelint.analysis.flow.cfg import CFG, NodeKind
from safelint.analysis.flow.dataflow import solve
from safelint.analysis.syntax import dotted_name, push_children, without_nested_defs
from safelint.analysis.threads.locks import Held, LockAnalysis, LockNames
from safelint.analysis.threads.model import MAIN, Function, ThreadModel
from safelint.analysis.threads.state import (
    Access,
    Refs,
    State,
    guarded_by_annotation,
    is_container,
    is_list,
    is_lock_call,
    is_safe_call,
    module_assignments,
    self_name,
)

if TYPE_CHECKING:
    from safelint.context import ModuleContext

__all__ = ["NOT_CONCURRENT", "SharedAccesses", "joins"]


NOT_CONCURRENT = frozenset(
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
_CONSTRUCTORS = frozenset({"__init__", "__new__", "__post_init__"})
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


class SharedAccesses:
    """The shared state of one module and the accesses its functions make to it, found in
    the order :meth:`learn_locks`, :meth:`find_states`, :meth:`collect`."""

    def __init__(self, ctx: ModuleContext, model: ThreadModel) -> None:
        self.ctx = ctx
        self.model = model
        self.locks = LockNames(())
        self.states: dict[str, State] = {}
        self.guards: dict[str, str] = {}  # state key → the short name of the lock declared to guard it
        self.accesses: list[Access] = []
        self.windows: dict[Function, Callable[[cst.CSTNode], bool]] = {}
        self._nodes: dict[Function, list[cst.CSTNode]] = {}
        self._fork_hooks: set[Function] = set()

    def collect(self) -> None:
        """Every access of the shared states, with the locks held: what the callers hold on
        entry, what ``@synchronized`` holds, and what each function takes itself."""
        entry_locks = self._entry_locks()
        self._fork_hooks = self._after_fork()
        self.windows = {f: _window(f, self.nodes(f)) for f in self.model.functions.values()}
        for function in self.model.functions.values():
            self._collect(function, entry_locks.get(function, frozenset()) | self._decorated_lock(function))

    # ----------------------------------------------------------------- locks

    def learn_locks(self) -> None:
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

    def locked_somewhere(self) -> bool:
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

    def find_states(self) -> None:
        ctx = self.ctx
        summary = self._summary()
        states = self.states
        safe = {
            name
            for name, value in module_assignments(ctx.module)
            if isinstance(value, cst.Call) and is_safe_call(ctx, value)
        }
        for name, kind in summary.mutable_globals:
            if name not in safe and not self.locks.is_lock(name):
                container = kind in MUTABLE_CONTAINERS or kind.startswith("builtins.")
                states[f"g:{name}"] = State(f"g:{name}", name, container, None, False, is_list=kind == "builtins.list")
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
        """A class defining ``acquire`` and ``release`` (or ``acquire_write_lock`` and
        ``release_write_lock``) implements a lock: its fields are guarded by its own
        protocol (an owner check, a count of entries), not by the locks it uses inside."""
        if self.model.method(klass, "acquire") is not None and self.model.method(klass, "release") is not None:
            return
        names = {m.name.value for m in klass.body.body if isinstance(m, cst.FunctionDef)}
        if any(n.startswith("acquire_") and "release" + n[len("acquire") :] in names for n in names):
            return
        ctx = self.ctx
        cname = klass.name.value
        class_level: dict[str, bool] = {}
        lists: dict[str, bool] = {}
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
                            lists[target.value] = is_list(ctx, value, None)
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
                            lists[attr] = lists.get(attr, True) and is_list(ctx, value, method.node)
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
            key = f"s:{cname}.{attr}"
            self.states[key] = State(key, f"self.{attr}", container, klass, True, is_list=lists.get(attr, False))
        for attr in class_level:
            if attr not in own:
                key = f"c:{cname}.{attr}"
                self.states[key] = State(key, f"{cname}.{attr}", True, klass, False, is_list=lists.get(attr, False))

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
                        listed = container and all(is_list(ctx, v, scope.node) for v in containers)
                        self.states[key] = State(key, name, container, None, False, scope.qualname, listed)
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
                        if key not in self.states and self_prefix is None and prefix == "g:":
                            self.states[key] = State(key, name, True, None, False)
                        self.guards[key] = lock.rsplit(".", 1)[-1]

        scan(self.ctx.module.body, "g:", None)
        for cname, klass in self.model.classes.items():
            scan(klass.body.body, f"c:{cname}.", None)
            for key in [k for k in self.guards if k.startswith(f"c:{cname}.")]:
                attr = key.split(".", 1)[1]
                if f"s:{cname}.{attr}" in self.states:
                    self.guards[f"s:{cname}.{attr}"] = self.guards[key]
            for method in (f for f in self.model.functions.values() if f.klass is klass):
                for node in self.nodes(method):
                    if isinstance(node, cst.IndentedBlock):
                        scan(node.body, f"c:{cname}.", cname)

    # ----------------------------------------------------------------- accesses

    def _collect(self, function: Function, entry: Held) -> None:
        refs = Refs(self.states, function, self.nodes(function))
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
        present: set[int] = set()
        for node in cfg.nodes:
            if node.kind is NodeKind.TEST and isinstance(node.stmt, cst.If) and node.ast is node.stmt.test:
                tested = {r.key for r in refs.all_refs(node.ast)}
                if tested:
                    presence = _presence_test(node.ast)
                    for inner in without_nested_defs(node.stmt.body):
                        for state, _kind, target in refs.writes(inner):
                            if state.key in tested:
                                checked.add(id(target))
                                if presence:
                                    present.add(id(target))
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
                        function.node.name.value not in NOT_CONCURRENT
                        and function not in self._fork_hooks
                        and window(target)
                    )
                    access = Access(
                        state, kind, target, function, held, concurrent, id(target) in checked, id(target) in present
                    )
                    found[id(target)] = access
        self.accesses.extend(found.values())

    def _called_outside_threads(self, function: Function) -> bool:
        """Runs on no thread but the starter's, and only before it starts them or after it
        joins them (``report()`` after the pool's ``with`` block); or it only helps build
        its object, on whichever thread builds it."""
        if not function.callers:
            return False
        if self._building(function, set()):
            return True
        if function.contexts != {MAIN}:
            return False
        for caller in function.callers:
            if caller.node.name.value in NOT_CONCURRENT and not caller.starts:
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

    def _building(self, function: Function, seen: set[Function]) -> bool:
        """Called only as ``self.m()`` from its class's constructor, or from methods so
        called: like ``__init__``'s own code, it runs before the object is shared."""
        if function.klass is None or not function.callers or function in seen:
            return False
        seen.add(function)
        for caller in function.callers:
            me = self_name(caller)
            if me is None or (caller.node.name.value not in _CONSTRUCTORS and not self._building(caller, seen)):
                return False
            for node in self.nodes(caller):
                if not isinstance(node, cst.Call):
                    continue
                callee = self.model.resolve(node.func, caller)
                if callee is None or callee.node.name.value != function.node.name.value:
                    continue
                if not (isinstance(node.func, cst.Attribute) and dotted_name(node.func.value) == me):
                    return False  # `self.store.load()`: another object, perhaps shared
                if caller.starts and self.windows[caller](node):
                    return False  # after the constructor started a thread that may use it
        return True


def joins(node: cst.CSTNode) -> bool:
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
    if not function.starts and not any(joins(n) for n in own):
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
        if joins(node):
            if position > start:
                end = min(end, position)
        elif isinstance(node, cst.With) and any(isinstance(i.item, cst.Call) for i in node.items):
            inside = [order[id(n)] for n in without_nested_defs(node) if id(n) in order]
            if inside and min(inside) <= start <= max(inside):
                end = min(end, max(inside) + 1)
    return lambda node: start <= order.get(id(node), start) < end


def _presence_test(test: cst.BaseExpression) -> bool:
    """``if queue:``, ``if self.pending:`` or ``if len(queue):``: a test that the container
    holds something."""
    if isinstance(test, cst.Call) and isinstance(test.func, cst.Name) and test.func.value == "len":
        test = test.args[0].value if len(test.args) == 1 else test
    return isinstance(test, (cst.Name, cst.Attribute))
