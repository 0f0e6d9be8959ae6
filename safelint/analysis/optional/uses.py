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
looked at.
"""

from __future__ import annotations

import enum
import importlib
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, Final

import libcst as cst

from safelint.analysis.facts.callees import project_class, project_function
from safelint.analysis.optional.narrowing import (
    DerefEvent,
    Fact,
    ModuleNarrowing,
    Nullness,
    UseKind,
    optional_parameter_facts,
)
from safelint.analysis.syntax import (
    COMPREHENSIONS,
    ScopeNode,
    callee_name,
    dotted_name,
    iter_scopes,
    own_nodes,
    target_names,
    walk,
)
from safelint.analysis.types.model import FunctionType, Instance, NoneType, Param, UnknownType

if TYPE_CHECKING:
    from safelint.context import ModuleContext

__all__ = ["Cause", "OptionalUse", "Origin", "OriginKind", "UseKind", "optional_uses"]

_SCOPE_TYPES = frozenset({cst.FunctionDef, cst.ClassDef, cst.Lambda, *COMPREHENSIONS})
_COMPREHENSION_TYPES = frozenset(COMPREHENSIONS)
_TESTS = frozenset({cst.If, cst.While, cst.IfExp, cst.Assert, cst.CompIf})
_NO_PATTERNS: tuple[dict[str, str], dict[str, str]] = ({}, {})
_MATCHERS = frozenset({"match", "search", "fullmatch"})
_PATTERN_METHODS = _MATCHERS | {"group"}
# Attributes None has itself: `getattr(o, "f", None).__class__` does not fail.
_NONE_ATTRIBUTES = frozenset(dir(None))
# Matchers that succeed whenever the pattern can match the empty string at the start.
_ANCHORED = frozenset({"re.match", "re.search", "re.Pattern.match", "re.Pattern.search"})


class Cause(enum.Enum):
    """What makes a use's None possible, which is what decides the rule that owns it."""

    VALUE = "value"
    """A call, a parameter, a literal or a comparison."""
    FIELD = "field"
    """An Optional field of ``self`` (declared, or set to None in ``__init__``)."""
    OPTIONAL_GROUP = "optional group"
    """``m.group(n)`` of a group of a literal pattern that need not take part in the match."""


class OriginKind(enum.Enum):
    """Where a None may come from."""

    CALL = "call"
    """A call the knowledge base says may return None (``re.match``, ``dict.get``)."""
    ANNOTATED_CALL = "annotated call"
    """A call of a project function annotated ``-> T | None``."""
    RETURNS_NONE = "returns None"
    """A call that only ever returns None (``-> None``, ``list.sort``), used as a value."""
    OPTIONAL_GROUP = "optional group"
    PARAMETER = "parameter"
    """A parameter annotated Optional."""
    PARAMETER_DEFAULT = "parameter default"
    """A parameter annotated, and defaulting to None."""
    ASSIGNED_NONE = "assigned None"
    COMPARED_WITH_NONE = "compared with None"
    FIELD = "field"
    """A field of ``self`` declared Optional."""
    FIELD_SET_NONE = "field set to None"
    """A field of ``self`` set to None in ``__init__`` and to something else elsewhere."""


@dataclass(frozen=True)
class Origin:
    """One place a None may come from."""

    kind: OriginKind
    line: int
    """0 for a field (its None is wherever the object was left that way)."""
    text: str = ""
    """The call's code, the parameter's name, or the field as read (``self.conn``)."""
    callee: str | None = None
    """The qualified name a call calls (``re.match``)."""
    group: int | str | None = None
    """An optional group's number or name."""
    owner: str | None = None
    """A field's class."""


@dataclass(frozen=True)
class OptionalUse:
    """An unguarded use of a value that may be None."""

    node: cst.CSTNode
    """Where the use is: the Attribute, Subscript or Call; for iteration, unpacking,
    membership and operators, the value itself."""
    kind: UseKind
    cause: Cause
    subject: str
    """The code of the value that may be None."""
    certain: bool
    """The value is None on every path here, not only on some."""
    direct: bool
    """The use is applied to the result of a call that may return None, and that call is the
    only origin (``re.match(p, s).group(1)``)."""
    origins: tuple[Origin, ...]
    """In source order; fields first."""
    inferred: bool
    """Only the code itself says the value may be None (a ``None`` literal on some path, a
    comparison with None left unacted on, a field set to None in ``__init__``), no declared
    type or API: rules report these only when their ``code-evidence`` option is on."""


