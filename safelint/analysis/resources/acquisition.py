"""What acquires a resource and what a use of it does: the facts the ownership analysis and
the SL4 rules share.

An acquisition is a call that returns something its caller must release — a resource the
knowledge base or the project index says has a release method, a raw file descriptor, an
item of a tuple (``os.pipe()``), a lock taken with ``acquire()``. An *effect* is what one
use of an owned name does to it: nothing, release it, or hand it on.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from safelint.analysis.facts.apis import (
    ASYNC_CHILD_CLASS,
    ASYNC_CHILD_RELEASES,
    CASTS,
    FD_BORROWERS,
    FD_FUNCTIONS,
    FD_MODULES,
    FD_RELEASERS,
    FD_STREAM_SETTERS,
    GENERIC_RELEASES,
    INDEPENDENT_METHODS,
    LOCK_NAME,
    MOVING_METHODS,
    NOT_ACQUIRED,
    OPENERS,
    OWNERSHIP_TAKERS,
    POPEN_RELEASES,
    SQLITE_CONNECT,
    STARTED_RESOURCES,
    TUPLE_ACQUIRERS,
)
from safelint.analysis.facts.callees import project_class, project_function
from safelint.analysis.syntax import Scope, dotted_name
from safelint.analysis.types.model import ClassObject

if TYPE_CHECKING:
    from safelint.analysis.facts.index.summary import ClassSummary
    from safelint.context import ModuleContext

__all__ = [
    "Acquisition",
    "Effect",
    "InlineUse",
    "Leak",
    "LeakKind",
    "acquisition",
    "call_effect",
    "inline_effect",
    "is_cast",
    "is_sqlite_connection",
    "lock_key",
    "method_effect",
    "release_methods",
]

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
    target = ctx.types.call_target(call, scope)
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
    if _known_getter(ctx, qualname):
        return None  # `asyncio.get_running_loop()`: a getter hands out what someone else owns
    if _wraps_a_stream(call, qualname, owned):
        return None
    if isinstance(call.func, cst.Attribute) and "." in qualname:
        receiver_class, method = qualname.rsplit(".", 1)
        if method in ("enter_context", "enter_async_context"):
            return None
        if (
            knowledge.is_resource_class(receiver_class)
            and method not in INDEPENDENT_METHODS
            and not isinstance(ctx.types.type_of(call.func.value, scope), ClassObject)
        ):
            return None  # a view of its receiver: the cursor of a connection, a makefile
    if started_later(ctx, qualname):
        return None  # `BaseManager()`: nothing runs until `start()`, which acquires
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


def _known_getter(ctx: ModuleContext, qualname: str) -> bool:
    """A library function named as a getter (``asyncio.get_event_loop``): what it returns is
    someone else's, and so is what a project function returning its result returns."""
    return bool(_GETTER.match(qualname.rsplit(".", 1)[-1])) and ctx.knowledge.function(qualname) is not None


def started_later(ctx: ModuleContext, class_name: str) -> bool:
    """A class whose instances hold their resource from ``start()`` on."""
    facts = ctx.knowledge.class_facts(class_name)
    return facts is not None and not STARTED_RESOURCES.isdisjoint(facts.ancestors)


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
            if callee in NOT_ACQUIRED or _known_getter(ctx, callee) or not ctx.knowledge.returns_resource(callee):
                return None
        return "resource", qualname, None
    klass = project_class(ctx, qualname)
    if klass is not None:
        for base in klass.bases:
            if ctx.knowledge.is_resource_class(base):
                return None if _releases_nothing(ctx, klass, base) else ("resource", qualname, base)
    return None


def _releases_nothing(ctx: ModuleContext, klass: ClassSummary, base: str) -> bool:
    """A subclass that overrides every release method of its resource base with a no-op
    (tornado's ``DummyExecutor.shutdown``: it runs work inline) holds nothing to release."""
    facts = ctx.knowledge.class_facts(base)
    releases = (facts.release_methods if facts is not None else frozenset()) - {"__exit__"}
    return bool(releases) and releases <= set(klass.noop_methods)


