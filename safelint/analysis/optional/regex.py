"""What a literal regular expression says about None: which groups of it may not take part
in a match (``m.group(n)`` may be None), and whether ``re.match``/``re.search`` of it succeed
on every string (then they are no source of None at all). Only patterns written as literals
in the code are read, and names bound once to them (``P = re.compile(...)``)."""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Mapping

import libcst as cst

from safelint.analysis.syntax import target_names

__all__ = [
    "ANCHORED",
    "NO_PATTERNS",
    "PATTERN_METHODS",
    "Text",
    "always_matches",
    "group_literal",
    "literal_patterns",
    "optional_groups",
    "pattern_of",
    "single_calls",
]

Text = str | bytes
"""A pattern as written: ``r"..."`` or ``rb"..."``."""
NO_PATTERNS: tuple[dict[str, Text], dict[str, Text]] = ({}, {})
_MATCHERS = frozenset({"match", "search", "fullmatch"})
PATTERN_METHODS = _MATCHERS | {"group"}
# Matchers that succeed whenever the pattern can match the empty string at the start.
ANCHORED = frozenset({"re.match", "re.search", "re.Pattern.match", "re.Pattern.search"})

_PARSER = importlib.import_module("re._parser" if sys.version_info >= (3, 11) else "sre_parse")
"""The stdlib's own regular-expression parser (``sre_parse`` before 3.11): no copy of its grammar here."""


def group_literal(expr: cst.BaseExpression) -> int | str | None:
    """A group given as a literal: its number (``m.group(1)``) or its name (``m.group("x")``)."""
    if isinstance(expr, cst.Integer):
        return int(expr.value, 0)
    if isinstance(expr, cst.SimpleString):
        value = expr.evaluated_value
        return value if isinstance(value, str) else None
    return None


def single_calls(nodes: list[cst.CSTNode]) -> dict[str, cst.Call]:
    """Names bound exactly once among a scope's own nodes, by assignment or walrus, to a call."""
    bound: dict[str, list[cst.BaseExpression]] = {}
    for node in nodes:
        if isinstance(node, cst.Assign):
            for target in node.targets:
                for name in target_names(target.target):
                    bound.setdefault(name, []).append(
                        node.value if isinstance(target.target, cst.Name) else target.target
                    )
        elif isinstance(node, cst.NamedExpr) and isinstance(node.target, cst.Name):
            bound.setdefault(node.target.value, []).append(node.value)
        elif isinstance(node, (cst.AugAssign, cst.AnnAssign, cst.For, cst.CompFor, cst.AsName)):
            rebound = node.name if isinstance(node, cst.AsName) else node.target
            for name in target_names(rebound):  # bound another way: never a single binding
                bound.setdefault(name, []).extend((rebound, rebound))
    return {name: values[0] for name, values in bound.items() if len(values) == 1 and isinstance(values[0], cst.Call)}


def literal_patterns(calls: Mapping[str, cst.Call]) -> tuple[dict[str, Text], dict[str, Text]]:
    """Of names bound once to a call: those holding ``re.compile`` of a literal pattern, and
    those holding a match of one (``re.match(p, s)``, ``P.search(s)``) — name → pattern."""
    compiled: dict[str, Text] = {}
    for name, call in calls.items():
        func = call.func
        if _is_re(func, "compile") and call.args and not _flagged(call, 1):
            text = _literal(call.args[0].value)
            if text is not None:
                compiled[name] = text
    matches: dict[str, Text] = {}
    for name, call in calls.items():
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in _MATCHERS:
            pattern = pattern_of(call, compiled)
            if pattern is not None:
                matches[name] = pattern
    return compiled, matches


def _is_re(func: cst.BaseExpression, name: str) -> bool:
    return (
        isinstance(func, cst.Attribute)
        and isinstance(func.value, cst.Name)
        and func.value.value == "re"
        and func.attr.value == name
    )


def pattern_of(call: cst.Call, patterns: Mapping[str, Text]) -> Text | None:
    """The literal pattern a matcher call uses: its first argument (``re.match(p, s)``), or
    the compiled pattern it is called on (``P.match(s)``, ``P = re.compile(p)``)."""
    func = call.func
    if not isinstance(func, cst.Attribute) or not isinstance(func.value, cst.Name):
        return None
    if func.value.value == "re":
        if not call.args or _flagged(call, 2):
            return None
        return _literal(call.args[0].value)
    return patterns.get(func.value.value)


