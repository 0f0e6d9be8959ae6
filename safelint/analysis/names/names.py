"""What a name or attribute chain refers to, through imports, aliases and Python's scopes.

Rules match calls by fully qualified name (``re.match``, ``subprocess.run``), so every rule
needs ``import re as r; r.match(...)`` resolved the same way. libcst's ``ScopeProvider`` /
``QualifiedNameProvider`` do this but cost about five parses per file; our whole budget is
about 1.5 parses, so this module walks only what a query needs:

* A scope's own region (its body, minus nested scopes' bodies) is walked the first time the
  scope is asked about; the result is cached in the :class:`Names` object of the module.
* Comprehensions are walked together with their enclosing scope, because a walrus inside
  them binds in that enclosing scope.
* ``global`` statements are found by a statement-only scan (no expressions), so that a
  function rebinding a module name makes it ambiguous module-wide.

Bindings are flow-insensitive per scope: if a function assigns ``re = ...`` anywhere, ``re``
is not the module anywhere in that function. Where the answer is ambiguous the result is
``None`` so that rules stay silent rather than guess.

Callers pass the innermost scope node they are in (see :data:`Scope`); an expression in a
function's header (decorator, default, annotation) is recognised as such and resolved in
the enclosing scope, so a visitor may push the function as soon as it enters its node.
"""

from __future__ import annotations

import builtins
from collections import deque
from types import MappingProxyType
from typing import Final, Mapping, NamedTuple, Union

import libcst as cst

from safelint.analysis.names.bindings import HANDLERS, OTHER, ScopeInfo, Site
from safelint.analysis.syntax import SCOPE_TYPES, Scope, dotted_name, header_roots, parameters, push_children

__all__ = [
    "SCOPE_TYPES",
    "Names",
    "Scope",
    "dotted_name",
]


_COMP_TYPES: Final = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
_COMP_SET: Final[frozenset[type]] = frozenset(_COMP_TYPES)

_BUILTINS: Final = frozenset(name for name in dir(builtins) if not name.startswith("_")) | {
    "__import__",
    "__build_class__",
    "__debug__",
}


def _type_param_names(node: cst.FunctionDef | cst.ClassDef) -> list[str]:
    if node.type_parameters is None:
        return []
    return [tp.param.name.value for tp in node.type_parameters.params]


class _Special(NamedTuple):
    what: str


_BUILTIN: Final = _Special("builtin")
_UNKNOWN: Final = _Special("unknown")  # may come from a star import
_NESTED: Final = _Special("nested")  # may be a comprehension/lambda variable
_Binding = Union[ScopeInfo, _Special, None]


