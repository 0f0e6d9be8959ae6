"""The SL2 rules' one question: which uses of a value that may be None go unchecked, and why
may it be None?

The six SL2 rules differ only in the kind of use they report, so the work is done once per
module and cached on its context: find the sources of None per scope (calls the knowledge
base or the project index says may return None, ``None`` literals, Optional parameters,
Optional fields of ``self``), run the None narrowing of :mod:`narrowing` on the scopes that
hold one — never on the others, which is most of them — and keep the unguarded dereference
events, each with how the value is used and every place its None may come from. The rules
decide which uses they report and how they say it.

What this adds to the narrowing, all of it for precision (when unsure, stay silent):

* a repeated call to a lookup the knowledge base flags (``d.get(k)``, ``r.match(s)``) that the
  scope also tests reads as the value tested: ``if d.get(k): d.get(k).x`` is not reported;
* a keyed lookup (``d.get(k)``, ``msg.get_params()``) whose key the scope tests (``k in d``)
  or stores on every path to it (``d[k] = v``) finds something (:mod:`keyed`);
* ``m.group(n)`` where ``m`` is bound once to a match of a literal pattern in which group ``n``
  is optional (``(a)?``, a branch of ``|``) may be None; a literal pattern that matches every
  string (a run of blanks) makes ``re.match``/``re.search`` no source at all;
* a value the code hands to a predicate in a condition (``if not ismodule(m): raise``), or
  checks in an ``if`` whose branch ends in a non-logging call (``if m is None: self.fail()``),
  counts as handled — the predicate or the call most likely rules None out;
* a None that only the code brings (a literal, a comparison, a field set to None in
  ``__init__``) is marked ``inferred`` — rules report it only on request — and is dropped when
  the use runs under a condition not about the value, under the opposite of the condition
  that chose None, or when it comes from ``except ImportError``;
* an unannotated parameter defaulting to None is *not* a source unless a call of the
  function's name in the module leaves it out: in unannotated code it is usually a sentinel
  every caller overrides. If the body compares it with None, the narrowing
  already treats the comparison as evidence, so inconsistent checks are still found.

These judgements compare expressions as text within one scope; what runs in between is not
looked at. The sources that read more than one scope have their own modules — :mod:`fields`
(Optional fields of ``self``), :mod:`defaults` (unannotated None defaults) and :mod:`regex`
(literal patterns) — and what a use looks like to the rules is in :mod:`model`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING

import libcst as cst

from safelint.analysis.facts.callees import project_function
from safelint.analysis.optional.defaults import NoneDefaults
from safelint.analysis.optional.fields import FieldSeed, OptionalFields
from safelint.analysis.optional.guards import imported_none_guards
from safelint.analysis.optional.keyed import Stores, key_text, lookup
from safelint.analysis.optional.model import Cause, OptionalUse, Origin, OriginKind
from safelint.analysis.optional.narrowing import (
    DerefEvent,
    Fact,
    ModuleNarrowing,
    Nullness,
    UseKind,
    optional_parameter_facts,
)
from safelint.analysis.optional.regex import (
    ANCHORED,
    NO_PATTERNS,
    PATTERN_METHODS,
    Text,
    always_matches,
    group_literal,
    literal_patterns,
    optional_groups,
    pattern_of,
    single_calls,
)
from safelint.analysis.syntax import (
    COMPREHENSIONS,
    ScopeNode,
    as_scope,
    callee_name,
    dotted_name,
    enclosing,
    iter_scopes,
    own_nodes,
    walk,
)
from safelint.analysis.types.model import FunctionType, Instance, NoneType, Param, UnknownType

if TYPE_CHECKING:
    from safelint.analysis.facts.index.summary import FunctionSummary
    from safelint.context import ModuleContext

__all__ = ["optional_uses"]

_SCOPE_TYPES = frozenset({cst.FunctionDef, cst.ClassDef, cst.Lambda, *COMPREHENSIONS})
_TESTS = frozenset({cst.If, cst.While, cst.IfExp, cst.Assert, cst.CompIf})
# Attributes None has itself: `getattr(o, "f", None).__class__` does not fail.
_NONE_ATTRIBUTES = frozenset(dir(None))


def optional_uses(ctx: ModuleContext, code_evidence: bool) -> list[OptionalUse]:
    """Every unguarded use of a maybe-None value in the module, computed once per context.
    Without ``code_evidence``, uses only the code says may be None (``inferred``) are not
    looked for at all — and scopes whose only hint of None is a literal are not analysed."""
    return ctx.memo(("optional uses", code_evidence), lambda: list(_Module(ctx, code_evidence).uses()))


class _Module:
    def __init__(self, ctx: ModuleContext, code_evidence: bool) -> None:
        self.ctx = ctx
        self.code_evidence = code_evidence
        self.sources: dict[cst.CSTNode, Origin] = {}
        """Calls that may return None, each with its origin (its line filled in when used)."""
        self.tested: dict[ScopeNode, list[cst.Call]] = {}
        """Per scope, the calls its conditions test (``if d.get(k):``)."""
        self.vouched: dict[ScopeNode, set[str]] = {}
        """Per scope, the texts of values some condition passes to a predicate (``ismodule(m)``,
        ``getattr(m, "a", None)``) or checks in an ``if`` whose branch ends in a call that is
        not logging (``if not m: self.fail(...)``): the author handled their None."""
        self.members: dict[ScopeNode, set[tuple[str, str]]] = {}
        """Per scope, ``(container, key)`` texts of its ``key in container`` tests: the
        author knows whether ``container.get(key)`` finds something."""
        self.stores: dict[ScopeNode, Stores] = {}
        """Per scope, made when first asked: which of its ``container[key] = ...`` stores
        reach a point on every path."""
        self.parents: dict[ScopeNode, ScopeNode | None] = dict(iter_scopes(ctx.module))
        self.fields = OptionalFields(ctx, self.parents, code_evidence)
        self.defaults = NoneDefaults(ctx, self.parents)

    def uses(self) -> Iterator[OptionalUse]:
        wanted = [s for s in self.parents if self._has_source(s)]
        if not wanted:
            return
        selected = set(wanted)
        for scope in self.parents:  # a comprehension starts from its enclosing scope's facts
            parent = self.parents[scope]
            if isinstance(scope, COMPREHENSIONS) and parent in selected:
                selected.add(scope)
        narrowing = ModuleNarrowing(
            self.ctx.module,
            self._nullness,
            initial_facts=self._initial,
            cfg_of=self.ctx.cfg,
            accepts_none=self._comparison_takes_none,
            predicates=imported_none_guards(self.ctx),
        )
        for scope in self.parents:
            if scope not in selected:
                continue
            for event in narrowing.result(scope).events:
                if event.nullness is Nullness.NOT_NONE or event.guarded:
                    continue
                use = self._classify(scope, event)
                if use is not None and (self.code_evidence or not use.inferred or use.certain):
                    yield use

    # -- sources

    def _has_source(self, scope: ScopeNode) -> bool:
        found = False
        if isinstance(scope, cst.FunctionDef) and (
            optional_parameter_facts(scope) or self.fields.facts(scope) or self.defaults.facts(scope)
        ):
            found = True
        ns = None if isinstance(scope, cst.Module) else scope
        tested: list[cst.CSTNode] = []
        nodes = list(own_nodes(scope))
        patterns: tuple[dict[str, Text], dict[str, Text]] | None = None
        # Calls whose value goes straight into another call or is dropped cannot be
        # dereferenced here: resolving them would be most of this function's cost.
        passed: set[cst.CSTNode] = set()
        for node in nodes:
            kind = type(node)
            if kind is cst.Name and node.value == "None":  # type: ignore[attr-defined]
                found = True  # a None the code brings: reported when certain, or on request
            elif kind is cst.Call:
                assert isinstance(node, cst.Call)
                for arg in node.args:  # passed on, not used here (unless unpacked: `f(*x)`)
                    if not arg.star:
                        passed.add(arg.value)
                if node in passed:
                    continue
                func = node.func
                if patterns is None and type(func) is cst.Attribute and func.attr.value in PATTERN_METHODS:
                    patterns = literal_patterns({**self.module_calls, **single_calls(nodes)})
                source = self._call_source(node, ns, patterns or NO_PATTERNS)
                if source is not None:
                    self.sources[node] = source
                    found = True
            elif kind is cst.Expr:
                passed.add(node.value)  # type: ignore[attr-defined]
            elif kind in _TESTS:
                test = getattr(node, "test")
                tested.append(test)
                self._vouch(scope, node, test)
            elif kind is cst.BooleanOperation:
                assert isinstance(node, cst.BooleanOperation)
                tested += (node.left, node.right)
            elif kind is cst.Comparison:
                assert isinstance(node, cst.Comparison)
                tested.append(node.left)
                for target in node.comparisons:
                    if isinstance(target.operator, (cst.In, cst.NotIn)):
                        pair = (self._text(target.comparator), key_text(node.left, self._text))
                        self.members.setdefault(scope, set()).add(pair)
            elif kind is cst.UnaryOperation and isinstance(node.operator, cst.Not):  # type: ignore[attr-defined]
                tested.append(node.expression)  # type: ignore[attr-defined]
        self.tested[scope] = [t for t in tested if type(t) is cst.Call]
        return found

    @cached_property
    def module_calls(self) -> dict[str, cst.Call]:
        """Module names bound once to a call (``PATTERN = re.compile(...)``)."""
        return single_calls(list(own_nodes(self.ctx.module)))

    def _vouch(self, scope: ScopeNode, node: cst.CSTNode, test: cst.BaseExpression) -> None:
        vouched = self.vouched.setdefault(scope, set())
        names = False
        if isinstance(node, cst.If) and _ends_in_call(node.body):
            names = True
        for part in walk(test):
            kind = type(part)
            if kind is cst.Call and part.args:  # type: ignore[attr-defined]
                vouched.add(dotted_name(part.args[0].value) or "")  # type: ignore[attr-defined]
            elif names and (kind is cst.Name or kind is cst.Attribute):
                vouched.add(dotted_name(part) or "")  # type: ignore[arg-type]

    def _call_source(
        self, call: cst.Call, scope: ScopeNode | None, patterns: tuple[dict[str, Text], dict[str, Text]]
    ) -> Origin | None:
        compiled, matches = patterns
        func = call.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.attr.value == "group":
            pattern = matches.get(func.value.value)
            if pattern is not None and len(call.args) == 1:
                group = group_literal(call.args[0].value)
                if group is not None and group in optional_groups(pattern):
                    return Origin(OriginKind.OPTIONAL_GROUP, 0, self._text(call), group=group)
            return None
        target = self.ctx.types.call_target(call, scope)
        if target is None:
            return None
        if self._returns_none(target):
            return Origin(OriginKind.RETURNS_NONE, 0, self._text(call), callee=target)
        optional = self.ctx.knowledge.returns_optional(target, call)
        if optional and target in ANCHORED and always_matches(pattern_of(call, compiled), target.endswith("search")):
            return None  # `re.match(r"\s*", s)` matches every string
        if optional is None:
            summary = project_function(self.ctx, target)
            # `def f(x: str | None) -> str | None` usually passes None through (often with
            # overloads, which the index does not keep): the result depends on the argument.
            optional = (
                summary is not None
                and summary.returns_optional
                and not any(p.optional and not p.has_default for p in summary.params)
                # The overload these arguments select may rule None out (``current()`` vs
                # ``current(instance=False)``): the evaluator chooses as a type checker would,
                # and where there are overloads its word is the only one (``setdefault(k, [])``).
                and self._may_be_none(summary, call, scope)
            )
            if optional:
                return Origin(OriginKind.ANNOTATED_CALL, 0, self._text(call), callee=target)
        if not optional:
            return None
        return Origin(OriginKind.CALL, 0, self._text(call), callee=target)

    def _may_be_none(self, summary: FunctionSummary, call: cst.Call, scope: ScopeNode | None) -> bool:
        chosen = self.ctx.types.type_of(call, scope).may_be_none
        return chosen is True if summary.overloads else chosen is not False

    def _returns_none(self, target: str) -> bool:
        """A callee that only ever returns None: a project function annotated ``-> None``
        (not a coroutine or generator), or one the stubs say so of (``list.sort``)."""
        summary = project_function(self.ctx, target)
        if summary is not None:
            return summary.return_kind == "none" and not (summary.is_async or summary.is_generator)
        return self.ctx.knowledge.returns_none(target)

    def _nullness(self, expr: cst.BaseExpression) -> Nullness | None:
        return Nullness.MAYBE if expr in self.sources else None

    def _comparison_takes_none(self, operand: cst.BaseExpression, method: str) -> bool:
        """Whether ``operand``'s comparison ``method`` takes None (``object``, ``Any``, no
        annotation, or a union with None): ``None < x`` then asks ``x.__gt__`` and succeeds."""
        types = self.ctx.types
        parents = self.ctx.parents
        scope = parents.get(operand)
        while scope is not None and type(scope) not in _SCOPE_TYPES:
            scope = parents.get(scope)
        receiver = types.type_of(operand, scope)
        if not isinstance(receiver, Instance) or receiver.cls.startswith("builtins."):
            return False
        bound = types.member(receiver, method)
        if not isinstance(bound, FunctionType) or not bound.signatures:
            return False
        return all(_takes_none(signature.params) for signature in bound.signatures)

    def _initial(self, scope: ScopeNode) -> dict[str, Fact]:
        if not isinstance(scope, cst.FunctionDef):
            return {}
        facts: dict[str, Fact] = dict(optional_parameter_facts(scope))
        facts.update(self.defaults.facts(scope))
        facts.update(self.fields.facts(scope))
        return facts

    # -- events

    def _classify(self, scope: ScopeNode, event: DerefEvent) -> OptionalUse | None:
        value = event.value
        if event.key is None and value in self.sources and self._text(value) in self._tests_around(scope):
            return None  # `if d.get(k): d.get(k).x` — the lookup was tested
        if self._key_known(scope, event):
            return None  # `if k not in d: continue` ... `d.get(k).x`; `d[k] = v` ... `d.get(k).x`
        node = event.node
        if isinstance(node, cst.Attribute) and node.value is value and node.attr.value in _NONE_ATTRIBUTES:
            return None
        if self._correlated(event) or self._under_unrelated_condition(event):
            return None
        if isinstance(scope, cst.FunctionDef) and not self.defaults.reaches(scope, event):
            return None
        if event.kind is UseKind.OPERAND and self._formatted(event):
            return None
        if event.key is not None and event.key in self.vouched.get(scope, ()):
            return None
        found = tuple(self._origin(origin) for origin in sorted(event.origins, key=self._line))
        kinds = {origin.kind for origin in found}
        if OriginKind.OPTIONAL_GROUP in kinds:
            cause = Cause.OPTIONAL_GROUP
        elif kinds & {OriginKind.FIELD, OriginKind.FIELD_SET_NONE}:
            cause = Cause.FIELD
        else:
            cause = Cause.VALUE
        return OptionalUse(
            node=event.node,
            kind=event.kind,
            cause=cause,
            subject=self._text(value),
            certain=event.nullness is Nullness.NONE,
            direct=event.key is None and event.origins == {value} and value in self.sources,
            origins=found,
            inferred=not any(
                o in self.sources or isinstance(o, cst.Param) or o in self.fields.declared for o in event.origins
            ),
        )

    def _origin(self, node: cst.CSTNode) -> Origin:
        if isinstance(node, FieldSeed):
            return self.fields.seeds[node]
        line = self._line(node)
        if node in self.sources:
            return replace(self.sources[node], line=line)
        if isinstance(node, cst.Param):
            kind = OriginKind.PARAMETER if node.default is None else OriginKind.PARAMETER_DEFAULT
            return Origin(kind, line, node.name.value)
        if isinstance(node, cst.Name):
            return Origin(OriginKind.ASSIGNED_NONE, line)
        return Origin(OriginKind.COMPARED_WITH_NONE, line)

    def _correlated(self, event: DerefEvent) -> bool:
        """Whether each ``None`` the value may hold was chosen under a condition whose
        opposite holds at the use: ``x = f() if on else None`` ... ``if on: x.y``. The
        condition is compared as text; rebinding what it reads in between is not seen.
        A module missing at import (``except ImportError: x = None``) counts too: its uses
        sit behind a flag or a platform check that the analysis cannot relate to it."""
        origins = event.origins
        if not origins or not all(type(o) is cst.Name for o in origins):
            return False
        parents = self.ctx.parents
        if all(_optional_import(o, parents) for o in origins):
            return True
        holding = set(self._conditions(event.node, parents))
        for origin in origins:
            chosen = next(iter(self._conditions(origin, parents)), None)
            if chosen is None or (chosen[0], not chosen[1]) not in holding:
                return False
        return True

    def _formatted(self, event: DerefEvent) -> bool:
        """``"%s" % x``: None is a fine right operand of ``%`` (``"%s" % None`` is "None")."""
        parent = self.ctx.parents.get(event.value)
        return (
            isinstance(parent, cst.BinaryOperation)
            and isinstance(parent.operator, cst.Modulo)
            and parent.right is event.value
        )

    def _under_unrelated_condition(self, event: DerefEvent) -> bool:
        """Whether a None that only the code itself brings (a ``None`` literal, a comparison,
        a field) reaches a use that runs under a condition not about the value: ``if
        contstr: contline + line``. Such code usually relies on the condition implying the
        value is set, which the analysis cannot see — when unsure, stay silent. Sources that
        say None is possible (a call, an Optional parameter) are reported regardless."""
        if event.key is None or any(o in self.sources or isinstance(o, cst.Param) for o in event.origins):
            return False
        key = event.key
        for text, _ in self._conditions(event.node, self.ctx.parents):
            if not re.search(rf"(?<![\w.]){re.escape(key)}(?!\w)", text):
                return True
        return False

    def _conditions(self, node: cst.CSTNode, parents: Mapping[cst.CSTNode, cst.CSTNode]) -> Iterator[tuple[str, bool]]:
        """The conditions that hold where ``node`` runs, innermost first, as (text, truth)."""
        for child, parent in enclosing(node, parents):
            if isinstance(parent, (cst.If, cst.IfExp)) and child is not parent.test:
                yield self._condition(parent.test, child is parent.body)
            elif isinstance(parent, cst.BooleanOperation) and child is parent.right:
                yield self._condition(parent.left, isinstance(parent.operator, cst.And))

    def _condition(self, test: cst.BaseExpression, truth: bool) -> tuple[str, bool]:
        while isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            test, truth = test.expression, not truth
        return self._text(test), truth

    def _key_known(self, scope: ScopeNode, event: DerefEvent) -> bool:
        """Every None comes from a keyed lookup (``d.get(k)``, ``msg.get_all(k)``) whose key
        the scope tests (``k in d``) or stores on every path to it (``d[k] = v``)."""
        origins = event.origins or {event.value}
        for origin in origins:
            wanted = lookup(origin, self._text)
            if wanted is None:
                return False
            if any(wanted.matches(*pair) for pair in self.members.get(scope, ())):
                continue
            if not self._stores(self._scope_of(scope, origin)).reaches(wanted, origin):
                return False
        return True

    def _scope_of(self, scope: ScopeNode, origin: cst.CSTNode) -> ScopeNode:
        """The scope whose graph runs ``origin``: a comprehension reads its enclosing
        scope's values, so a lookup there may run in the scope around it."""
        parent = self.parents.get(scope)
        while isinstance(scope, COMPREHENSIONS) and parent is not None:
            if self.ctx.types.scope_bindings(as_scope(scope)).graph_nodes(origin):
                break
            scope, parent = parent, self.parents.get(parent)
        return scope

    def _stores(self, scope: ScopeNode) -> Stores:
        found = self.stores.get(scope)
        if found is None:
            bindings = self.ctx.types.scope_bindings(as_scope(scope))
            found = self.stores[scope] = Stores(scope, self.ctx.cfg(scope), bindings, self._text)
        return found

    def _tests_around(self, scope: ScopeNode) -> set[str]:
        """The texts of the calls tested in ``scope`` and, for a comprehension, around it."""
        calls = list(self.tested.get(scope, ()))
        parent = self.parents.get(scope)
        while isinstance(scope, COMPREHENSIONS) and parent is not None:
            calls += self.tested.get(parent, ())
            scope, parent = parent, self.parents.get(parent)
        return {self._text(call) for call in calls}

    def _text(self, node: cst.CSTNode) -> str:
        return self.ctx.module.code_for_node(node)

    def _line(self, node: cst.CSTNode) -> int:
        if isinstance(node, FieldSeed):
            return 0
        try:
            return self.ctx.position(node).start.line
        except KeyError:
            return 0


