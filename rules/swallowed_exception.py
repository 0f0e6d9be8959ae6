from __future__ import annotations

import re

import libcst as cst

from safelint.analysis.deliberate import in_test_code
from safelint.analysis.guarded import Loss, called_only_while_failing, is_teardown_function, lost_work
from safelint.analysis.syntax import callee_name, dotted_name, walk
from safelint.analysis.threads.locks import LockNames, acquire_release
from safelint.context import ModuleContext
from safelint.results import Severity
from safelint.rule import Option, Rule


class SwallowedException(Rule):
    """
    ## What it does
    Reports a broad exception handler (`except Exception`, `except BaseException`, or a tuple
    containing one) that does nothing with the error — only `pass`, `...`, `continue` or a
    docstring — when the work it guards is work whose failure matters:
    - data written or committed (`write`, `save`, `store`, `commit`, `executemany`, `delete`...);
    - a message sent (`send`, `sendall`, `publish`, `deliver`...);
    - a job, callback or handler run: a callable the function was handed (`f()` for a
      parameter `f`), or one named so (`on_event`, `handler`, `callback`, `submit`, `dispatch`);
    - a future's result (`future.result()`, `await task`), or a child process's outcome
      (`subprocess.run`, `proc.wait()`);
    - a lock released: `lock.release()` under `except Exception: pass` hides releasing a lock
      that is not held, a logic error, so it is no cleanup.

    Work done for its own sake is left alone, since its failure must never break the
    operation it serves: telemetry and logging (a call on a logger, a span, metrics, or into
    `logging`, `warnings`, `sentry_sdk`, `opentelemetry`), teardown (`close`, `shutdown`,
    `reset`, `unregister`, `wait_closed`, `write_eof`, `connection_lost`...), and work whose
    kind cannot be told. A teardown function (`close`, `_close_socket`, `__exit__`, `__del__`,
    `connection_lost`, `__repr__`...), and a helper the module calls only from `except`
    bodies and `finally` blocks, is best effort as a whole, except for data written or
    committed and a lock released there; but a teardown other than a `release`/`__exit__`
    method that releases a lock it never takes releases it by force, to free the threads
    waiting on it, and a lock not held is the case it expects. A bare `except:` is judged as `except BaseException:`
    is; with the `bare-except` option, one that does not re-raise is reported whatever its
    body does, since it also swallows `KeyboardInterrupt` and `SystemExit` (except directly in
    `__del__`, where Python ignores whatever escapes, those two included).

    Also left alone: a handler with a comment that gives a reason (on the `except` line, in
    its body, or just above the `try`) — not a `# TODO`, a bare `# ignore`, a tool directive,
    nor a comment saying the error is logged or raised when it is not; a `try` right before a
    `raise` (a courtesy message to the peer before failing); a last-resort step inside
    another `except` body or a `finally`; test code; and, for `except Exception`, a probe
    with a fallback: a `try` whose body only computes a value (assignments and `return`s,
    possibly under an `if`), or that has an `else:` branch, since the code then goes on with
    its default.

    ## Why is this a bug
    Every error that can happen in the `try` body — a typo'd attribute, a full disk, a bug in
    a callee — vanishes without a trace, and the program carries on in a state nobody
    checked. Rust: a `Result` cannot be dropped without `let _ =`, and `?` propagates it.

    ## Example
    ```python
    def save(cache, key, value):
        try:
            cache.store(key, value)
        except Exception:
            pass
    ```

    ## Use instead
    ```python
    import logging

    def save(cache, key, value):
        try:
            cache.store(key, value)
        except Exception:
            logging.getLogger(__name__).exception("could not cache %s", key)
    ```
    or catch only the exception you expect: `except ConnectionError: pass`.

    ## Options
    - `broad-exceptions` (list of strings, default `["Exception", "BaseException"]`): the
      exception classes that count as broad, by the name written in the handler (the last
      dotted component is compared, so `builtins.Exception` matches too).
    - `bare-except` (bool, default false): report every bare `except:` that does not re-raise,
      whatever it guards. Off by default: judged on code nobody tuned safelint on
      (`bench/default_set.md`), 0 of 71 such findings were REAL (20 DEBATABLE, 51 FALSE) —
      most bare handlers there log, warn or show the traceback, or isolate user code on
      purpose (an interactive shell's completion, a crash handler).

    ## Known limits
    What matters is told by the names of the calls and by the knowledge base, so work that
    matters under an unusual name (`obj.frobnicate()`) is not reported. A handler whose body
    does something irrelevant (`x = 1`) is not reported: safelint cannot tell irrelevant work
    from a deliberate fallback. A probe whose value is a call with an important effect
    (`result = save_everything()` under `except Exception: pass`) is taken for a fallback.
    """

    code = "SL106"
    name = "swallowed-exception"
    severity = Severity.WARNING
    summary = "A broad `except` that does nothing loses the failure of work that matters."
    options = (
        Option(
            "broad-exceptions",
            list,
            ("Exception", "BaseException"),
            "exception classes that count as broad, by name",
        ),
        Option("bare-except", bool, False, "report every bare `except:` that does not re-raise, whatever it guards"),
    )

    def visit_Try(self, node: cst.Try | cst.TryStar, ctx: ModuleContext) -> None:
        for handler in node.handlers:
            self._check(handler, node, ctx)

    visit_TryStar = visit_Try

    def _check(
        self, node: cst.ExceptHandler | cst.ExceptStarHandler, statement: cst.Try | cst.TryStar, ctx: ModuleContext
    ) -> None:
        caught = self._broad_name(node.type)
        if caught is None or in_test_code(ctx, statement):
            return
        if caught == "" and self.settings["bare-except"]:
            if not _reraises(node.body) and not _interrupts_let_through(node, statement) and not _in_finalizer(ctx):
                ctx.report(
                    self,
                    node,
                    "a bare `except:` catches `KeyboardInterrupt` and `SystemExit` too, and this one does not"
                    " re-raise them",
                    end=len("except"),
                    help="catch `Exception` (or the exceptions you expect) instead, or re-raise",
                )
            return
        if not _does_nothing(node.body) or _gives_reason(node, statement):
            return
        if _handling_another_error(ctx, statement) or _followed_by_raise(ctx, statement):
            return
        if caught == "Exception" and _probe_with_fallback(statement):
            return
        lost = lost_work(ctx, statement.body, ctx.scope)
        if lost is None:
            return
        in_teardown = isinstance(ctx.scope, cst.FunctionDef) and (
            is_teardown_function(ctx.scope.name.value) or called_only_while_failing(ctx, ctx.scope)
        )
        if in_teardown and lost.loss not in (Loss.DATA, Loss.LOCK_RELEASE):
            return
        if in_teardown and lost.loss is Loss.LOCK_RELEASE and _forces_release(ctx.scope, lost.what):
            return
        star = "*" if isinstance(node, cst.ExceptStarHandler) else ""
        what = f"`except{star} {caught}`" if caught else "a bare `except:`"
        if lost.loss is Loss.LOCK_RELEASE:
            message = f"{what} around `{lost.what}()` hides releasing a lock that is not held"
            help_text = "release only a lock this code holds, and let the `RuntimeError` of a wrong release show"
        else:
            message = f"{what} swallows any failure of `{lost.what}(...)` ({lost.loss.value}) and does nothing with it"
            help_text = "log or re-raise the error, or catch only the exception you expect"
        ctx.report(self, node, message, end=node.type or len("except"), help=help_text)

    def _broad_name(self, handler_type: cst.BaseExpression | None) -> str | None:
        """The broad class a handler catches (``""`` for a bare except), or None if narrow."""
        if handler_type is None:
            return ""
        broad: tuple[str, ...] = self.settings["broad-exceptions"]
        candidates = handler_type.elements if isinstance(handler_type, cst.Tuple) else [handler_type]
        for candidate in candidates:
            expr = candidate.value if isinstance(candidate, cst.BaseElement) else candidate
            name = callee_name(expr)
            if name in broad:
                return name
        return None


