"""The facts rules read: plain frozen dataclasses, built on demand from the stub records."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Literal

LiteralValue = str | bytes | int | bool | float | complex | None
"""The value of a literal in a stub (``Literal["rb"]``) or at a call site (``"rb"``)."""


class Kind(enum.Enum):
    """What one alternative of a union annotation is."""

    NONE = "none"
    ANY = "any"
    """``Any``, an ellipsis, or something the evaluator does not follow: could be anything."""
    NEVER = "never"
    CLASS = "class"
    LITERAL = "literal"
    TYPEVAR = "typevar"
    SELF = "self"
    """``Self`` not yet replaced by a receiver class."""


@dataclass(frozen=True, slots=True)
class Alternative:
    kind: Kind
    name: str = ""
    """CLASS: the public qualified name (``re.Match``); TYPEVAR: the TypeVar's qualified name."""
    value: LiteralValue = None
    """LITERAL: the value."""
    nullable: bool = True
    """TYPEVAR: whether ``None`` satisfies its bound or constraints."""
    bound: str = ""
    """TYPEVAR: the class it is bound to, when its bound names exactly one."""


NONE = Alternative(Kind.NONE)
ANY = Alternative(Kind.ANY)
NEVER = Alternative(Kind.NEVER)
SELF = Alternative(Kind.SELF)


@dataclass(frozen=True, slots=True)
class TypeFacts:
    """An annotation, flattened to the alternatives of its union; generic arguments dropped."""

    text: str
    """The annotation as written in the stub, for messages."""
    alternatives: tuple[Alternative, ...]
    items: tuple[TypeFacts, ...] | None = None
    """The item types of a fixed-length tuple (``mimetypes.guess_type``), else None."""

    @property
    def optional(self) -> bool:
        """``None`` is one alternative among others (``Match[str] | None``)."""
        kinds = {alternative.kind for alternative in self.alternatives}
        return Kind.NONE in kinds and len(kinds) > 1

    @property
    def is_none(self) -> bool:
        """Exactly ``None``: a procedure's return."""
        return bool(self.alternatives) and all(a.kind is Kind.NONE for a in self.alternatives)

    @property
    def noreturn(self) -> bool:
        return bool(self.alternatives) and all(a.kind is Kind.NEVER for a in self.alternatives)

    @property
    def classes(self) -> tuple[str, ...]:
        """The classes a value may be an instance of, in order, without repeats.

        A bound TypeVar counts as its bound: ``sqlite3.connect(factory=...)`` returns a
        ``_ConnectionT``, some subclass of ``sqlite3.Connection``.
        """
        names = (
            a.name if a.kind is Kind.CLASS else a.bound
            for a in self.alternatives
            if a.kind is Kind.CLASS or (a.kind is Kind.TYPEVAR and a.bound)
        )
        return tuple(dict.fromkeys(names))


class ParamKind(enum.IntEnum):
    """As ``inspect.Parameter.kind``."""

    POSITIONAL_ONLY = 0
    POSITIONAL_OR_KEYWORD = 1
    VAR_POSITIONAL = 2
    KEYWORD_ONLY = 3
    VAR_KEYWORD = 4


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    kind: ParamKind
    has_default: bool
    type: TypeFacts | None
    """None when the stub leaves the parameter unannotated."""


@dataclass(frozen=True, slots=True)
class Signature:
    """One overload as seen at the call site: a bound method's ``self``/``cls`` is dropped."""

    params: tuple[Param, ...]
    returns: TypeFacts | None
    """For ``async def``, the declared (awaited) result; None when unannotated."""
    is_async: bool


CallableKind = Literal["function", "method", "constructor"]


@dataclass(frozen=True, slots=True)
class FunctionFacts:
    qualname: str
    """Public qualified name of the definition (``typing.Mapping.get`` for ``os.environ.get``)."""
    kind: CallableKind
    signatures: tuple[Signature, ...]
    override: str | None = None
    """Why an override replaced the stub's return type, when one did."""

    @property
    def is_coroutine_function(self) -> bool:
        """Calling it makes a coroutine: ``async def`` or a declared ``Coroutine`` return."""
        return any(s.is_async or (s.returns is not None and _COROUTINE in s.returns.classes) for s in self.signatures)

    @property
    def returns_none(self) -> bool:
        """Every signature returns exactly ``None``: the result is never worth keeping."""
        return bool(self.signatures) and all(
            s.returns is not None and s.returns.is_none and not s.is_async for s in self.signatures
        )

    @property
    def noreturn(self) -> bool:
        """Every signature is annotated ``NoReturn``/``Never``."""
        return bool(self.signatures) and all(s.returns is not None and s.returns.noreturn for s in self.signatures)


_COROUTINE = "typing.Coroutine"


@dataclass(frozen=True, slots=True)
class ClassFacts:
    qualname: str
    ancestors: tuple[str, ...]
    """Public names, the class first and ``builtins.object`` last."""
    release_methods: frozenset[str]
    """Which of ``RELEASE_METHODS`` the class defines or inherits."""
    is_resource: bool
    """Must be released on every path (a file, socket, process, executor...)."""
    is_lock: bool
    """Has ``acquire`` and ``release``: held, not owned."""
    is_immutable: bool
    """On the reviewed list of value types (or a subclass of one)."""
    is_protocol: bool
    is_awaitable: bool
    """Defines or inherits ``__await__`` (futures, tasks)."""
    override: str | None = None
    """Why an override changed a derived fact, when one did."""


RELEASE_METHODS = frozenset(
    {
        "close",
        "aclose",
        "shutdown",
        "server_close",
        "cleanup",
        "quit",
        "terminate",
        "kill",
        "wait",
        "release",
        "__exit__",
        "__aexit__",
    }
)
"""Methods that end a resource's or a lock's life; a rule accepts any of them as the release."""

FREEING_METHODS = frozenset({"close", "aclose", "shutdown", "server_close", "cleanup", "terminate", "kill"})
"""Release methods that free something: a class with one of these (and not a lock) is a
resource. ``__exit__`` alone is not enough (``contextlib.suppress`` holds nothing), nor is
``wait`` (``threading.Event``), ``release`` (locks, ``memoryview``) or ``quit`` (every
tkinter widget; ``smtplib.SMTP`` and ``ftplib.FTP`` have ``close`` too)."""