def _literal(expr: cst.BaseExpression) -> Text | None:
    if isinstance(expr, cst.SimpleString) and isinstance(expr.evaluated_value, (str, bytes)):
        return expr.evaluated_value
    return None


def _flagged(call: cst.Call, position: int) -> bool:
    """Whether the call passes flags that change how the pattern reads (``re.VERBOSE``: its
    comments and blanks; anything not known): then the pattern is not read at all. Case,
    dot-all, multi-line and encoding flags change neither its groups nor an empty match."""
    flags = [
        a.value
        for n, a in enumerate(call.args)
        if (a.keyword is None and n == position) or (a.keyword is not None and a.keyword.value == "flags")
    ]
    return any(not _harmless(flag) for flag in flags)


_HARMLESS = frozenset({"I", "IGNORECASE", "M", "MULTILINE", "S", "DOTALL", "A", "ASCII", "U", "UNICODE", "L", "LOCALE"})


def _harmless(flag: cst.BaseExpression) -> bool:
    if isinstance(flag, cst.BinaryOperation) and isinstance(flag.operator, cst.BitOr):
        return _harmless(flag.left) and _harmless(flag.right)
    return isinstance(flag, cst.Attribute) and _is_re(flag, flag.attr.value) and flag.attr.value in _HARMLESS


def always_matches(pattern: Text | None, search: bool) -> bool:
    """Whether ``re.match``/``re.search`` of the pattern succeeds on every string: it can match
    the empty string at the start (``\\s*``, ``^(x*)``, ``(?:a\\n){0,2}``), or, for a
    ``search``, at the end (``\\w+$|$``: a search also tries the end, where ``$`` holds)."""
    if pattern is None:
        return False
    try:
        parsed = _PARSER.parse(pattern)
    except (re.error, RecursionError, OverflowError):
        return False
    return _empty_match(parsed, _AT_START) or (search and _empty_match(parsed, _AT_END))


_AT_START = frozenset({"AT_BEGINNING", "AT_BEGINNING_STRING"})
_AT_END = frozenset({"AT_END", "AT_END_STRING"})
_REPEATS = frozenset({"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"})


def _empty_match(items: object, anchors: frozenset[str]) -> bool:
    """Whether a parsed sequence matches the empty string where exactly ``anchors`` hold:
    every item must (a repeat that may run zero times always does, a branch when one of its
    alternatives does); text, classes, lookarounds and back-references need more than that."""
    for op, arg in items:  # type: ignore[attr-defined]
        name = str(op)
        if name in _REPEATS:
            if arg[0] != 0 and not _empty_match(arg[2], anchors):
                return False
        elif name == "SUBPATTERN":
            if not _empty_match(arg[-1], anchors):
                return False
        elif name == "ATOMIC_GROUP":
            if not _empty_match(arg, anchors):
                return False
        elif name == "BRANCH":
            if not any(_empty_match(alternative, anchors) for alternative in arg[1]):
                return False
        elif name != "AT" or str(arg) not in anchors:
            return False
    return True


def optional_groups(pattern: Text) -> frozenset[int | str]:
    """The groups of a regular expression that may not take part in a match: inside a
    repeat that may run zero times, or inside one branch of an alternation."""
    try:
        compiled = re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        return frozenset()
    names = {index: name for name, index in compiled.groupindex.items()}
    optional: set[int | str] = set()

    def visit(items: object, inside: bool) -> None:
        for op, arg in items:  # type: ignore[attr-defined]
            name = str(op)
            if name == "SUBPATTERN":
                group, sub = arg[0], arg[-1]
                if group is not None and inside:
                    optional.add(group)
                    if group in names:
                        optional.add(names[group])
                visit(sub, inside)
            elif name in _REPEATS:
                visit(arg[2], inside or arg[0] == 0)
            elif name == "BRANCH":
                for branch in arg[1]:
                    visit(branch, True)
            elif name in ("ASSERT", "ASSERT_NOT"):
                visit(arg[1], inside or name == "ASSERT_NOT")
            elif name == "ATOMIC_GROUP":
                visit(arg, inside)
            elif name == "GROUPREF_EXISTS":
                visit(arg[1], True)
                if arg[2] is not None:
                    visit(arg[2], True)

    try:
        visit(_PARSER.parse(pattern), False)
    except (re.error, RecursionError, OverflowError):
        return frozenset()
    return frozenset(optional)