def _reraises(body: cst.BaseSuite) -> bool:
    """A ``raise`` in the handler (not in a nested function), or the error kept with
    ``sys.exc_info()`` to be raised later: the interrupt goes on its way."""
    stack: list[cst.CSTNode] = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Raise):
            return True
        if isinstance(node, cst.Call) and dotted_name(node.func) in ("sys.exc_info", "sys.exception"):
            return True
        if not isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            stack.extend(node.children)
    return False


def _interrupts_let_through(
    handler: cst.ExceptHandler | cst.ExceptStarHandler, statement: cst.Try | cst.TryStar
) -> bool:
    """An earlier handler of the same ``try`` only re-raises what it catches: the author routes
    some exceptions (``KeyboardInterrupt``, ``SystemExit``) past the bare ``except:``."""
    for earlier in statement.handlers:
        if earlier is handler:
            return False
        body = earlier.body
        lines = body.body if isinstance(body, cst.IndentedBlock) else [body]
        if (
            len(lines) == 1
            and isinstance(lines[0], (cst.SimpleStatementLine, cst.SimpleStatementSuite))
            and len(lines[0].body) == 1
            and isinstance(lines[0].body[0], cst.Raise)
            and lines[0].body[0].exc is None
        ):
            return True
    return False


def _does_nothing(body: cst.BaseSuite) -> bool:
    statements: list[cst.BaseSmallStatement] = []
    if isinstance(body, cst.SimpleStatementSuite):
        statements.extend(body.body)
    else:
        for line in body.body:
            if not isinstance(line, cst.SimpleStatementLine):
                return False
            statements.extend(line.body)
    return all(_is_no_op(s) for s in statements)


