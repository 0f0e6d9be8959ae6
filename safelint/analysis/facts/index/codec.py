"""The project index's codec: a summary as JSON, and packed as the index keeps it.

A cached summary is data, never code (a checked-out repository may contain a planted cache
folder): decoding checks every field's shape and raises ``ValueError`` (or ``KeyError``,
``TypeError``) on anything else.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
import zlib
from typing import Any, Final, get_args

from .summary import (
    ClassSummary,
    FunctionSummary,
    ModuleSummary,
    PackedSummary,
    ParamKind,
    ParamSummary,
    ReturnKind,
)

__all__ = ["pack", "summary_from_json", "summary_to_json", "unpack"]


def summary_to_json(summary: ModuleSummary) -> bytes:
    return json.dumps(summary, default=_field_dict, separators=(",", ":")).encode()


def _field_dict(value: object) -> dict[str, object]:
    """A summary dataclass as its fields, in field order (they have slots, not ``vars``)."""
    return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}  # type: ignore[arg-type]


def summary_from_json(text: bytes) -> ModuleSummary:
    """A summary from its JSON form; raises ValueError/KeyError/TypeError when malformed."""
    return _decode_module(json.loads(text))


def pack(summary: ModuleSummary, text: bytes | None = None) -> PackedSummary:
    """``text``: the summary's JSON when at hand (read from the cache)."""
    if text is None:
        text = summary_to_json(summary)
    return PackedSummary(
        module=summary.module,
        parsed=summary.parsed,
        compressed=zlib.compress(text, 1),
        digest=hashlib.sha256(text).digest(),
        thread_targets=summary.thread_targets,
        repeated_thread_targets=summary.repeated_thread_targets,
        returning_names=tuple({f.qualname.rpartition(".")[2]: None for f in summary.functions if f.returned_calls}),
        class_bases=tuple((c.qualname, c.bases) for c in summary.classes if c.bases),
    )


def unpack(packed: PackedSummary) -> ModuleSummary:
    return summary_from_json(zlib.decompress(packed.compressed))


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {value!r}")
    # Names repeat across a project (``self``, ``builtins.str``, every qualname prefix): one
    # copy each keeps the index, which every process holds, small.
    return sys.intern(value)


def _text_or_none(value: object) -> str | None:
    return None if value is None else _text(value)


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected a boolean, got {value!r}")
    return value


def _items(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"expected a list, got {value!r}")
    return value


def _texts(value: object) -> tuple[str, ...]:
    return tuple(_text(v) for v in _items(value))


def _pairs(value: object) -> tuple[tuple[str, str], ...]:
    out = []
    for item in _items(value):
        first, second = _items(item)
        out.append((_text(first), _text(second)))
    return tuple(out)


def _choice(value: object, allowed: tuple[str, ...]) -> Any:
    if value not in allowed:
        raise ValueError(f"expected one of {allowed}, got {value!r}")
    return value


_RETURN_KINDS: Final[tuple[str, ...]] = get_args(ReturnKind)
_PARAM_KINDS: Final[tuple[str, ...]] = get_args(ParamKind)


def _decode_module(data: Any) -> ModuleSummary:
    """A summary from its JSON form; raises ValueError/KeyError/TypeError when malformed."""
    return ModuleSummary(
        module=_text(data["module"]),
        is_package=_flag(data["is_package"]),
        imports=_pairs(data["imports"]),
        star_imports=_texts(data["star_imports"]),
        functions=tuple(
            FunctionSummary(
                qualname=_text(f["qualname"]),
                is_async=_flag(f["is_async"]),
                is_generator=_flag(f["is_generator"]),
                is_context_manager=_flag(f["is_context_manager"]),
                must_use=_flag(f["must_use"]),
                return_kind=_choice(f["return_kind"], _RETURN_KINDS),
                return_annotation=_text_or_none(f["return_annotation"]),
                returned_calls=_texts(f["returned_calls"]),
                decorators=_texts(f["decorators"]),
                calls=_texts(f["calls"]),
                params=tuple(
                    ParamSummary(
                        name=_text(p["name"]),
                        kind=_choice(p["kind"], _PARAM_KINDS),
                        optional=_flag(p["optional"]),
                        has_default=_flag(p["has_default"]),
                        annotation=_text_or_none(p["annotation"]),
                    )
                    for p in _items(f["params"])
                ),
            )
            for f in _items(data["functions"])
        ),
        classes=tuple(
            ClassSummary(
                qualname=_text(c["qualname"]),
                bases=_texts(c["bases"]),
                methods=_texts(c["methods"]),
                attribute_calls=_pairs(c["attribute_calls"]),
                optional_attributes=_texts(c["optional_attributes"]),
                none_then_set_attributes=_texts(c["none_then_set_attributes"]),
                registers_self=_flag(c.get("registers_self", False)),
            )
            for c in _items(data["classes"])
        ),
        global_rebound=_texts(data["global_rebound"]),
        mutable_globals=_pairs(data["mutable_globals"]),
        thread_targets=_texts(data["thread_targets"]),
        repeated_thread_targets=_texts(data["repeated_thread_targets"]),
        parsed=_flag(data["parsed"]),
    )


# --------------------------------------------------------------------------- cache
