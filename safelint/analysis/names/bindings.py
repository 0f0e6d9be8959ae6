"""The bindings of one scope's own region, and the handlers that record them, one per node
type that binds a name (defs, assignments, imports, ``with``, ``except``, match captures...).

The walk itself belongs to :class:`~safelint.analysis.names.names.Names`, which the handlers
reach through the small :class:`Walker` interface.
"""

from __future__ import annotations

from typing import Callable, Final, Literal, NamedTuple, Protocol

import libcst as cst

from safelint.analysis.syntax import Scope, dotted_name, header_roots, parameters, target_names

__all__ = ["HANDLERS", "OTHER", "Region", "ScopeInfo", "Site", "SiteKind", "Walker"]


SiteKind = Literal["import", "def", "class", "value", "with", "param", "other"]


class Site(NamedTuple):
    """One place that binds a name in a scope."""

    kind: SiteKind
    node: cst.CSTNode | None
    """The assigned value (``value``), the context manager (``with``), the ``Param``."""
    target: str
    """The imported qualified name (``import``); ``"async"`` for ``async with``."""
    scope: Scope
    """The scope ``node`` is evaluated in."""


OTHER: Final = Site("other", None, "", None)


class ScopeInfo:
    """The bindings of one scope's own region."""

    __slots__ = (
        "node",
        "sites",
        "declared",
        "globals",
        "nonlocals",
        "nested_names",
        "star_import",
        "children",
    )

    def __init__(self, node: Scope) -> None:
        self.node = node
        self.sites: dict[str, list[Site]] = {}
        self.declared: set[str] = set()
        """Names made local by an annotation without a value (``x: int``)."""
        self.globals: set[str] = set()
        self.nonlocals: set[str] = set()
        self.nested_names: set[str] = set()
        """Names bound by comprehensions and lambda parameters inside this region."""
        self.star_import = False
        self.children: list[Scope] = []

    def bind(self, name: str, site: Site) -> None:
        sites = self.sites.get(name)
        if sites is None:
            self.sites[name] = [site]
        else:
            sites.append(site)

    def bind_target(self, target: cst.CSTNode, site: Site) -> None:
        """Bind every name in an assignment target; unpacked names get ``site``."""
        for name in target_names(target):
            self.bind(name, site)


class Walker(Protocol):
    """What a handler asks of the walk: to register nested scopes, walk a comprehension's
    region, and resolve a ``from`` import."""

    def add_child(self, info: ScopeInfo, node: Scope) -> None: ...

    def new_info(self, scope: Scope) -> ScopeInfo: ...

    def walk_region(self, info: ScopeInfo, walrus: ScopeInfo, stack: list[cst.CSTNode]) -> None: ...

    def from_import_target(self, node: cst.ImportFrom, name: str) -> str: ...


# Each records the bindings one node type makes, given the Names (n), the scope being
# walked (info), the scope a walrus binds in (w) and the walk's stack (s); returning True
# means "do not descend further" (a nested scope's body is walked when it is asked about).

Region = list[cst.CSTNode]


def _on_function(n: Walker, node: cst.FunctionDef, info: ScopeInfo, w: ScopeInfo, s: Region) -> bool:
    info.bind(node.name.value, Site("def", node, "", info.node))
    n.add_child(info, node)
    s.extend(header_roots(node))
    return True


def _on_class(n: Walker, node: cst.ClassDef, info: ScopeInfo, w: ScopeInfo, s: Region) -> bool:
    info.bind(node.name.value, Site("class", node, "", info.node))
    n.add_child(info, node)
    s.extend(header_roots(node))
    return True


def _on_lambda(n: Walker, node: cst.Lambda, info: ScopeInfo, w: ScopeInfo, s: Region) -> bool:
    n.add_child(info, node)
    info.nested_names.update(p.name.value for p in parameters(node.params))
    s.extend(header_roots(node))
    return True


def _on_comprehension(
    n: Walker,
    node: cst.ListComp | cst.SetComp | cst.DictComp | cst.GeneratorExp,
    info: ScopeInfo,
    w: ScopeInfo,
    s: Region,
) -> bool:
    n.add_child(info, node)
    s.append(node.for_in.iter)
    comp = n.new_info(node)
    region: Region = []
    for_in: cst.CompFor | None = node.for_in
    while for_in is not None:
        comp.bind_target(for_in.target, OTHER)
        region.append(for_in.target)
        if for_in is not node.for_in:
            region.append(for_in.iter)
        region.extend(c.test for c in for_in.ifs)
        for_in = for_in.inner_for_in
    if isinstance(node, cst.DictComp):
        region.extend((node.key, node.value))
    else:
        region.append(node.elt)
    n.walk_region(comp, w, region)
    info.nested_names.update(comp.sites)
    info.nested_names |= comp.nested_names
    return True


def _on_named_expr(n: Walker, node: cst.NamedExpr, info: ScopeInfo, w: ScopeInfo, s: Region) -> bool:
    if isinstance(node.target, cst.Name):
        w.bind(node.target.value, Site("value", node.value, "", info.node))
    return False