def _is_no_op(statement: cst.BaseSmallStatement) -> bool:
    if isinstance(statement, (cst.Pass, cst.Continue)):
        return True
    return isinstance(statement, cst.Expr) and isinstance(
        statement.value, (cst.Ellipsis, cst.SimpleString, cst.ConcatenatedString)
    )


# Tool directives are not explanations: a suppression must not silence the rule it suppresses.
_DIRECTIVE = re.compile(r"#\s*(safelint:|noqa\b|type:|pragma\b|pylint:|ruff:|fmt:|nosec\b)", re.I)
# A note to do something later, or a word that only restates the code, gives no reason.
_NO_REASON = re.compile(
    r"#\s*(todo|fixme|xxx|hack)\b|#\s*(ignored?|pass|ok(ay)?|nothing|no-?op|swallow(ed)?|silen(t|ce|ced)|skip)?\W*$",
    re.I,
)
# A comment that says the handler reports the error, when the handler does nothing.
_CLAIMS_REPORT = re.compile(r"\b(re-?raise[sd]?|raise[sd]?|log(s|ged)?|report(s|ed)?|propagate[sd]?)\b", re.I)
_NEGATION = re.compile(r"\b(no|not|never|nothing|without|don'?t|doesn'?t|can'?t|cannot|nowhere)\b", re.I)


def _explains(comment: cst.Comment | None) -> bool:
    """A comment that gives a reason: not a directive, a TODO or a bare word, and not one that
    says the error is logged or raised (the handler does neither)."""
    if comment is None or _DIRECTIVE.match(comment.value) or _NO_REASON.match(comment.value):
        return False
    return not (_CLAIMS_REPORT.search(comment.value) and not _NEGATION.search(comment.value))


def _has_comment(handler: cst.ExceptHandler | cst.ExceptStarHandler) -> bool:
    """A comment on the ``except`` line or anywhere in its body: the author explains the choice."""
    body = handler.body
    if isinstance(body, cst.SimpleStatementSuite):
        return _explains(body.trailing_whitespace.comment)
    if not isinstance(body, cst.IndentedBlock):
        return False
    if _explains(body.header.comment) or any(_explains(line.comment) for line in body.footer):
        return True
    for statement in body.body:
        if isinstance(statement, cst.SimpleStatementLine):
            if _explains(statement.trailing_whitespace.comment):
                return True
            if any(_explains(line.comment) for line in statement.leading_lines):
                return True
    return False


