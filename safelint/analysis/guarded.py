"""What a ``try`` guards, and so what a handler that swallows every error loses.

Swallowing an error is a bug only where the failure matters: data not written or committed,
a message not sent, a job, callback or handler whose failure nobody sees, a future's or a
child process's outcome never read. Work done for its own sake stays quiet: telemetry and
logging (which must never break the call they observe), teardown and release (best effort by
nature). This module names the first lost work in a ``try`` body; the rule decides whether
to report it and how to word it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

import libcst as cst

from safelint.analysis.syntax import callee_name, dotted_name, enclosing, parameters

if TYPE_CHECKING:
    from safelint.context import ModuleContext

__all__ = ["Loss", "LostWork", "called_only_while_failing", "is_teardown_function", "lost_work"]


class Loss(Enum):
    """The kind of work whose failure a swallowing handler hides."""

    DATA = "data written or committed"
    MESSAGE = "a message sent"
    JOB = "a job, callback or handler run"
    FUTURE = "a future's result"
    CHILD = "a child process's outcome"
    LOCK_RELEASE = "a lock released"


@dataclass(frozen=True)
class LostWork:
    loss: Loss
    call: cst.CSTNode
    what: str  # the callee as written: ``conn.commit``, ``callback``


# Calls whose failure means the work did not happen, by the method's name.
_DATA = frozenset(
    {"write", "writelines", "save", "store", "commit", "dump", "persist", "insert", "upsert", "fsync", "delete"}
    | {"executemany", "bulk_write", "insert_one", "insert_many", "update_one", "update_many", "replace_one"}
)
_MESSAGE = frozenset(
    {"send", "sendall", "sendto", "sendmsg", "sendfile", "publish", "deliver", "reply", "produce", "broadcast"}
)
_JOB = frozenset({"apply_async", "delay", "submit", "dispatch", "handle", "invoke", "execute", "run_job"})
_CHILD_QUALIFIED = frozenset(
    {"subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output", "os.waitpid"}
)
_CHILD_METHODS = frozenset({"wait", "communicate"})
_CHILD_RECEIVER = re.compile(r"(^|[._])(proc|process|child|popen|subprocess|p)$", re.I)
_LOCK_RECEIVER = re.compile(r"(lock|mutex|sem|semaphore|cond|condition)$", re.I)
# A callable the code was handed to run: a parameter, or a name that says so.
_CALLBACK_NAME = re.compile(r"(^|_)(callback|callbacks|handler|hook|cb|fn|func|target|job|task|listener)$|^on_", re.I)
_FUTURE_NAME = re.compile(r"(^|_)(fut|future|task|waiter)s?$", re.I)

# Work done for its own sake: observing (logging, metrics, tracing), and teardown.
_AUXILIARY_MODULES = ("logging.", "warnings.", "traceback.", "sentry_sdk.", "opentelemetry.", "statsd.")
_AUXILIARY_RECEIVER = re.compile(
    r"(^|[._])(log|logger|logging|_log|_logger|metrics?|stats|statsd|tracer|tracing|span|telemetry|sentry|hub|scope)$",
    re.I,
)
_TEARDOWN = re.compile(
    r"^_*(close|aclose|shutdown|stop|cleanup|clean_up|teardown|tear_down|terminate|dispose|disconnect|destroy|abort"
    r"|kill|reset|release|finalize|unregister|unlink|wait_closed|write_eof|connection_lost|force_close)"
    r"(_[a-z0-9]+)?$",
    re.I,
)


def is_teardown_function(name: str) -> bool:
    """A function whose whole purpose is to tear something down, or to describe it (``__repr__``):
    a failure inside it is best effort, not lost work. Its name is the teardown word and at most
    one more (``close``, ``_close_socket``, ``shutdown_all``), not any name that starts with one."""
    return name in ("__del__", "__exit__", "__aexit__", "__repr__", "__str__") or _TEARDOWN.match(name) is not None


def called_only_while_failing(ctx: ModuleContext, function: cst.FunctionDef) -> bool:
    """Every call of ``function`` in its module (by name, ``f()`` or ``self.f()``) sits in an
    ``except`` body or a ``finally``, and there is at least one: a cleanup helper run while
    another error is on its way, whose own failure must not replace that error."""
    name = function.name.value
    calls = ctx.memo(("calls-by-name", ctx.module), lambda: _calls_by_name(ctx.module))
    sites = calls.get(name, [])
    return bool(sites) and all(_while_failing(ctx, call) for call in sites)


def _calls_by_name(module: cst.Module) -> dict[str, list[cst.Call]]:
    found: dict[str, list[cst.Call]] = {}
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Call):
            name = callee_name(node.func)
            if name is not None:
                found.setdefault(name, []).append(node)
        stack.extend(node.children)
    return found


def _while_failing(ctx: ModuleContext, call: cst.CSTNode) -> bool:
    return any(
        isinstance(node, (cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally))
        for _, node in enclosing(call, ctx.parents)
    )


def lost_work(ctx: ModuleContext, body: cst.BaseSuite, scope: cst.CSTNode | None) -> LostWork | None:
    """The first call in ``body`` (not in nested functions, nor in a nested ``try`` that has
    handlers of its own) whose failure loses work that matters, if any."""
    params = _parameter_names(scope)
    stack: list[cst.CSTNode] = [body]
    found: list[LostWork] = []
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            continue
        if isinstance(node, (cst.Try, cst.TryStar)) and node.handlers:
            stack.extend(h.body for h in node.handlers)
            stack.extend(part for part in (node.orelse, node.finalbody) if part is not None)
            continue
        if isinstance(node, cst.Call):
            lost = _classify_call(ctx, node, scope, params)
            if lost is not None:
                found.append(lost)
        elif isinstance(node, cst.Await) and not isinstance(node.expression, cst.Call):
            name = dotted_name(node.expression) or ""
            if _FUTURE_NAME.search(name.rsplit(".", 1)[-1]):
                found.append(LostWork(Loss.FUTURE, node, name))
        stack.extend(reversed(list(node.children)))
    if not found:
        return None
    return min(found, key=lambda lost: _position(ctx, lost.call))


def _position(ctx: ModuleContext, node: cst.CSTNode) -> tuple[int, int]:
    start = ctx.position(node).start
    return start.line, start.column


def _parameter_names(scope: cst.CSTNode | None) -> frozenset[str]:
    if isinstance(scope, (cst.FunctionDef, cst.Lambda)):
        return frozenset(p.name.value for p in parameters(scope.params)) - {"self", "cls"}
    return frozenset()


def _classify_call(
    ctx: ModuleContext, call: cst.Call, scope: cst.CSTNode | None, params: frozenset[str]
) -> LostWork | None:
    name = callee_name(call.func)
    if name is None:
        return None
    written = dotted_name(call.func) or name
    receiver = written.rsplit(".", 1)[0] if "." in written else ""
    if _auxiliary(ctx, call, scope, receiver):
        return None
    if isinstance(call.func, cst.Name) and name in params:
        return LostWork(Loss.JOB, call, written)
    if name == "release" and not call.args and _LOCK_RECEIVER.search(receiver):
        return LostWork(Loss.LOCK_RELEASE, call, written)
    if _TEARDOWN.match(name):
        return None
    qualified = ctx.types.call_target(call, scope) or written
    if qualified in _CHILD_QUALIFIED or (name in _CHILD_METHODS and _CHILD_RECEIVER.search(receiver)):
        return LostWork(Loss.CHILD, call, written)
    if name == "result" and not call.args and (_FUTURE_NAME.search(receiver) or "Future" in qualified):
        return LostWork(Loss.FUTURE, call, written)
    if name in _DATA:
        return LostWork(Loss.DATA, call, written)
    if name in _MESSAGE:
        return LostWork(Loss.MESSAGE, call, written)
    if name in _JOB or _CALLBACK_NAME.search(name):
        return LostWork(Loss.JOB, call, written)
    return None


def _auxiliary(ctx: ModuleContext, call: cst.Call, scope: cst.CSTNode | None, receiver: str) -> bool:
    """Logging, warnings, metrics and tracing: by the receiver's name or what the call resolves to."""
    if receiver and _AUXILIARY_RECEIVER.search(receiver):
        return True
    target = ctx.types.call_target(call, scope) or ""
    return target.startswith(_AUXILIARY_MODULES) or target in ("print", "builtins.print")
