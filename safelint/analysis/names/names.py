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
from typing import Final, Mapping, NamedTuple, Protocol, Union

import libcst as cst

from safelint.analysis.names.bindings import HANDLERS, OTHER, ScopeInfo, Site
from safelint.analysis.syntax import SCOPE_TYPES, Scope, dotted_name, header_roots, parameters, push_children

__all__ = [
    "SCOPE_TYPES",
    "Names",
    "Scope",
    "TypeOracle",
    "dotted_name",
]


_COMP_TYPES: Final = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
_COMP_SET: Final[frozenset[type]] = frozenset(_COMP_TYPES)

_BUILTINS: Final = frozenset(name for name in dir(builtins) if not name.startswith("_")) | {
    "__import__",
    "__build_class__",
    "__debug__",
}


class TypeOracle(Protocol):
    """What the knowledge base knows about types; a test can supply a fake.

    Answers are qualified class names without ``None`` (``re.Match``, not
    ``re.Match | None``): whether a value may be None is the SL2 analysis' concern.
    """

    def return_type(self, qualname: str, call: cst.Call | None) -> str | None:
        """The class of what calling ``qualname`` returns (a class returns an instance of
        itself), or None if unknown. ``call`` lets an answer depend on the arguments
        (``open(p, "rb")``)."""
        ...

    def variable_type(self, qualname: str) -> str | None:
        """The class of a module-level variable or attribute (``os.environ`` →
        ``os._Environ``), or None if unknown."""
        ...


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

_MAX_DEPTH: Final = 60
"""Receiver typing recurses through assignments and call chains; past this depth the
answer is None (unknown), never a RecursionError."""


def _is_method_decorator_free(node: cst.FunctionDef) -> bool:
    """Whether the first parameter is an instance (not ``@staticmethod``/``@classmethod``)."""
    for d in node.decorators:
        name = dotted_name(d.decorator)
        if name is not None and name.rpartition(".")[2] in ("staticmethod", "classmethod"):
            return False
    return True


def _literal_type(expr: cst.CSTNode) -> str | None:
    if isinstance(expr, cst.SimpleString):
        return "builtins.bytes" if "b" in expr.prefix.lower() else "builtins.str"
    if isinstance(expr, cst.ConcatenatedString):
        return _literal_type(expr.left)
    return _LITERAL_TYPES.get(type(expr))


_LITERAL_TYPES: Final[dict[type, str]] = {
    cst.FormattedString: "builtins.str",
    cst.Integer: "builtins.int",
    cst.Float: "builtins.float",
    cst.Imaginary: "builtins.complex",
    cst.List: "builtins.list",
    cst.ListComp: "builtins.list",
    cst.Tuple: "builtins.tuple",
    cst.Dict: "builtins.dict",
    cst.DictComp: "builtins.dict",
    cst.Set: "builtins.set",
    cst.SetComp: "builtins.set",
}