def _gives_reason(handler: cst.ExceptHandler | cst.ExceptStarHandler, statement: cst.Try | cst.TryStar) -> bool:
    """A reason on the ``except`` line, in its body, or on the lines just above the ``try``."""
    return _has_comment(handler) or any(_explains(line.comment) for line in statement.leading_lines)


def _probe_with_fallback(statement: cst.Try | cst.TryStar) -> bool:
    """The ``try`` only computes a value (so a failure leaves the default in place), or its
    ``else:`` holds the work that a failure skips."""
    return statement.orelse is not None or _only_binds(statement.body)


def _only_binds(body: cst.BaseSuite) -> bool:
    """Only assignments and returns (and ``pass``), under ``if``s, with at least one of them."""
    binds = False
    lines: list[cst.CSTNode] = list(body.body) if isinstance(body, cst.IndentedBlock) else [body]
    while lines:
        line = lines.pop()
        if isinstance(line, (cst.If, cst.Else)):
            lines.extend(line.body.body if isinstance(line.body, cst.IndentedBlock) else [line.body])
            if isinstance(line, cst.If) and line.orelse is not None:
                lines.append(line.orelse)
        elif isinstance(line, (cst.SimpleStatementLine, cst.SimpleStatementSuite)) and all(
            isinstance(s, (cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Return, cst.Pass)) for s in line.body
        ):
            binds = binds or any(not isinstance(s, cst.Pass) for s in line.body)
        else:
            return False
    return binds


def _handling_another_error(ctx: ModuleContext, statement: cst.CSTNode) -> bool:
    """The ``try`` sits in an ``except`` body, a last-resort step while reporting another error
    (sending a traceback, calling ``sys.excepthook``) with nowhere left to report to; or in a
    ``finally``, where raising would replace the error on its way out."""
    parent = ctx.parents.get(statement)
    while parent is not None and not isinstance(parent, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
        if isinstance(parent, (cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally)):
            return True
        parent = ctx.parents.get(parent)
    return False


def _followed_by_raise(ctx: ModuleContext, statement: cst.CSTNode) -> bool:
    """The ``try`` is a courtesy just before the code raises (a goodbye sent to the peer, a
    last cleanup): the error that matters is the one raised next."""
    line = ctx.parents.get(statement)
    if not isinstance(line, cst.IndentedBlock):
        line = ctx.parents.get(line) if isinstance(line, cst.CSTNode) else None
    if not isinstance(line, (cst.IndentedBlock, cst.Module)):
        return False
    body = list(line.body)
    at = next((i for i, child in enumerate(body) if child is statement), -1)
    if at < 0 or at + 1 >= len(body):
        return False
    following = body[at + 1]
    return isinstance(following, cst.SimpleStatementLine) and isinstance(following.body[0], cst.Raise)


def _in_finalizer(ctx: ModuleContext) -> bool:
    """The handler is in ``__del__`` itself: Python prints and ignores anything that escapes a
    finalizer, ``KeyboardInterrupt`` included, so a bare ``except:`` there loses nothing."""
    return isinstance(ctx.scope, cst.FunctionDef) and ctx.scope.name.value == "__del__"


_HANDS_BACK = re.compile(r"release|unlock|__a?exit__", re.I)
"""Methods that give back a lock their counterpart took (``release``, ``__exit__``): a wrong
release there is a logic error, and what its swallowing hides."""


def _forces_release(scope: cst.CSTNode | None, release: str) -> bool:
    """A teardown (``close``, ``_cleanup``) that releases a lock it never takes, and is not
    the counterpart of an acquire: it releases by force, to free the threads waiting on the
    lock, and a lock not held is the expected case (rpyc's ``Connection._cleanup``)."""
    if not isinstance(scope, cst.FunctionDef) or _HANDS_BACK.search(scope.name.value):
        return False
    lock = release.rsplit(".", 1)[0]
    acquired, _ = acquire_release(LockNames((lock,)), scope)
    return lock not in acquired and not any(
        isinstance(n, cst.WithItem) and dotted_name(n.item) == lock for n in walk(scope)
    )
