"""How expressions change None facts, in Python's evaluation order.

Evaluating an expression *for its value* yields its :class:`Fact` (None: unknown) and the
state after it; evaluating it *as a condition* yields the states where it is true and where
it is false, which is where narrowing happens. Short-circuits are followed, so
``x is not None and x.y`` reads ``x.y`` in the state where the left side held.

Side effects that matter to facts:

* a binding (assignment, walrus, ``for``/``with``/``except`` target, import, ``del``)
  forgets the key and every dotted read through it;
* a dereference (``x.y``, ``x[i]``, ``x()``, ``for _ in x``, ``a, b = x``, ``x + 1``) that
  completes means ``x`` was not None, so one unchecked use is reported, not every use;
* a call may rebind attributes of what it can reach: its receiver and its arguments
  (``self.reset()`` and ``reset(self)`` forget ``self.*``; ``self.x.append(v)`` forgets
  ``self.x.*``; ``super().m()`` forgets every dotted key). Unrelated calls keep them:
  aliasing is ignored, a deliberate trade of soundness for quiet. At module and class level,
  where any function can reach the objects, every call forgets every dotted key. A call
  also forgets every name that is not a stable local (globals, free variables, names a
  nested function declares ``nonlocal``), since the callee may rebind those. Awaits and
  yields are not treated as calls: another task could rebind ``self.x`` there, but assuming
  so would flag nearly every ``await`` between a check and a use.

Expression nesting deeper than a bound is not evaluated: the facts are dropped instead
(which can only silence findings), so no input can exhaust the stack.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

import libcst as cst

from safelint.analysis.optional.conditions import (
    CONSTANT_NAMES,
    LINK,
    LITERALS,
    attribute_probe,
    condition_keys,
    is_literal,
    is_none,
    literal_members,
    mentions_none,
    none_member,
    none_tests,
    rule_out,
    tracked_key,
    with_linked,
)
from safelint.analysis.optional.nullness import (
    CONDITION,
    NOT_NONE,
    Fact,
    Nullness,
    State,
    bind,
    condition_key,
    join_facts,
    join_optional,
    refine,
)
from safelint.analysis.optional.recorder import Recorder, UseKind
from safelint.analysis.syntax import dotted_name, push_children, walk

__all__ = ["ComparisonOracle", "ExpressionEvaluator", "NullnessOracle"]

NullnessOracle = Callable[[cst.BaseExpression], "Nullness | None"]
"""What a rule knows about an expression the analysis cannot see through (a call, a
subscript, an attribute of a call's result): its nullness, or None if nothing is known."""
ComparisonOracle = Callable[[cst.BaseExpression, str], bool]
"""Whether the comparison method named (``__gt__``) of the expression's value takes None."""

_MAX_DEPTH = 120

# Builtins that neither rebind names nor reach attributes they are not handed.
_PURE_CALLS = frozenset(
    {
        "abs",
        "all",
        "any",
        "bool",
        "callable",
        "chr",
        "dict",
        "enumerate",
        "float",
        "format",
        "frozenset",
        "hasattr",
        "hash",
        "id",
        "int",
        "isinstance",
        "issubclass",
        "iter",
        "len",
        "list",
        "max",
        "min",
        "next",
        "ord",
        "print",
        "range",
        "repr",
        "reversed",
        "round",
        "set",
        "sorted",
        "str",
        "sum",
        "tuple",
        "type",
        "zip",
    }
)
_ORDERING: Final[dict[type[cst.BaseCompOp], tuple[str, str]]] = {
    cst.LessThan: ("__lt__", "__gt__"),
    cst.GreaterThan: ("__gt__", "__lt__"),
    cst.LessThanEqual: ("__le__", "__ge__"),
    cst.GreaterThanEqual: ("__ge__", "__le__"),
}
"""Each ordering operator's method and its reflection."""
_MEMBERSHIP = frozenset({cst.In, cst.NotIn})


def _operands(expr: cst.BooleanOperation) -> list[cst.BaseExpression]:
    """``a and b and c`` nests to the left; flatten the run of one operator without recursing."""
    operator = type(expr.operator)
    spine: list[cst.BaseExpression] = []
    current: cst.BaseExpression = expr
    while isinstance(current, cst.BooleanOperation) and type(current.operator) is operator:
        spine.append(current.right)
        current = current.left
    spine.append(current)
    spine.reverse()
    return spine


_Value = tuple["Fact | None", State]
_Cond = tuple["Fact | None", "State | None", "State | None"]


class ExpressionEvaluator:
    """Evaluates expressions over facts. ``stable`` holds the names only this scope's own code
    can rebind; it grows when a walrus turns out to bind a local. ``unstable`` holds the
    names declared global or nonlocal, which never become stable."""

    def __init__(
        self,
        nullness_of: NullnessOracle,
        stable: set[str],
        unstable: frozenset[str],
        recorder: Recorder | None = None,
        *,
        shared_attributes: bool = False,
        predicates: frozenset[str] = frozenset(),
        accepts_none: ComparisonOracle | None = None,
    ) -> None:
        self.nullness_of = nullness_of
        self.accepts_none = accepts_none
        self.predicates = predicates
        """Functions of this module whose true result rules out None for their first argument."""
        self.flag_regions: dict[str, tuple[frozenset[int], frozenset[int]]] = {}
        """For a name bound once, the ids of the nodes that run only where it is false, and
        only where it is true (the bodies of ``if flag:``/``if not flag:`` and their ``else``)."""
        self.setter_stores: Mapping[str, tuple[str, ...]] = {}
        """``self.token`` -> ``("self._token",)``: a property setter stores its value there."""
        self.stable = stable
        self.unstable = unstable
        self.recorder = recorder
        self.shared_attributes = shared_attributes
        """Any call can reach the objects of this scope (a module's or a class body's names
        are globally visible), so every call forgets every dotted key."""

    # -- keys

    def subject_key(self, expr: cst.BaseExpression) -> str | None:
        """The key a check or a use applies to: ``(m := f())`` checks ``m``."""
        if type(expr) is cst.NamedExpr:
            return tracked_key(expr.target)
        return tracked_key(expr)

    def assign(self, target: cst.BaseExpression, fact: Fact | None, state: State, depth: int) -> State:
        """Bind ``target`` (a name, attribute, subscript or unpacking) to a value with ``fact``."""
        if depth > _MAX_DEPTH:
            return {}
        if type(target) is cst.Name:
            return bind(state, target.value, fact)
        if type(target) is cst.Attribute or type(target) is cst.Subscript:
            state = self._dereference_base(target, state, depth)
            key = tracked_key(target)
            if key is None:
                return state
            for field in self.setter_stores.get(key, ()):
                state = bind(state, field, fact)
            return bind(state, key, fact)
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                state = self.assign(element.value, None, state, depth + 1)
            return state
        if isinstance(target, cst.StarredElement):
            return self.assign(target.value, None, state, depth + 1)
        return state

    def _dereference_base(self, target: cst.Attribute | cst.Subscript, state: State, depth: int) -> State:
        """Evaluate what a store or delete target dereferences (``x`` in ``x.y = v``)."""
        fact, state = self.value(target.value, state, True, depth + 1)
        if isinstance(target, cst.Attribute):
            return self._use(target, target.value, fact, UseKind.ATTRIBUTE, state)
        state = self._use(target, target.value, fact, UseKind.SUBSCRIPT, state)
        for element in target.slice:
            state = self._generic(element, state, depth + 1)[1]
        return state

    # -- expressions: values

    def value(self, expr: cst.CSTNode, state: State, want: bool, depth: int) -> _Value:
        """The fact of ``expr``'s value (computed only if ``want``) and the state after it."""
        if depth > _MAX_DEPTH:
            return None, {}
        handler = _VALUES.get(type(expr))
        if handler is None:
            return self._generic(expr, state, depth)
        return handler(self, expr, state, want, depth)  # type: ignore[no-any-return]

    def _oracle(self, expr: cst.BaseExpression) -> Fact | None:
        nullness = self.nullness_of(expr)
        if nullness is None:
            return None
        return NOT_NONE if nullness is Nullness.NOT_NONE else Fact(nullness, frozenset((expr,)))

    def _use(
        self, node: cst.CSTNode, value: cst.BaseExpression, fact: Fact | None, kind: UseKind, state: State
    ) -> State:
        """A dereference of ``value``: record it, and continue knowing it was not None."""
        if fact is None or is_none(value):
            return state
        key = self.subject_key(value)
        if key is not None and fact.nullness is not Nullness.NOT_NONE:
            current = state.get(key)
            if current is not None and current.nullness is Nullness.NOT_NONE:
                return state  # `x + x`: the first use already failed if x was None
        if self.recorder is not None:
            self.recorder.use(node, value, key, kind, fact)
        if fact.nullness is Nullness.NOT_NONE or key is None:
            return state
        refined = dict(state)
        refined[key] = NOT_NONE
        return refined

    def _read(self, expr: cst.BaseExpression, key: str, state: State) -> Fact | None:
        fact = state.get(key)
        if self.recorder is not None:
            self.recorder.read(expr, fact)
        return fact

    def _generic(self, node: cst.CSTNode, state: State, depth: int) -> _Value:
        """Evaluate the sub-expressions of a node this module has no rule for, in order."""
        parts: list[cst.CSTNode] = []
        push_children(node, parts)
        for child in parts:
            state = self.value(child, state, False, depth + 1)[1]
        return None, state

    def _name(self, expr: cst.Name, state: State, want: bool, depth: int) -> _Value:
        name = expr.value
        if name == "None":
            return Fact(Nullness.NONE, frozenset((expr,))), state
        if name in CONSTANT_NAMES:
            return NOT_NONE, state
        return self._read(expr, name, state), state

    def _attribute(self, expr: cst.Attribute, state: State, want: bool, depth: int) -> _Value:
        fact, state = self.value(expr.value, state, True, depth + 1)
        state = self._use(expr, expr.value, fact, UseKind.ATTRIBUTE, state)
        key = tracked_key(expr)
        if key is not None:
            return self._read(expr, key, state), state
        return (self._oracle(expr) if want else None), state

    def _call(self, expr: cst.Call, state: State, want: bool, depth: int) -> _Value:
        fact, state = self.value(expr.func, state, False, depth + 1)
        state = self._use(expr, expr.func, fact, UseKind.CALL, state)
        for arg in expr.args:
            star = arg.star
            fact, state = self.value(arg.value, state, bool(star), depth + 1)
            if star == "*":
                state = self._use(arg.value, arg.value, fact, UseKind.ITERATION, state)
            elif star == "**":
                state = self._use(arg.value, arg.value, fact, UseKind.UNPACKING, state)
        state = self._after_call(expr, state)
        return (self._oracle(expr) if want else None), state

    def _after_call(self, call: cst.Call, state: State) -> State:
        """Forget what the call may rebind (see the module docstring)."""
        if not state:
            return state
        func = call.func
        if type(func) is cst.Name and func.value in _PURE_CALLS:
            return state
        prefixes: list[str] = []
        all_dotted = self.shared_attributes
        if type(func) is cst.Attribute:
            receiver = tracked_key(func.value)
            if receiver is not None:
                prefixes.append(receiver + ".")
            elif isinstance(func.value, cst.Call) and dotted_name(func.value.func) == "super":
                all_dotted = True
        for arg in call.args:
            reached = tracked_key(arg.value)
            if reached is not None:
                prefixes.append(reached + ".")
        return self._forget(state, prefixes, all_dotted)

    def _forget(self, state: State, prefixes: list[str], all_dotted: bool) -> State:
        stable = self.stable
        forgotten = []
        for key in state.keys() - stable:  # dotted keys and unstable names; stable names stay
            root, dot, _ = key.partition(".")
            if root not in stable or (dot and (all_dotted or any(key.startswith(p) for p in prefixes))):
                forgotten.append(key)
        if not forgotten:
            return state
        kept = dict(state)
        for key in forgotten:
            del kept[key]
        return kept

    def _subscript(self, expr: cst.Subscript, state: State, want: bool, depth: int) -> _Value:
        state = self._dereference_base(expr, state, depth)
        return (self._oracle(expr) if want else None), state

    def _await(self, expr: cst.Await, state: State, want: bool, depth: int) -> _Value:
        state = self.value(expr.expression, state, False, depth + 1)[1]
        return (self._oracle(expr) if want else None), state

    def _yield(self, expr: cst.Yield, state: State, want: bool, depth: int) -> _Value:
        sent = expr.value
        if isinstance(sent, cst.From):
            fact, state = self.value(sent.item, state, True, depth + 1)
            state = self._use(sent.item, sent.item, fact, UseKind.ITERATION, state)
        elif sent is not None:
            state = self.value(sent, state, False, depth + 1)[1]
        return None, state

    def _binary(self, expr: cst.BinaryOperation, state: State, want: bool, depth: int) -> _Value:
        spine: list[cst.BinaryOperation] = []
        current: cst.BaseExpression = expr
        while type(current) is cst.BinaryOperation:  # a + b + c nests to the left
            spine.append(current)
            current = current.left
        fact, state = self.value(current, state, True, depth + 1)
        left: cst.BaseExpression | None = current
        for operation in reversed(spine):
            right_fact, state = self.value(operation.right, state, True, depth + 1)
            operator = type(operation.operator)
            # `int | None` is a type; `"%s" % None` formats it.
            if operator is not cst.BitOr and not (operator is cst.Modulo and type(operation.left) in LITERALS):
                if left is not None:
                    state = self._use(left, left, fact, UseKind.OPERAND, state)
                state = self._use(operation.right, operation.right, right_fact, UseKind.OPERAND, state)
            left = None
        return None, state

    def _unary(self, expr: cst.UnaryOperation, state: State, want: bool, depth: int) -> _Value:
        if type(expr.operator) is cst.Not:
            return NOT_NONE, self.value(expr.expression, state, False, depth + 1)[1]
        fact, state = self.value(expr.expression, state, True, depth + 1)
        return None, self._use(expr.expression, expr.expression, fact, UseKind.OPERAND, state)

    def _boolean(self, expr: cst.BooleanOperation, state: State, want: bool, depth: int) -> _Value:
        fact, true, false = self._chain(expr, state, want, depth)
        after = join_optional(true, false)
        return fact, state if after is None else after

    def _comparison(self, expr: cst.Comparison, state: State, want: bool, depth: int) -> _Value:
        return NOT_NONE, self._compared(expr, state, depth)

    def _if_exp(self, expr: cst.IfExp, state: State, want: bool, depth: int) -> _Value:
        _, true, false = self.cond(expr.test, state, False, depth + 1)
        facts: list[Fact | None] = []
        after: State | None = None
        for branch, taken in ((expr.body, true), (expr.orelse, false)):
            if taken is not None:
                fact, taken = self.value(branch, taken, want, depth + 1)
                facts.append(fact)
                after = join_optional(after, taken)
        return _join_all(facts), after if after is not None else state

    def _named(self, expr: cst.NamedExpr, state: State, want: bool, depth: int) -> _Value:
        fact, state = self.value(expr.value, state, True, depth + 1)
        if isinstance(expr.target, cst.Name):
            name = expr.target.value
            if name not in self.unstable:
                self.stable.add(name)
            state = bind(state, name, fact)
        return fact, state

    def _lambda(self, expr: cst.Lambda, state: State, want: bool, depth: int) -> _Value:
        params = expr.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.default is not None:
                state = self.value(param.default, state, False, depth + 1)[1]
        return NOT_NONE, state

    def _comprehension(
        self, expr: cst.ListComp | cst.SetComp | cst.DictComp | cst.GeneratorExp, state: State, want: bool, depth: int
    ) -> _Value:
        iterable = expr.for_in.iter
        fact, state = self.value(iterable, state, True, depth + 1)
        state = self._use(iterable, iterable, fact, UseKind.ITERATION, state)
        if self.recorder is not None:
            self.recorder.entry(expr, state)
        # The body runs in its own scope, but its calls can rebind what this scope knows.
        for node in walk(expr):
            if isinstance(node, cst.Call) and node is not iterable:
                state = self._after_call(node, state)
        return NOT_NONE, state

    def _collection(self, expr: cst.Tuple | cst.List | cst.Set, state: State, want: bool, depth: int) -> _Value:
        for element in expr.elements:
            if type(element) is cst.StarredElement:
                fact, state = self.value(element.value, state, True, depth + 1)
                state = self._use(element.value, element.value, fact, UseKind.ITERATION, state)
            else:
                state = self.value(element.value, state, False, depth + 1)[1]
        return NOT_NONE, state

    def _dict(self, expr: cst.Dict, state: State, want: bool, depth: int) -> _Value:
        for element in expr.elements:
            if isinstance(element, cst.StarredDictElement):
                fact, state = self.value(element.value, state, True, depth + 1)
                state = self._use(element.value, element.value, fact, UseKind.UNPACKING, state)
            elif isinstance(element, cst.DictElement):
                state = self.value(element.key, state, False, depth + 1)[1]
                state = self.value(element.value, state, False, depth + 1)[1]
        return NOT_NONE, state

    def _literal(self, expr: cst.BaseExpression, state: State, want: bool, depth: int) -> _Value:
        return NOT_NONE, state

    def _string(self, expr: cst.BaseExpression, state: State, want: bool, depth: int) -> _Value:
        """f-strings and concatenations run the expressions inside them."""
        stack: list[cst.CSTNode] = [expr]
        while stack:  # concatenations nest: walk them without recursing
            node = stack.pop()
            if isinstance(node, cst.ConcatenatedString):
                stack += (node.right, node.left)
            elif type(node) is not cst.SimpleString:
                state = self._generic(node, state, depth + 1)[1]
        return NOT_NONE, state

    # -- expressions: conditions

    def cond(self, expr: cst.BaseExpression, state: State, want: bool, depth: int) -> _Cond:
        """``expr`` evaluated as a condition: its fact, and the states where it is true and
        where it is false (None: that outcome cannot happen)."""
        if depth > _MAX_DEPTH:
            return None, {}, {}
        if type(expr) is cst.UnaryOperation and type(expr.operator) is cst.Not:
            _, true, false = self.cond(expr.expression, state, False, depth + 1)
            return NOT_NONE, false, true
        if type(expr) is cst.BooleanOperation:
            return self._chain(expr, state, want, depth)
        if type(expr) is cst.Comparison:
            return self._compare(expr, state, depth)
        if type(expr) is cst.Call:
            return self._predicate(expr, state, depth)
        fact, state = self.value(expr, state, want, depth)
        if fact is not None and fact.nullness is Nullness.NONE:
            return fact, None, state
        key = self.subject_key(expr)
        if key is None:
            return fact, state, state
        stored = self._stored_condition(key, state) if type(expr) is cst.Name else None
        probed = None if stored is None else attribute_probe(stored)
        if probed is not None:
            # `loader = getattr(spec, "loader", None)` ... `if loader:` means `spec` is not None.
            true = refine(state, probed, Nullness.NOT_NONE, expr)
            return fact, None if true is None else refine(true, key, Nullness.NOT_NONE, expr), state
        if stored is not None:
            # `has_x = x is not None` ... `if has_x:` tests what the name holds.
            recorder, self.recorder = self.recorder, None
            try:
                _, true, false = self.cond(stored, state, False, depth + 1)
            finally:
                self.recorder = recorder
            return fact, None if true is None else refine(true, key, Nullness.NOT_NONE, expr), false
        true_state: State | None = refine(state, key, Nullness.NOT_NONE, expr)
        false_state: State | None = state
        regions = self.flag_regions.get(key) if type(expr) is cst.Name else None
        if regions is not None:
            # `if not is_a: v = getattr(o, n, None)` ... `if is_a: v.z`: every None `v` may
            # hold came from where `is_a` is false, so where it is true `v` is not None.
            false_side, true_side = regions
            true_state = rule_out(true_state, false_side, expr)
            false_state = rule_out(false_state, true_side, expr)
        return fact, true_state, false_state

    def remember_condition(self, name: str, value: cst.BaseExpression, state: State) -> State:
        """After ``name = <a None test of keys>``, keep the test with the state, so that
        ``if name:`` narrows what it tested. Rebinding the name or a key it tests forgets it
        (see ``nullness.bind``)."""
        probed = attribute_probe(value)
        keys = [probed] if probed is not None else condition_keys(value)
        if not keys or name in keys:
            return state
        remembered = dict(state)
        remembered[condition_key(name, keys)] = Fact(Nullness.NOT_NONE, frozenset((value,)))
        return remembered

    @staticmethod
    def _stored_condition(name: str, state: State) -> cst.BaseExpression | None:
        prefix = f"{CONDITION}{name}{CONDITION}"
        found = [fact for key, fact in state.items() if key.startswith(prefix)]
        if len(found) != 1 or len(found[0].origins) != 1:
            return None  # two paths stored two different tests
        (stored,) = found[0].origins
        return stored if isinstance(stored, cst.BaseExpression) else None

    def _chain(self, expr: cst.BooleanOperation, state: State, want: bool, depth: int) -> _Cond:
        """``a and b and c`` / ``a or b or c``: each operand is evaluated where the previous
        ones let evaluation go on; the value is the operand that stopped it."""
        is_and = isinstance(expr.operator, cst.And)
        operands = _operands(expr)
        stopped: State | None = None  # where an operand ended the chain early
        facts: list[Fact | None] = []
        current: State | None = state
        for operand in operands[:-1]:
            assert current is not None
            fact, true, false = self.cond(operand, current, want, depth + 1)
            stop, current = (false, true) if is_and else (true, false)
            if stop is not None:
                stopped = join_optional(stopped, stop)
                facts.append(fact if is_and else NOT_NONE)
            if current is None:
                value = _join_all(facts) if want else None
                return (value, None, stopped) if is_and else (value, stopped, None)
        assert current is not None
        fact, true, false = self.cond(operands[-1], current, want, depth + 1)
        facts.append(fact)
        value = _join_all(facts) if want else None
        if is_and:
            return value, true, join_optional(stopped, false)
        return value, join_optional(stopped, true), false

    def _compared(self, expr: cst.Comparison, state: State, depth: int) -> State:
        """Evaluate a comparison's operands, left to right, with the uses that reject None."""
        left = expr.left
        left_fact, state = self.value(left, state, True, depth + 1)
        for target in expr.comparisons:
            right = target.comparator
            right_fact, state = self.value(right, state, True, depth + 1)
            operator = type(target.operator)
            if operator in _ORDERING:
                # `None < x` asks `x.__gt__(None)` once `None.__lt__` declines: fine if it takes None
                forward, reflected = _ORDERING[operator]
                if not self._takes_none(left_fact, right, reflected):
                    state = self._use(left, left, left_fact, UseKind.OPERAND, state)
                if not self._takes_none(right_fact, left, forward):
                    state = self._use(right, right, right_fact, UseKind.OPERAND, state)
            elif operator in _MEMBERSHIP:
                state = self._use(right, right, right_fact, UseKind.MEMBERSHIP, state)
            left, left_fact = right, right_fact
        return state

    def _takes_none(self, fact: Fact | None, other: cst.BaseExpression, method: str) -> bool:
        """Whether a maybe-None operand (``fact``) meets an ``other`` whose ``method`` takes None."""
        if fact is None or fact.nullness is Nullness.NOT_NONE or self.accepts_none is None:
            return False
        return self.accepts_none(other, method)

    def _compare(self, expr: cst.Comparison, state: State, depth: int) -> _Cond:
        """``x is None``, ``x != None``, ``x == "a"``, ``x in ("a", "b")`` as conditions."""
        state = self._compared(expr, state, depth)
        if len(expr.comparisons) != 1:
            return NOT_NONE, state, state
        left, operator, right = expr.left, expr.comparisons[0].operator, expr.comparisons[0].comparator
        positive = isinstance(operator, (cst.Is, cst.Equal, cst.In))
        subject: cst.BaseExpression | None = None
        if isinstance(operator, (cst.Is, cst.IsNot, cst.Equal, cst.NotEqual)):
            if is_none(right) or is_none(left):
                key = self.subject_key(left if is_none(right) else right)
                if key is None:
                    return NOT_NONE, state, state
                none = with_linked(refine(state, key, Nullness.NONE, expr), key, Nullness.NONE, expr)
                not_none = with_linked(refine(state, key, Nullness.NOT_NONE, expr), key, Nullness.NOT_NONE, expr)
                return (NOT_NONE, none, not_none) if positive else (NOT_NONE, not_none, none)
            linked = none_tests(left, right)
            if linked is not None and isinstance(operator, (cst.Equal, cst.NotEqual)):
                # `(a is None) != (b is None)`: where it is false, a is None exactly when b is.
                same = linked[2] if isinstance(operator, cst.Equal) else not linked[2]
                link = dict(state)
                link[condition_key(LINK, sorted(linked[:2]))] = Fact(Nullness.NOT_NONE, frozenset((expr,)))
                return (NOT_NONE, link, state) if same else (NOT_NONE, state, link)
            if is_literal(right):
                subject = left
            elif is_literal(left):
                subject = right
        elif isinstance(operator, (cst.In, cst.NotIn)) and none_member(right):
            key = self.subject_key(left)
            if key is None:
                return NOT_NONE, state, state
            outside = refine(state, key, Nullness.NOT_NONE, expr)
            return (NOT_NONE, state, outside) if positive else (NOT_NONE, outside, state)
        elif isinstance(operator, (cst.In, cst.NotIn)) and literal_members(right):
            subject = left
        key = None if subject is None else self.subject_key(subject)
        if key is None:
            return NOT_NONE, state, state
        equal = refine(state, key, Nullness.NOT_NONE, expr)
        return (NOT_NONE, equal, state) if positive else (NOT_NONE, state, equal)

    def _predicate(self, call: cst.Call, state: State, depth: int) -> _Cond:
        """``isinstance(x, T)``, ``callable(x)``, ``bool(x)`` and ``hasattr(x, "a")`` hold only
        for non-None x (None has no attributes worth testing for)."""
        fact, state = self.value(call, state, False, depth)
        func, args = call.func, call.args
        if not isinstance(func, cst.Name) or not args or args[0].star or args[0].keyword is not None:
            return fact, state, state
        key = self.subject_key(args[0].value)
        if key is None:
            return fact, state, state
        name = func.value
        narrows = (
            (name == "isinstance" and len(args) == 2 and not mentions_none(args[1].value))
            or (name in ("callable", "bool") and len(args) == 1)
            or (name == "hasattr" and len(args) == 2)
            or name in self.predicates
        )
        if not narrows:
            return fact, state, state
        return NOT_NONE, refine(state, key, Nullness.NOT_NONE, call), state


def _join_all(facts: list[Fact | None]) -> Fact | None:
    if not facts:
        return None
    joined = facts[0]
    for fact in facts[1:]:
        joined = join_facts(joined, fact)
    return joined


_VALUES: dict[type[cst.CSTNode], Callable[..., Any]] = {
    cst.Name: ExpressionEvaluator._name,
    cst.Attribute: ExpressionEvaluator._attribute,
    cst.Call: ExpressionEvaluator._call,
    cst.Subscript: ExpressionEvaluator._subscript,
    cst.Await: ExpressionEvaluator._await,
    cst.Yield: ExpressionEvaluator._yield,
    cst.BinaryOperation: ExpressionEvaluator._binary,
    cst.UnaryOperation: ExpressionEvaluator._unary,
    cst.BooleanOperation: ExpressionEvaluator._boolean,
    cst.Comparison: ExpressionEvaluator._comparison,
    cst.IfExp: ExpressionEvaluator._if_exp,
    cst.NamedExpr: ExpressionEvaluator._named,
    cst.Lambda: ExpressionEvaluator._lambda,
    cst.ListComp: ExpressionEvaluator._comprehension,
    cst.SetComp: ExpressionEvaluator._comprehension,
    cst.DictComp: ExpressionEvaluator._comprehension,
    cst.GeneratorExp: ExpressionEvaluator._comprehension,
    cst.Tuple: ExpressionEvaluator._collection,
    cst.List: ExpressionEvaluator._collection,
    cst.Set: ExpressionEvaluator._collection,
    cst.Dict: ExpressionEvaluator._dict,
    cst.Integer: ExpressionEvaluator._literal,
    cst.Float: ExpressionEvaluator._literal,
    cst.Imaginary: ExpressionEvaluator._literal,
    cst.SimpleString: ExpressionEvaluator._literal,
    cst.Ellipsis: ExpressionEvaluator._literal,
    cst.FormattedString: ExpressionEvaluator._string,
    cst.ConcatenatedString: ExpressionEvaluator._string,
}