# --------------------------------------------------------------------------- Names


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
        oracle: TypeOracle | None = None,
    ) -> None:
        self._module_node = module
        self._module_name = module_name
        self._prefix = module_name if module_name else "<module>"
        self._is_package = is_package
        self._oracle = oracle
        self._module_info: ScopeInfo | None = None
        self._infos: dict[int, ScopeInfo] = {}
        self._parents: dict[int, Scope] = {}
        self._pending: deque[Scope] = deque()
        self._headers: dict[int, frozenset[int]] = {}
        self._name_cache: dict[tuple[int, str], str | None] = {}
        self._type_cache: dict[tuple[int, str], str | None] = {}
        self._call_types: dict[int, str | None] = {}
        self._depth = 0
        self._nonlocal_names: set[str] = set()
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

    def type_of(self, expr: cst.BaseExpression, scope: Scope = None) -> str | None:
        """The class of the value of ``expr`` when known without guessing.

        Known: literals; calls whose return type the oracle knows; a name bound exactly
        once in its scope (an assignment or walrus, or ``with ... as``) to something of
        known type; ``self`` in a method; a parameter never rebound, annotated with a
        class the oracle knows; a variable the oracle knows (``os.environ``).
        """
        return self._type(expr, self.effective_scope(expr, scope), True)

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

    def call_target(self, call: cst.Call, scope: Scope = None) -> str | None:
        """The qualified name of the function or method ``call`` calls.

        A method on a receiver typed in this module gives ``Type.method``
        (``p = re.compile(...); p.match()`` → ``re.Pattern.match``). An attribute of an
        imported module-level variable keeps the name form (``os.environ.get``): ask
        :meth:`type_of` on ``call.func.value`` (→ ``os._Environ``) for the type form.
        """
        return self._call_target(call, self.effective_scope(call, scope))

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

    # ----------------------------------------------------------------- types

    def _call_target(self, call: cst.Call, scope: Scope) -> str | None:
        func = call.func
        if type(func) is not cst.Attribute:
            return self._qualified(func, scope)
        receiver = func.value
        if type(receiver) is not cst.Attribute:
            # A name typed in this module, a call, a literal: ``Type.method``; a name
            # bound by an import keeps the name form.
            typed = self._type(receiver, scope, False)
            return f"{typed}.{func.attr.value}" if typed else self._qualified(func, scope)
        target = self._qualified(func, scope)
        if target is None:  # ``self.conn.close()``: ask the oracle about the attribute
            typed = self._type(receiver, scope, True)
            if typed is not None:
                return f"{typed}.{func.attr.value}"
        return target

    def _type(self, expr: cst.BaseExpression, scope: Scope, variables: bool) -> str | None:
        """``variables``: also type names bound by imports through the oracle."""
        if self._depth >= _MAX_DEPTH:
            return None
        self._depth += 1
        try:
            if type(expr) is cst.Name:
                return self._name_type(expr.value, scope, variables)
            if type(expr) is cst.Call:
                # Cached per node: a receiver is typed up to three ways, so a chain
                # ``a.f().g().h()`` would otherwise cost exponential time.
                key = id(expr)
                if key in self._call_types:
                    return self._call_types[key]
                result = self._call_types[key] = self._call_type(expr, scope)
                return result
            if type(expr) is cst.Attribute:
                return self._attribute_type(expr, scope)
            return _literal_type(expr)
        finally:
            self._depth -= 1

    def _call_type(self, call: cst.Call, scope: Scope) -> str | None:
        oracle = self._oracle
        if oracle is None:
            return None
        target = self._call_target(call, scope)
        if target is None:
            return None
        result = oracle.return_type(target, call)
        if result is None and type(call.func) is cst.Attribute:
            # ``os.environ.get(...)``: the target is in name form; retry on the type.
            receiver = self._type(call.func.value, scope, True)
            if receiver is not None:
                typed = f"{receiver}.{call.func.attr.value}"
                if typed != target:
                    result = oracle.return_type(typed, call)
        return result

    def _attribute_type(self, expr: cst.Attribute, scope: Scope) -> str | None:
        oracle = self._oracle
        if oracle is None:
            return None
        qualname = self._qualified(expr, scope)
        if qualname is not None:
            return oracle.variable_type(qualname)
        receiver = self._type(expr.value, scope, True)
        if receiver is None:
            return None
        return oracle.variable_type(f"{receiver}.{expr.attr.value}")

    def _name_type(self, name: str, scope: Scope, variables: bool) -> str | None:
        binding = self._binding(name, scope)
        if not isinstance(binding, ScopeInfo):
            return None
        sites = binding.sites.get(name)
        if not sites:
            return None
        imported = _single_import(sites)
        if imported is not None:
            if variables and self._oracle is not None:
                return self._oracle.variable_type(imported)
            return None
        if len(sites) != 1:
            return None
        key = (id(binding.node), name)
        if key in self._type_cache:  # None while being computed: ``x = x.copy()``
            return self._type_cache[key]
        self._type_cache[key] = result = None
        self._module()  # the declaration scan fills ``_nonlocal_names``
        if name not in self._nonlocal_names or name not in self._inner_nonlocals(binding):
            result = self._site_type(binding, name, sites[0])
        self._type_cache[key] = result
        return result

    def _site_type(self, info: ScopeInfo, name: str, site: Site) -> str | None:
        if site.kind == "value" and isinstance(site.node, cst.BaseExpression):
            return self._type(site.node, site.scope, True)
        if site.kind == "with" and isinstance(site.node, cst.BaseExpression):
            manager = self._type(site.node, site.scope, True)
            if manager is None or self._oracle is None:
                return manager
            enter = "__aenter__" if site.target == "async" else "__enter__"
            # An unknown ``__enter__`` is taken to return self, as files, sockets,
            # locks and executors do.
            return self._oracle.return_type(f"{manager}.{enter}", None) or manager
        if site.kind == "param" and info.self_param == name:
            owner = self.parent(info.node)
            if isinstance(owner, cst.ClassDef):
                return self.class_qualname(owner)
        if site.kind == "param" and isinstance(site.node, cst.Param):
            return self._param_type(site.node, site.scope)
        return None

    def _param_type(self, param: cst.Param, function: Scope) -> str | None:
        """The class a parameter's annotation names, as the oracle knows it.

        ``*args`` and ``**kwargs`` stay untyped: their annotation is the items', and typing
        them as a tuple and a dict made ``kwargs.pop(k, None)`` an Optional for SL2 where
        real code checks it through a copy. A default of None makes the annotation an
        implicit Optional: untyped, like ``X | None``, since whether the value may be None
        is the SL2 analysis' concern.
        """
        if isinstance(function, (cst.FunctionDef, cst.Lambda)) and param in (
            function.params.star_arg,
            function.params.star_kwarg,
        ):
            return None
        if param.annotation is None or self._oracle is None:
            return None
        default = param.default
        if isinstance(default, cst.Name) and default.value == "None":
            return None
        expr = _unquoted(param.annotation.annotation)
        if type(expr) is cst.Subscript:  # ``list[int]``: the class, whatever it holds
            expr = expr.value
        # An annotation is evaluated where the ``def`` is (or, postponed, at module level,
        # which sees the same names unless the enclosing function shadows them).
        name = self._qualified(expr, self.parent(function)) if expr is not None else None
        if name is None:
            return None
        name = _TYPING_ALIASES.get(name, name)
        if name.startswith(_INTERFACE_MODULES):
            return None
        result = self._oracle.return_type(name, None)
        return None if result == "builtins.object" else result

    def class_qualname(self, node: cst.ClassDef) -> str | None:
        parts = [node.name.value]
        parent = self.parent(node)
        while parent is not None:
            if not isinstance(parent, cst.ClassDef):
                return None
            parts.append(parent.name.value)
            parent = self.parent(parent)
        parts.append(self._prefix)
        parts.reverse()
        return ".".join(parts)

    def _inner_nonlocals(self, info: ScopeInfo) -> set[str]:
        """Names nested functions rebind with ``nonlocal``: such a local is not assigned
        once, whatever its own region shows."""
        if info.inner_nonlocals is None:
            found: set[str] = set()
            stack = [c for c in info.children if isinstance(c, (cst.FunctionDef, cst.ClassDef))]
            while stack:
                child = self._info(stack.pop())
                found |= child.nonlocals
                stack.extend(c for c in child.children if isinstance(c, (cst.FunctionDef, cst.ClassDef)))
            info.inner_nonlocals = found
        return info.inner_nonlocals

    # ----------------------------------------------------------------- scopes

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
        bindings), found by a scan of statements only; notes ``nonlocal`` names too."""
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
                    elif type(small) is cst.Nonlocal:
                        self._nonlocal_names.update(item.name.value for item in small.names)
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
        if isinstance(scope, cst.FunctionDef):
            positional = [*scope.params.posonly_params, *scope.params.params]
            if positional and _is_method_decorator_free(scope):
                info.self_param = positional[0].name.value
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


_TYPING_ALIASES: Final[dict[str, str]] = {
    "typing.List": "builtins.list",
    "typing.Dict": "builtins.dict",
    "typing.Set": "builtins.set",
    "typing.FrozenSet": "builtins.frozenset",
    "typing.Tuple": "builtins.tuple",
    "typing.Text": "builtins.str",
    "typing.Deque": "collections.deque",
    "typing.DefaultDict": "collections.defaultdict",
    "typing.OrderedDict": "collections.OrderedDict",
    "typing.Counter": "collections.Counter",
}
"""The ``typing`` names that stand for one concrete class."""

_INTERFACE_MODULES: Final = ("typing.", "typing_extensions.", "collections.abc.", "_typeshed.")
"""Their other names are special forms (``Any``, ``Optional``, ``Union``), aliases of
unions (``StrPath``) or interfaces (``Sequence``, ``IO``, ``SupportsRead``) that any class
may implement: a ``Sequence`` parameter may be given a list, whose methods differ."""


def _unquoted(annotation: cst.BaseExpression) -> cst.BaseExpression | None:
    """A string annotation (``"socket.socket"``) parsed, else the annotation itself."""
    if not isinstance(annotation, (cst.SimpleString, cst.ConcatenatedString)):
        return annotation
    text = annotation.evaluated_value
    if not isinstance(text, str):
        return None
    try:
        return cst.parse_expression(text.strip())
    except cst.ParserSyntaxError:
        return None


def _subtree_ids(roots: list[cst.CSTNode]) -> frozenset[int]:
    ids: set[int] = set()
    stack = roots
    while stack:
        node = stack.pop()
        ids.add(id(node))
        push_children(node, stack)
    return frozenset(ids)
