from __future__ import annotations

import re

import libcst as cst

from safelint.analysis.deliberate import in_test_code
from safelint.analysis.facts.apis import CLEANUP_CALLS
from safelint.analysis.syntax import Scope, callee_name
from safelint.context import ModuleContext
from safelint.results import Severity
from safelint.rule import Option, Rule


class SwallowedException(Rule):
    """
    ## What it does
    Reports a broad exception handler — a bare `except:`, `except Exception`,
    `except BaseException`, or a tuple containing one of them — whose body does nothing at
    all: only `pass`, `...`, `continue`, or a docstring. A handler that re-raises, logs,
    returns or assigns something, or does any other work is not reported, and neither is a
    narrow handler such as `except KeyError: pass`, which names the one error it expects.

    A comment in the handler (`except Exception:  # the debugger may not be running`) is the
    author's stated reason and counts like a suppression with a reason, and so does a comment on
    the lines just above the `try`. Places where swallowing is the deliberate idiom are left
    alone:
    - best-effort cleanup: a `try` whose body only calls `close()`, `os.unlink()`,
      `shutdown()`, `kill()` and the like, or any `try` in a method that is itself such a
      cleanup (`close`, `shutdown`, `__exit__`...);
    - a last-resort step inside another `except` body (sending a traceback, calling
      `sys.excepthook`: there is nowhere left to report to) or inside a `finally` (raising
      there would replace the error already on its way out);
    - `__del__` methods (an exception there can only be printed);
    - test code (test files and directories, `test*` functions, `Test*` classes: tests
      exercise exception semantics on purpose);
    - for `except Exception` only, a probe with a fallback: a `try` whose body only computes a
      value (assignments and `return`s, possibly under an `if`), or that has an `else:`
      branch. If the value cannot be computed the code goes on with its default, or the
      `else` work is skipped: the failure is a branch the author chose, not lost work. A
      bare `except:` is still reported there, since it also swallows `KeyboardInterrupt`.

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

    ## Known limits
    A handler whose body does something irrelevant (`x = 1`) is not reported: safelint cannot
    tell irrelevant work from a deliberate fallback. A probe whose value is a call with an
    important effect (`result = save_everything()` under `except Exception: pass`) is taken
    for a fallback.
    """

    code = "SL106"
    name = "swallowed-exception"
    severity = Severity.WARNING
    summary = "A broad `except` whose body does nothing loses every error silently."
    options = (
        Option(
            "broad-exceptions",
            list,
            ("Exception", "BaseException"),
            "exception classes that count as broad, by name",
        ),
    )

    def visit_Try(self, node: cst.Try | cst.TryStar, ctx: ModuleContext) -> None:
        for handler in node.handlers:
            self._check(handler, node, ctx)

    visit_TryStar = visit_Try

    def _check(
        self, node: cst.ExceptHandler | cst.ExceptStarHandler, statement: cst.Try | cst.TryStar, ctx: ModuleContext
    ) -> None:
        caught = self._broad_name(node.type)
        if caught is None or not _does_nothing(node.body) or _has_comment(node):
            return
        if _best_effort_cleanup(statement.body) or _in_cleanup_method(ctx.scope):
            return
        if caught == "Exception" and _probe_with_fallback(statement):
            return
        if any(_explains(line.comment) for line in statement.leading_lines):
            return  # a comment just above the `try` explains it, as one in the handler would
        if _handling_another_error(ctx, statement) or in_test_code(ctx, statement):
            return
        star = "*" if isinstance(node, cst.ExceptStarHandler) else ""
        what = "a bare `except:`" if node.type is None else f"`except{star} {caught}`"
        if caught in ("", "BaseException"):
            what += " (`KeyboardInterrupt` and `SystemExit` included)"
        ctx.report(
            self,
            node,
            f"{what} swallows every error and does nothing with it",
            end=node.type or len("except"),
            help="log or re-raise the error, or catch only the exception you expect",
        )

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


def _explains(comment: cst.Comment | None) -> bool:
    return comment is not None and not _DIRECTIVE.match(comment.value)


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


# Methods that are themselves a release: whatever they try is best effort. A method named
# like a file operation or a wait (`remove`, `join`, `flush`) is not one.
_CLEANUP_METHODS = (
    CLEANUP_CALLS - {"unlink", "remove", "rmdir", "removedirs", "rmtree", "cancel", "join", "flush", "wait"}
) | {"__aexit__"}


def _best_effort_cleanup(body: cst.BaseSuite) -> bool:
    """The ``try`` body only calls cleanup methods (``f.close()``, ``os.unlink(p)``...)."""
    lines = body.body if isinstance(body, cst.IndentedBlock) else [body]
    calls = []
    for line in lines:
        if not isinstance(line, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            return False
        for statement in line.body:
            value = statement.value if isinstance(statement, cst.Expr) else None
            if isinstance(value, cst.Await):
                value = value.expression
            if not isinstance(value, cst.Call):
                return False
            calls.append(value.func)
    return bool(calls) and all(callee_name(func) in CLEANUP_CALLS for func in calls)


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


def _in_cleanup_method(scope: Scope) -> bool:
    """``__del__`` (an exception there can only be printed) or a method that releases
    something (``close``, ``shutdown``): the try in it is best-effort cleanup."""
    return isinstance(scope, cst.FunctionDef) and scope.name.value in _CLEANUP_METHODS
