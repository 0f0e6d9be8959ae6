"""Who owns a resource, on every path: the ownership analysis the SL4 rules share.

A resource is *owned* by a local from the call that acquires it (``f = open(p)``,
``r, w = os.pipe()``, ``lock.acquire()``) until it is released (``f.close()``, ``with f:``,
``os.close(fd)``, ``lock.release()``) or its ownership visibly moves elsewhere: returned,
yielded, stored on an attribute, in a container or a global, aliased, passed to a callee
that may keep it (an unknown function, a constructor, a method of another object),
captured by a nested function. Passing it to a function that only uses it (``json.load(f)``,
``print(..., file=f)``) keeps ownership where it was.

The analysis is a forward dataflow problem on the function's CFG. Its state is a set of
``(site, status, origin)`` facts: for each acquisition site, which statuses are possible
here (owned, released, moved — "owned on some path" is the join), and, for an owned one,
the first statement whose exception the path went through (``origin``), so that a leak on
an exception path can name the line that raises.

What a rule asks for is a :class:`Leak` per acquisition site: owned at the function's
normal exit or at a rebinding of its name (SL401), released on every normal path but owned
where an exception leaves the function (SL402), or a lock held at an exit (SL404).

Where the answer is uncertain the resource is taken as handed on and nothing is reported:
a name declared ``global``/``nonlocal``, read by a nested function or lambda, a function
that calls ``locals()``/``vars()``, a value bound through a conditional expression.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from safelint.analysis.facts.apis import (
    FD_BORROWERS,
    FD_FUNCTIONS,
    FD_MODULES,
    FD_RELEASERS,
    GENERIC_RELEASES,
    INDEPENDENT_METHODS,
    LOCK_NAME,
    MOVING_METHODS,
    NOT_ACQUIRED,
    OPENERS,
    OWNERSHIP_TAKERS,
    POPEN_RELEASES,
    SQLITE_CONNECT,
    TUPLE_ACQUIRERS,
)
from safelint.analysis.facts.callees import project_class, project_function
from safelint.analysis.flow.cfg import CFG, CFGNode, EdgeKind, Jump, NodeKind
from safelint.analysis.flow.dataflow import ForwardAnalysis, solve
from safelint.analysis.flow.raising import expression_can_raise
from safelint.analysis.syntax import bind_target, dotted_name, parameters, preorder, push_children, walk

if TYPE_CHECKING:
    from safelint.context import ModuleContext

__all__ = [
    "Acquisition",
    "Effect",
    "Leak",
    "LeakKind",
    "acquisition",
    "function_leaks",
    "inline_effect",
    "is_sqlite_connection",
]


# -- what acquires, releases and takes ownership ---------------------------------------------


_GETTER = re.compile(r"_?get(?:_|[A-Z]|$)")
_STREAM_NAMES = frozenset(
    {
        "f",
        "fp",
        "fh",
        "fo",
        "fobj",
        "fileobj",
        "file_obj",
        "file",
        "stream",
        "buffer",
        "buf",
        "raw",
        "sock",
        "out",
        "stdin",
        "stdout",
        "stderr",
        "response",
        "resp",
        "self",
    }
)


_STREAM_SUFFIXES = ("fp", "fh", "fobj", "fileobj", "stream", "sock", "_file")


def _wraps_a_stream(call: cst.Call, qualname: str, wrapped: Iterable[str] = ()) -> bool:
    """A constructor given an open stream wraps it (``wave.open(f)``, ``GzipFile(fileobj=f)``,
    ``io.TextIOWrapper(self.raw)``): no fresh descriptor is acquired, and closing the
    wrapper is the stream owner's decision. Recognised by a ``fileobj=`` keyword or an
    argument named like a stream or bound to a resource of the same function (``wrapped``);
    ``open()`` and friends take paths, and are not wrappers."""
    if qualname in OPENERS:
        return False
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in ("fileobj", "fp", "buffer", "raw", "stream", "sock"):
            return True
        name = dotted_name(arg.value)
        if name is None:
            continue
        last = name.rsplit(".", 1)[-1]
        if last.isupper():
            continue  # a constant: `socket.SOCK_STREAM`
        last = last.strip("_").lower()
        if last in _STREAM_NAMES or last.endswith(_STREAM_SUFFIXES) or name in wrapped:
            return True
    return False


_QUIET_BUILTINS = frozenset({"isinstance", "issubclass", "hasattr", "getattr", "callable", "id", "type", "len", "bool"})

_QUIET_METHODS = frozenset(
    {"kill", "terminate", "send_signal", "poll", "is_set", "locked", "is_alive", "done", "cancelled"}
)
"""Signalling a child (``proc.kill()`` in the documented ``TimeoutExpired`` idiom) and asking
an event, lock, thread or future about its state do not raise."""


def is_sqlite_connection(qualname: str | None) -> bool:
    return qualname in SQLITE_CONNECT


class Effect(enum.Enum):
    """What a use of an owned name does to its ownership."""

    BORROW = "borrow"  # used; the owner stays the owner
    RELEASE = "release"  # released, even if the call then raises
    RELEASE_IF_RETURNS = "release-if-returns"  # released only if the call returns (Popen with a timeout)
    MOVE = "move"  # ownership may have gone elsewhere: nothing to report any more


class LeakKind(enum.Enum):
    UNRELEASED = "unreleased"  # SL401: owned at a normal exit
    REBOUND = "rebound"  # SL401: the name is rebound while it is owned
    SQLITE_WITH = "sqlite-with"  # SL401: `with sqlite3.connect() as c` never closes it
    EXCEPTION = "exception"  # SL402: released normally, owned where an exception leaves
    LOCK_HELD = "lock-held"  # SL404: a lock held at a normal exit
    LOCK_EXCEPTION = "lock-exception"  # SL404: a lock held where an exception leaves


@dataclass(eq=False)
class Acquisition:
    """One acquisition of one resource bound to one local (or one lock key)."""

    index: int
    call: cst.Call
    name: str  # the local it is bound to; a lock's key (``self._lock``)
    kind: str  # "resource", "fd" or "lock"
    label: str  # the callee as written, for messages: ``open``, ``os.pipe``
    qualname: str | None
    type: str | None  # the resource's class, when known
    releases: frozenset[str] = frozenset()
    popen: bool = False
    via_with: bool = False  # bound by ``with sqlite3.connect(...) as name``
    statement: cst.CSTNode | None = None


@dataclass
class Leak:
    site: Acquisition
    kind: LeakKind
    where: cst.CSTNode | None  # the statement that leaves, rebinds or raises
    others: list[Acquisition] = field(default_factory=list)  # further names bound by the same call


# -- recognising acquisitions ------------------------------------------------------------------


def _canonical(ctx: ModuleContext, target: str) -> str:
    facts = ctx.knowledge.function(target)
    return facts.qualname if facts is not None else target


def acquisition(
    ctx: ModuleContext, call: cst.Call, scope: cst.CSTNode | None, owned: Iterable[str] = ()
) -> tuple[str, str, str | None] | None:
    """``(kind, qualname, resource class)`` when ``call`` acquires something its caller must
    release: ``("resource", "builtins.open", None)``, ``("fd", "os.open", None)``,
    ``("tuple", "os.pipe", None)``. None for anything else."""
    target = ctx.names.call_target(call, scope)  # type: ignore[arg-type]
    if target is None:
        return None
    qualname = _canonical(ctx, target)
    if qualname in NOT_ACQUIRED or target in NOT_ACQUIRED:
        return None
    if qualname in FD_FUNCTIONS:
        return "fd", qualname, None
    if qualname in TUPLE_ACQUIRERS:
        return "tuple", qualname, None
    knowledge = ctx.knowledge
    if _GETTER.match(qualname.rsplit(".", 1)[-1]) and knowledge.function(qualname) is not None:
        return None  # `asyncio.get_running_loop()`: a getter hands out what someone else owns
    if _wraps_a_stream(call, qualname, owned):
        return None
    if isinstance(call.func, cst.Attribute) and "." in qualname:
        receiver_class, method = qualname.rsplit(".", 1)
        if method in ("enter_context", "enter_async_context"):
            return None
        if knowledge.is_resource_class(receiver_class) and method not in INDEPENDENT_METHODS:
            return None  # a view of its receiver: the cursor of a connection, a makefile
    klass = project_class(ctx, qualname)
    if klass is not None and klass.registers_self:
        return None  # its `__init__` hands the instance to a manager that releases it
    try:
        resource = knowledge.returns_resource(qualname, call)
    except Exception:  # a stub the knowledge base cannot read: not a resource we know of
        resource = None
    if resource:
        return "resource", qualname, knowledge.return_type(qualname, call) or _class_of(ctx, qualname)
    if knowledge.function(qualname) is not None:
        return None
    return _project_resource(ctx, qualname)


def _class_of(ctx: ModuleContext, qualname: str) -> str | None:
    return qualname if ctx.knowledge.class_facts(qualname) is not None else None


def _project_resource(ctx: ModuleContext, qualname: str) -> tuple[str, str, str | None] | None:
    """A project function every visible ``return`` of which hands back a fresh resource
    (``def connect(): return socket.create_connection(...)``), or a project class derived
    from a resource class (``class Server(socketserver.TCPServer)``)."""
    function = project_function(ctx, qualname)
    if function is not None:
        if function.is_generator or function.is_context_manager or not function.returned_calls:
            return None
        for callee in function.returned_calls:
            if callee in NOT_ACQUIRED or not ctx.knowledge.returns_resource(callee):
                return None
        return "resource", qualname, None
    klass = project_class(ctx, qualname)
    if klass is not None:
        for base in klass.bases:
            if ctx.knowledge.is_resource_class(base):
                return "resource", qualname, base
    return None


def release_methods(ctx: ModuleContext, qualname: str | None, type_name: str | None) -> tuple[frozenset[str], bool]:
    """The methods that release a resource of this class, and whether it is a child process."""
    facts = ctx.knowledge.class_facts(type_name) if type_name else None
    popen = qualname == "subprocess.Popen" or (facts is not None and "subprocess.Popen" in facts.ancestors)
    if popen:
        return POPEN_RELEASES, True
    if facts is None or not facts.release_methods:
        return GENERIC_RELEASES, False
    return facts.release_methods | {"close", "__exit__"}, False


def lock_key(ctx: ModuleContext, receiver: cst.BaseExpression, scope: cst.CSTNode | None) -> str | None:
    """The dotted name of a lock (``lock``, ``self._lock``), when ``receiver`` is one: its
    class is a lock class, a project class assigns it a lock in ``__init__``, or, its type
    unknown, its name says it is one (``_lock``, ``mutex``, ``sem``)."""
    key = dotted_name(receiver)
    if key is None:
        return None
    knowledge = ctx.knowledge
    typed = ctx.names.type_of(receiver, scope)  # type: ignore[arg-type]
    if typed is not None:
        return key if knowledge.is_lock_class(typed) else None
    if isinstance(receiver, cst.Attribute) and isinstance(receiver.value, cst.Name):
        owner = ctx.names.type_of(receiver.value, scope)  # type: ignore[arg-type]
        klass = project_class(ctx, owner) if owner is not None else None
        if klass is not None:
            for attr, callee in klass.attribute_calls:
                if attr == receiver.attr.value:
                    return key if knowledge.is_lock_class(callee) else None
    last = key.rsplit(".", 1)[-1]
    return key if LOCK_NAME.search(last) and not last.lower().endswith("block") else None


# -- what a use of an owned name does ----------------------------------------------------------


def call_effect(ctx: ModuleContext, call: cst.Call, arg: cst.Arg, kind: str, scope: cst.CSTNode | None) -> Effect:
    """The effect of passing an owned value as ``arg`` of ``call``."""
    if arg.star:
        return Effect.MOVE
    target = ctx.names.call_target(call, scope)  # type: ignore[arg-type]
    if target is None:
        return Effect.MOVE
    qualname = _canonical(ctx, target)
    if kind == "fd":
        if qualname in FD_RELEASERS:
            return Effect.RELEASE
        if qualname in FD_BORROWERS or (qualname.split(".", 1)[0] in FD_MODULES and qualname not in OWNERSHIP_TAKERS):
            return Effect.BORROW
        return Effect.MOVE  # a descriptor given to anything else may be kept there
    if qualname in OWNERSHIP_TAKERS or target in OWNERSHIP_TAKERS:
        return Effect.MOVE
    if qualname.startswith("builtins.") and qualname.count(".") == 1:
        return Effect.BORROW  # `len(f)`, `list(f)`, `print(..., file=f)`; not `list.append`
    facts = ctx.knowledge.function(qualname)
    if facts is not None and facts.kind == "function":
        return Effect.BORROW  # a library function uses what it is given
    return Effect.MOVE


def method_effect(method: str, call: cst.Call, releases: frozenset[str], popen: bool) -> Effect:
    """The effect of calling ``owned.method(...)``."""
    if method in MOVING_METHODS:
        return Effect.MOVE
    if method in releases:
        if (
            popen
            and method in ("wait", "communicate")
            and any(a.keyword is not None and a.keyword.value == "timeout" for a in call.args)
        ):
            return Effect.RELEASE_IF_RETURNS
        if popen and method == "wait" and call.args and call.args[0].keyword is None:
            return Effect.RELEASE_IF_RETURNS  # wait(5): a timeout given positionally
        return Effect.RELEASE
    return Effect.BORROW


def inline_effect(
    ctx: ModuleContext, call: cst.Call, kind: str, releases: frozenset[str], popen: bool
) -> tuple[Effect, str] | None:
    """What happens to the result of an acquiring ``call`` that is never bound: released
    (``open(p).close()``), handed on (returned, stored, given to a constructor), or only
    used — the SL403 case, returned with a description of the use. None when not used
    inline at all (bound to a name, or entered by ``with``)."""
    parents = ctx.parents
    parent = parents.get(call)
    scope = ctx.scope
    if isinstance(parent, cst.Attribute) and parent.value is call:
        grand = parents.get(parent)
        method = parent.attr.value
        if isinstance(grand, cst.Call) and grand.func is parent:
            effect = method_effect(method, grand, releases, popen)
            if effect is Effect.BORROW and method not in ("__enter__", "__aenter__"):
                return Effect.BORROW, f"`.{method}()` is called on it"
            return effect, ""
        if method in releases:
            return Effect.MOVE, ""  # `atexit.register(open(p).close)`
        return Effect.BORROW, f"only its `.{method}` is read"
    if isinstance(parent, cst.Arg) and parent.value is call:
        outer = parents.get(parent)
        if isinstance(outer, cst.Call):
            effect = call_effect(ctx, outer, parent, kind, scope)
            if effect is Effect.BORROW:
                name = dotted_name(outer.func) or "the callee"
                return Effect.BORROW, f"it is passed to `{name}()`, which does not close it"
            return effect, ""
        return Effect.MOVE, ""
    if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is call:
        return Effect.BORROW, "it is iterated over"
    if isinstance(parent, cst.Expr):
        return Effect.BORROW, "its result is dropped"
    return None


# -- the analysis ------------------------------------------------------------------------------

_OWNED, _RELEASED, _MOVED = 0, 1, 2
Fact = tuple[int, int, int]  # (site, status, origin node index or -1)
State = frozenset[Fact]


class _Roles(enum.Enum):
    BORROW = "borrow"  # the root's own value is only looked at (a test, an iterable, a bare expression)
    MOVE = "move"  # the root's value goes somewhere (assigned, returned)


@dataclass
class _NodeFacts:
    effects: list[tuple[str, Effect]] = field(default_factory=list)
    binds: set[str] = field(default_factory=set)
    acquires: list[Acquisition] = field(default_factory=list)
    lock_acquires: list[Acquisition] = field(default_factory=list)
    lock_releases: set[str] = field(default_factory=set)
    conditional_lock: tuple[Acquisition, EdgeKind] | None = None
    refinements: dict[EdgeKind, set[str]] = field(default_factory=dict)  # names not a live resource on that edge


class _Function:
    """One function's graph, its acquisition sites and, per node, what it does to them."""

    def __init__(self, ctx: ModuleContext, function: cst.FunctionDef) -> None:
        self.ctx = ctx
        self.function = function
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
            for d in function.decorators
        )
        self.unsure: set[str] = set()
        self.opaque = False
        self._scan_names()
        self.cfg: CFG = ctx.cfg(function)
        self._facts: dict[int, _NodeFacts] = {}
        self._quiet: dict[int, bool] = {}
        self.released_in_finally: set[str] = set()
        self._find_sites()

    # -- pre-scan

    def _scan_names(self) -> None:
        """Names the analysis cannot follow: global, nonlocal, and captured by a nested scope."""
        stack: list[cst.CSTNode] = [self.function.body]
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
                inner: list[cst.CSTNode] = [node]
                while inner:
                    sub = inner.pop()
                    if type(sub) is cst.Name:
                        self.unsure.add(sub.value)
                    push_children(sub, inner)
                continue
            push_children(node, stack)

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
        first_acquire: dict[str, int] = {}
        for site in self.sites:
            if site.kind == "lock":
                first_acquire.setdefault(site.name, self.offset(site.call))
        for sub in walk(self.function.body):
            if isinstance(sub, cst.Finally):
                self._scan_finally(sub)
            elif isinstance(sub, cst.Call) and isinstance(sub.func, cst.Attribute) and sub.func.attr.value == "release":
                key = dotted_name(sub.func.value)
                if key is not None:
                    self.released_keys.add(key)
                    if key in first_acquire and self.offset(sub) < first_acquire[key]:
                        self.reacquired.add(key)  # held on entry, released, taken again: the caller's lock

    def offset(self, node: cst.CSTNode) -> int:
        """A node's place in source order (the index of its first token in a pre-order walk)."""
        if self._order is None:
            self._order = {id(n): i for i, n in enumerate(preorder(self.function.body))}
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
        if name in self.unsure:
            return None
        releases, popen = release_methods(self.ctx, qualname, type_name) if kind == "resource" else (frozenset(), False)
        label = dotted_name(call.func) or (qualname or "the call").rsplit(".", 1)[-1]
        site = Acquisition(
            len(self.sites), call, name, kind, label, qualname, type_name, releases, popen, statement=statement
        )
        self.sites.append(site)
        self.by_name.setdefault(name, []).append(site)
        return site

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
        elif node.kind not in (NodeKind.STMT, NodeKind.TEST):
            return False
        if isinstance(ast, (cst.Raise, cst.Del, cst.AugAssign, cst.Import, cst.ImportFrom)):
            return False
        saw_call = False
        for sub in walk(ast):
            kind = type(sub)
            if kind is cst.Call:
                name = dotted_name(sub.func)  # type: ignore[attr-defined]
                if name is not None and "." in name and name.rsplit(".", 1)[1] in _QUIET_METHODS:
                    saw_call = True
                    continue
                if name is not None and (name.startswith("os.path.") or name == "os.fstat"):
                    saw_call = True
                    continue
                if name not in _QUIET_BUILTINS or (name == "getattr" and len(sub.args) != 3):  # type: ignore[attr-defined]
                    return False
                saw_call = True
            elif kind in (
                cst.Subscript,
                cst.Await,
                cst.Yield,
                cst.ListComp,
                cst.SetComp,
                cst.DictComp,
                cst.GeneratorExp,
            ):
                return False
        return saw_call

    def facts(self, node: CFGNode) -> _NodeFacts:
        found = self._facts.get(node.index)
        if found is None:
            found = self._facts[node.index] = _NodeFacts()
        return found

    def analyse_node(self, node: CFGNode) -> None:
        """Fill in the effects, binds and refinements of ``node`` (after the site scan)."""
        facts = self.facts(node)
        for root, role in self._roots(node, facts.binds):
            self._uses(root, role, facts)
        if node.kind is NodeKind.WITH_EXIT and isinstance(node.ast, cst.WithItem):
            item = node.ast.item
            if isinstance(item, cst.Name) and item.value in self.by_name:
                facts.effects.append((item.value, Effect.RELEASE))
        if node.kind is NodeKind.TEST:
            self._refine(node.ast, facts)
        if node.kind is NodeKind.STMT and isinstance(node.ast, cst.Expr):
            call = node.ast.value.expression if isinstance(node.ast.value, cst.Await) else node.ast.value
            if (
                isinstance(call, cst.Call)
                and isinstance(call.func, cst.Attribute)
                and call.func.attr.value == "release"
            ):
                key = dotted_name(call.func.value)
                if key is not None and key in self.lock_sites:
                    facts.lock_releases.add(key)
        if node.kind is NodeKind.FOR_NEXT and isinstance(node.stmt, cst.For):
            self._loop_over_literal(node.stmt, facts)

    def _roots(self, node: CFGNode, binds: set[str]) -> list[tuple[cst.CSTNode, _Roles]]:
        ast = node.ast
        kind = node.kind
        if kind in (
            NodeKind.ENTRY,
            NodeKind.EXIT,
            NodeKind.RAISE_EXIT,
            NodeKind.NORETURN,
            NodeKind.RERAISE,
            NodeKind.WITH_EXIT,
        ):
            return []
        if kind in (NodeKind.TEST, NodeKind.FOR_ITER, NodeKind.ASSERT):
            if isinstance(ast, cst.Assert):
                asserted: list[tuple[cst.CSTNode, _Roles]] = [(ast.test, _Roles.BORROW)]
                return asserted + ([(ast.msg, _Roles.BORROW)] if ast.msg is not None else [])
            return [(ast, _Roles.BORROW)]
        if kind is NodeKind.FOR_NEXT:
            return [(r, _Roles.BORROW) for r in bind_target(ast, binds)]
        if isinstance(ast, cst.WithItem):
            roots: list[tuple[cst.CSTNode, _Roles]] = [(ast.item, _Roles.BORROW)]
            if ast.asname is not None:
                roots += [(r, _Roles.BORROW) for r in bind_target(ast.asname.name, binds)]
            return roots
        if isinstance(ast, (cst.ExceptHandler, cst.ExceptStarHandler)):
            if ast.name is not None:
                bind_target(ast.name.name, binds)
            return [(ast.type, _Roles.BORROW)] if ast.type is not None else []
        if isinstance(ast, cst.Match):
            return [(ast.subject, _Roles.BORROW)]
        if isinstance(ast, cst.MatchCase):
            for sub in walk(ast.pattern):
                if isinstance(sub, cst.MatchAs) and sub.name is not None:
                    binds.add(sub.name.value)
                elif isinstance(sub, cst.MatchStar) and sub.name is not None:
                    binds.add(sub.name.value)
            return []
        if isinstance(ast, (cst.FunctionDef, cst.ClassDef)):
            binds.add(ast.name.value)
            if isinstance(ast, cst.ClassDef):
                return [
                    (e, _Roles.MOVE)
                    for e in (*(d.decorator for d in ast.decorators), *(a.value for a in (*ast.bases, *ast.keywords)))
                ]
            return [
                (e, _Roles.MOVE)
                for e in (
                    *(d.decorator for d in ast.decorators),
                    *(p.default for p in parameters(ast.params) if p.default),
                )
            ]
        if isinstance(ast, cst.Assign):
            roots = [(ast.value, _Roles.MOVE)]
            for target in ast.targets:
                roots += [(r, _Roles.BORROW) for r in bind_target(target.target, binds)]
            return roots
        if isinstance(ast, cst.AnnAssign):
            roots = [(r, _Roles.BORROW) for r in bind_target(ast.target, binds)]
            return roots + ([(ast.value, _Roles.MOVE)] if ast.value is not None else [])
        if isinstance(ast, cst.AugAssign):
            bind_target(ast.target, binds)
            return [(ast.target, _Roles.BORROW), (ast.value, _Roles.MOVE)]
        if isinstance(ast, cst.Del):
            return [(ast.target, _Roles.MOVE)]
        if isinstance(ast, cst.Expr):
            return [(ast.value, _Roles.BORROW)]
        if isinstance(ast, (cst.Import, cst.ImportFrom)):
            names = ast.names
            if isinstance(names, Iterable) and not isinstance(names, cst.ImportStar):
                for alias in names:
                    bound = alias.asname.name if alias.asname is not None else alias.name
                    if isinstance(bound, cst.Name):
                        binds.add(bound.value)
                    elif isinstance(bound, cst.Attribute):
                        top = dotted_name(bound)
                        if top:
                            binds.add(top.split(".", 1)[0])
            return []
        return [(ast, _Roles.MOVE)]

    def _uses(self, root: cst.CSTNode, role: _Roles, facts: _NodeFacts) -> None:
        """The effect of every read of a tracked name (or lock key) under ``root``."""
        tracked = self.by_name
        parents: dict[int, cst.CSTNode] = {}
        stack: list[cst.CSTNode] = [root]
        names: list[cst.Name] = []
        while stack:
            node = stack.pop()
            kind = type(node)
            if kind is cst.Name:
                if node.value in tracked:  # type: ignore[attr-defined]
                    names.append(node)  # type: ignore[arg-type]
                continue
            if kind is cst.Lambda or kind is cst.FunctionDef or kind is cst.ClassDef:
                continue
            if kind is cst.NamedExpr:
                bind_target(node.target, facts.binds)  # type: ignore[attr-defined]
                parents[id(node.value)] = node  # type: ignore[attr-defined]
                stack.append(node.value)  # type: ignore[attr-defined]
                continue
            children: list[cst.CSTNode] = []
            push_children(node, children)
            for child in children:
                parents[id(child)] = node
            stack += children
        for name in names:
            facts.effects.append((name.value, self._effect(name, root, role, parents)))

    def _effect(self, name: cst.Name, root: cst.CSTNode, role: _Roles, parents: dict[int, cst.CSTNode]) -> Effect:
        sites = self.by_name[name.value]
        site = sites[0]
        child: cst.CSTNode = name
        parent = parents.get(id(child))
        # A value looked at through `and`/`or`/`x if c else y` goes where the whole goes.
        while isinstance(parent, (cst.BooleanOperation, cst.IfExp)):
            if isinstance(parent, cst.IfExp) and parent.test is child:
                return Effect.BORROW
            child, parent = parent, parents.get(id(parent))
        if parent is None:
            return Effect.BORROW if role is _Roles.BORROW else Effect.MOVE
        if isinstance(parent, cst.Attribute) and parent.value is child:
            grand = parents.get(id(parent))
            method = parent.attr.value
            if child is not name:
                return Effect.BORROW
            if isinstance(grand, cst.Call) and grand.func is parent:
                if site.kind == "resource":
                    return method_effect(method, grand, site.releases, site.popen)
                return Effect.BORROW
            if site.kind == "resource" and (method in site.releases or method in MOVING_METHODS):
                return Effect.MOVE  # `atexit.register(f.close)`: someone else will call it
            return Effect.BORROW
        if isinstance(parent, cst.Arg) and parent.value is child:
            call = parents.get(id(parent))
            if isinstance(call, cst.Call):
                if child is not name:
                    return Effect.MOVE
                return call_effect(self.ctx, call, parent, site.kind, self.function)
            return Effect.MOVE
        if isinstance(
            parent,
            (
                cst.Comparison,
                cst.ComparisonTarget,
                cst.UnaryOperation,
                cst.BinaryOperation,
                cst.FormattedStringExpression,
                cst.Subscript,
                cst.SubscriptElement,
                cst.Index,
                cst.Slice,
            ),
        ):
            return Effect.BORROW
        if isinstance(parent, (cst.CompFor,)) and parent.iter is child:
            return Effect.BORROW
        if isinstance(parent, cst.Yield) and self.contextmanager:
            return Effect.BORROW  # lent to the with block; the generator still owns it
        if isinstance(parent, cst.Await):
            return Effect.BORROW
        return Effect.MOVE

    def _refine(self, test: cst.CSTNode, facts: _NodeFacts) -> None:
        """Names the outcome of ``test`` shows are not a live resource: ``if f:`` is false
        only for None, ``f is sys.stdout`` means it is not the file opened here, and
        ``f.closed`` means it was closed."""
        negated = False
        while isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            test, negated = test.expression, not negated
        dead_on: EdgeKind | None = None
        name: str | None = None
        if isinstance(test, cst.Name):
            name, dead_on = test.value, EdgeKind.FALSE
        elif isinstance(test, cst.Attribute) and isinstance(test.value, cst.Name) and test.attr.value == "closed":
            name, dead_on = test.value.value, EdgeKind.TRUE
        elif isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            left, comparison = test.left, test.comparisons[0]
            right = comparison.comparator
            if not isinstance(left, cst.Name) and isinstance(right, cst.Name):
                left, right = right, left
            operator = comparison.operator
            if isinstance(left, cst.Name) and left.value in self.by_name:
                name = left.value
                if isinstance(operator, (cst.Is, cst.Equal)):
                    dead_on = EdgeKind.TRUE
                elif isinstance(operator, (cst.IsNot, cst.NotEqual)):
                    dead_on = EdgeKind.FALSE
                elif self.by_name[name][0].kind == "fd" and left is test.left:
                    # `if fd > 2: os.close(fd)`: a descriptor at most 2 is a standard stream
                    if isinstance(operator, (cst.GreaterThan, cst.GreaterThanEqual)):
                        dead_on = EdgeKind.FALSE
                    elif isinstance(operator, (cst.LessThan, cst.LessThanEqual)):
                        dead_on = EdgeKind.TRUE
        if name is None or dead_on is None or name not in self.by_name:
            return
        if negated:
            dead_on = EdgeKind.TRUE if dead_on is EdgeKind.FALSE else EdgeKind.FALSE
        facts.refinements.setdefault(dead_on, set()).add(name)

    def _loop_over_literal(self, loop: cst.For, facts: _NodeFacts) -> None:
        """``for f in (a, b): f.close()`` releases each owned name of the literal."""
        if not isinstance(loop.iter, (cst.Tuple, cst.List)) or not isinstance(loop.target, cst.Name):
            return
        var = loop.target.value
        releases = False
        for sub in walk(loop.body):
            if isinstance(sub, cst.Call):
                func = sub.func
                if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == var:
                    releases = releases or func.attr.value in GENERIC_RELEASES
                elif dotted_name(func) in FD_RELEASERS and sub.args and isinstance(sub.args[0].value, cst.Name):
                    releases = releases or sub.args[0].value.value == var
        if not releases:
            return
        for element in loop.iter.elements:
            if isinstance(element.value, cst.Name) and element.value.value in self.by_name:
                facts.effects.append((element.value.value, Effect.RELEASE))


