"""The SL2 family: one analysis finds every unchecked use of a value that may be None; each
rule claims the uses it owns and says what the use does."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, ClassVar

import libcst as cst

from safelint.analysis.facts.apis import ENVIRONMENT_LOOKUPS
from safelint.analysis.optional.model import Cause, OptionalUse, Origin, OriginKind
from safelint.analysis.optional.recorder import UseKind
from safelint.analysis.optional.uses import optional_uses
from safelint.rule import Option, Rule

if TYPE_CHECKING:
    from safelint.context import ModuleContext

__all__ = ["CODE_EVIDENCE", "DECLARED_OPTIONALS", "Cause", "OptionalUse", "OptionalUseRule", "UseKind"]

CODE_EVIDENCE = Option(
    "code-evidence",
    bool,
    False,
    "also report values that only the code makes None (a None literal on some path, an unacted None check)",
)

DECLARED_OPTIONALS = Option(
    "declared-optionals",
    bool,
    False,
    "also report values a declaration says may be None (`re.match`, `dict.get`, an Optional parameter, "
    "field or return), not only those the environment decides (`os.environ.get`, `shutil.which`)",
)

# Where a None comes from, by what decides it: the machine the program runs on (always
# reported), the code's own `None` (`code-evidence`), or a declaration (`declared-optionals`).
_CODE_KINDS = frozenset({OriginKind.ASSIGNED_NONE, OriginKind.COMPARED_WITH_NONE, OriginKind.FIELD_SET_NONE})


def _decided_by_environment(origin: Origin) -> bool:
    if origin.kind is OriginKind.RETURNS_NONE:
        return True
    return origin.kind is OriginKind.CALL and origin.callee in ENVIRONMENT_LOOKUPS


# What a source's name says about when it returns None, by its qualified name or its last component.
_WHEN = {
    "os._Environ.get": "returns None when the variable is not set",
    "match": "returns None when there is no match",
    "search": "returns None when there is no match",
    "fullmatch": "returns None when there is no match",
    "get": "returns None when the key is missing",
    "which": "returns None when the program is not found",
    "getattr": "returns the default None when the attribute is missing",
    "next": "returns the default None when the iterator is exhausted",
    "find": "returns None when nothing matches",
    "getenv": "returns None when the variable is not set",
    "getenvb": "returns None when the variable is not set",
    "find_spec": "returns None when the module is not found",
    "find_library": "returns None when the library is not found",
    "cpu_count": "returns None when the number of CPUs cannot be determined",
    "process_cpu_count": "returns None when the number of CPUs cannot be determined",
}


def short(text: str, limit: int = 40) -> str:
    """Code as a message names it: one line, and ``re.match(...)`` when a call is long."""
    text = " ".join(text.split())
    if len(text) > limit and text.endswith(")") and "(" in text:
        return text[: text.index("(")] + "(...)"
    return text


def _call_why(origin: Origin) -> str:
    if origin.kind is OriginKind.OPTIONAL_GROUP:
        return f"is None when the optional group {origin.group!r} of the pattern did not take part in the match"
    if origin.kind is OriginKind.ANNOTATED_CALL:
        return "is annotated to return None in some cases"
    if origin.kind is OriginKind.RETURNS_NONE:
        return "always returns None"
    callee = origin.callee or ""
    return _WHEN.get(callee) or _WHEN.get(callee.rpartition(".")[2], "may return None")


def _reason(origin: Origin) -> str:
    """Where one None comes from, as a clause."""
    kind = origin.kind
    if kind in (OriginKind.CALL, OriginKind.ANNOTATED_CALL, OriginKind.RETURNS_NONE):
        return f"`{short(origin.text, 0)}` (line {origin.line}) {_call_why(origin)}"
    if kind is OriginKind.OPTIONAL_GROUP:
        return f"`{origin.text}` (line {origin.line}) {_call_why(origin)}"
    if kind in (OriginKind.PARAMETER, OriginKind.PARAMETER_DEFAULT):
        says = "annotation" if kind is OriginKind.PARAMETER else "default"
        return f"parameter `{origin.text}` may be None (its {says} says so)"
    if kind is OriginKind.FIELD:
        return f"field `{origin.text}` of `{origin.owner}` is declared Optional"
    if kind is OriginKind.FIELD_SET_NONE:
        return f"field `{origin.text}` of `{origin.owner}` is set to None in `__init__`"
    if kind is OriginKind.ASSIGNED_NONE:
        return f"it is set to None on line {origin.line}"
    return f"it is compared with None on line {origin.line}"


class OptionalUseRule(Rule):
    """An SL2 rule: :meth:`claims` says which unchecked uses are its own (each use belongs to
    exactly one rule of the family), :meth:`use` says what the use does to the value."""

    shared_sections: ClassVar[dict[str, str]] = {
        "Options": inspect.cleandoc(
            """
            - `declared-optionals` (bool, default `false`): also report a value that a declaration
              says may be None — a stub's or an annotation's `X | None` return (`re.match`,
              `dict.get`, `inspect.currentframe`, a project function `-> T | None`), a parameter or
              field declared Optional, an optional group of a regex — as a type checker would. Off by
              default: on code nobody tuned safelint on, 0 of the 40 such findings were REAL (11
              DEBATABLE, 29 FALSE), because mature code rules that None out by invariants the
              analysis cannot see (a pattern that always matches the text it is given, a key the
              program put in the dict, a platform fact). Reported always: a None that the machine
              the program runs on decides and no invariant of the code can rule out — an unset
              environment variable (`os.environ.get`, `os.getenv`), a program, module or library not
              installed (`shutil.which`, `importlib.util.find_spec`, `ctypes.util.find_library`),
              a CPU count the platform cannot tell (`os.cpu_count`) — the value of a call that
              always returns None (`items.sort()`), and a name that is None on every path.
            - `code-evidence` (bool, default `false`): also report a value that only the code
              itself makes None — a name set to `None` on some path (`x = None`, then a loop or a
              branch that may not set it), a value compared with None and then used on the path where
              it was None, a field set to None in `__init__` (not declared Optional). Off by default:
              such code often relies on an invariant the analysis cannot see (a flag set together
              with the value, a loop that always runs). A use where the code's own None is the only
              value possible (`x = None` then `x.y` with nothing setting `x` in between) is always
              reported.

            Set them for the whole family with `[tool.safelint.rules.SL2]`.
            """
        ),
        "Known limits": inspect.cleandoc(
            """
            Measured precision: judged on code nobody tuned it on (`bench/fresh_judging.md`,
            `bench/fresh_judging_2.md`, `bench/precision_issue16.md`; pooled in
            `bench/default_set.md`), 1 of the family's 43 findings was REAL (12 DEBATABLE, 30
            FALSE). Of those, 3 had a None the environment decides, the sources the family reports
            by default: 1 REAL (`importlib.util.find_spec` on a module name the user typed), 1
            DEBATABLE (`os.getenv("path")` on Windows) and 1 FALSE (a truthy
            `getattr(spec, "loader", None)` tested instead of `spec`, which the analysis has
            understood since) — too few to measure a precision by. The other 40 (0 REAL) came from
            declared Optionals and need `declared-optionals`.
            The price is recall: by default `re.match(p, s).group()` on text that may not match, a
            `dict.get` of a key that may be missing and an Optional parameter used unchecked are
            not reported.

            Test files (`test_*.py`, `*_test.py`, `conftest.py`, anything under `test/`, `tests/` or
            `testing/`) are not checked by this rule: there the bug fails or warns in the test run itself.
            Only what safelint can see is a source: an unannotated parameter does not type its
            methods (`def f(d): d.get(k).x` is missed), and the call of a call's result
            (`getattr(o, n, None)()`) is not followed. Facts about attributes survive calls that
            cannot reach the object (aliasing is ignored); a nested function starts with no facts
            about the names it captures (`cb = lambda: m.group()` is missed). A repeated lookup
            (`if d.get(k): d.get(k).x`) counts as checked whenever the scope tests the same call
            text, and a keyed lookup (`d.get(k)`, `msg.get_all(k)`, `msg.get_params()`, whose key
            is the `content-type` header) whenever it tests `k in d`, whatever runs in between,
            or stores `d[k] = v` on every path to it (not in one arm of an `if`, nor in a loop
            that may not run) with no `del`, `pop`, `clear` or rebinding of `d` or `k` on the way. Precision comes first: a None that only the code itself
            brings (a `None` literal, a comparison with None, an Optional field) is not reported at a
            use that runs under a condition not about the value (`if done: x.y`), since such code
            usually relies on the condition implying the value is set; a condition repeated as text
            (`x = f() if on else None` ... `if on: x.y`) and a name set to None in `except
            ImportError` are taken as handled. A callee that always raises but is not annotated
            `NoReturn` is not known to; instead, a check whose branch ends in a call that is not
            logging (`if m is None: self.fail(...)`) is taken as handling the None, and so is a
            condition that passes the value to any predicate (`if not inspect.ismodule(m): raise`),
            both judged as text within the scope. Unannotated parameters defaulting
            to None are not taken as Optional (in unannotated code they are mostly sentinels callers
            override) unless a call of the function's name in the same module leaves the parameter
            out, so that the default reaches the body, or, with `code-evidence`, the function itself
            compares them with None. Calls in other modules are not looked at.
            A call whose result goes straight into another call (`print(d.get(k))`) is no use. A project function
            `f(x: T | None) -> U | None` is taken to pass None through (overloads are not read), so
            its result is not a source. Uses inside a `try` whose handlers catch `AttributeError`,
            `TypeError` or anything broader are taken as handled.
            """
        ),
    }

    options = (DECLARED_OPTIONALS, CODE_EVIDENCE)
    checks_test_files = False

    def claims(self, use: OptionalUse) -> bool:
        """Whether ``use`` is this rule's to report."""
        raise NotImplementedError

    def use(self, use: OptionalUse, it: str) -> str:
        """What the use does to the value, ``it`` naming the value: "`.group` is used on it"."""
        raise NotImplementedError

    def visit_Module(self, node: cst.Module, ctx: ModuleContext) -> None:
        for use in optional_uses(ctx, self.settings["code-evidence"]):
            if self.claims(use) and self._reported(use):
                ctx.report(self, use.node, self.message(use), help=self.help(use))

    def _reported(self, use: OptionalUse) -> bool:
        """Whether an option on says to report where this use's None comes from. A use where
        the code's own None is the only value possible is always reported."""
        if use.certain:
            return True
        for origin in use.origins:
            if _decided_by_environment(origin):
                return True
            if origin.kind in _CODE_KINDS:
                if self.settings["code-evidence"]:
                    return True
            elif self.settings["declared-optionals"]:
                return True
        return False

    def message(self, use: OptionalUse) -> str:
        """Where the None comes from, then what the use does: one sentence."""
        if use.direct:
            (origin,) = use.origins
            return f"`{short(origin.text, 0)}` {_call_why(origin)}, and {self.use(use, 'its result')} without a check"
        how = "is None" if use.certain else "may be None"
        reasons = "; ".join(_reason(o) for o in use.origins) or "its value may be None"
        return f"`{short(use.subject)}` {how} here, and {self.use(use, 'it')} without a check: {reasons}"

    def help(self, use: OptionalUse) -> str:
        subject = short(use.subject)
        if any(o.kind is OriginKind.RETURNS_NONE for o in use.origins):
            return "it returns nothing: use the object it changes (`items.sort()` sorts `items`), or make it return a value"
        if use.direct:
            return f"bind it and check: `if (value := {subject}) is not None:`"
        if use.cause is Cause.FIELD:
            return f"check it first (`if {subject} is None: raise ...`), or set it in `__init__`"
        return f"check it first: `if {subject} is not None:`"
