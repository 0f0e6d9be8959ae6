"""None narrowing: for every read of a tracked key, may it be None there?

The analysis is a transfer function (:mod:`narrowing_transfer`) on the lattice of
:mod:`nullness`, solved on a scope's CFG. SL2 rules are filters over
:attr:`Narrowing.events` — every attribute access, subscript, call, iteration, unpacking
or operator applied to a value whose nullness is known; a rule keeps those where
``event.nullness is not Nullness.NOT_NONE and not event.guarded`` and looks at
``event.origins`` to say where the None comes from. Rules bring their knowledge in
through two parameters:

* ``nullness_of(expr)``: the nullness of an expression the analysis cannot see through (a
  call the knowledge base says returns ``X | None`` → MAYBE; None: unknown). Tracked keys
  (``m``, ``self.conn``) are never asked about: their facts come from the code.
* ``initial``: facts on entry, e.g. ``Optional`` parameters (see
  :func:`optional_parameter_facts`), fields set to None in ``__init__`` (``self.x``), or
  module-level Optional globals.

Evidence of None is either a source (a ``None`` literal, a flagged call, an Optional
parameter) or the code itself: after ``if x is None: log()``, ``x`` may be None, because
the code says it can be. The origin of such a fact is the comparison, so a rule can tell
the two apart.

Nested scopes. A comprehension runs where it stands, so its analysis starts from the state
of the enclosing scope at that point (``if x: [x.y for _ in r]`` is safe). A nested
function or lambda runs later, when a captured name may have been rebound or checked:
captured names start *unknown* in it, so a capture is never reported unless the nested
scope itself compares it with None. This misses ``m = re.match(...); cb = lambda:
m.group()``, and never flags a callback that is only registered after a check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Final, Union, cast

import libcst as cst

from safelint.analysis.flow.cfg import CFG, CFGNode, EdgeKind, NodeKind, build_cfg
from safelint.analysis.flow.dataflow import ForwardAnalysis, Result, solve
from safelint.analysis.optional.expressions import ComparisonOracle, NullnessOracle
from safelint.analysis.optional.nullness import NOT_NONE, Fact, Nullness, State, join_facts, join_states
from safelint.analysis.optional.recorder import Recorder, Use, UseKind
from safelint.analysis.optional.setters import method_stores, property_stores
from safelint.analysis.optional.transfer import Evaluator, Outcome, import_names
from safelint.analysis.syntax import COMPREHENSIONS, ScopeNode, dotted_name, iter_scopes, parameters, target_names, walk
from safelint.source import UNREADABLE

__all__ = [
    "DerefEvent",
    "Fact",
    "ModuleNarrowing",
    "Narrowing",
    "Nullness",
    "NullnessOracle",
    "State",
    "UseKind",
    "analyze_narrowing",
    "optional_parameter_facts",
]

# An exception a dereference of None raises (or a broader one) caught around it.
_GUARDS = frozenset({"AttributeError", "TypeError", "Exception", "BaseException"})
# Nodes holding statement blocks, for scans that look at statements only.
_BLOCKS = frozenset(
    {
        cst.If,
        cst.Else,
        cst.While,
        cst.For,
        cst.With,
        cst.Try,
        cst.TryStar,
        cst.ExceptHandler,
        cst.ExceptStarHandler,
        cst.Finally,
        cst.Match,
        cst.MatchCase,
        cst.FunctionDef,
        cst.ClassDef,
    }
)


@dataclass(frozen=True)
class DerefEvent:
    """A use of a value that fails if the value is None."""

    node: cst.CSTNode
    """Where to report: the Attribute, Subscript or Call; for iteration, unpacking and
    operators, the value itself."""
    value: cst.BaseExpression
    """The expression that may be None (``m`` in ``m.group()``, the call in ``f().x``)."""
    key: str | None
    """The tracked key ``value`` reads (``m``, ``self.conn``), or None for a call result."""
    kind: UseKind
    fact: Fact
    """Joined over every path and every copy of the code (``finally`` bodies are copied)."""
    guarded: bool
    """The use sits in a ``try`` body whose handlers catch AttributeError, TypeError or
    anything broader, or under ``with suppress(...)`` of one of those."""

    @property
    def nullness(self) -> Nullness:
        return self.fact.nullness

    @property
    def origins(self) -> frozenset[cst.CSTNode]:
        """Where the None may come from: a ``None`` literal, a call the oracle flagged, a
        parameter (``cst.Param``), a comparison with None that was not acted on."""
        return self.fact.origins


class Narrowing:
    """The analysis of one scope. If ``converged`` is False (a pathological function hit the
    solver's budget) there are no events and no facts: rules stay silent."""

    def __init__(
        self,
        cfg: CFG,
        result: Result[State],
        recorder: Recorder,
        stable: frozenset[str],
        shared_attributes: bool,
    ) -> None:
        self.cfg = cfg
        self.converged = result.converged
        self.stable = stable
        """Names only this scope's own code rebinds (locals not declared global or
        nonlocal anywhere); comprehensions nested here inherit them."""
        self.shared_attributes = shared_attributes
        """Whether any call may rebind attributes here (module and class level)."""
        self._result = result
        self._reads: dict[cst.CSTNode, Fact | None] = {}
        self._entries: dict[cst.CSTNode, State] = {}
        self.events: list[DerefEvent] = []
        if result.converged:
            self._reads = recorder.reads()
            self._entries = recorder.entries()
            guards: dict[CFGNode, bool] = {}
            self.events = [_event(cfg, uses, guards) for uses in recorder.uses().values()]

    def fact_at(self, expr: cst.BaseExpression) -> Fact | None:
        """The fact at a read (load) of a tracked key — a Name or an Attribute chain — joined
        over the paths and copies reaching it; None if unknown or never reached."""
        return self._reads.get(expr)

    def nullness_at(self, expr: cst.BaseExpression) -> Nullness | None:
        fact = self._reads.get(expr)
        return None if fact is None else fact.nullness

    def state_before(self, ast: cst.CSTNode) -> State | None:
        """All facts before a statement or test (see ``CFG.nodes_for``)."""
        return self._result.state_before(ast) if self.converged else None

    def entry_state(self, comprehension: cst.CSTNode) -> State | None:
        """The facts where a comprehension nested in this scope starts running."""
        return self._entries.get(comprehension)


def _event(cfg: CFG, uses: list[Use], guards: dict[CFGNode, bool]) -> DerefEvent:
    """One event per use in the code, joined over the copies of the node holding it."""
    first = uses[0]
    fact = first.fact
    for use in uses[1:]:
        joined = join_facts(fact, use.fact)
        assert joined is not None  # two known facts join to a known one
        fact = joined
    guarded = False
    for use in uses:
        if use.at not in guards:
            guards[use.at] = _catches_none_errors(cfg, use.at)
        guarded = guarded or guards[use.at]
    return DerefEvent(first.node, first.value, first.key, first.kind, fact, guarded)


class _Analysis(ForwardAnalysis[State]):
    track_exits = False  # facts matter where code reads them, not where the scope ends

    def __init__(self, evaluator: Evaluator, initial: State) -> None:
        self._evaluator = evaluator
        self._initial = initial
        # The solver asks for a node's edges one after another with the same state:
        # evaluate the node once for all of them.
        self._last: tuple[CFGNode, State, Outcome] | None = None

    def _outcome(self, node: CFGNode, state: State) -> Outcome:
        last = self._last
        if last is not None and last[0] is node and last[1] is state:
            return last[2]
        outcome = self._evaluator.step(node, state)
        self._last = (node, state, outcome)
        return outcome

    def initial(self) -> State:
        return self._initial

    def join(self, a: State, b: State) -> State:
        return join_states(a, b)

    def transfer(self, node: CFGNode, state: State) -> State | None:
        return self._outcome(node, state).normal

    def transfer_edge(self, label: EdgeKind, node: CFGNode, state: State) -> State | None:
        outcome = self._outcome(node, state)
        return outcome.true if label is EdgeKind.TRUE else outcome.false

    def transfer_exception(self, node: CFGNode, state: State) -> State | None:
        return join_states(state, self._outcome(node, state).raised)


def _unknown(expr: cst.BaseExpression) -> Nullness | None:
    return None


def analyze_narrowing(
    cfg: CFG,
    nullness_of: NullnessOracle | None = None,
    *,
    initial: Mapping[str, Fact | Nullness] | None = None,
    enclosing: Narrowing | None = None,
    predicates: frozenset[str] = frozenset(),
    accepts_none: ComparisonOracle | None = None,
    setter_stores: Mapping[str, tuple[str, ...]] | None = None,
) -> Narrowing:
    """Narrow None over ``cfg``. ``enclosing`` is the analysis of the scope around a
    comprehension, whose state at the comprehension seeds this one (ignored otherwise);
    ``setter_stores`` maps a property to the fields its setter stores (:mod:`setters`)."""
    oracle = nullness_of if nullness_of is not None else _unknown
    bound, declared = _scope_names(cfg)
    stable = bound - declared
    facts: dict[str, Fact] = {}
    if enclosing is not None and isinstance(cfg.scope, COMPREHENSIONS):
        stable |= enclosing.stable
        facts.update(enclosing.entry_state(cfg.scope) or {})
    for key, fact in (initial or {}).items():
        facts[key] = fact if isinstance(fact, Fact) else _fact(fact)
    shared = isinstance(cfg.scope, (cst.Module, cst.ClassDef))
    if enclosing is not None and isinstance(cfg.scope, COMPREHENSIONS):
        shared = enclosing.shared_attributes
    recorder = Recorder()
    evaluator = Evaluator(
        oracle, stable, declared, recorder, shared_attributes=shared, predicates=predicates, accepts_none=accepts_none
    )
    if isinstance(cfg.scope, cst.FunctionDef):
        evaluator.flag_regions = flag_regions(cfg.scope, declared)
    evaluator.setter_stores = setter_stores or {}
    result = solve(cfg, _Analysis(evaluator, facts))
    evaluator.recorder = None
    return Narrowing(cfg, result, recorder, frozenset(evaluator.stable), shared)


def _fact(nullness: Nullness) -> Fact:
    return NOT_NONE if nullness is Nullness.NOT_NONE else Fact(nullness)


def _catches_none_errors(cfg: CFG, node: CFGNode) -> bool:
    for caught in cfg.caught_types(node):
        if caught is None:
            return True
        types = [e.value for e in caught.elements] if isinstance(caught, cst.Tuple) else [caught]
        for expr in types:
            name = dotted_name(expr)
            if name is not None and name.rpartition(".")[2] in _GUARDS:
                return True
    return False


def _scope_names(cfg: CFG) -> tuple[set[str], frozenset[str]]:
    """The names the scope binds, and those a call may rebind: declared ``global`` or
    ``nonlocal`` here, or rebindable from a nested function."""
    bound: set[str] = set()
    declared: set[str] = set()
    scope = cfg.scope
    # A nested function rebinds a module's names by `global`, a function's by `nonlocal`;
    # a class's names are not visible to its methods at all.
    wanted: type[cst.Global] | type[cst.Nonlocal] | None = None
    if isinstance(scope, cst.Module):
        wanted = cst.Global
    elif isinstance(scope, cst.FunctionDef):
        wanted = cst.Nonlocal
    if isinstance(scope, (cst.FunctionDef, cst.Lambda)):
        bound.update(p.name.value for p in parameters(scope.params))
    for node in cfg.nodes:
        ast = node.ast
        kind = node.kind
        if kind is NodeKind.STMT:
            _statement_names(ast, bound, declared)
        elif kind is NodeKind.FOR_NEXT and isinstance(ast, cst.BaseExpression):
            bound.update(target_names(ast))
        elif kind is NodeKind.WITH_ENTER and isinstance(ast, cst.WithItem) and ast.asname is not None:
            bound.update(target_names(ast.asname.name))
        elif kind is NodeKind.EXCEPT and isinstance(ast, (cst.ExceptHandler, cst.ExceptStarHandler)):
            if ast.name is not None and isinstance(ast.name.name, cst.Name):
                bound.add(ast.name.name.value)
        elif kind is NodeKind.CASE and isinstance(ast, cst.MatchCase):
            for pattern in walk(ast.pattern):
                if isinstance(pattern, (cst.MatchAs, cst.MatchStar)) and pattern.name is not None:
                    bound.add(pattern.name.value)
                elif isinstance(pattern, cst.MatchMapping) and pattern.rest is not None:
                    bound.add(pattern.rest.value)
        elif kind is NodeKind.DEF and isinstance(ast, (cst.FunctionDef, cst.ClassDef)):
            bound.add(ast.name.value)
            if wanted is not None:
                declared |= _declared_below(ast.body, wanted)
    return bound, frozenset(declared)


def _statement_names(stmt: cst.CSTNode, bound: set[str], declared: set[str]) -> None:
    kind = type(stmt)
    if kind is cst.Expr or kind is cst.Return:
        return
    if isinstance(stmt, cst.Assign):
        for target in stmt.targets:
            bound.update(target_names(target.target))
    elif isinstance(stmt, (cst.AnnAssign, cst.AugAssign, cst.Del)):
        bound.update(target_names(stmt.target))
    elif isinstance(stmt, (cst.Import, cst.ImportFrom)):
        bound.update(import_names(stmt) or ())
    elif isinstance(stmt, (cst.Global, cst.Nonlocal)):
        declared.update(item.name.value for item in stmt.names)
    elif isinstance(stmt, cst.TypeAlias):
        bound.add(stmt.name.value)


def _declared_below(body: cst.BaseSuite, wanted: type[cst.Global] | type[cst.Nonlocal]) -> set[str]:
    """The names ``global`` or ``nonlocal`` statements (``wanted``) declare anywhere in a
    nested body. Only statements are scanned: neither lambdas nor comprehensions declare."""
    names: set[str] = set()
    stack: list[cst.CSTNode] = [body]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is cst.SimpleStatementLine or kind is cst.SimpleStatementSuite:
            for small in node.body:  # type: ignore[attr-defined]
                if type(small) is wanted:
                    names.update(item.name.value for item in small.names)
        elif kind is cst.IndentedBlock:
            stack.extend(node.body)  # type: ignore[attr-defined]
        elif kind in _BLOCKS:
            for part in ("body", "orelse", "finalbody"):
                inner = getattr(node, part, None)
                if inner is not None:
                    stack.append(inner)
            stack.extend(getattr(node, "handlers", ()))
            stack.extend(getattr(node, "cases", ()))
    return names


def optional_parameter_facts(func: cst.FunctionDef | cst.Lambda) -> dict[str, Fact]:
    """MAYBE for each parameter annotated to admit None (``Optional[T]``, ``T | None``,
    ``Union[T, None]``, a string holding one) or annotated and defaulting to None."""
    facts: dict[str, Fact] = {}
    params = func.params
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        annotation = param.annotation
        if annotation is None:
            continue
        default = param.default
        if _admits_none(annotation.annotation) or (isinstance(default, cst.Name) and default.value == "None"):
            facts[param.name.value] = Fact(Nullness.MAYBE, frozenset((param,)))
    return facts


def _admits_none(annotation: cst.BaseExpression) -> bool:
    stack = [annotation]
    while stack:
        expr = stack.pop()
        if isinstance(expr, cst.Name) and expr.value == "None":
            return True
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
            stack += (expr.left, expr.right)
        elif isinstance(expr, cst.Subscript):
            name = (dotted_name(expr.value) or "").rpartition(".")[2]
            elements = [e.slice.value for e in expr.slice if isinstance(e.slice, cst.Index)]
            if name == "Optional":
                return True
            if name == "Union":
                stack += elements
            elif name == "Annotated" and elements:
                stack.append(elements[0])
        elif isinstance(expr, cst.SimpleString):
            try:
                text = expr.evaluated_value
                if isinstance(text, str):
                    stack.append(cst.parse_expression(text.strip()))
            except UNREADABLE + (ValueError, SyntaxError, RecursionError):
                pass  # an annotation we cannot read admits nothing
    return False


# Exact-type sets: the walk below meets every node of a function, and ``isinstance`` against
# libcst's classes (ABCs) costs a Python-level call for each class that does not match.
_NESTED_SCOPES: Final = frozenset({cst.FunctionDef, cst.Lambda, cst.ClassDef})
_BINDERS: Final = frozenset({cst.AssignTarget, cst.AugAssign, cst.AnnAssign, cst.For, cst.CompFor, cst.NamedExpr})
_REBINDERS: Final = frozenset({cst.AssignTarget, cst.AugAssign, cst.AnnAssign, cst.NamedExpr})
_LOOPS: Final = frozenset({cst.For, cst.While})  # a for loop is met first as a binder
_Binder = Union[cst.AssignTarget, cst.AugAssign, cst.AnnAssign, cst.For, cst.CompFor, cst.NamedExpr]


def flag_regions(
    function: cst.FunctionDef, declared: frozenset[str]
) -> dict[str, tuple[frozenset[int], frozenset[int]]]:
    """For each name the function binds at most once (a parameter, or one assignment) and
    tests as ``if name:``/``if not name:``, the ids of the nodes run only where it is false
    and only where it is true: a name that never changes tells later code which branch ran."""
    bindings: dict[str, int] = {p.name.value: 1 for p in parameters(function.params)}
    tests: list[tuple[str, bool, cst.If]] = []
    for node in walk(function.body):
        kind = type(node)
        if kind in _NESTED_SCOPES and node is not function:
            for sub in walk(node):
                if type(sub) is cst.Name:
                    bindings[sub.value] = 2  # captured: a nested scope may rebind it
        elif kind in _BINDERS:
            for name in target_names(cast(_Binder, node).target):
                bindings[name] = bindings.get(name, 0) + 1
        elif kind is cst.AsName and type(cast(cst.AsName, node).name) is cst.Name:
            bindings[cast(cst.Name, cast(cst.AsName, node).name).value] = 2
        elif kind in _LOOPS:
            for sub in walk(cast(cst.While, node).body):
                if type(sub) in _REBINDERS:
                    for name in target_names(cast(_Binder, sub).target):
                        bindings[name] = 2  # bound again on every pass
        elif kind is cst.If:
            statement = cast(cst.If, node)
            test, negated = statement.test, False
            while type(test) is cst.UnaryOperation and type(test.operator) is cst.Not:
                test, negated = test.expression, not negated
            if type(test) is cst.Name:
                tests.append((test.value, negated, statement))
    regions: dict[str, tuple[set[int], set[int]]] = {}
    for name, negated, statement in tests:
        if bindings.get(name, 0) != 1 or name in declared:
            continue
        false_side, true_side = regions.setdefault(name, (set(), set()))
        body, orelse = (false_side, true_side) if negated else (true_side, false_side)
        body.update(id(n) for n in walk(statement.body))
        if isinstance(statement.orelse, cst.Else):
            orelse.update(id(n) for n in walk(statement.orelse.body))
    return {name: (frozenset(f), frozenset(t)) for name, (f, t) in regions.items()}


_GUARD_TYPES = frozenset({"TypeGuard", "TypeIs"})


def none_ruling_predicates(module: cst.Module) -> frozenset[str]:
    """The module's functions whose true result rules out None for their first argument:
    annotated ``-> TypeGuard[...]``/``-> TypeIs[...]``, or whose whole body is
    ``return <first> is not None`` (possibly ``and`` more)."""
    found = set()
    for statement in module.body:
        if not isinstance(statement, cst.FunctionDef):
            continue
        params = parameters(statement.params)
        if not params:
            continue
        returns = statement.returns.annotation if statement.returns is not None else None
        if isinstance(returns, cst.Subscript):
            returns = returns.value
        if returns is not None and (dotted_name(returns) or "").rpartition(".")[2] in _GUARD_TYPES:
            found.add(statement.name.value)
        elif _returns_not_none_test(statement, params[0].name.value):
            found.add(statement.name.value)
    return frozenset(found)


def _returns_not_none_test(function: cst.FunctionDef, first: str) -> bool:
    body = function.body.body if isinstance(function.body, cst.IndentedBlock) else []
    lines = [b for b in body if not (isinstance(b, cst.SimpleStatementLine) and _is_docstring(b))]
    if len(lines) != 1 or not isinstance(lines[0], cst.SimpleStatementLine) or len(lines[0].body) != 1:
        return False
    returned = lines[0].body[0]
    if not isinstance(returned, cst.Return) or returned.value is None:
        return False
    operands: list[cst.BaseExpression] = [returned.value]
    while operands:
        expr = operands.pop()
        if isinstance(expr, cst.BooleanOperation) and isinstance(expr.operator, cst.And):
            operands += [expr.left, expr.right]
        elif (
            isinstance(expr, cst.Comparison)
            and len(expr.comparisons) == 1
            and isinstance(expr.comparisons[0].operator, cst.IsNot)
            and dotted_name(expr.comparisons[0].comparator) == "None"
            and dotted_name(expr.left) == first
        ):
            return True
    return False


def _is_docstring(line: cst.SimpleStatementLine) -> bool:
    return (
        len(line.body) == 1 and isinstance(line.body[0], cst.Expr) and isinstance(line.body[0].value, cst.SimpleString)
    )


def _default_initial_facts(scope: ScopeNode) -> Mapping[str, Fact | Nullness]:
    return optional_parameter_facts(scope) if isinstance(scope, cst.FunctionDef) else {}


class ModuleNarrowing:
    """Narrowing for every scope of a module, each computed on first request."""

    def __init__(
        self,
        module: cst.Module,
        nullness_of: NullnessOracle | None = None,
        *,
        initial_facts: Callable[[ScopeNode], Mapping[str, Fact | Nullness]] | None = None,
        cfg_of: Callable[[ScopeNode], CFG] | None = None,
        accepts_none: ComparisonOracle | None = None,
        predicates: frozenset[str] = frozenset(),
    ) -> None:
        """``initial_facts(scope)`` gives each scope's entry facts (default:
        :func:`optional_parameter_facts` for functions); ``cfg_of`` lets a caller share the
        graphs it already built (default: :func:`build_cfg`); ``predicates`` names imported
        functions that rule out None too."""
        self.module = module
        self._oracle = nullness_of
        self._initial_facts = initial_facts if initial_facts is not None else _default_initial_facts
        self._cfg_of = cfg_of if cfg_of is not None else build_cfg
        self._accepts_none = accepts_none
        self._parents: dict[ScopeNode, ScopeNode | None] = dict(iter_scopes(module))
        self._results: dict[ScopeNode, Narrowing] = {}
        self._predicates = none_ruling_predicates(module) | predicates
        self._setters: dict[cst.ClassDef, dict[str, tuple[str, ...]]] = {}

    def scopes(self) -> list[ScopeNode]:
        """Every scope of the module, enclosing scopes first."""
        return list(self._parents)

    def result(self, scope: ScopeNode) -> Narrowing:
        found = self._results.get(scope)
        if found is None:
            parent = self._parents[scope]
            enclosing = None
            if isinstance(scope, COMPREHENSIONS) and parent is not None:
                enclosing = self.result(parent)
            found = analyze_narrowing(
                self._cfg_of(scope),
                self._oracle,
                initial=self._initial_facts(scope),
                enclosing=enclosing,
                predicates=self._predicates,
                accepts_none=self._accepts_none,
                setter_stores=self._method_stores(scope, parent),
            )
            self._results[scope] = found
        return found

    def _method_stores(self, scope: ScopeNode, parent: ScopeNode | None) -> dict[str, tuple[str, ...]]:
        if not isinstance(scope, cst.FunctionDef) or not isinstance(parent, cst.ClassDef):
            return {}
        stores = self._setters.get(parent)
        if stores is None:
            stores = self._setters[parent] = property_stores(parent)
        return method_stores(scope, stores)

    def events(self) -> Iterator[DerefEvent]:
        """The dereference events of every scope."""
        for scope in self._parents:
            yield from self.result(scope).events