def _settle(state: State, origins: set[int], status: int) -> State:
    """Give ``status`` to the owned facts whose exception came from one of ``origins``."""
    return frozenset(
        (s, status, -1) if st == _OWNED and origin in origins else (s, st, origin) for s, st, origin in state
    )


def _reraises(handler: cst.CSTNode) -> bool:
    body = getattr(handler, "body", None)
    return body is None or any(isinstance(n, cst.Raise) for n in walk(body))


def _catches_exception(handler: cst.CSTNode) -> bool:
    caught = getattr(handler, "type", None)
    if caught is None:
        return False
    types = [e.value for e in caught.elements] if isinstance(caught, cst.Tuple) else [caught]
    return any(dotted_name(t) in ("Exception", "builtins.Exception") for t in types)


def _catches_timeout(handler: cst.CSTNode) -> bool:
    caught = getattr(handler, "type", None)
    if caught is None:
        return False
    types = [e.value for e in caught.elements] if isinstance(caught, cst.Tuple) else [caught]
    return any((dotted_name(t) or "").endswith("TimeoutExpired") for t in types)


class _Ownership(ForwardAnalysis[State]):
    def __init__(self, function: _Function) -> None:
        self.f = function
        self._prepared: set[int] = set()
        self.timeouts: set[int] = set()  # nodes waiting for a child with a timeout

    def facts(self, node: CFGNode) -> _NodeFacts:
        if node.index not in self._prepared:
            self._prepared.add(node.index)
            self.f.analyse_node(node)
            found = self.f.facts(node)
            if any(effect is Effect.RELEASE_IF_RETURNS for _, effect in found.effects):
                self.timeouts.add(node.index)
            return found
        return self.f.facts(node)

    def initial(self) -> State:
        return frozenset()

    def join(self, a: State, b: State) -> State:
        return a | b

    def _apply(self, node: CFGNode, state: State, raised: bool) -> State:
        facts = self.facts(node)
        if not facts.effects and not facts.lock_releases:
            return state
        changes: dict[int, int] = {}
        for name, effect in facts.effects:
            if effect is Effect.BORROW or (raised and effect is Effect.RELEASE_IF_RETURNS):
                continue
            status = _MOVED if effect is Effect.MOVE else _RELEASED
            for site in self.f.by_name.get(name, ()):
                if changes.get(site.index) != _MOVED:
                    changes[site.index] = status
        for key in facts.lock_releases:
            for site in self.f.lock_sites.get(key, ()):
                changes[site.index] = _RELEASED
        if not changes:
            return state
        return frozenset((s, changes.get(s, status), origin if s not in changes else -1) for s, status, origin in state)

    def mid(self, node: CFGNode, state: State) -> State:
        """The state after the node's uses, before it binds anything."""
        return self._apply(node, state, False)

    def transfer(self, node: CFGNode, state: State) -> State:
        state = self._apply(node, state, False)
        facts = self.facts(node)
        if facts.binds:
            dropped = {site.index for name in facts.binds for site in self.f.by_name.get(name, ())}
            if dropped:
                state = frozenset(fact for fact in state if fact[0] not in dropped)
        for site in facts.acquires:
            state = frozenset(fact for fact in state if fact[0] != site.index) | {(site.index, _OWNED, -1)}
        for site in facts.lock_acquires:
            state = frozenset(fact for fact in state if fact[0] != site.index) | {(site.index, _OWNED, -1)}
        return state

    def transfer_exception(self, node: CFGNode, state: State) -> State | None:
        if self.f.quiet(node) or node.jump is Jump.EXCEPTION:
            # A `finally` or `__exit__` running for an exception that raises again is a
            # double fault: its cleanup is not where a leak is worth reporting.
            return None
        state = self._apply(node, state, True)
        if any(status == _OWNED and origin == -1 for _, status, origin in state):
            state = frozenset(
                (s, status, node.index if status == _OWNED and origin == -1 else origin) for s, status, origin in state
            )
        return state

    def transfer_edge(self, label: EdgeKind, node: CFGNode, state: State) -> State | None:
        if label is EdgeKind.FALSE and node.kind is NodeKind.ASSERT:
            return None  # a failing assertion is a bug in the program, not a path to clean up on
        if label is EdgeKind.FALSE and node.kind is NodeKind.EXCEPT and _catches_exception(node.ast):
            return None  # past `except Exception:` only KeyboardInterrupt and SystemExit go on
        out = self.transfer(node, state)
        if node.kind is NodeKind.EXCEPT and _catches_timeout(node.ast) and self.timeouts:
            if label is EdgeKind.FALSE:
                # Not a TimeoutExpired: a child waited for with a timeout was reaped after all.
                out = _settle(out, self.timeouts, _RELEASED)
            elif label is EdgeKind.TRUE and not _reraises(node.ast):
                # The timeout is handled without raising: leaving the child running is a decision.
                out = _settle(out, self.timeouts, _MOVED)
        facts = self.facts(node)
        dead = facts.refinements.get(label)
        if dead:
            gone = {site.index for name in dead for site in self.f.by_name.get(name, ())}
            out = frozenset(fact for fact in out if fact[0] not in gone)
        if facts.conditional_lock is not None and facts.conditional_lock[1] is label:
            site = facts.conditional_lock[0]
            out = frozenset(fact for fact in out if fact[0] != site.index) | {(site.index, _OWNED, -1)}
        return out


