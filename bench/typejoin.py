"""The pure half of ``types_vs_mypy.py``: what mypy and safelint each say an expression is,
the join of the two by source range, and the figures.

Kept apart from running mypy over whole packages so that a unit test can check it on a
module of a few lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import cast

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider
from mypy import nodes as mn
from mypy import types as mt
from mypy.server.subexpr import get_subexpressions

from safelint.analysis.syntax import Scope, target_elements, walk, walk_scoped
from safelint.context import ModuleContext

Key = tuple[str, int, int, int, int]
"""Kind, line, column, end line, end column: lines 1-based, columns 0-based in UTF-8 bytes,
as Python's ``ast`` counts them (and mypy with it)."""

MYPY_KINDS: dict[type[mn.Expression], str] = {
    mn.NameExpr: "name",
    mn.MemberExpr: "attribute",
    mn.CallExpr: "call",
    mn.IndexExpr: "subscript",
}
CST_KINDS: dict[type[cst.CSTNode], str] = {
    cst.Name: "name",
    cst.Attribute: "attribute",
    cst.Call: "call",
    cst.Subscript: "subscript",
}

_CONCRETE = (mt.Instance, mt.LiteralType, mt.TupleType, mt.TypedDictType, mt.FunctionLike, mt.TypeType)
"""mypy types that say what a value is; anything else (Any, a type variable, Never, a
partial type) says nothing about None."""

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Opinion:
    """What one side says an expression is."""

    cls: str | None
    """The one class every alternative but None is an instance of, as that side spells it."""
    may_be_none: bool | None
    """None: no opinion."""
    shape: str
    """What it is when it is not one class, None included (``callable | None``, ``Any``,
    safelint's text), to group by."""
    text: str


@dataclass(frozen=True)
class Record:
    path: str
    line: int
    column: int
    """0-based, in characters."""
    kind: str
    code: str
    mypy: Opinion
    safelint: Opinion | None
    """None when the expression is excluded: safelint is not asked."""
    excluded: str | None = None


def mypy_opinion(t: mt.Type) -> Opinion:
    members = [mt.get_proper_type(m) for m in mt.flatten_nested_unions([t])]
    rest = [m for m in members if not isinstance(m, mt.NoneType)]
    concrete = bool(rest) and all(isinstance(m, _CONCRETE) for m in rest)
    has_none = len(rest) < len(members)
    may_be_none = True if has_none else False if concrete else None
    classes = {_class_of(m) for m in rest}
    cls = classes.pop() if concrete and len(classes) == 1 else None
    shape = _shape(rest) + (" | None" if has_none and rest else "")
    return Opinion(cls, may_be_none, shape, str(t))


def _class_of(t: mt.ProperType) -> str | None:
    if isinstance(t, mt.Instance):  # an intersection is made up by narrowing: no one class
        return None if t.type.is_intersection else t.type.fullname
    if isinstance(t, (mt.LiteralType, mt.TypedDictType)):
        return t.fallback.type.fullname
    if isinstance(t, mt.TupleType):  # a NamedTuple's fallback is its own class
        return t.partial_fallback.type.fullname
    return None


def _shape(members: list[mt.ProperType]) -> str:
    if not members:
        return "None"
    if len(members) > 1:
        return "union"
    t = members[0]
    if isinstance(t, mt.FunctionLike):
        return "callable"
    if isinstance(t, mt.TypeVarLikeType):
        return "TypeVar"
    if isinstance(t, mt.AnyType):
        return "Any"
    if isinstance(t, mt.Instance) and t.type.is_intersection:
        return "intersection"
    return type(t).__name__


def safelint_opinion(ctx: ModuleContext, node: cst.BaseExpression, scope: Scope) -> Opinion:
    """safelint's evaluator asked as a rule asks it; an exception is an answer too, and counted."""
    try:
        t = ctx.types.type_of(node, scope)
    except Exception as error:
        text = f"error: {type(error).__name__}: {error}"
        return Opinion(None, None, text[:60], text)
    text = str(t)
    return Opinion(t.class_name, t.may_be_none, text if len(text) <= 60 else text[:59] + "…", text)


def mypy_excluded(expr: mn.Expression, t: mt.Type) -> str | None:
    """Why an expression mypy typed is left out: it is not in the source (the ``"".join`` call
    mypy makes of an f-string), or names a module, a class or a type, not a value."""
    made_up = isinstance(expr, mn.CallExpr) and expr.callee.end_line is None
    if made_up or (isinstance(expr, mn.MemberExpr) and expr.end_line is None):
        return "made up by mypy"
    if isinstance(expr, mn.RefExpr):
        if isinstance(expr.node, mn.MypyFile):
            return "module"
        if isinstance(expr.node, (mn.TypeInfo, mn.TypeAlias)):
            return "class object"
    if isinstance(expr, mn.IndexExpr) and expr.analyzed is not None:
        return "type expression"
    proper = mt.get_proper_type(t)
    if isinstance(proper, mt.TypeType) or (isinstance(proper, mt.FunctionLike) and proper.is_type_obj()):
        return "class object"
    return None