def _on_assign(n: Walker, node: cst.Assign, info: ScopeInfo, w: ScopeInfo, s: Region) -> bool:
    for target in node.targets:
        if isinstance(target.target, cst.Name):
            info.bind(target.target.value, Site("value", node.value, "", info.node))
        else:
            info.bind_target(target.target, OTHER)
    return False


def _on_ann_assign(n: Walker, node: cst.AnnAssign, info: ScopeInfo, w: ScopeInfo, s: Region) -> bool:
    if isinstance(node.target, cst.Name):
        if node.value is None:
            info.declared.add(node.target.value)
        else:
            info.bind(node.target.value, Site("value", node.value, "", info.node))
    return False


def _on_rebind_target(
    n: Walker, node: cst.AugAssign | cst.For | cst.Del, info: ScopeInfo, w: ScopeInfo, s: Region
) -> bool:
    info.bind_target(node.target, OTHER)
    return False


def _on_with(n: Walker, node: cst.With, info: ScopeInfo, w: ScopeInfo, s: Region) -> bool:
    flavour = "async" if node.asynchronous is not None else ""
    for item in node.items:
        if item.asname is None:
            continue
        if isinstance(item.asname.name, cst.Name):
            info.bind(item.asname.name.value, Site("with", item.item, flavour, info.node))
        else:
            info.bind_target(item.asname.name, OTHER)
    return False


def _on_except(
    n: Walker,
    node: cst.ExceptHandler | cst.ExceptStarHandler,
    info: ScopeInfo,
    w: ScopeInfo,
    s: Region,
) -> bool:
    if node.name is not None:
        info.bind_target(node.name.name, OTHER)
    return False


def _on_import(n: Walker, node: cst.Import, info: ScopeInfo, w: ScopeInfo, s: Region) -> bool:
    for alias in node.names:
        full = dotted_name(alias.name)
        if full is None:
            continue
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            info.bind(alias.asname.name.value, Site("import", None, full, info.node))
        else:
            top = full.partition(".")[0]
            info.bind(top, Site("import", None, top, info.node))
    return True


def _on_import_from(n: Walker, node: cst.ImportFrom, info: ScopeInfo, w: ScopeInfo, s: Region) -> bool:
    if isinstance(node.names, cst.ImportStar):
        info.star_import = True
        return True
    for alias in node.names:
        name = dotted_name(alias.name)
        if name is None:
            continue
        bound = name
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            bound = alias.asname.name.value
        info.bind(bound, Site("import", None, n.from_import_target(node, name), info.node))
    return True


def _on_global(n: Walker, node: cst.Global, info: ScopeInfo, w: ScopeInfo, s: Region) -> bool:
    info.globals.update(item.name.value for item in node.names)
    return True


def _on_nonlocal(n: Walker, node: cst.Nonlocal, info: ScopeInfo, w: ScopeInfo, s: Region) -> bool:
    info.nonlocals.update(item.name.value for item in node.names)
    return True


def _on_match_capture(n: Walker, node: cst.MatchAs | cst.MatchStar, info: ScopeInfo, w: ScopeInfo, s: Region) -> bool:
    if node.name is not None:
        info.bind(node.name.value, OTHER)
    return False


def _on_match_mapping(n: Walker, node: cst.MatchMapping, info: ScopeInfo, w: ScopeInfo, s: Region) -> bool:
    if node.rest is not None:
        info.bind(node.rest.value, OTHER)
    return False


def _on_type_alias(n: Walker, node: cst.TypeAlias, info: ScopeInfo, w: ScopeInfo, s: Region) -> bool:
    info.bind(node.name.value, OTHER)
    return True  # the value is evaluated lazily, in its own scope


HANDLERS: Final[dict[type, Callable[..., bool]]] = {
    cst.FunctionDef: _on_function,
    cst.ClassDef: _on_class,
    cst.Lambda: _on_lambda,
    cst.ListComp: _on_comprehension,
    cst.SetComp: _on_comprehension,
    cst.DictComp: _on_comprehension,
    cst.GeneratorExp: _on_comprehension,
    cst.NamedExpr: _on_named_expr,
    cst.Assign: _on_assign,
    cst.AnnAssign: _on_ann_assign,
    cst.AugAssign: _on_rebind_target,
    cst.For: _on_rebind_target,
    cst.Del: _on_rebind_target,
    cst.With: _on_with,
    cst.ExceptHandler: _on_except,
    cst.ExceptStarHandler: _on_except,
    cst.Import: _on_import,
    cst.ImportFrom: _on_import_from,
    cst.Global: _on_global,
    cst.Nonlocal: _on_nonlocal,
    cst.MatchAs: _on_match_capture,
    cst.MatchStar: _on_match_capture,
    cst.MatchMapping: _on_match_mapping,
    cst.TypeAlias: _on_type_alias,
}
