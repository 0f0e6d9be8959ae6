"""What the SL2 analysis hands the rules: an unguarded use of a maybe-None value
(:class:`OptionalUse`), every place its None may come from (:class:`Origin`) and the cause
that decides which rule owns it. Plain data, kept apart so the rules and their messages can
read it without the analysis that finds it."""

from __future__ import annotations

import enum
from dataclasses import dataclass

import libcst as cst

from safelint.analysis.optional.recorder import UseKind

__all__ = ["Cause", "OptionalUse", "Origin", "OriginKind"]


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
