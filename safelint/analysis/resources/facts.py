"""Where one function gets its resources and locks, and the facts each node holds about
them: the acquisition sites, the names the analysis cannot follow, the tests that say a lock
is not held, the releases in a ``finally``, and which nodes raise only in theory. What each
use of a name does is worked out per node in :mod:`effects`; the ownership dataflow runs on
both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

import libcst as cst

from safelint.analysis.facts.apis import (
    FD_RELEASERS,
    GENERIC_RELEASES,
    POPEN_RELEASES,
    QUIET_BUILTINS,
    QUIET_CALL_NAMES,
    QUIET_CALLS,
    QUIET_ITERATION,
    QUIET_METHOD_NAMES,
    TUPLE_ACQUIRERS,
)
from safelint.analysis.facts.callees import project_class
from safelint.analysis.flow.cfg import CFG, CFGNode, EdgeKind, NodeKind
from safelint.analysis.flow.raising import expression_can_raise
from safelint.analysis.resources.acquisition import (
    Acquisition,
    Effect,
    acquisition,
    is_sqlite_connection,
    lock_key,
    release_methods,
    started_later,
)
from safelint.analysis.syntax import dotted_name, enclosing, preorder, push_children, walk

if TYPE_CHECKING:
    from safelint.context import ModuleContext

__all__ = ["FunctionFacts", "NodeFacts"]


def _flag_set_true(statement: cst.BaseStatement) -> str | None:
    """``name = True`` alone on its line: the local flag it sets."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    assign = statement.body[0]
    if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
        return None
    target, value = assign.targets[0].target, assign.value
    if isinstance(target, cst.Name) and isinstance(value, cst.Name) and value.value == "True":
        return target.value
    return None


_RAISING_SYNTAX = frozenset(
    {cst.Subscript, cst.Await, cst.Yield, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp}
)
"""What raises in an expression besides a call (a lookup, an iteration, what an await brings)."""
_RAISING_STATEMENTS = frozenset(
    {cst.Raise, cst.Assert, cst.For, cst.While, cst.With, cst.Try, cst.TryStar, cst.Del, cst.AugAssign, cst.Import}
    | {cst.ImportFrom, cst.Match, cst.Lambda, cst.FunctionDef, cst.ClassDef}
)
"""Statements that raise, or that make a body too much to call quiet."""
_QUIET_DEPTH = 2
"""How deep a chain of project functions is followed to find them quiet."""


@dataclass
class NodeFacts:
    effects: list[tuple[str, Effect]] = field(default_factory=list)
    binds: set[str] = field(default_factory=set)
    acquires: list[Acquisition] = field(default_factory=list)
    lock_acquires: list[Acquisition] = field(default_factory=list)
    lock_releases: set[str] = field(default_factory=set)
    lock_moves: set[str] = field(default_factory=set)  # lock keys handed to someone who releases them
    conditional_lock: tuple[Acquisition, EdgeKind] | None = None
    refinements: dict[EdgeKind, set[str]] = field(default_factory=dict)  # names not a live resource on that edge
    lock_refinements: dict[EdgeKind, set[str]] = field(default_factory=dict)  # lock keys not held on that edge


def _captured(scope: cst.CSTNode, module_level: bool) -> set[str]:
    """The names a nested scope may share with the enclosing one. Under a module, a name the
    nested function binds itself (and does not declare ``global``) is its own local; under a
    function every name counts, since closures see the enclosing locals."""
    names: set[str] = set()
    bound: set[str] = set()
    declared: set[str] = set()
    inner: list[cst.CSTNode] = [scope]
    while inner:
        sub = inner.pop()
        kind = type(sub)
        if kind is cst.Name:
            names.add(sub.value)  # type: ignore[attr-defined]
        elif module_level:
            if kind is cst.Global:
                declared.update(n.name.value for n in sub.names)  # type: ignore[attr-defined]
            for target in _bound_targets(sub):
                bound.update(n.value for n in walk(target) if isinstance(n, cst.Name))
        push_children(sub, inner)
    return names - (bound - declared) if module_level else names


