"""Optional fields of ``self`` as a source of None: which fields of a class its methods must
check (declared Optional, or set to None in ``__init__`` and tested by the class itself),
and the facts that put them in the narrowing on entry to a public method. Kept apart from
the other sources because it reads whole class bodies and the project index, not one scope."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import libcst as cst

from safelint.analysis.facts.callees import project_class
from safelint.analysis.optional.model import Origin, OriginKind
from safelint.analysis.optional.nullness import Fact, Nullness
from safelint.analysis.syntax import ScopeNode, decorator_names, walk

if TYPE_CHECKING:
    from safelint.context import ModuleContext

__all__ = ["FieldSeed", "OptionalFields"]


class FieldSeed(cst.Name):
    """The origin of an Optional field of ``self`` in the narrowing's facts."""


class OptionalFields:
    """The Optional fields of a module's classes, and their seeds in the narrowing's facts."""

    def __init__(self, ctx: ModuleContext, parents: Mapping[ScopeNode, ScopeNode | None], code_evidence: bool) -> None:
        self.ctx = ctx
        self.parents = parents
        self.code_evidence = code_evidence
        self._facts: dict[cst.FunctionDef, dict[str, Fact]] = {}
        self.seeds: dict[FieldSeed, Origin] = {}
        self.declared: set[FieldSeed] = set()
        """Seeds of fields declared Optional (the others are set to None in ``__init__``)."""
        self.class_fields = self._class_fields()

    def facts(self, func: cst.FunctionDef) -> dict[str, Fact]:
        """``self.<field>`` as MAYBE on entry to a public method of a class with Optional
        fields (not ``__init__``, which sets them up, nor static and class methods)."""
        found = self._facts.get(func)
        if found is None:
            found = self._facts[func] = self._seed(func)
        return found

    def _seed(self, func: cst.FunctionDef) -> dict[str, Fact]:
        klass = self.parents.get(func)
        if not isinstance(klass, cst.ClassDef) or klass not in self.class_fields:
            return {}
        name = func.name.value
        if name in ("__init__", "__new__", "__post_init__", "__del__", "setUp"):
            return {}
        if name.startswith("_") and not name.endswith("__"):
            return {}  # a private helper runs where its callers have set the field up
        if decorator_names(func) & {"staticmethod", "classmethod"}:
            return {}
        params = func.params.posonly_params or func.params.params
        if not params:
            return {}
        me = params[0].name.value
        facts: dict[str, Fact] = {}
        entered = _set_on_entry(klass, name)
        for field, reason in self.class_fields[klass].items():
            if field in entered:
                continue  # `__exit__` runs only after `__enter__` set it
            seed = FieldSeed(value=field)
            self.seeds[seed] = Origin(reason, 0, f"{me}.{field}", owner=klass.name.value)
            if reason is OriginKind.FIELD:
                self.declared.add(seed)
            facts[f"{me}.{field}"] = Fact(Nullness.MAYBE, frozenset((seed,)))
        return facts

    def _class_fields(self) -> dict[ScopeNode, dict[str, OriginKind]]:
        """Per class, the fields its methods must check and why: declared Optional, or set to
        None in ``__init__`` and elsewhere to something else *and* tested against None by at
        least half of the methods reading it — otherwise a field set up by a lifecycle call
        (``connect()``) is one the class never expects to be None there."""
        module = self.ctx.module_name[0] or "<module>"
        found: dict[ScopeNode, dict[str, OriginKind]] = {}
        for scope, parent in self.parents.items():
            if not isinstance(scope, cst.ClassDef):
                continue
            path = [scope.name.value]
            while isinstance(parent, cst.ClassDef):
                path.insert(0, parent.name.value)
                parent = self.parents[parent]
            if parent is not None and not isinstance(parent, cst.Module):
                continue  # a class inside a function is not in the index
            summary = project_class(self.ctx, ".".join([module, *path]))
            if summary is None or not (summary.optional_attributes or summary.none_then_set_attributes):
                continue
            checked = _checked_fields(scope) if self.code_evidence and summary.none_then_set_attributes else set()
            reasons = {n: OriginKind.FIELD_SET_NONE for n in summary.none_then_set_attributes if n in checked}
            reasons.update((n, OriginKind.FIELD) for n in summary.optional_attributes)
            if reasons:
                found[scope] = reasons
        return found


def _checked_fields(klass: cst.ClassDef) -> set[str]:
    """Fields that most methods using them test (``self.x is None``, ``if self.x:``, ``not
    self.x``): the class itself says they may be None. A field a class uses unchecked almost
    everywhere is one it sets up before use (a lifecycle call), not one it expects None in."""
    readers: dict[str, int] = {}
    checkers: dict[str, int] = {}
    for statement in klass.body.body:
        method = statement
        if not isinstance(method, cst.FunctionDef) or method.name.value == "__init__":
            continue
        read: set[str] = set()
        checked: set[str] = set()
        stored: set[cst.CSTNode] = set()
        for node in walk(method.body):
            tested: list[cst.BaseExpression] = []
            if isinstance(node, cst.Assign):
                stored.update(t.target for t in node.targets)
            elif isinstance(node, (cst.AnnAssign, cst.AugAssign)):
                stored.add(node.target)
            elif isinstance(node, cst.Attribute):
                if isinstance(node.value, cst.Name) and node.value.value == "self" and node not in stored:
                    read.add(node.attr.value)
            elif isinstance(node, (cst.If, cst.While, cst.IfExp, cst.Assert)):
                tested.append(node.test)
            elif isinstance(node, cst.BooleanOperation):
                tested += (node.left, node.right)
            elif isinstance(node, cst.Comparison):
                tested.append(node.left)
                tested += (c.comparator for c in node.comparisons)
            elif isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
                tested.append(node.expression)
            for expr in tested:
                if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name) and expr.value.value == "self":
                    checked.add(expr.attr.value)
        for name in read:
            readers[name] = readers.get(name, 0) + 1
        for name in checked:
            checkers[name] = checkers.get(name, 0) + 1
    return {name for name, count in checkers.items() if 2 * count >= readers.get(name, count)}


_ENTERS = {"__exit__": "__enter__", "__aexit__": "__aenter__"}


def _set_on_entry(klass: cst.ClassDef, method: str) -> set[str]:
    """For ``__exit__``/``__aexit__``, the fields its ``__enter__``/``__aenter__`` sets to
    something other than None: the context manager protocol runs exit only after enter."""
    enter = _ENTERS.get(method)
    body = klass.body.body if isinstance(klass.body, cst.IndentedBlock) else []
    function = next((s for s in body if isinstance(s, cst.FunctionDef) and s.name.value == enter), None)
    if function is None or not (function.params.posonly_params or function.params.params):
        return set()
    me = (function.params.posonly_params or function.params.params)[0].name.value
    fields = set()
    for node in walk(function.body):
        if isinstance(node, cst.Assign) and not (isinstance(node.value, cst.Name) and node.value.value == "None"):
            for target in node.targets:
                written = target.target
                if (
                    isinstance(written, cst.Attribute)
                    and isinstance(written.value, cst.Name)
                    and written.value.value == me
                ):
                    fields.add(written.attr.value)
    return fields