_LOGGING = frozenset({"print", "debug", "info", "warning", "warn", "log", "exception", "critical", "error"})


def _ends_in_call(body: cst.BaseSuite) -> bool:
    """Whether a branch ends in a bare call that is not logging: ``self.fail(...)``,
    ``usage()`` — most likely one that raises or exits, though not annotated so."""
    statements = body.body if isinstance(body, (cst.IndentedBlock, cst.SimpleStatementSuite)) else ()
    last = statements[-1] if statements else None
    if isinstance(last, cst.SimpleStatementLine):
        last = last.body[-1] if last.body else None
    if not isinstance(last, cst.Expr) or not isinstance(last.value, cst.Call):
        return False
    func = last.value.func
    name = callee_name(func)
    receiver = func.value if isinstance(func, cst.Attribute) else None
    logs = isinstance(receiver, (cst.Name, cst.Attribute)) and "log" in (dotted_name(receiver) or "").lower()
    return bool(name) and name not in _LOGGING and not logs


def _optional_import(node: cst.CSTNode, parents: Mapping[cst.CSTNode, cst.CSTNode]) -> bool:
    """Whether ``node`` sits in an ``except ImportError`` (or ``ModuleNotFoundError``) handler."""
    for _, parent in enclosing(node, parents):
        if isinstance(parent, cst.ExceptHandler) and parent.type is not None:
            caught = parent.type.elements if isinstance(parent.type, cst.Tuple) else [parent.type]
            for item in caught:
                expr = item.value if isinstance(item, cst.BaseElement) else item
                if isinstance(expr, cst.Name) and expr.value in ("ImportError", "ModuleNotFoundError"):
                    return True
    return False


def _takes_none(params: tuple[Param, ...]) -> bool:
    """The other operand's parameter admits None: None itself, ``object`` or ``Any`` (read as
    Unknown, like no annotation at all: nothing says the call fails)."""
    positional = [p for p in params if p.kind in (0, 1)]
    if not positional:
        return False
    return any(
        isinstance(m, (NoneType, UnknownType)) or (isinstance(m, Instance) and m.cls == "builtins.object")
        for m in positional[-1].type.members()
    )