def release_methods(ctx: ModuleContext, qualname: str | None, type_name: str | None) -> tuple[frozenset[str], bool]:
    """The methods that release a resource of this class, and whether it is a child process."""
    facts = ctx.knowledge.class_facts(type_name) if type_name else None
    popen = qualname == "subprocess.Popen" or (facts is not None and "subprocess.Popen" in facts.ancestors)
    if popen:
        return POPEN_RELEASES, True
    if type_name == ASYNC_CHILD_CLASS or (facts is not None and ASYNC_CHILD_CLASS in facts.ancestors):
        return ASYNC_CHILD_RELEASES, True
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
    typed = ctx.types.class_of(receiver, scope)
    if typed is not None:
        return key if knowledge.is_lock_class(typed) else None
    if isinstance(receiver, cst.Attribute) and isinstance(receiver.value, cst.Name):
        owner = ctx.types.class_of(receiver.value, scope)
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
    target = ctx.types.call_target(call, scope)
    if target is None:
        return Effect.MOVE
    qualname = _canonical(ctx, target)
    if kind == "fd":
        if qualname in FD_RELEASERS:
            return Effect.RELEASE
        if qualname in FD_STREAM_SETTERS and call.args and call.args[0] is arg:
            return Effect.MOVE
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


def is_cast(ctx: ModuleContext, call: cst.CSTNode | None, arg: cst.Arg, scope: Scope) -> bool:
    """``arg`` is the value of ``typing.cast(T, value)``, which hands back the same object:
    the value goes wherever the cast goes."""
    if not isinstance(call, cst.Call) or len(call.args) != 2 or call.args[1] is not arg:
        return False
    return ctx.names.qualified_name(call.func, scope) in CASTS


class InlineUse(enum.Enum):
    """How the result of an acquiring call that is never bound is used, when it is only used."""

    METHOD_CALLED = "method called"  # open(p).read()
    ATTRIBUTE_READ = "attribute read"  # open(p).name
    PASSED = "passed"  # json.load(open(p))
    ITERATED = "iterated"  # for line in open(p)
    DROPPED = "dropped"  # open(p) as a statement


def inline_effect(
    ctx: ModuleContext, call: cst.Call, kind: str, releases: frozenset[str], popen: bool
) -> tuple[Effect, InlineUse | None, str] | None:
    """What happens to the result of an acquiring ``call`` that is never bound: released
    (``open(p).close()``), handed on (returned, stored, given to a constructor), or only
    used — the SL403 case, returned with how it is used and the method, attribute or callee
    involved. None when not used inline at all (bound to a name, or entered by ``with``)."""
    parents = ctx.parents
    parent = parents.get(call)
    scope = ctx.scope
    if isinstance(parent, cst.Attribute) and parent.value is call:
        grand = parents.get(parent)
        method = parent.attr.value
        if isinstance(grand, cst.Call) and grand.func is parent:
            effect = method_effect(method, grand, releases, popen)
            if effect is Effect.BORROW and method not in ("__enter__", "__aenter__"):
                return Effect.BORROW, InlineUse.METHOD_CALLED, method
            return effect, None, ""
        if method in releases:
            return Effect.MOVE, None, ""  # `atexit.register(open(p).close)`
        return Effect.BORROW, InlineUse.ATTRIBUTE_READ, method
    if isinstance(parent, cst.Arg) and parent.value is call:
        outer = parents.get(parent)
        if isinstance(outer, cst.Call) and is_cast(ctx, outer, parent, scope):
            return inline_effect(ctx, outer, kind, releases, popen)
        if isinstance(outer, cst.Call):
            effect = call_effect(ctx, outer, parent, kind, scope)
            if effect is Effect.BORROW:
                return Effect.BORROW, InlineUse.PASSED, dotted_name(outer.func) or ""
            return effect, None, ""
        return Effect.MOVE, None, ""
    if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is call:
        return Effect.BORROW, InlineUse.ITERATED, ""
    if isinstance(parent, cst.Expr):
        return Effect.BORROW, InlineUse.DROPPED, ""
    return None