def mypy_expressions(tree: mn.MypyFile, types: dict[mn.Expression, mt.Type]) -> dict[Key, tuple[mt.Type, str | None]]:
    """The expressions of the four kinds mypy gave a type, by range, with why each is excluded."""
    found: dict[Key, tuple[mt.Type, str | None]] = {}
    for expr in get_subexpressions(tree):
        kind = MYPY_KINDS.get(type(expr))
        t = types.get(expr)
        if kind is not None and t is not None:
            key = (kind, expr.line, expr.column, expr.end_line or -1, expr.end_column or -1)
            found.setdefault(key, (t, mypy_excluded(expr, t)))
    return found


def reexported_classes(trees: Iterable[mn.MypyFile]) -> dict[str, str]:
    """Classes of a package named where they are imported or aliased, to where they are
    defined (``psycopg.pq.Format`` to ``psycopg.pq._enums.Format``), from mypy's symbol tables:
    the knowledge base knows only the stubs' re-exports, not the checked package's."""
    found: dict[str, str] = {}
    for tree in trees:
        for name, symbol in tree.names.items():
            node = symbol.node
            if isinstance(node, mn.TypeAlias):
                target = mt.get_proper_type(node.target)
                node = target.type if isinstance(target, mt.Instance) and not target.args else None
            if isinstance(node, mn.TypeInfo) and node.fullname != f"{tree.fullname}.{name}":
                found[f"{tree.fullname}.{name}"] = node.fullname
    return found


@dataclass(frozen=True)
class Site:
    key: Key
    where: CodeRange
    node: cst.BaseExpression
    scope: Scope
    excluded: str | None
    in_fstring: bool


def cst_expressions(ctx: ModuleContext, lines: list[str]) -> Iterator[Site]:
    """The expressions of the four kinds in safelint's tree, with the scope the engine would
    pair them with, and why one is excluded: the constants ``None``, ``True`` and ``False``
    (names to libcst and mypy, constants to Python), a binding (a target of an assignment,
    ``for``, ``with``, walrus or ``del``), a callee, part of a decorator or an annotation.

    Positions are libcst's, as ``ctx.position`` gives them, resolved for the whole module at once."""
    aside: dict[cst.CSTNode, str] = {}
    formatted: set[cst.CSTNode] = set()
    for node in walk(ctx.module):
        if isinstance(node, (cst.Decorator, cst.Annotation)):
            reason = "decorator" if isinstance(node, cst.Decorator) else "annotation"
            aside.update((inner, reason) for inner in walk(node) if inner not in aside)
        elif isinstance(node, cst.Call):
            aside.setdefault(node.func, "callee")
        elif isinstance(node, cst.FormattedString):
            formatted.update(walk(node))
        for target in _targets(node):
            aside.update((bound, "binding") for bound in target_elements(target) if bound not in aside)
    positions = MetadataWrapper(ctx.module, unsafe_skip_copy=True).resolve(PositionProvider)
    for top in ctx.module.body:
        for node, scope in walk_scoped(top):
            kind = CST_KINDS.get(type(node))
            if kind is None:
                continue
            where = positions[node]
            start, end = where.start, where.end
            key = (
                kind,
                start.line,
                utf8_column(lines[start.line - 1], start.column),
                end.line,
                utf8_column(lines[end.line - 1], end.column),
            )
            constant = isinstance(node, cst.Name) and node.value in ("None", "True", "False")
            excluded = "constant" if constant else aside.get(node)
            yield Site(key, where, cast(cst.BaseExpression, node), scope, excluded, node in formatted)


def _targets(node: cst.CSTNode) -> list[cst.CSTNode]:
    """What ``node`` binds or deletes: the targets of assignments, loops, ``with``, ``del``."""
    if isinstance(node, cst.Assign):
        return [t.target for t in node.targets]
    if isinstance(node, (cst.AnnAssign, cst.AugAssign, cst.For, cst.CompFor, cst.NamedExpr, cst.Del)):
        return [node.target]
    if isinstance(node, cst.WithItem) and node.asname is not None:
        return [node.asname.name]
    return []


def source_lines(text: str) -> list[str]:
    """Lines as Python's tokenizer breaks them (``str.splitlines`` also breaks at form feeds)."""
    return _LINE_BREAK.split(text)


def utf8_column(line: str, column: int) -> int:
    """libcst counts characters; Python's ast, and mypy with it, counts UTF-8 bytes."""
    return column if line.isascii() else len(line[:column].encode("utf-8"))


@dataclass(frozen=True)
class Pair:
    site: Site
    mypy: mt.Type
    excluded: str | None


def join(ctx: ModuleContext, lines: list[str], mypy_found: dict[Key, tuple[mt.Type, str | None]]) -> list[Pair]:
    """The expressions both sides have, with why each is excluded, if it is.

    What is left of ``mypy_found`` had no partner in safelint's tree. Inside f-strings, before
    Python 3.12, ``ast`` starts every expression at the f-string's start: there the end alone
    (unique for a kind) joins them."""
    pairs = []
    by_end = {(k[0], k[3], k[4]): k for k in mypy_found}
    for site in cst_expressions(ctx, lines):
        key = site.key
        if key not in mypy_found and site.in_fstring:
            key = by_end.get((key[0], key[3], key[4]), key)
        entry = mypy_found.pop(key, None)
        if entry is not None:
            t, mypy_reason = entry
            pairs.append(Pair(site, t, site.excluded or mypy_reason))
    return pairs