class _FieldSeed(cst.Name):
    """The origin of an Optional field of ``self`` in the narrowing's facts."""


_PARSER = importlib.import_module("re._parser" if sys.version_info >= (3, 11) else "sre_parse")
"""The stdlib's own regular-expression parser (``sre_parse`` before 3.11): no copy of its grammar here."""


def optional_uses(ctx: ModuleContext, code_evidence: bool) -> list[OptionalUse]:
    """Every unguarded use of a maybe-None value in the module, computed once per context.
    Without ``code_evidence``, uses only the code says may be None (``inferred``) are not
    looked for at all — and scopes whose only hint of None is a literal are not analysed."""
    return ctx.memo(("optional uses", code_evidence), lambda: list(_Module(ctx, code_evidence).uses()))


# Lookups that find nothing (None) exactly when the key is not ``in`` the container.
_KEYED_LOOKUPS: Final = frozenset({"get", "get_all"})


class _Module:
    def __init__(self, ctx: ModuleContext, code_evidence: bool) -> None:
        self.ctx = ctx
        self.code_evidence = code_evidence
        self.sources: dict[cst.CSTNode, Origin] = {}
        """Calls that may return None, each with its origin (its line filled in when used)."""
        self.fields: dict[cst.FunctionDef, dict[str, Fact]] = {}
        self.defaults: dict[cst.FunctionDef, dict[str, Fact]] = {}
        self.tested: dict[ScopeNode, list[cst.Call]] = {}
        """Per scope, the calls its conditions test (``if d.get(k):``)."""
        self.seeds: dict[_FieldSeed, Origin] = {}
        self.declared: set[_FieldSeed] = set()
        """Seeds of fields declared Optional (the others are set to None in ``__init__``)."""
        self.vouched: dict[ScopeNode, set[str]] = {}
        """Per scope, the texts of values some condition passes to a predicate (``ismodule(m)``,
        ``getattr(m, "a", None)``) or checks in an ``if`` whose branch ends in a call that is
        not logging (``if not m: self.fail(...)``): the author handled their None."""
        self.members: dict[ScopeNode, set[tuple[str, str]]] = {}
        """Per scope, ``(container, key)`` texts of its ``key in container`` tests: the
        author knows whether ``container.get(key)`` finds something."""
        self.parents: dict[ScopeNode, ScopeNode | None] = dict(iter_scopes(ctx.module))
        self.class_fields = self._class_fields()

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
            optional_parameter_facts(scope) or self._field_facts(scope) or self._default_facts(scope)
        ):
            found = True
        ns = None if isinstance(scope, cst.Module) else scope
        tested: list[cst.CSTNode] = []
        nodes = list(own_nodes(scope))
        patterns: tuple[dict[str, str], dict[str, str]] | None = None
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
                if patterns is None and type(func) is cst.Attribute and func.attr.value in _PATTERN_METHODS:
                    patterns = _patterns({**self.module_calls, **_single_calls(nodes)})
                source = self._call_source(node, ns, patterns or _NO_PATTERNS)
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
                        pair = (self._text(target.comparator), self._text(node.left))
                        self.members.setdefault(scope, set()).add(pair)
            elif kind is cst.UnaryOperation and isinstance(node.operator, cst.Not):  # type: ignore[attr-defined]
                tested.append(node.expression)  # type: ignore[attr-defined]
        self.tested[scope] = [t for t in tested if type(t) is cst.Call]
        return found

    @cached_property
    def module_calls(self) -> dict[str, cst.Call]:
        """Module names bound once to a call (``PATTERN = re.compile(...)``)."""
        return _single_calls(list(own_nodes(self.ctx.module)))

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

    def _field_facts(self, func: cst.FunctionDef) -> dict[str, Fact]:
        """``self.<field>`` as MAYBE on entry to a public method of a class with Optional
        fields (not ``__init__``, which sets them up, nor static and class methods)."""
        found = self.fields.get(func)
        if found is None:
            found = self.fields[func] = self._seed_fields(func)
        return found

    def _seed_fields(self, func: cst.FunctionDef) -> dict[str, Fact]:
        klass = self.parents.get(func)
        if not isinstance(klass, cst.ClassDef) or klass not in self.class_fields:
            return {}
        name = func.name.value
        if name in ("__init__", "__new__", "__post_init__", "__del__", "setUp"):
            return {}
        if name.startswith("_") and not name.endswith("__"):
            return {}  # a private helper runs where its callers have set the field up
        if any(_decorator_name(d) in ("staticmethod", "classmethod") for d in func.decorators):
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
            seed = _FieldSeed(value=field)
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

    def _call_source(
        self, call: cst.Call, scope: ScopeNode | None, patterns: tuple[dict[str, str], dict[str, str]]
    ) -> Origin | None:
        compiled, matches = patterns
        func = call.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.attr.value == "group":
            pattern = matches.get(func.value.value)
            if pattern is not None and len(call.args) == 1:
                group = _literal(call.args[0].value)
                if group is not None and group in _optional_groups(pattern):
                    return Origin(OriginKind.OPTIONAL_GROUP, 0, self._text(call), group=group)
            return None
        target = self.ctx.types.call_target(call, scope)
        if target is None:
            return None
        if self._returns_none(target):
            return Origin(OriginKind.RETURNS_NONE, 0, self._text(call), callee=target)
        optional = self.ctx.knowledge.returns_optional(target, call)
        if optional and target in _ANCHORED and _always_matches(_pattern_of(call, compiled)):
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
                # ``current(instance=False)``): the evaluator chooses as a type checker would.
                and self.ctx.types.type_of(call, scope).may_be_none is not False
            )
            if optional:
                return Origin(OriginKind.ANNOTATED_CALL, 0, self._text(call), callee=target)
        if not optional:
            return None
        return Origin(OriginKind.CALL, 0, self._text(call), callee=target)

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
        facts.update(self._default_facts(scope))
        facts.update(self._field_facts(scope))
        return facts

    def _default_facts(self, func: cst.FunctionDef) -> dict[str, Fact]:
        """MAYBE for an unannotated parameter defaulting to None that a call in this module
        leaves out: there the default reaches the body. Without such a call it is most often
        a sentinel every caller overrides."""
        found = self.defaults.get(func)
        if found is None:
            found = self.defaults[func] = {
                param.name.value: Fact(Nullness.MAYBE, frozenset((param,)))
                for param, position in _unannotated_none_defaults(func)
                if self._left_out(func, param.name.value, position)
            }
        return found

    def _default_reaches(self, func: cst.FunctionDef, event: DerefEvent) -> bool:
        """For a None that only an unannotated default brings: whether it surely reaches the
        use — a statement of the body itself (under no condition, loop or ``try``) that no
        earlier statement of the body rebinds the parameter before."""
        weak = self.defaults.get(func, {})
        params = [o for o in event.fact.origins if isinstance(o, cst.Param) and o.name.value in weak]
        if not params or len(params) != len(event.fact.origins):
            return True
        body = func.body.body if isinstance(func.body, cst.IndentedBlock) else ()
        statement: cst.CSTNode | None = event.node
        while statement is not None and statement not in body:
            statement = self.ctx.parents.get(statement)
        if (
            statement is None
            or not isinstance(statement, cst.SimpleStatementLine)
            and not _in_header(statement, event.node, self.ctx.parents)
        ):
            return False
        names = {p.name.value for p in params}
        for earlier in body[: body.index(statement)]:
            for node in walk(earlier):
                if names.intersection(n for t in _assigned(node) for n in target_names(t)):
                    return False
        return True

    def _left_out(self, func: cst.FunctionDef, name: str, position: int | None) -> bool:
        """Whether some call of ``func``'s name in this module passes None for ``name``: leaves
        it out (neither by keyword nor by enough positional arguments) or passes ``None``."""
        klass = self.parents.get(func)
        method = isinstance(klass, cst.ClassDef) and not any(
            _decorator_name(d) == "staticmethod" for d in func.decorators
        )
        called = func.name.value
        if called.startswith("__"):
            if called != "__init__" or not isinstance(klass, cst.ClassDef):
                return False
            called = klass.name.value  # `Box(...)` calls `Box.__init__`
        for call in self.calls_by_name.get(called, ()):
            if any(arg.star for arg in call.args):
                continue
            if method and called == func.name.value and not (_self_call(call) and self._inside(call, klass)):
                continue  # `other.get()` may be any class's `get`: only `self.get()` in its class counts
            if not method and isinstance(call.func, cst.Attribute):
                continue  # `obj.f()` of a module function: another callee
            keyword = next((a for a in call.args if a.keyword is not None and a.keyword.value == name), None)
            positional = [arg for arg in call.args if arg.keyword is None]
            index = None if position is None else position - (1 if method else 0)
            given = (
                keyword
                if keyword is not None
                else (positional[index] if index is not None and index < len(positional) else None)
            )
            if given is None or _is_none_literal(given.value):
                return True  # left out, or None passed as is: `f(None)`
        return False

    def _inside(self, node: cst.CSTNode, klass: cst.CSTNode | None) -> bool:
        parent = self.ctx.parents.get(node)
        while parent is not None and not isinstance(parent, cst.ClassDef):
            parent = self.ctx.parents.get(parent)
        return parent is klass

    @cached_property
    def calls_by_name(self) -> dict[str, list[cst.Call]]:
        """The module's calls by the last name of their callee (``f(...)``, ``obj.f(...)``)."""
        calls: dict[str, list[cst.Call]] = {}
        for node in walk(self.ctx.module):
            if type(node) is cst.Call:
                name = callee_name(node.func)
                if name is not None:
                    calls.setdefault(name, []).append(node)
        return calls

    # -- events

    def _classify(self, scope: ScopeNode, event: DerefEvent) -> OptionalUse | None:
        value = event.value
        if event.key is None and value in self.sources and self._text(value) in self._tests_around(scope):
            return None  # `if d.get(k): d.get(k).x` — the lookup was tested
        if self._membership_tested(scope, value):
            return None  # `if k not in d: continue` ... `d.get(k).x`
        node = event.node
        if isinstance(node, cst.Attribute) and node.value is value and node.attr.value in _NONE_ATTRIBUTES:
            return None
        if self._correlated(event) or self._under_unrelated_condition(event):
            return None
        if isinstance(scope, cst.FunctionDef) and not self._default_reaches(scope, event):
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
                o in self.sources or isinstance(o, cst.Param) or o in self.declared for o in event.origins
            ),
        )

    def _origin(self, node: cst.CSTNode) -> Origin:
        if isinstance(node, _FieldSeed):
            return self.seeds[node]
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
        child = node
        parent = parents.get(child)
        while parent is not None and not isinstance(parent, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            if isinstance(parent, (cst.If, cst.IfExp)) and child is not parent.test:
                yield self._condition(parent.test, child is parent.body)
            elif isinstance(parent, cst.BooleanOperation) and child is parent.right:
                yield self._condition(parent.left, isinstance(parent.operator, cst.And))
            child, parent = parent, parents.get(parent)

    def _condition(self, test: cst.BaseExpression, truth: bool) -> tuple[str, bool]:
        while isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            test, truth = test.expression, not truth
        return self._text(test), truth

    def _membership_tested(self, scope: ScopeNode, value: cst.CSTNode) -> bool:
        """``d.get(k)`` (or ``msg.get_all(k)``) where the scope tests ``k in d``."""
        if not (isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.args):
            return False
        if value.func.attr.value not in _KEYED_LOOKUPS or value.args[0].keyword is not None:
            return False
        pair = (self._text(value.func.value), self._text(value.args[0].value))
        return pair in self.members.get(scope, ())

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
        if isinstance(node, _FieldSeed):
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
    parent = parents.get(node)
    while parent is not None and not isinstance(parent, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
        if isinstance(parent, cst.ExceptHandler) and parent.type is not None:
            caught = parent.type.elements if isinstance(parent.type, cst.Tuple) else [parent.type]
            for item in caught:
                expr = item.value if isinstance(item, cst.BaseElement) else item
                if isinstance(expr, cst.Name) and expr.value in ("ImportError", "ModuleNotFoundError"):
                    return True
        parent = parents.get(parent)
    return False


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


def _decorator_name(decorator: cst.Decorator) -> str | None:
    expr = decorator.decorator
    return expr.value if isinstance(expr, cst.Name) else None


def _literal(expr: cst.BaseExpression) -> int | str | None:
    if isinstance(expr, cst.Integer):
        return int(expr.value, 0)
    if isinstance(expr, cst.SimpleString):
        value = expr.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _single_calls(nodes: list[cst.CSTNode]) -> dict[str, cst.Call]:
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


def _patterns(calls: Mapping[str, cst.Call]) -> tuple[dict[str, str], dict[str, str]]:
    """Of names bound once to a call: those holding ``re.compile`` of a literal pattern, and
    those holding a match of one (``re.match(p, s)``, ``P.search(s)``) — name → pattern."""
    compiled: dict[str, str] = {}
    for name, call in calls.items():
        func = call.func
        if _is_re(func, "compile") and call.args and isinstance(call.args[0].value, cst.SimpleString):
            text = call.args[0].value.evaluated_value
            if isinstance(text, str):
                compiled[name] = text
    matches: dict[str, str] = {}
    for name, call in calls.items():
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in _MATCHERS:
            pattern = _pattern_of(call, compiled)
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


def _pattern_of(call: cst.Call, patterns: Mapping[str, str]) -> str | None:
    """The literal pattern a matcher call uses: its first argument (``re.match(p, s)``), or
    the compiled pattern it is called on (``P.match(s)``, ``P = re.compile(p)``)."""
    func = call.func
    if not isinstance(func, cst.Attribute) or not isinstance(func.value, cst.Name):
        return None
    if func.value.value == "re":
        first = call.args[0].value if call.args else None
        if isinstance(first, cst.SimpleString) and isinstance(first.evaluated_value, str):
            return first.evaluated_value
        return None
    return patterns.get(func.value.value)


def _always_matches(pattern: str | None) -> bool:
    """Whether ``re.match``/``re.search`` of the pattern succeeds on every string: it can
    match the empty string and asserts nothing but the start (a run of blanks, ``^(x*)``)."""
    if pattern is None:
        return False
    try:
        parsed = _PARSER.parse(pattern)
    except (re.error, RecursionError, OverflowError):
        return False
    if parsed.getwidth()[0] != 0:
        return False
    stack: list[object] = [parsed]
    while stack:
        for op, arg in stack.pop():  # type: ignore[attr-defined]
            name = str(op)
            if name in ("ASSERT", "ASSERT_NOT", "GROUPREF", "GROUPREF_EXISTS"):
                return False
            if name == "AT" and str(arg) not in ("AT_BEGINNING", "AT_BEGINNING_STRING"):
                return False
            if name == "SUBPATTERN":
                stack.append(arg[-1])
            elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                stack.append(arg[2])
            elif name == "BRANCH":
                stack.extend(arg[1])
            elif name == "ATOMIC_GROUP":
                stack.append(arg)
    return True


def _optional_groups(pattern: str) -> frozenset[int | str]:
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
            elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
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


def _unannotated_none_defaults(func: cst.FunctionDef) -> Iterator[tuple[cst.Param, int | None]]:
    """Each unannotated parameter defaulting to None, with its position among the
    positional parameters (None for keyword-only)."""
    params = func.params
    for position, param in enumerate((*params.posonly_params, *params.params)):
        if param.annotation is None and _is_none_literal(param.default):
            yield param, position
    for param in params.kwonly_params:
        if param.annotation is None and _is_none_literal(param.default):
            yield param, None


def _is_none_literal(expr: cst.BaseExpression | None) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


def _self_call(call: cst.Call) -> bool:
    func = call.func
    return isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in ("self", "cls")


def _assigned(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The targets ``node`` binds, if it is an assignment, a loop or a ``with ... as``."""
    if isinstance(node, cst.Assign):
        return [t.target for t in node.targets]
    if isinstance(node, (cst.AnnAssign, cst.AugAssign, cst.For, cst.NamedExpr)):
        return [node.target]
    if isinstance(node, cst.WithItem) and node.asname is not None:
        return [node.asname.name]
    return []


def _in_header(statement: cst.CSTNode, node: cst.CSTNode, parents: Mapping[cst.CSTNode, cst.CSTNode]) -> bool:
    """Whether ``node`` is in the part of a compound statement that always runs (an ``if``'s
    or ``while``'s test, a ``for``'s iterable, a ``with``'s items), not in a block."""
    header: tuple[cst.CSTNode, ...] = ()
    if isinstance(statement, (cst.If, cst.While)):
        header = (statement.test,)
    elif isinstance(statement, cst.For):
        header = (statement.iter,)
    elif isinstance(statement, cst.With):
        header = tuple(statement.items)
    current: cst.CSTNode | None = node
    while current is not None and current is not statement:
        if any(current is h for h in header):
            return True
        current = parents.get(current)
    return False
