"""What a condition says about None, read from its syntax alone: the key an expression reads,
None tests (``x is None``) and the links between two of them, and the literals a value is
compared with. Plain functions over syntax and states; the evaluator applies them."""

from __future__ import annotations

import libcst as cst

from safelint.analysis.optional.nullness import CONDITION, Nullness, State, refine
from safelint.analysis.syntax import dotted_name, walk

__all__ = [
    "CONSTANT_NAMES",
    "attribute_probe",
    "LINK",
    "LITERALS",
    "condition_keys",
    "is_literal",
    "is_none",
    "literal_members",
    "mentions_none",
    "none_member",
    "none_tests",
    "rule_out",
    "tracked_key",
    "with_linked",
]

CONSTANT_NAMES = frozenset({"None", "True", "False", "__debug__"})
LITERALS = frozenset(
    {cst.SimpleString, cst.ConcatenatedString, cst.FormattedString, cst.Integer, cst.Float, cst.Imaginary}
)


def tracked_key(expr: cst.BaseExpression) -> str | None:
    """The tracked key an expression reads (``m``, ``self.conn``), if it reads one."""
    if type(expr) is cst.Name:
        return None if expr.value in CONSTANT_NAMES else expr.value
    if type(expr) is not cst.Attribute:
        return None
    name = dotted_name(expr)
    if name is None or name.partition(".")[0] in CONSTANT_NAMES:
        return None
    return name


def is_none(expr: cst.CSTNode) -> bool:
    """Whether ``expr`` is the literal ``None``."""
    return type(expr) is cst.Name and expr.value == "None"


def mentions_none(expr: cst.BaseExpression) -> bool:
    """Whether an isinstance() class argument could admit None (``NoneType``, ``type(None)``)."""
    for node in walk(expr):
        if isinstance(node, cst.Name) and node.value in ("None", "NoneType"):
            return True
        if isinstance(node, cst.Attribute) and node.attr.value == "NoneType":
            return True
    return False


LINK = "="
"""The stored-test name of a link: ``?=?a,b`` holds where ``a`` is None exactly when ``b`` is."""


def _none_test(expr: cst.BaseExpression) -> tuple[str, bool] | None:
    """``k is None`` → (k, True); ``k is not None`` → (k, False)."""
    if not isinstance(expr, cst.Comparison) or len(expr.comparisons) != 1:
        return None
    target = expr.comparisons[0]
    if not isinstance(target.operator, (cst.Is, cst.IsNot)) or not is_none(target.comparator):
        return None
    key = tracked_key(expr.left)
    return None if key is None else (key, isinstance(target.operator, cst.Is))


def none_tests(left: cst.BaseExpression, right: cst.BaseExpression) -> tuple[str, str, bool] | None:
    """Two None tests compared (``(a is None) == (b is None)``): the keys, and whether the tests
    have the same sense (so that equal results mean equal nullness)."""
    first, second = _none_test(left), _none_test(right)
    if first is None or second is None or first[0] == second[0]:
        return None
    return first[0], second[0], first[1] == second[1]


def with_linked(state: State | None, key: str, to: Nullness, origin: cst.CSTNode) -> State | None:
    """``state`` refined for ``key``, and likewise for every key linked to it."""
    if state is None:
        return None
    prefix = f"{CONDITION}{LINK}{CONDITION}"
    for stored in [k for k in state if k.startswith(prefix)]:
        keys = stored[len(prefix) :].split(",")
        if key in keys:
            for other in keys:
                if other != key:
                    refined = refine(state, other, to, origin)
                    if refined is None:
                        return None
                    state = refined
    return state


def rule_out(state: State | None, region: frozenset[int], test: cst.CSTNode) -> State | None:
    """``state`` with every key whose Nones all come from ``region`` known not None."""
    if state is None or not region:
        return state
    ruled = [
        key
        for key, fact in state.items()
        if fact.nullness is not Nullness.NOT_NONE and fact.origins and all(id(o) in region for o in fact.origins)
    ]
    current: State | None = state
    for key in ruled:
        current = refine(current, key, Nullness.NOT_NONE, test) if current is not None else None
    return current


def condition_keys(expr: cst.BaseExpression) -> list[str] | None:
    """The keys a pure None test reads (``x is not None``, ``a is None and not b``): names,
    attribute reads, ``not``, ``and``/``or`` and comparisons with None, nothing that runs code.
    None for anything else."""
    keys: list[str] = []
    stack: list[cst.CSTNode] = [expr]
    saw_none_test = False
    while stack:
        node = stack.pop()
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
            stack.append(node.expression)
        elif isinstance(node, cst.BooleanOperation):
            stack += [node.left, node.right]
        elif isinstance(node, cst.Comparison) and len(node.comparisons) == 1:
            target = node.comparisons[0]
            if not isinstance(target.operator, (cst.Is, cst.IsNot)) or not is_none(target.comparator):
                return None
            saw_none_test = True
            stack.append(node.left)
        elif isinstance(node, (cst.Name, cst.Attribute)):
            key = tracked_key(node)
            if key is None:
                return None
            keys.append(key)
        else:
            return None
    return sorted(set(keys)) if saw_none_test else None


def attribute_probe(expr: cst.BaseExpression) -> str | None:
    """The key that ``getattr(key, "name", None)`` reads, whose result is truthy only where
    ``key`` is not None: None has no attribute of that name. Dunder names are left out
    (``None.__class__`` exists)."""
    if type(expr) is not cst.Call or type(expr.func) is not cst.Name or expr.func.value != "getattr":
        return None
    args = expr.args
    if len(args) != 3 or any(a.keyword is not None or a.star for a in args) or not is_none(args[2].value):
        return None
    name = args[1].value
    if type(name) is not cst.SimpleString or name.value.strip("'\"").startswith("__"):
        return None
    return tracked_key(args[0].value)


def is_literal(expr: cst.BaseExpression) -> bool:
    """A literal that is not None: a string, a number, True or False."""
    kind = type(expr)
    return kind in LITERALS or (kind is cst.Name and expr.value in ("True", "False"))  # type: ignore[attr-defined]


def none_member(expr: cst.BaseExpression) -> bool:
    """A tuple, list or set display with ``None`` among its elements: whatever is not in it is
    not None (``x not in ("=", None)``)."""
    if not isinstance(expr, (cst.Tuple, cst.List, cst.Set)):
        return False
    return any(isinstance(e, cst.Element) and is_none(e.value) for e in expr.elements)


def literal_members(expr: cst.BaseExpression) -> bool:
    """A tuple, list or set display of literals, none of them None."""
    if not isinstance(expr, (cst.Tuple, cst.List, cst.Set)) or not expr.elements:
        return False
    return all(isinstance(e, cst.Element) and is_literal(e.value) for e in expr.elements)
