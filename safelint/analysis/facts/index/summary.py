"""The records of the project index: what pass 1 remembers of each module.

Summaries are plain frozen dataclasses (picklable, for worker processes). They carry no
line numbers and no paths on purpose: the index digest keys every file's result cache, and
adding a line at the top of one file must not invalidate the results of the whole project.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

__all__ = [
    "INDEX_FORMAT",
    "ClassSummary",
    "FunctionSummary",
    "ModuleSummary",
    "PackedSummary",
    "ParamKind",
    "ParamSummary",
    "ReturnKind",
    "ValueSource",
]

INDEX_FORMAT: Final = 15
"""Bump when what a summary records changes: it versions the cached summaries and keys the digest."""

ReturnKind = Literal["unannotated", "value", "optional", "none", "never"]
"""What the return annotation says the (awaited, for ``async def``) result is:
``optional`` may be None (``X | None``), ``none`` is always None (``-> None``),
``never`` does not return (``NoReturn``/``Never``)."""

ParamKind = Literal["positional_only", "positional", "var_positional", "keyword_only", "var_keyword"]

ValueSource = tuple[str, str]
"""Where pass 2 finds a value's type (``values.py``): ``("type", T)``, an instance of the
written-out type ``T``; ``("call", f)``, what calling the qualified ``f`` returns;
``("name", q)``, what the qualified name ``q`` denotes."""


@dataclass(frozen=True, slots=True)
class ParamSummary:
    name: str
    kind: ParamKind
    optional: bool
    """Annotated ``Optional``/``X | None``, or defaulting to ``None``."""
    has_default: bool
    annotation: str | None
    """Qualified name of the annotated class (``builtins.int``, ``pkg.mod.C``)."""
    declared: str | None = None
    """The whole annotation, every name in it written out qualified (``builtins.list[pkg.mod.C]``)."""


@dataclass(frozen=True, slots=True)
class FunctionSummary:
    qualname: str
    """``pkg.mod.func`` or ``pkg.mod.Class.method``."""
    is_async: bool
    is_generator: bool
    is_context_manager: bool
    """Decorated ``@contextmanager``/``@asynccontextmanager`` (any module)."""
    must_use: bool
    """Decorated with anything whose last name component is ``must_use``."""
    return_kind: ReturnKind
    return_annotation: str | None
    """Qualified name of the returned class, with ``Optional``/``Annotated`` unwrapped."""
    returned_calls: tuple[str, ...]
    """Qualified callees of calls the function visibly returns (``return open(p)``, or
    ``f = open(p) ... return f``): the knowledge base decides which are resources. Empty when
    some ``return`` hands back anything else but None (a global, a field): such a function
    does not make a fresh value each time."""
    decorators: tuple[str, ...]
    """Qualified (else dotted) names of the decorators, calls stripped."""
    params: tuple[ParamSummary, ...]
    calls: tuple[str, ...] = ()
    """What the body (nested functions included) calls within its own top-level package
    (qualified), and ``self.m``/``self.attr.m`` for a method: enough to follow a thread's
    work from module to module without recording every call of the project."""
    overloads: tuple[FunctionSummary, ...] = ()
    """The ``@overload`` declarations before the implementation, in order: a call's result
    is the first one its arguments match, as a type checker chooses."""
    returns_declared: str | None = None
    """The whole return annotation, written out qualified like a parameter's ``declared``."""
    starts_parameter: str | None = None
    """The parameter the function starts on a thread (``def spawn(fn): Thread(target=fn)``):
    what a caller passes there runs on one."""

    @property
    def returns_optional(self) -> bool:
        return self.return_kind == "optional"

    @property
    def returns_none(self) -> bool:
        return self.return_kind == "none"

    @property
    def no_return(self) -> bool:
        return self.return_kind == "never"

    @property
    def is_coroutine_function(self) -> bool:
        """``async def`` without ``yield`` (an async generator is not awaited)."""
        return self.is_async and not self.is_generator


