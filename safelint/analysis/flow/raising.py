"""What can raise, and the truth of literal tests: the questions the CFG builder asks of a
statement to decide its exception edges and which branch of a constant test is never taken.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from safelint.analysis.syntax import COMPREHENSIONS, LEAVES, callee_name, dotted_name, push_children

# What can raise. Calls, awaits, yields (a generator can be thrown into), subscripts and
# comprehensions (which iterate) can; names, constants, attribute loads and operators are
# taken not to: an edge from every ``x.y`` or ``a + b`` would put most of a ``try`` body
# on the path to each handler, and each such path is a chance for a false positive.
_RAISING_EXPRESSIONS = frozenset({cst.Call, cst.Await, cst.Yield, cst.Subscript, *COMPREHENSIONS})
_QUIET_STATEMENTS = frozenset({cst.Pass, cst.Global, cst.Nonlocal, cst.Break, cst.Continue, cst.TypeAlias})


def _evaluates(root: cst.CSTNode, found: Callable[[cst.CSTNode], bool]) -> bool:
    """Whether evaluating ``root`` reaches a node ``found`` accepts (lambda bodies do not run)."""
    stack = [root]
    while stack:
        node = stack.pop()
        if found(node):
            return True
        kind = type(node)
        if kind is not cst.Lambda and kind not in LEAVES:
            push_children(node, stack)
    return False


def expression_can_raise(root: cst.CSTNode) -> bool:
    """Whether evaluating ``root`` may raise, by the rule above."""
    return _evaluates(root, lambda node: type(node) in _RAISING_EXPRESSIONS)


def statement_can_raise(stmt: cst.BaseSmallStatement) -> bool:
    """Whether a small statement may raise: by what it evaluates, or by what it is."""
    kind = type(stmt)
    if kind in _QUIET_STATEMENTS:
        return False
    if type(stmt) is cst.Expr:
        return expression_can_raise(stmt.value)
    if type(stmt) is cst.Assign:
        return expression_can_raise(stmt.value) or any(expression_can_raise(t.target) for t in stmt.targets)
    if type(stmt) is cst.AnnAssign:
        # The annotation of a local is never evaluated; a module's is, but only ever names.
        value = stmt.value
        return expression_can_raise(stmt.target) or (value is not None and expression_can_raise(value))
    if type(stmt) is cst.Return:
        return stmt.value is not None and expression_can_raise(stmt.value)
    return True  # AugAssign, Del, Import, ImportFrom, Raise, and kinds newer than this code


# Which evaluations reach a clause that catches only errors a few kinds of code raise.
#
# `BlockingIOError` (and ssl's "want read/write") means "not ready, try again": only a call
# that does I/O on a descriptor in non-blocking mode raises it, so a clause that catches
# nothing else is reached from such a call, never from `sock.setblocking(False)` or a
# constructor. A call is taken to do I/O when a word of its name (split at `_`) is one of
# these, which covers the socket, file, ssl and os calls and helpers named for them
# (`_sock_recv`, `read_some`, `do_handshake`).
#
# The other way round, I/O on a file or socket raises `OSError` and `ValueError` (a closed
# file, a bad encoding), never a lookup error nor one of urllib's (which its openers raise,
# not the response they return): a clause catching only those is not reached from such a
# call, so `f = open(p); data = f.read(); f.close()` in a `try` whose `except IndexError:`
# guards `sys.argv[1]` has no path on which `f` is left open.
_READINESS_ERRORS = frozenset({"BlockingIOError", "SSLWantReadError", "SSLWantWriteError"})
_NOT_FROM_IO_ERRORS = frozenset(
    {"IndexError", "KeyError", "LookupError", "HTTPError", "URLError", "ContentTooShortError"}
)
_IO_WORDS = frozenset(
    {
        "accept", "connect", "flock", "flush", "handshake", "lockf", "pread", "pwrite", "read",
        "readinto", "readline", "readlines", "readv", "recv", "recvfrom", "recvmsg", "send",
        "sendall", "sendfile", "sendmsg", "sendto", "splice", "unwrap", "write", "writelines",
        "writev", "io", "sock", "select", "poll", "receive", "transmit", "copy", "ioctl", "fcntl",
    }
)  # fmt: skip
_CLOSE_WORDS = frozenset({"close", "seek", "tell", "truncate", "fileno"})
_ANY_ERROR = frozenset({cst.Raise, cst.Await, cst.Yield})


def _call_words(node: cst.CSTNode) -> frozenset[str] | None:
    """The words of a call's callee name (None: not a call, or a callee with no name)."""
    if not isinstance(node, cst.Call):
        return None
    name = callee_name(node.func)
    return frozenset(name.lower().split("_")) if name is not None else frozenset({""})


def _may_be_not_ready(node: cst.CSTNode) -> bool:
    if type(node) in _ANY_ERROR:
        return True
    words = _call_words(node)
    return words is not None and (words == {""} or bool(_IO_WORDS & words))


def _may_raise_beyond_io(node: cst.CSTNode) -> bool:
    if type(node) in _ANY_ERROR or type(node) in _RAISING_EXPRESSIONS and not isinstance(node, cst.Call):
        return True
    words = _call_words(node)
    return words is not None and not (_IO_WORDS | _CLOSE_WORDS) & words


def _raisers(handler: cst.ExceptHandler | cst.ExceptStarHandler) -> Callable[[cst.CSTNode], bool] | None:
    """What reaches ``handler`` when it catches only errors a few kinds of evaluation raise
    (None: any evaluation that may raise reaches it)."""
    caught = handler.type
    if caught is None:
        return None
    types = [e.value for e in caught.elements] if isinstance(caught, cst.Tuple) else [caught]
    names = {(dotted_name(t) or "").rpartition(".")[2] for t in types}
    if names <= _READINESS_ERRORS:
        return _may_be_not_ready
    if names <= _NOT_FROM_IO_ERRORS:
        return _may_raise_beyond_io
    return None


def is_selective(handler: cst.ExceptHandler | cst.ExceptStarHandler) -> bool:
    """Whether only some of the evaluations that may raise reach ``handler``."""
    return _raisers(handler) is not None


def may_reach(handler: cst.ExceptHandler | cst.ExceptStarHandler, root: cst.CSTNode) -> bool:
    """Whether an exception raised by evaluating ``root`` may be one ``handler`` catches."""
    raisers = _raisers(handler)
    return raisers is None or _evaluates(root, raisers)


def constant_truth(expr: cst.BaseExpression) -> bool | None:
    """The truth of a literal test (``True``, ``0``, ``not False``), else None."""
    negate = False
    while isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Not):
        negate = not negate
        expr = expr.expression
    value: bool | None = None
    if isinstance(expr, cst.Name) and expr.value in ("True", "False", "None"):
        value = expr.value == "True"
    elif isinstance(expr, cst.Integer):
        try:
            value = int(expr.value, 0) != 0
        except ValueError:  # 007, 1_000: leave it to the reader
            value = None
    if value is None:
        return None
    return value != negate
