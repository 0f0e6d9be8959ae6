"""Newer syntax rewritten into what the running interpreter's ``ast`` reads.

Pass 1 parses with ``ast`` for speed, so on Python 3.10 and 3.11 a module written with
3.11/3.12 syntax (``except*``, ``type X = ...``, ``def f[T]()``, quotes reused inside an
f-string) would lose its cross-module facts, while pass 2 (libcst) checks it fine. libcst
reads those forms on any interpreter; the few that change no fact the summary keeps are
rewritten to older equivalents, and the module is parsed again. Line numbers are kept.
"""

from __future__ import annotations

import libcst as cst

from safelint.source import UNREADABLE


class _Downlevel(cst.CSTTransformer):
    """What each newer form means to a summary: a type parameter list is dropped (its
    names stay unknown), a type alias is an assignment, ``except*`` is ``except``, and an
    f-string is a string whose text nobody reads."""

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        return updated_node.with_changes(type_parameters=None)

    def leave_ClassDef(self, original_node: cst.ClassDef, updated_node: cst.ClassDef) -> cst.ClassDef:
        return updated_node.with_changes(type_parameters=None)

    def leave_TypeAlias(self, original_node: cst.TypeAlias, updated_node: cst.TypeAlias) -> cst.Assign:
        return cst.Assign(
            targets=[cst.AssignTarget(target=updated_node.name)],
            value=updated_node.value,
            semicolon=updated_node.semicolon,
        )

    def leave_TryStar(self, original_node: cst.TryStar, updated_node: cst.TryStar) -> cst.Try:
        handlers = [
            cst.ExceptHandler(
                body=handler.body,
                type=handler.type,
                name=handler.name,
                leading_lines=handler.leading_lines,
                whitespace_after_except=cst.SimpleWhitespace(" "),
                whitespace_before_colon=handler.whitespace_before_colon,
            )
            for handler in updated_node.handlers
        ]
        return cst.Try(
            body=updated_node.body,
            handlers=handlers,
            orelse=updated_node.orelse,
            finalbody=updated_node.finalbody,
            leading_lines=updated_node.leading_lines,
            whitespace_before_colon=updated_node.whitespace_before_colon,
        )

    def leave_FormattedString(
        self, original_node: cst.FormattedString, updated_node: cst.FormattedString
    ) -> cst.BaseExpression:
        # The same number of line breaks, inside parentheses, keeps every later line where it was.
        breaks = cst.Module(body=[]).code_for_node(original_node).count("\n")
        if not breaks:
            return cst.SimpleString('""', lpar=updated_node.lpar, rpar=updated_node.rpar)
        return cst.SimpleString(
            '""',
            lpar=[
                cst.LeftParen(
                    whitespace_after=cst.ParenthesizedWhitespace(
                        empty_lines=[cst.EmptyLine()] * (breaks - 1),
                        indent=False,
                    )
                )
            ],
            rpar=[cst.RightParen()],
        )


def downlevel(source: bytes) -> bytes | None:
    """``source`` with its newer forms rewritten, or None when libcst cannot read it either."""
    try:
        module = cst.parse_module(source)
    except UNREADABLE + (SyntaxError, LookupError, RecursionError, MemoryError, ValueError):
        return None
    return module.visit(_Downlevel()).bytes