# -- results -----------------------------------------------------------------------------------


def function_leaks(ctx: ModuleContext, function: cst.FunctionDef) -> list[Leak]:
    """Every leak in ``function``'s own body (nested functions are analysed on their own),
    computed once per function whichever SL4 rule asks first."""
    return ctx.memo(("leaks", function), lambda: _leaks(ctx, function))


def _has_candidates(function: cst.FunctionDef) -> bool:
    """A cheap syntactic screen: a call bound by an assignment or ``with ... as``, or an ``.acquire()``."""
    for node in walk(function.body):
        kind = type(node)
        if kind is cst.Assign or kind is cst.AnnAssign:
            value = node.value  # type: ignore[attr-defined]
            if isinstance(value, cst.Await):
                value = value.expression
            if isinstance(value, cst.Call):
                return True
        elif kind is cst.WithItem and node.asname is not None and isinstance(node.item, cst.Call):  # type: ignore[attr-defined]
            return True
        elif kind is cst.Attribute and node.attr.value == "acquire":  # type: ignore[attr-defined]
            return True
    return False


_ENTRY_POINTS = frozenset({"main", "_main", "test", "_test"})
"""Command-line entry points: the process ends with them and releases what they hold."""


def _leaks(ctx: ModuleContext, function: cst.FunctionDef) -> list[Leak]:
    if function.name.value in _ENTRY_POINTS or not _has_candidates(function):
        return []
    f = _Function(ctx, function)
    if not f.sites:
        return []
    analysis = _Ownership(f)
    result = solve(f.cfg, analysis)
    if not result.converged:
        return []
    cfg = f.cfg
    at_exit = result.before(cfg.exit) or frozenset()
    at_raise = result.before(cfg.raise_exit) or frozenset()
    leaks: list[Leak] = []
    rebound: dict[int, CFGNode] = {}
    for node in cfg.nodes:
        state = result.before(node)
        if not state:
            continue
        facts = analysis.facts(node)
        if not facts.binds:
            continue
        mid = analysis.mid(node, state)
        for name in facts.binds:
            for site in f.by_name.get(name, ()):
                if (site.index, _OWNED) in {(s, st) for s, st, _ in mid} and site.index not in rebound:
                    rebound[site.index] = node
    for site in f.sites:
        exit_statuses = {status for s, status, _ in at_exit if s == site.index}
        raised = [origin for s, status, origin in at_raise if s == site.index and status == _OWNED]
        if site.kind == "lock":
            if (
                site.name not in f.released_keys
                or site.name in f.reacquired
                or site.name in f.released_in_finally
                and _OWNED not in exit_statuses
                or function.name.value in ("__enter__", "__aenter__", "acquire", "lock")
            ):
                continue
            if _OWNED in exit_statuses and _RELEASED in exit_statuses:
                # Held on one way out, released on another. Held on every normal way out (and
                # released only on an error path) is a lock handed to the caller on purpose.
                leaks.append(Leak(site, LeakKind.LOCK_HELD, _exit_statement(result, cfg, site.index)))
            elif raised:
                leaks.append(Leak(site, LeakKind.LOCK_EXCEPTION, _first(cfg, raised)))
            continue
        # A release in a `finally` means the author took charge of every path, often with a
        # flag this analysis cannot correlate (`if not closed: os.close(fd)`).
        trusted = site.name in f.released_in_finally and not site.via_with
        if _OWNED in exit_statuses and not trusted:
            kind = LeakKind.SQLITE_WITH if site.via_with else LeakKind.UNRELEASED
            leaks.append(Leak(site, kind, _exit_statement(result, cfg, site.index)))
        elif site.index in rebound and not (trusted and f.offset(rebound[site.index].ast) < f.offset(site.call)):
            # (a loop that rebinds it in the next round, and a `finally` that releases it)
            leaks.append(Leak(site, LeakKind.REBOUND, rebound[site.index].ast))
        elif raised and exit_statuses == {_RELEASED} and not trusted:
            leaks.append(Leak(site, LeakKind.EXCEPTION, _first(cfg, raised)))
    return _merge(leaks)