_BINDING: Final = frozenset({cst.Assign, cst.AnnAssign, cst.For, cst.WithItem, cst.Param})
"""Exact types, a cheap first test: the nodes :func:`_bound_targets` reads."""


def _bound_targets(node: cst.CSTNode) -> list[cst.CSTNode]:
    if type(node) not in _BINDING:
        return []
    if isinstance(node, cst.Assign):
        return [t.target for t in node.targets]
    if isinstance(node, (cst.AnnAssign, cst.For)):
        return [node.target]
    if isinstance(node, cst.WithItem) and node.asname is not None:
        return [node.asname.name]
    if isinstance(node, cst.Param):
        return [node.name]
    return []


class FunctionFacts:
    """One function's graph, its acquisition sites and, per node, what it does to them."""

    def __init__(self, ctx: ModuleContext, function: cst.FunctionDef | cst.Module) -> None:
        self.ctx = ctx
        self.function = function
        self.body: cst.CSTNode = function.body if isinstance(function, cst.FunctionDef) else function
        self.sites: list[Acquisition] = []
        self.by_name: dict[str, list[Acquisition]] = {}
        self.lock_sites: dict[str, list[Acquisition]] = {}
        self.released_keys: set[str] = set()
        self.reacquired: set[str] = set()
        self._order: dict[int, int] | None = None
        self.contextmanager = any(
            (dotted_name(d.decorator if not isinstance(d.decorator, cst.Call) else d.decorator.func) or "").rsplit(
                ".", 1
            )[-1]
            in ("contextmanager", "asynccontextmanager")
            for d in (function.decorators if isinstance(function, cst.FunctionDef) else ())
        )
        self.unsure: set[str] = set()
        self._top_index: dict[int, int] = {}
        self._containers: set[str] | None = None
        self.container_sites: set[str] = set()
        self._rebound_before_capture: dict[str, tuple[int, list[int]]] = {}
        self.opaque = False
        self._scan_names()
        self.cfg: CFG = ctx.cfg(function)
        self._facts: dict[int, NodeFacts] = {}
        self._quiet: dict[int, bool] = {}
        self.released_in_finally: set[str] = set()
        self._resource_flags: dict[str, str | None] = {}
        self._find_sites()

    # -- pre-scan

    def _scan_names(self) -> None:
        """Names the analysis cannot follow: global, nonlocal, and captured by a nested scope."""
        stack: list[cst.CSTNode] = [self.body]
        while stack:
            node = stack.pop()
            kind = type(node)
            if kind in (cst.Global, cst.Nonlocal):
                self.unsure.update(n.name.value for n in node.names)  # type: ignore[attr-defined]
            elif kind is cst.Call:
                func = node.func  # type: ignore[attr-defined]
                if isinstance(func, cst.Name) and func.value in ("locals", "vars", "exec", "eval"):
                    self.opaque = True
            if kind in (cst.FunctionDef, cst.Lambda, cst.ClassDef):
                self.unsure.update(_captured(node, isinstance(self.function, cst.Module)))
                continue
            push_children(node, stack)
        if isinstance(self.function, cst.Module):
            self._scan_module_captures(self.function)

    def _scan_module_captures(self, module: cst.Module) -> None:
        """At module level a function can only run after its ``def``: a resource bound to a
        name the module's functions read is still followed when it is rebound before the first
        such ``def`` (``f = open(a)``, ``f = open(b)``, ..., ``def g(): f.write()``)."""
        first_capture: dict[str, int] = {}
        bindings: dict[str, list[int]] = {}
        for index, statement in enumerate(module.body):
            if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                for name in _captured(statement, True):
                    first_capture.setdefault(name, index)
                continue
            for sub in walk(statement):
                self._top_index[id(sub)] = index
                for target in _bound_targets(sub):
                    for n in walk(target):
                        if isinstance(n, cst.Name):
                            bindings.setdefault(n.value, []).append(index)
        for name in self.unsure & first_capture.keys():
            self._rebound_before_capture[name] = (first_capture[name], bindings.get(name, []))

    def _find_sites(self) -> None:
        if self.opaque:
            return
        ctx = self.ctx
        for node in self.cfg.nodes:
            ast = node.ast
            if node.kind is NodeKind.STMT:
                if isinstance(ast, cst.Assign) and len(ast.targets) == 1:
                    self._assignment_site(node, ast.targets[0].target, ast.value)
                elif isinstance(ast, cst.AnnAssign) and ast.value is not None:
                    self._assignment_site(node, ast.target, ast.value)
                elif isinstance(ast, cst.Expr):
                    call = ast.value.expression if isinstance(ast.value, cst.Await) else ast.value
                    if isinstance(call, cst.Call):
                        site = self._lock_site(call)
                        if site is not None:
                            self.facts(node).lock_acquires.append(site)
                        elif (started := self._started_site(call, node.ast)) is not None:
                            self.facts(node).acquires.append(started)
            elif node.kind is NodeKind.TEST:
                test, negated = ast, False
                if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
                    test, negated = test.expression, True
                if isinstance(test, cst.Await):
                    test = test.expression
                if isinstance(test, cst.Call) and not isinstance(node.stmt, cst.While):
                    site = self._lock_site(test)
                    if site is not None:
                        self.facts(node).conditional_lock = (site, EdgeKind.FALSE if negated else EdgeKind.TRUE)
            elif node.kind is NodeKind.WITH_ENTER and isinstance(ast, cst.WithItem):
                if isinstance(ast.item, cst.Call) and ast.asname is not None and isinstance(ast.asname.name, cst.Name):
                    found = acquisition(ctx, ast.item, self.function)
                    if found is not None and found[0] == "resource" and is_sqlite_connection(found[1]):
                        site = self._new_site(ast.item, ast.asname.name.value, "resource", found[1], found[2], ast)
                        if site is not None:
                            site.via_with = True
                            self.facts(node).acquires.append(site)
        self._correlate()
        first_acquire: dict[str, int] = {}
        for site in self.sites:
            if site.kind == "lock":
                first_acquire.setdefault(site.name, self.offset(site.call))
        for sub in walk(self.body):
            if isinstance(sub, cst.Finally):
                self._scan_finally(sub)
            elif isinstance(sub, cst.Call) and isinstance(sub.func, cst.Attribute) and sub.func.attr.value == "release":
                key = dotted_name(sub.func.value)
                if key is not None:
                    self.released_keys.add(key)
                    if key in first_acquire and self.offset(sub) < first_acquire[key]:
                        self.reacquired.add(key)  # held on entry, released, taken again: the caller's lock

    def _correlate(self) -> None:
        """A test that repeats what an acquisition depended on says, on its false side, that
        nothing is held: ``if c: lock.acquire()`` ... ``if c: lock.release()``, ``if IS_MACOS:
        r, w = os.pipe()`` ... ``if IS_MACOS: os.close(w)`` (``c`` any condition the
        acquisition is nested under, ``if c: if d: ... else: lock.acquire()``), or a local
        flag set right after a lock's acquire (``lock.acquire(); held = True`` ... ``if
        held:``). Only a condition on locals the function does not rebind afterwards, and a
        flag set nowhere else: ``self._held`` can be changed by any call in between, so it
        proves nothing.
        """
        usable: list[tuple[str, list[Acquisition], bool, frozenset[tuple[str, bool]]]] = []
        for is_lock, groups in ((True, self.lock_sites), (False, self.by_name)):
            for key, sites in groups.items():
                common = frozenset.intersection(*(self._guards(site) for site in sites))
                if common:
                    usable.append((key, sites, is_lock, common))
        if not usable:
            return
        for node in self.cfg.nodes:
            if node.kind is not NodeKind.TEST or isinstance(node.stmt, cst.While):
                continue
            code, negated = self._condition(node.ast)
            for key, sites, is_lock, guards in usable:
                if not all(self.offset(site.call) < self.offset(node.ast) for site in sites):
                    continue
                for guard, guard_negated in guards:
                    if code == guard:
                        edge = EdgeKind.TRUE if negated != guard_negated else EdgeKind.FALSE
                        facts = self.facts(node)
                        (facts.lock_refinements if is_lock else facts.refinements).setdefault(edge, set()).add(key)

    def _guards(self, site: Acquisition) -> frozenset[tuple[str, bool]]:
        """What an acquisition depended on, each as code and whether negated: the tests of the
        ``if`` statements it is nested under (in their body, or negated in their ``else``), and
        a local flag set to True by the next statement. Only those that can be trusted."""
        found: set[tuple[str, bool]] = set()
        flag = self._next_flag(site)
        if flag is not None and self._flag_only_after_acquires(flag):
            found.add((flag, False))
        for child, owner in enclosing(site.call, self.ctx.parents):
            if isinstance(owner, cst.If) and child is not owner.test and self._stable(owner.test, owner):
                code, negated = self._condition(owner.test)
                found.add((code, negated if child is owner.body else not negated))
        return frozenset(found)

    def _condition(self, test: cst.CSTNode) -> tuple[str, bool]:
        """A test as code without its ``not``s, and whether an odd number of them negate it."""
        negated = False
        while isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            test, negated = test.expression, not negated
        return self.ctx.module.code_for_node(test), negated

    def _stable(self, test: cst.BaseExpression, since: cst.CSTNode) -> bool:
        """A test of locals none of which is bound again after ``since``, and of fields of
        ``self`` that only ``__init__`` sets (configuration: ``self._single_client``, per the
        project index); no call, no other use of ``self``."""
        names = set()
        fields = set()
        receivers: list[cst.Name] = []
        for node in walk(test):
            if isinstance(node, (cst.Call, cst.Await, cst.Subscript, cst.NamedExpr, cst.Lambda)):
                return False
            if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == "self":
                fields.add(node.attr.value)
                receivers.append(node.value)
            elif isinstance(node, cst.Name) and not any(node is r for r in receivers):
                names.add(node.value)
        if names & {"self", "cls"} or names & self.unsure:
            return False
        if fields and not fields <= self._fixed_fields(receivers[0]):
            return False
        start = self.offset(since)
        return not any(name in names and self.offset(target) > start for name, target in self._bindings())

    def _fixed_fields(self, receiver: cst.Name) -> frozenset[str]:
        """The fields of ``receiver``'s class that only its ``__init__`` sets: no call made in
        between can change them."""
        klass = self.ctx.types.class_of(receiver, self.function)
        summary = project_class(self.ctx, klass) if klass is not None else None
        return frozenset(summary.init_only_attributes) if summary is not None else frozenset()

    def _flag_only_after_acquires(self, flag: str, sites: Sequence[Acquisition] | None = None) -> bool:
        """Every ``flag = True`` in the function comes right after one of ``sites`` (by
        default any ``acquire()``): the flag means "held". Any other binding but
        ``flag = False``/``None`` breaks that."""
        if flag in self.unsure:
            return False
        calls = {id(site.call) for site in (sites or [s for found in self.lock_sites.values() for s in found])}
        for name, target in self._bindings():
            if name != flag:
                continue
            assign = self.ctx.parents.get(self.ctx.parents.get(target) or target)
            if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
                return False
            value = assign.value
            if isinstance(value, cst.Name) and value.value in ("False", "None"):
                continue
            line = self.ctx.parents.get(assign)
            if not (isinstance(value, cst.Name) and value.value == "True" and self._follows(line, calls)):
                return False
        return True

    def _follows(self, line: cst.CSTNode | None, calls: set[int]) -> bool:
        """Whether the statement before ``line`` in its block makes one of ``calls``."""
        placed = self._placed(line) if line is not None else None
        if placed is None or placed[1] == 0:
            return False
        block, at = placed
        return any(isinstance(node, cst.Call) and id(node) in calls for node in walk(block.body[at - 1]))

    def resource_flag(self, flag: str) -> str | None:
        """The local resource a local flag says is held (``f = open(p); opened = True`` ...
        ``if opened: f.close()``): every acquisition of that name is followed at once by
        ``flag = True``, and the flag is otherwise only set to False or None. Where it is
        false, nothing of that name is held."""
        if flag in self._resource_flags:
            return self._resource_flags[flag]
        found = None
        for name, sites in self.by_name.items():
            if name in self.unsure or any(self._next_flag(site) != flag for site in sites):
                continue
            if self._flag_only_after_acquires(flag, sites):
                found = name
                break
        self._resource_flags[flag] = found
        return found

    def _next_flag(self, site: Acquisition) -> str | None:
        """The flag the statement right after an acquisition sets to True, if it does."""
        placed = self._placed(site.call)
        if placed is None or placed[1] + 1 >= len(placed[0].body):
            return None
        block, at = placed
        return _flag_set_true(block.body[at + 1])

    def _placed(self, node: cst.CSTNode) -> tuple[cst.IndentedBlock, int] | None:
        """The indented block whose statement line holds ``node``, and that line's index in it."""
        parents = self.ctx.parents
        line: cst.CSTNode | None = node
        while line is not None and not isinstance(line, cst.SimpleStatementLine):
            line = parents.get(line)
        block = parents.get(line) if line is not None else None
        if not isinstance(block, cst.IndentedBlock):
            return None
        return block, next(i for i, stmt in enumerate(block.body) if stmt is line)

    def _bindings(self) -> list[tuple[str, cst.CSTNode]]:
        """Every name the function binds, with the target node that binds it."""
        found: list[tuple[str, cst.CSTNode]] = []
        body = self.function.body  # a module's is a list of statements
        for node in (n for root in (body if isinstance(body, Sequence) else [body]) for n in walk(root)):
            targets: list[cst.CSTNode] = []
            if isinstance(node, cst.AssignTarget):
                targets = [node.target]
            elif isinstance(node, (cst.AugAssign, cst.AnnAssign, cst.For, cst.CompFor, cst.NamedExpr)):
                targets = [node.target]
            elif isinstance(node, cst.AsName):
                targets = [node.name]
            for target in targets:
                found += [(sub.value, sub) for sub in walk(target) if isinstance(sub, cst.Name)]
        return found

    def offset(self, node: cst.CSTNode) -> int:
        """A node's place in source order (the index of its first token in a pre-order walk)."""
        if self._order is None:
            self._order = {id(n): i for i, n in enumerate(preorder(self.body))}
        return self._order.get(id(node), 0)

    def _scan_finally(self, final: cst.Finally) -> None:
        """Names released in a ``finally``: the author took charge of every path, often with a
        flag this analysis cannot correlate (``if not closed: os.close(fd)``)."""
        for node in walk(final.body):
            if not isinstance(node, cst.Call):
                continue
            func = node.func
            if dotted_name(func) in FD_RELEASERS:
                if node.args and isinstance(node.args[0].value, cst.Name):
                    self.released_in_finally.add(node.args[0].value.value)
            elif (
                isinstance(func, cst.Attribute)
                and isinstance(func.value, cst.Name)
                and func.attr.value in GENERIC_RELEASES | POPEN_RELEASES
            ):
                self.released_in_finally.add(func.value.value)

    def _assignment_site(self, node: CFGNode, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if (
            isinstance(target, (cst.Tuple, cst.List))
            and isinstance(value, (cst.Tuple, cst.List))
            and len(target.elements) == len(value.elements)
            and not any(isinstance(e, cst.StarredElement) for e in (*target.elements, *value.elements))
        ):
            for left, right in zip(target.elements, value.elements):
                self._assignment_site(node, left.value, right.value)  # `a, b = Pool(), Pool()`
            return
        if isinstance(value, cst.Await):
            value = value.expression
        if not isinstance(value, cst.Call):
            return
        if isinstance(target, cst.Name):
            found = acquisition(self.ctx, value, self.function, self.by_name)
            if found is None or found[0] == "tuple":
                return
            site = self._new_site(value, target.value, found[0], found[1], found[2], node.ast)
            if site is not None:
                self.facts(node).acquires.append(site)
        elif isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
            # `jobs[k] = Popen(...)` into a local list or dict: the container owns it now
            container = target.value.value
            if container not in self._local_containers():
                return
            found = acquisition(self.ctx, value, self.function, self.by_name)
            if found is None or found[0] != "resource":
                return
            site = self._new_site(value, container, found[0], found[1], found[2], node.ast)
            if site is not None:
                self.container_sites.add(container)
                self.facts(node).acquires.append(site)
        elif isinstance(target, (cst.Tuple, cst.List)):
            found = acquisition(self.ctx, value, self.function)
            if found is None or found[0] != "tuple":
                return
            kind, positions = TUPLE_ACQUIRERS[found[1]]
            elements = target.elements
            if any(isinstance(e, cst.StarredElement) for e in elements):
                return
            for position in positions:
                if position < len(elements) and isinstance(elements[position].value, cst.Name):
                    name = elements[position].value.value  # type: ignore[attr-defined]
                    site = self._new_site(value, name, kind, found[1], None, node.ast)
                    if site is not None:
                        self.facts(node).acquires.append(site)

    def _new_site(
        self, call: cst.Call, name: str, kind: str, qualname: str | None, type_name: str | None, statement: cst.CSTNode
    ) -> Acquisition | None:
        if name in self.unsure and not self._sure_at_module_level(name, statement):
            return None
        releases, popen = release_methods(self.ctx, qualname, type_name) if kind == "resource" else (frozenset(), False)
        label = dotted_name(call.func) or (qualname or "the call").rsplit(".", 1)[-1]
        site = Acquisition(
            len(self.sites), call, name, kind, label, qualname, type_name, releases, popen, statement=statement
        )
        self.sites.append(site)
        self.by_name.setdefault(name, []).append(site)
        return site

    def _local_containers(self) -> set[str]:
        """Names this scope binds to a new list or dict (``jobs = []``, ``procs = {}``),
        and binds nowhere else."""
        if self._containers is None:
            counts: dict[str, int] = {}
            fresh: set[str] = set()
            for sub in walk(self.body):
                for target in _bound_targets(sub):
                    if isinstance(target, cst.Name):
                        counts[target.value] = counts.get(target.value, 0) + 1
                        value = getattr(sub, "value", None)
                        if isinstance(value, (cst.List, cst.Dict)):
                            fresh.add(target.value)
            self._containers = {n for n in fresh if counts[n] == 1 and n not in self.unsure}
        return self._containers

    def _sure_at_module_level(self, name: str, statement: cst.CSTNode) -> bool:
        """A module-level site whose name is rebound before any function that reads it is defined."""
        found = self._rebound_before_capture.get(name)
        index = self._top_index.get(id(statement))
        if found is None or index is None:
            return False
        capture, bindings = found
        later = [b for b in bindings if b > index]
        return bool(later) and later[0] < capture

    def _started_site(self, call: cst.Call, statement: cst.CSTNode) -> Acquisition | None:
        """``manager.start()`` on a manager this scope made: the server process starts here."""
        func = call.func
        if not isinstance(func, cst.Attribute) or func.attr.value != "start" or not isinstance(func.value, cst.Name):
            return None
        class_name = self.ctx.types.class_of(func.value, self.function)
        if class_name is None or not started_later(self.ctx, class_name):
            return None
        return self._new_site(call, func.value.value, "resource", class_name, class_name, statement)

    def _lock_site(self, call: cst.Call) -> Acquisition | None:
        func = call.func
        if not isinstance(func, cst.Attribute) or func.attr.value != "acquire":
            return None
        key = lock_key(self.ctx, func.value, self.function)
        if key is None or key == "self":
            return None  # `self.acquire()`: a lock class implementing itself
        site = Acquisition(len(self.sites), call, key, "lock", f"{key}.acquire", None, None, statement=call)
        self.sites.append(site)
        self.lock_sites.setdefault(key, []).append(site)
        return site

    # -- per node

    def quiet(self, node: CFGNode) -> bool:
        """Whether the graph's exception edge from ``node`` is one a reader would not
        believe: entering ``with f:`` on a plain name, or a statement whose only calls are
        builtins that do not raise (``isinstance``, ``hasattr``, ``getattr`` with a default)."""
        found = self._quiet.get(node.index)
        if found is None:
            found = self._quiet[node.index] = self._is_quiet(node)
        return found

    def _is_quiet(self, node: CFGNode) -> bool:
        ast = node.ast
        if node.kind is NodeKind.WITH_ENTER and isinstance(ast, cst.WithItem):
            return not expression_can_raise(ast.item)
        if node.kind is NodeKind.ASSERT and isinstance(ast, cst.Assert):
            ast = ast.test
        elif node.kind in (NodeKind.FOR_ITER, NodeKind.FOR_NEXT) and isinstance(node.stmt, cst.For):
            return self._plain_iteration(node.stmt)
        elif node.kind not in (NodeKind.STMT, NodeKind.TEST):
            return False
        if isinstance(ast, (cst.Raise, cst.Del, cst.AugAssign, cst.Import, cst.ImportFrom)):
            return False
        return self._quiet_code(ast, self.function, 0) is True

    def _plain_iteration(self, loop: cst.For) -> bool:
        """``for fd in fds:`` over a list or tuple into one name: taking its next item raises nothing."""
        return (
            isinstance(loop.target, cst.Name)
            and isinstance(loop.iter, cst.Name)
            and self.ctx.types.class_of(loop.iter, self.function) in QUIET_ITERATION
        )

    def _quiet_code(self, root: cst.CSTNode, scope: cst.CSTNode, depth: int) -> bool | None:
        """Whether ``root`` evaluates without raising: its calls all quiet, nothing else
        that raises (None: nothing in it can raise, not even a quiet call)."""
        saw_call = False
        for sub in walk(root):
            kind = type(sub)
            if kind is cst.Call:
                if not self._call_is_quiet(sub, scope, depth):  # type: ignore[arg-type]
                    return False
                saw_call = True
            elif kind in _RAISING_SYNTAX:
                return False
        return True if saw_call else None

    def _call_is_quiet(self, call: cst.Call, scope: cst.CSTNode, depth: int) -> bool:
        name = dotted_name(call.func)
        if name is not None and "." in name and name.rsplit(".", 1)[1] in QUIET_METHOD_NAMES:
            return True
        if name is not None and (name.startswith("os.path.") or name == "os.fstat"):
            return True
        if name in QUIET_BUILTINS:
            return name != "getattr" or len(call.args) == 3
        func = call.func
        last = (
            func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else None
        )
        if last is None:
            return False
        target = self.ctx.types.call_target(call, scope)
        if target is None:
            return False
        if target in FD_RELEASERS:
            return True  # `os.close` frees the descriptor even when it reports an error
        if last in QUIET_CALL_NAMES and target in QUIET_CALLS:
            return True  # the knowledge base says it does not raise: `time.monotonic()`, `dq.append(x)`
        return depth < _QUIET_DEPTH and self._function_is_quiet(target, depth + 1)

    def _function_is_quiet(self, qualname: str, depth: int) -> bool:
        """A function of this module whose body cannot raise: only quiet calls, and no
        subscript, loop, ``with`` or ``raise`` (sh's ``Logger.debug``, which formats a
        message and hands it to ``logging``)."""
        function = self.ctx.types.project.own_function(qualname)
        if function is None:
            return False

        def compute() -> bool:
            body = function.body
            return not any(type(node) in _RAISING_STATEMENTS for node in walk(body)) and (
                self._quiet_code(body, function, depth) is not False
            )

        return self.ctx.memo(("quiet function", function, depth), compute)

    def facts(self, node: CFGNode) -> NodeFacts:
        found = self._facts.get(node.index)
        if found is None:
            found = self._facts[node.index] = NodeFacts()
        return found