@dataclass(frozen=True, slots=True)
class ClassSummary:
    qualname: str
    bases: tuple[str, ...]
    """Qualified (else dotted) names of the base classes."""
    methods: tuple[str, ...]
    attribute_calls: tuple[tuple[str, str], ...]
    """``(attribute, callee)`` for attributes assigned a call in ``__init__`` or the class
    body (``self._lock = threading.Lock()`` → ``("_lock", "threading.Lock")``)."""
    optional_attributes: tuple[str, ...]
    """Attributes declared ``X | None`` (class annotations, dataclass fields,
    ``self.x: T | None = ...``)."""
    none_then_set_attributes: tuple[str, ...]
    """Set to ``None`` in ``__init__`` and to something else in another method."""
    registers_self: bool = False
    """``__init__`` hands the new instance to something that will release it
    (``manager.enter_context(self)``, ``atexit.register(self.cleanup)``): whoever constructs
    one does not own it."""
    annotated_attributes: tuple[tuple[str, str], ...] = ()
    """``(attribute, class)`` for attributes whose annotation names a class (class-level,
    dataclass fields, ``self.x: T`` in a method); the class of an ``X | None`` is ``X``."""
    class_assignments: tuple[str, ...] = ()
    """Names the class body assigns without an annotation (an enum's members)."""
    init_only_attributes: tuple[str, ...] = ()
    """Fields ``__init__`` sets and no other method does: fixed once the object exists
    (configuration, ``self._single_client = single``)."""
    noop_methods: tuple[str, ...] = ()
    """Methods whose body does nothing (``pass``, ``...``, a docstring): an override that
    turns an inherited ``shutdown()`` into a no-op says there is nothing to release."""
    inferred_attributes: tuple[tuple[str, str, str], ...] = ()
    """``(attribute, how, what)`` sources (:data:`ValueSource`) of the fields and class
    attributes no annotation declares, one per value the class body or a method assigns; a
    name one of whose values the syntax alone cannot tell is not listed."""

    @property
    def defines_close(self) -> bool:
        return "close" in self.methods

    @property
    def defines_enter(self) -> bool:
        return "__enter__" in self.methods

    @property
    def defines_exit(self) -> bool:
        return "__exit__" in self.methods


@dataclass(frozen=True, slots=True)
class ModuleSummary:
    module: str
    is_package: bool
    imports: tuple[tuple[str, str], ...]
    """Module-level ``(alias, qualified name)``; names bound by conflicting imports (or
    also by an assignment) are left out."""
    star_imports: tuple[str, ...]
    functions: tuple[FunctionSummary, ...] = ()
    classes: tuple[ClassSummary, ...] = ()
    global_rebound: tuple[str, ...] = ()
    """Module names some function declares ``global`` and rebinds."""
    mutable_globals: tuple[tuple[str, str], ...] = ()
    """``(name, type or constructor)`` for module-level mutable containers
    (``CACHE = {}`` → ``("CACHE", "builtins.dict")``)."""
    thread_targets: tuple[str, ...] = ()
    """Functions this module starts on a thread (``Thread(target=m.f)``, ``Timer(t, m.f)``,
    ``asyncio.to_thread(m.f)``, ``pool.submit(f)`` on a ``ThreadPoolExecutor`` bound in
    the module), so their own module, and what they call, know they run there."""
    repeated_thread_targets: tuple[str, ...] = ()
    """Those of them started in a loop or a comprehension: they race with themselves."""
    variables: tuple[tuple[str, str, str], ...] = ()
    """``(name, how, what)`` sources (:data:`ValueSource`) of the module-level names bound
    only by assignments: the written-out annotation, else one per value assigned; a name
    one of whose values the syntax alone cannot tell is not listed."""
    type_aliases: tuple[tuple[str, str], ...] = ()
    """``(name, type expression)`` for module-level aliases (``M = Literal["a", "b"]``,
    ``X: TypeAlias = ...``), every name in the expression written out qualified, so another
    module reads it without this one's imports."""
    parsed: bool = field(default=True)
    """False when the file could not be read or parsed (the summary is then empty)."""


@dataclass(frozen=True, slots=True)
class PackedSummary:
    """A summary as the index keeps it (compressed JSON) with the few facts the index
    needs about every module at once. Pass 1's workers send these, not summaries: they
    pickle in a fraction of the time, and a cached summary is never decoded and encoded
    again just to be packed."""

    module: str
    parsed: bool
    compressed: bytes
    digest: bytes
    thread_targets: tuple[str, ...]
    repeated_thread_targets: tuple[str, ...]
    returning_names: tuple[str, ...]
    class_bases: tuple[tuple[str, tuple[str, ...]], ...]
    thread_helpers: tuple[str, ...] = ()
    """Last components of the functions that start a parameter on a thread (``spawn``)."""