def _merge(leaks: list[Leak]) -> list[Leak]:
    """One leak per acquiring call and kind: ``r, w = os.pipe()`` leaking both is one finding."""
    merged: dict[tuple[int, LeakKind], Leak] = {}
    for leak in leaks:
        key = (id(leak.site.call), leak.kind)
        if key in merged:
            merged[key].others.append(leak.site)
        else:
            merged[key] = leak
    return list(merged.values())


def _first(cfg: CFG, origins: list[int]) -> cst.CSTNode | None:
    """The earliest statement (in source order of the graph) among the raising origins."""
    nodes = [cfg.nodes[i] for i in set(origins) if i >= 0]
    if not nodes:
        return None
    nodes.sort(key=lambda n: n.index)
    node = nodes[0]
    return node.ast if not isinstance(node.ast, cst.Module) else None


def _exit_statement(result: object, cfg: CFG, index: int) -> cst.CSTNode | None:
    """The statement through which a path leaves the function with the site still owned."""
    for pred, label in cfg.exit.preds:
        state = result.on_edge(pred, label)  # type: ignore[attr-defined]
        if state and any(s == index and status == _OWNED for s, status, _ in state):
            if pred.kind in (NodeKind.ENTRY,):
                return None
            return pred.ast
    return None


# -- words for messages --------------------------------------------------------------------------