def records(ctx: ModuleContext, path: str, lines: list[str], pairs: Iterable[Pair]) -> list[Record]:
    """One record per pair; safelint is asked about those not excluded."""
    out = []
    for pair in pairs:
        site = pair.site
        start, end = site.where.start, site.where.end
        out.append(
            Record(
                path=path,
                line=start.line,
                column=start.column,
                kind=site.key[0],
                code=_snippet(lines, start.line, start.column, end.line, end.column),
                mypy=mypy_opinion(pair.mypy),
                safelint=None if pair.excluded else safelint_opinion(ctx, site.node, site.scope),
                excluded=pair.excluded,
            )
        )
    return out


def _snippet(lines: list[str], line: int, column: int, end_line: int, end_column: int) -> str:
    text = lines[line - 1][column:end_column] if end_line == line else lines[line - 1][column:] + " …"
    return text if len(text) <= 60 else text[:59] + "…"


@dataclass
class Figures:
    """Counts behind the four figures; a ratio is its second count over its first."""

    compared: int = 0
    """Expressions not excluded."""
    class_named: int = 0
    """mypy names one class."""
    class_covered: int = 0
    """... and safelint names one too."""
    class_agreed: int = 0
    """... the same one, once both are spelt alike."""
    class_respelt: int = 0
    """... agreements that needed the common spelling."""
    none_named: int = 0
    none_covered: int = 0
    none_agreed: int = 0

    def add(self, record: Record, spelling: Callable[[str], str]) -> None:
        ours, theirs = record.safelint, record.mypy
        if ours is None:
            return
        self.compared += 1
        if theirs.cls is not None:
            self.class_named += 1
            if ours.cls is not None:
                self.class_covered += 1
                if spelling(ours.cls) == spelling(theirs.cls):
                    self.class_agreed += 1
                    self.class_respelt += ours.cls != theirs.cls
        if theirs.may_be_none is not None:
            self.none_named += 1
            if ours.may_be_none is not None:
                self.none_covered += 1
                self.none_agreed += ours.may_be_none == theirs.may_be_none

    @classmethod
    def of(cls, records: Iterable[Record], spelling: Callable[[str], str]) -> Figures:
        figures = cls()
        for record in records:
            figures.add(record, spelling)
        return figures

    @property
    def class_coverage(self) -> float | None:
        return _ratio(self.class_covered, self.class_named)

    @property
    def class_agreement(self) -> float | None:
        return _ratio(self.class_agreed, self.class_covered)

    @property
    def none_coverage(self) -> float | None:
        return _ratio(self.none_covered, self.none_named)

    @property
    def none_agreement(self) -> float | None:
        return _ratio(self.none_agreed, self.none_covered)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Group:
    """Misses or disagreements of one kind of expression with the same two answers."""

    kind: str
    mypy: str
    safelint: str
    miss: bool
    count: int
    example: Record


def class_groups(records: Iterable[Record], spelling: Callable[[str], str]) -> list[Group]:
    """Where mypy names a class and safelint names none (a miss) or another one."""
    found: dict[tuple[str, str, str], Group] = {}
    for r in records:
        if r.safelint is None or r.mypy.cls is None:
            continue
        theirs = spelling(r.mypy.cls)
        ours = spelling(r.safelint.cls) if r.safelint.cls is not None else r.safelint.shape
        if ours != theirs:
            _count(found, r, theirs, ours, r.safelint.cls is None)
    return _largest(found)


def none_groups(records: Iterable[Record], spelling: Callable[[str], str]) -> list[Group]:
    """Where mypy has an opinion on None and safelint has none (a miss) or the other one."""
    found: dict[tuple[str, str, str], Group] = {}
    for r in records:
        if r.safelint is None or r.mypy.may_be_none is None or r.safelint.may_be_none == r.mypy.may_be_none:
            continue
        _count(found, r, _label(r.mypy, spelling), _label(r.safelint, spelling), r.safelint.may_be_none is None)
    return _largest(found)


def _label(opinion: Opinion, spelling: Callable[[str], str]) -> str:
    if opinion.cls is None:
        return opinion.shape
    return spelling(opinion.cls) + (" | None" if opinion.may_be_none else "")


def _count(found: dict[tuple[str, str, str], Group], r: Record, theirs: str, ours: str, miss: bool) -> None:
    group = found.get((r.kind, theirs, ours))
    if group is None:
        group = found[(r.kind, theirs, ours)] = Group(r.kind, theirs, ours, miss, 0, r)
    group.count += 1


def _largest(found: dict[tuple[str, str, str], Group]) -> list[Group]:
    return sorted(found.values(), key=lambda g: (-g.count, g.kind, g.mypy, g.safelint))
