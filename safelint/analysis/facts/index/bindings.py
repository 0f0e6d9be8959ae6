"""What a statement binds, imports and assigns to ``self``, read from the stdlib ``ast``.

Pass 1 walks statements, not expressions, wherever it can: these walks and binding rules
are what the summarizer resolves names with. (The rules' own helpers work on libcst trees,
in ``safelint/analysis/syntax.py``.)
"""

from __future__ import annotations

import ast
from typing import Callable, Final, Iterable, Iterator, Sequence

__all__ = [
    "Scope",
    "bound_names",
    "dotted_name",
    "from_module",
    "import_sites",
    "is_none",
    "make_scope",
    "push_children",
    "self_assignments",
    "statements",
]

# Statement fields holding nested statement lists, for walks that skip expressions.
_TRY_TYPES: Final = tuple(t for t in (ast.Try, getattr(ast, "TryStar", None)) if t is not None)
_BLOCKS: Final[dict[type, tuple[str, ...]]] = {
    ast.If: ("body", "orelse"),
    ast.For: ("body", "orelse"),
    ast.AsyncFor: ("body", "orelse"),
    ast.While: ("body", "orelse"),
    ast.With: ("body",),
    ast.AsyncWith: ("body",),
    **{t: ("body", "handlers", "orelse", "finalbody") for t in _TRY_TYPES},
    ast.Match: ("cases",),
}


_NOT_CHILDREN: Final = frozenset({"ctx", "op", "ops", "type_comment"})
"""Fields whose nodes never matter to a walk: a name's load/store context and operators
(``ast.iter_child_nodes`` yields them all, about one node in four)."""
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def push_children(node: ast.AST, out: list[ast.AST]) -> None:
    """Append the child nodes of ``node`` to ``out`` in ``ast.iter_child_nodes`` order,
    contexts and operators left out, without its generators."""
    fields = _CHILD_FIELDS.get(type(node))
    if fields is None:
        fields = _CHILD_FIELDS[type(node)] = tuple(f for f in node._fields if f not in _NOT_CHILDREN)
    for name in fields:
        value = getattr(node, name, None)
        if type(value) is list:
            out += [item for item in value if isinstance(item, ast.AST)]
        elif isinstance(value, ast.AST):
            out.append(value)


def statements(body: Sequence[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement of a block, in source order, through compound statements but not
    into nested functions or classes."""
    stack: list[Iterator[ast.stmt]] = [iter(body)]
    while stack:
        for stmt in stack[-1]:
            yield stmt
            fields = _BLOCKS.get(type(stmt))
            if fields is not None:
                nested: list[ast.stmt] = []
                for name in fields:
                    for item in getattr(stmt, name):
                        if isinstance(item, ast.stmt):
                            nested.append(item)
                        else:  # an except handler or a match case
                            nested.extend(item.body)
                stack.append(iter(nested))
                break
        else:
            stack.pop()


def _target_names(target: ast.expr) -> Iterator[str]:
    stack = [target]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, (ast.Tuple, ast.List)):
            stack.extend(node.elts)
        elif isinstance(node, ast.Starred):
            stack.append(node.value)


_BINDING_TYPES: Final = frozenset(
    {
        ast.Assign,
        ast.AnnAssign,
        ast.AugAssign,
        ast.For,
        ast.AsyncFor,
        ast.With,
        ast.AsyncWith,
        ast.FunctionDef,
        ast.AsyncFunctionDef,
        ast.ClassDef,
        ast.Delete,
        *_TRY_TYPES,
    }
)


def bound_names(stmt: ast.stmt) -> list[str]:
    """Names a statement binds in its own scope (imports excluded)."""
    if type(stmt) not in _BINDING_TYPES:  # most statements: a cheap exit
        return []
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [stmt.name]
    if isinstance(stmt, _TRY_TYPES):
        return [h.name for h in stmt.handlers if h.name]
    targets: list[ast.expr]
    if isinstance(stmt, (ast.Assign, ast.Delete)):
        targets = stmt.targets
    elif isinstance(stmt, (ast.With, ast.AsyncWith)):
        targets = [i.optional_vars for i in stmt.items if i.optional_vars is not None]
    elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor)):
        targets = [stmt.target]
    else:
        return []
    return [name for target in targets for name in _target_names(target)]


def dotted_name(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def is_none(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


class Scope:
    """Bindings that decide what a name means: a module's, or a function's on top."""

    def __init__(self, imports: dict[str, str], defined: set[str], ambiguous: set[str]) -> None:
        self.imports = imports
        """Names bound only by imports, all of one thing."""
        self.defined = defined
        """Names bound only otherwise (def, class, assignment, ...)."""
        self.ambiguous = ambiguous
        """Names bound both ways, or by imports of different things."""


def from_module(stmt: ast.ImportFrom, anchor: Callable[[int], str | None]) -> str:
    """The module a ``from`` import imports from; a relative one stays dotted
    (``..a``) when the importing module's package is unknown."""
    module = stmt.module or ""
    if not stmt.level:
        return module
    package = anchor(stmt.level)
    if package is None:
        return "." * stmt.level + module
    return f"{package}.{module}" if module else package


def import_sites(stmt: ast.Import | ast.ImportFrom, anchor: Callable[[int], str | None]) -> Iterator[tuple[str, str]]:
    """``(bound name, qualified name)`` for each alias of an import statement."""
    if isinstance(stmt, ast.Import):
        for alias in stmt.names:
            if alias.asname:
                yield alias.asname, alias.name
            else:
                top = alias.name.partition(".")[0]
                yield top, top
        return
    base = from_module(stmt, anchor)
    sep = "" if base.endswith(".") else "."
    for alias in stmt.names:
        if alias.name != "*":
            yield alias.asname or alias.name, f"{base}{sep}{alias.name}"


def make_scope(sites: Iterable[tuple[str, str | None]]) -> Scope:
    """Sites are ``(name, import target)`` with None for a non-import binding."""
    imports: dict[str, str] = {}
    defined: set[str] = set()
    ambiguous: set[str] = set()
    for name, target in sites:
        if name in ambiguous:
            continue
        if target is None:
            if name in imports:
                del imports[name]
                ambiguous.add(name)
            else:
                defined.add(name)
        elif name in defined or imports.setdefault(name, target) != target:
            imports.pop(name, None)
            defined.discard(name)
            ambiguous.add(name)
    return Scope(imports, defined, ambiguous)


_SOMETHING: Final = ast.Constant(value=Ellipsis)
"""Stands for a value we do not see (unpacking, augmented assignment): not None."""


def self_assignments(stmt: ast.stmt, self_name: str) -> Iterator[tuple[str, ast.expr | None, ast.expr | None]]:
    """``(attr, value, annotation)`` for each ``self.<attr>`` a statement assigns."""

    def attr(node: ast.expr) -> str | None:
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == self_name:
            return node.attr
        return None

    if isinstance(stmt, ast.Assign):
        for target in stmt.targets:
            name = attr(target)
            if name is not None:
                yield name, stmt.value, None
            elif isinstance(target, (ast.Tuple, ast.List)):
                values: Sequence[ast.expr] = ()
                value = stmt.value
                if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts):
                    values = value.elts
                for i, element in enumerate(target.elts):
                    name = attr(element)
                    if name is not None:
                        yield name, values[i] if values else _SOMETHING, None
    elif isinstance(stmt, ast.AnnAssign):
        name = attr(stmt.target)
        if name is not None:
            yield name, stmt.value, stmt.annotation
    elif isinstance(stmt, ast.AugAssign):
        name = attr(stmt.target)
        if name is not None:
            yield name, _SOMETHING, None