def line_of(ctx: ModuleContext, node: cst.CSTNode | None) -> int | None:
    if node is None:
        return None
    try:
        return ctx.position(node, ctx.current_top).start.line
    except KeyError:
        return None


def describe(site: Acquisition, others: list[Acquisition] | None = None) -> str:
    """``f`` from `open(...)`, ``r``, ``w`` from `os.pipe()`."""
    names = ", ".join(f"`{s.name}`" for s in [site, *(others or [])])
    if site.kind == "fd":
        return f"the file descriptor{'s' if others else ''} {names} from `{site.label}(...)`"
    if site.popen:
        return f"the child process {names} from `{site.label}(...)`"
    return f"{names} from `{site.label}(...)`"


def release_verb(site: Acquisition) -> str:
    if site.kind == "fd":
        return "closed"
    if site.popen:
        return "waited for"
    if site.releases and "close" not in site.releases:
        return "released"
    return "closed"


def release_help(site: Acquisition) -> str:
    if site.kind == "fd":
        return f"close it with `os.close({site.name})` in a `finally`, or hand it to `os.fdopen` and use `with`"
    if site.popen:
        return (
            f"use `with {site.label}(...) as {site.name}:`, or reap it with `{site.name}.wait()`/`communicate()` "
            "on every path (after a `TimeoutExpired`: `kill()`, then `wait()`)"
        )
    return f"use `with {site.label}(...) as {site.name}:`, or release it in a `finally`"