class Names:
    """Lazy, cached name resolution for one parsed module.

    ``module_name`` is the module's dotted name (``pkg.sub.mod``); it qualifies names the
    module defines and anchors relative imports. When unknown, module-level names are
    qualified as ``<module>.name`` and relative imports keep their leading dots
    (``from ..a import b`` → ``..a.b``). ``is_package`` says the module is a package's
    ``__init__``, so that ``from . import x`` means ``<module_name>.x``.
    """

    def __init__(
        self,
        module: cst.Module,
        module_name: str | None = None,
        *,
        is_package: bool = False,
    ) -> None:
        self._module_node = module
        self._module_name = module_name
        self._prefix = module_name if module_name else "<module>"
        self._is_package = is_package
        self._module_info: ScopeInfo | None = None
        self._infos: dict[int, ScopeInfo] = {}
        self._parents: dict[int, Scope] = {}
        self._pending: deque[Scope] = deque()
        self._headers: dict[int, frozenset[int]] = {}
        self._name_cache: dict[tuple[int, str], str | None] = {}
        self._imports: dict[str, str] | None = None

    # ----------------------------------------------------------------- public queries

    @property
    def imports(self) -> Mapping[str, str]:
        """Module-level names bound only by imports, all of the same thing → its
        qualified name (``{"r": "re", "environ": "os.environ"}``)."""
        if self._imports is None:
            self._imports = {}
            for name, sites in self._module().sites.items():
                target = _single_import(sites)
                if target is not None:
                    self._imports[name] = target
        return MappingProxyType(self._imports)

    def qualified_name(self, expr: cst.BaseExpression, scope: Scope = None) -> str | None:
        """The fully qualified name ``expr`` (a name or attribute chain) refers to.

        ``re.match``, ``os.path.join``, ``builtins.open``, ``pkg.mod.helper`` (a name the
        module defines). None for locals, ambiguous names and non-name expressions.
        """
        return self._qualified(expr, self.effective_scope(expr, scope))

    def is_shadowed(self, name: str, scope: Scope = None) -> bool:
        """Whether ``name``, read in the body of ``scope``, is (or may be) bound by a
        function, lambda, comprehension or class scope instead of the module or builtins.
        A function-local import is a local binding too."""
        binding = self._binding(name, scope)
        if binding is _NESTED:
            return True
        return isinstance(binding, ScopeInfo) and binding.node is not None

    def binder(self, name: str, scope: Scope = None) -> tuple[str, Scope]:
        """Where ``name``, read in the body of ``scope``, is bound: ``("scope", node)`` for a
        function, lambda, class or comprehension scope, ``("scope", None)`` for the module,
        else ``("builtin" | "unknown" | "nested" | "unbound", None)`` ("unknown": maybe a star
        import; "nested": maybe a comprehension or lambda variable of this region)."""
        binding = self._binding(name, scope)
        if isinstance(binding, ScopeInfo):
            return "scope", binding.node
        if binding is None:
            return "unbound", None
        return binding.what, None

    # ----------------------------------------------------------------- resolution

    def _qualified(self, expr: cst.BaseExpression, scope: Scope) -> str | None:
        attrs: list[str] = []
        node: cst.BaseExpression = expr
        while type(node) is cst.Attribute:
            attrs.append(node.attr.value)
            node = node.value
        if type(node) is not cst.Name:
            return None
        base = self._resolve_name(node.value, scope)
        if base is None or not attrs:
            return base
        attrs.append(base)
        attrs.reverse()
        return ".".join(attrs)

    def _resolve_name(self, name: str, scope: Scope) -> str | None:
        key = (id(scope), name)
        try:
            return self._name_cache[key]
        except KeyError:
            pass
        binding = self._binding(name, scope)
        result: str | None = None
        if binding is _BUILTIN:
            result = "builtins." + name
        elif isinstance(binding, ScopeInfo):
            sites = binding.sites.get(name, ())
            result = _single_import(sites)
            if result is None and binding.node is None and not any(s.kind == "import" for s in sites):
                result = f"{self._prefix}.{name}"
        self._name_cache[key] = result
        return result

    def _binding(self, name: str, scope: Scope) -> _Binding:
        """The scope whose binding ``name`` refers to when read in ``scope``."""
        current = scope
        first = True
        while current is not None:
            info = self._info(current)
            if name in info.globals:
                break
            if first and name in info.nested_names:
                return _NESTED
            if name not in info.nonlocals and (first or type(current) is not cst.ClassDef):
                if name in info.sites or name in info.declared:
                    return info
            first = False
            current = self.parent(current)
        module = self._module()
        if name in module.sites or name in module.declared:
            return module
        if module.star_import:
            return _UNKNOWN
        if name in _BUILTINS:
            return _BUILTIN
        return None

    def effective_scope(self, expr: cst.CSTNode, scope: Scope) -> Scope:
        """Move out of ``scope`` while ``expr`` is in its header (a decorator, default or
        annotation is evaluated in the enclosing scope), so a caller may pass the
        function whose node it is visiting."""
        while scope is not None:
            key = id(scope)
            header = self._headers.get(key)
            if header is None:
                header = self._headers[key] = _subtree_ids(header_roots(scope))
            if id(expr) not in header:
                return scope
            scope = self.parent(scope)
        return None

    def _info(self, scope: Scope) -> ScopeInfo:
        if scope is None:
            return self._module()
        info = self._infos.get(id(scope))
        if info is None:
            if type(scope) in _COMP_SET:
                # Comprehensions are walked with their enclosing scope (walrus targets
                # bind there); finding the parent walks it.
                self.parent(scope)
                info = self._infos.get(id(scope))
                if info is None:  # not a node of this module
                    info = self._infos[id(scope)] = ScopeInfo(scope)
            else:
                info = self._expand(scope)
        return info

    def parent(self, scope: Scope) -> Scope:
        """The scope enclosing ``scope`` (None: the module)."""
        if scope is None:
            return None
        key = id(scope)
        if key not in self._parents:
            self._module()
            while key not in self._parents and self._pending:
                pending = self._pending.popleft()
                if id(pending) not in self._infos:
                    self._expand(pending)
            if key not in self._parents:  # not a node of this module
                self._parents[key] = None
        return self._parents[key]

    def add_child(self, info: ScopeInfo, node: Scope) -> None:
        info.children.append(node)
        self._parents[id(node)] = info.node
        if type(node) not in _COMP_SET:
            self._pending.append(node)

    def _module(self) -> ScopeInfo:
        info = self._module_info
        if info is None:
            info = self._module_info = ScopeInfo(None)
            self.walk_region(info, info, list(self._module_node.body))
            for scope in self._scan_declarations():
                inner = self._info(scope)
                for name in inner.globals:
                    for site in inner.sites.get(name, ()):
                        info.bind(name, site)
        return info

    def _scan_declarations(self) -> list[Scope]:
        """The scopes containing ``global`` (their bindings of those names are module
        bindings), found by a scan of statements only."""
        found: dict[int, Scope] = {}
        stack: list[tuple[cst.CSTNode, Scope]] = [(s, None) for s in self._module_node.body]
        while stack:
            node, owner = stack.pop()
            tp = type(node)
            if tp is cst.SimpleStatementLine or tp is cst.SimpleStatementSuite:
                for small in node.body:  # type: ignore[attr-defined]
                    if type(small) is cst.Global:
                        if owner is not None:
                            found[id(owner)] = owner
                continue
            if tp is cst.FunctionDef or tp is cst.ClassDef:
                owner = node  # type: ignore[assignment]
            for field in _BLOCK_FIELDS.get(tp, ()):
                value = getattr(node, field)
                vtp = type(value)
                if vtp is tuple or vtp is list:
                    stack.extend((v, owner) for v in value)
                elif value is not None:
                    stack.append((value, owner))
        return list(found.values())

    def new_info(self, scope: Scope) -> ScopeInfo:
        """A scope's record of bindings, registered before its region is walked."""
        info = self._infos[id(scope)] = ScopeInfo(scope)
        return info

    def _expand(self, scope: Scope) -> ScopeInfo:
        """Walk a function's, lambda's or class's own region once."""
        info = self.new_info(scope)
        if isinstance(scope, (cst.FunctionDef, cst.Lambda)):
            for param in parameters(scope.params):
                info.bind(param.name.value, Site("param", param, "", scope))
        if isinstance(scope, (cst.FunctionDef, cst.ClassDef)):
            for name in _type_param_names(scope):
                info.bind(name, OTHER)
        if isinstance(scope, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            self.walk_region(info, info, [scope.body])
        return info

    def walk_region(self, info: ScopeInfo, walrus: ScopeInfo, stack: list[cst.CSTNode]) -> None:
        """Record the bindings in a region; ``walrus`` is the scope ``:=`` binds in."""
        handlers = HANDLERS
        while stack:
            node = stack.pop()
            tp = type(node)
            handler = handlers.get(tp)
            if handler is not None and handler(self, node, info, walrus, stack):
                continue
            push_children(node, stack)

    def from_import_target(self, node: cst.ImportFrom, name: str) -> str:
        level = len(node.relative)
        module = dotted_name(node.module) if node.module is not None else None
        base = module
        if level:
            anchor = self._relative_anchor(level)
            if anchor is None:
                dots = "." * level
                return f"{dots}{module}.{name}" if module else dots + name
            base = f"{anchor}.{module}" if module else anchor
        return f"{base}.{name}" if base else name

    def _relative_anchor(self, level: int) -> str | None:
        """The package a relative import of ``level`` dots starts from, if known."""
        if not self._module_name:
            return None
        parts = self._module_name.split(".")
        if not self._is_package:
            parts.pop()
        if len(parts) < level:
            return None
        return ".".join(parts[: len(parts) - level + 1])


# Where nested statements live, per statement type (for the declaration scan).
_BLOCK_FIELDS: Final[dict[type, tuple[str, ...]]] = {
    cst.FunctionDef: ("body",),
    cst.ClassDef: ("body",),
    cst.IndentedBlock: ("body",),
    cst.If: ("body", "orelse"),
    cst.Else: ("body",),
    cst.For: ("body", "orelse"),
    cst.While: ("body", "orelse"),
    cst.Try: ("body", "handlers", "orelse", "finalbody"),
    cst.TryStar: ("body", "handlers", "orelse", "finalbody"),
    cst.ExceptHandler: ("body",),
    cst.ExceptStarHandler: ("body",),
    cst.Finally: ("body",),
    cst.With: ("body",),
    cst.Match: ("cases",),
    cst.MatchCase: ("body",),
}


def _single_import(sites: list[Site] | tuple[()]) -> str | None:
    """The target when every binding is an import of the same thing."""
    target: str | None = None
    for site in sites:
        if site.kind != "import" or (target is not None and site.target != target):
            return None
        target = site.target
    return target


def _subtree_ids(roots: list[cst.CSTNode]) -> frozenset[int]:
    ids: set[int] = set()
    stack = roots
    while stack:
        node = stack.pop()
        ids.add(id(node))
        push_children(node, stack)
    return frozenset(ids)
