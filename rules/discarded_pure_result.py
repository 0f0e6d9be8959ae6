from __future__ import annotations

import libcst as cst

from safelint.analysis.deliberate import expects_exception, in_test_code
from safelint.analysis.facts.callees import call_target, project_class
from safelint.analysis.names.names import Scope
from safelint.analysis.syntax import push_children
from safelint.context import ModuleContext
from safelint.results import Severity
from safelint.rule import Rule


class DiscardedPureResult(Rule):
    """
    ## What it does
    Reports an expression statement that calls something whose result is its only effect,
    and drops that result: a method of a value type (`s.strip()`, `b.decode()`,
    `path.with_suffix(".x")`, `dt.replace(tzinfo=tz)`, `point._replace(x=1)`), a
    non-mutating method of a built-in container (`a_set.union(other)`), or a pure function
    (`sorted(x)`, `map(f, xs)`, `len(x)`, `copy.deepcopy(x)`, `re.sub(...)`,
    `dataclasses.replace(...)`). Which calls are pure comes from the knowledge base (the
    typeshed stubs plus a reviewed list of value types and pure functions), never from the
    name of a method alone.

    ## Why is this a bug
    The call computes a new value and nothing else; the statement reads as if it changed
    something in place, but the new value is thrown away and the old one is used on.
    `s.strip()` leaves `s` as it was. Rust: such functions are `#[must_use]`, and dropping
    their value is a compiler warning.

    ## Example
    ```python
    def greeting(name):
        text = f"  hello {name}  "
        text.strip()
        return text
    ```

    ## Use instead
    ```python
    def greeting(name):
        text = f"  hello {name}  "
        text = text.strip()
        return text
    ```

    ## Options
    None.

    ## Known limits
    The receiver's type must be known without guessing: a literal, a local assigned exactly
    once from something of known type, `self`, or a parameter never rebound whose annotation
    names one class (`def f(s: str)`; not `Optional`, unions or interfaces such as
    `Sequence`, which a list may implement). Left alone, because dropping the result is
    deliberate there: a call evaluated for the exception it may raise (in a `try` body with
    handlers, under `with pytest.raises(...)` or `assertRaises`); test code (a `test*`
    function, a `Test*` class, a `test_*.py` file or a file under `tests/`), which calls pure
    functions to see that they do not raise; a call on literals only (`"x".encode("idna")`);
    an eager call whose arguments call something (`any(h.close() for h in handlers)` is a
    loop written as an expression); and `pattern.sub(callback, text)`, whose callback's
    effects may be the point. `list.copy()` and `dict.copy()` are not reported: the
    knowledge base has no fact for non-mutating methods of mutable containers beyond those
    shared with an immutable counterpart (`set.union` as `frozenset.union`, `list.index`).
    """

    code = "SL101"
    name = "discarded-pure-result"
    severity = Severity.WARNING
    summary = "A call whose result is its only effect is made and its result dropped."

    def visit_Expr(self, node: cst.Expr, ctx: ModuleContext) -> None:
        call = node.value
        # The syntactic exits first: most statements are left alone for where they stand
        # (test code, a ``try`` body), and those need not ask the evaluator what they call.
        if (
            type(call) is not cst.Call
            or _only_constants(call)
            or expects_exception(ctx, node, in_try=True)
            or in_test_code(ctx, node)
        ):
            return
        target = call_target(ctx, call)
        if (
            target is None
            or not _is_pure(ctx, target)
            or _effects_in_arguments(call, target)
            or _substitutes_through_callback(call, target)
        ):
            return
        short = target.removeprefix("builtins.")
        ctx.report(
            self,
            call,
            f"the result of `{short}(...)` is its only effect, and it is dropped",
            help=_help(ctx, call, ctx.scope),
        )


# A mutable container's method is non-mutating when its immutable counterpart has it too.
_IMMUTABLE_COUNTERPART = {
    "builtins.set": "builtins.frozenset",
    "builtins.list": "builtins.tuple",
    "builtins.bytearray": "builtins.bytes",
}


def _is_pure(ctx: ModuleContext, target: str) -> bool:
    knowledge = ctx.knowledge
    if knowledge.is_pure(target):
        return True
    owner, _, method = target.rpartition(".")
    counterpart = _IMMUTABLE_COUNTERPART.get(owner)
    if counterpart is not None:
        return knowledge.is_immutable_method(counterpart, method)
    # A project class deriving from a value type (``class Name(str)``, a ``NamedTuple``)
    # inherits its pure methods, unless it defines the method itself.
    klass = project_class(ctx, owner)
    if klass is None or method in klass.methods:
        return False
    return any(knowledge.is_immutable_method(base, method) for base in klass.bases)


def _help(ctx: ModuleContext, call: cst.Call, scope: Scope) -> str:
    """Show the assignment when the receiver is a variable: ``s = s.strip()`` (not ``re.sub``)."""
    func = call.func
    if (
        isinstance(func, cst.Attribute)
        and isinstance(func.value, cst.Name)
        and ctx.names.qualified_name(func.value, scope) is None
    ):
        code = ctx.module.code_for_node(call)
        if "\n" not in code and len(code) <= 60:
            return f"assign the result: `{func.value.value} = {code}`"
    return "assign the result to a name and use it, or remove the call"


_CONSTANTS = (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float, cst.Imaginary, cst.Name)
_CONTAINERS = (cst.Tuple, cst.List, cst.Set)


def _only_constants(call: cst.Call) -> bool:
    """``"x".encode("idna")``, ``sorted([])``: a call on literals only exercises the
    implementation (a smoke test); nothing of the program's is lost."""
    parts: list[cst.BaseExpression] = [a.value for a in call.args]
    if isinstance(call.func, cst.Attribute):
        parts.append(call.func.value)
    while parts:
        part = parts.pop()
        if isinstance(part, _CONTAINERS):
            parts.extend(e.value for e in part.elements)
        elif not isinstance(part, _CONSTANTS) or (
            isinstance(part, cst.Name) and part.value not in ("None", "True", "False")
        ):
            return False
    return True


# Lazy: whatever their arguments do, nothing runs until the result is iterated.
_LAZY = frozenset({"builtins.map", "builtins.filter", "builtins.zip", "builtins.reversed"})


def _effects_in_arguments(call: cst.Call, target: str) -> bool:
    """``any(h.close() for h in handlers)`` runs the calls in its argument: their effects may
    be the point, the discarded result an idiom."""
    if target in _LAZY:
        return False
    stack: list[cst.CSTNode] = [a.value for a in call.args]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.Call, cst.Await, cst.Yield)):
            return True
        push_children(node, stack)
    return False


def _substitutes_through_callback(call: cst.Call, target: str) -> bool:
    """``pattern.sub(record, text)`` with a function as the replacement runs it per match:
    the callback's effects may be the point."""
    if not target.endswith((".sub", ".subn")):
        return False
    positional = [a.value for a in call.args if a.keyword is None]
    index = 1 if target in ("re.sub", "re.subn") else 0
    repl = positional[index] if index < len(positional) else None
    return not isinstance(repl, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString))
