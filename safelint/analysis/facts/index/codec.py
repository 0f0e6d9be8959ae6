"""The project index's codec: a summary as JSON, and packed as the index keeps it.

A cached summary is data, never code (a checked-out repository may contain a planted cache
folder): decoding checks every field's shape and raises on anything else.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
import zlib
from typing import Any, Final, get_args

from safelint.store import Codec, as_choice, as_flag, as_list, as_text, as_text_or_none

from .summary import (
    INDEX_FORMAT,
    ClassSummary,
    FunctionSummary,
    ModuleSummary,
    PackedSummary,
    ParamKind,
    ParamSummary,
    ReturnKind,
)

__all__ = ["SUMMARIES", "pack", "summary_from_json", "summary_to_json", "unpack"]


def summary_to_json(summary: ModuleSummary) -> bytes:
    return json.dumps(summary, default=_field_dict, separators=(",", ":")).encode()


def _field_dict(value: object) -> dict[str, object]:
    """A summary dataclass as its fields, in field order (they have slots, not ``vars``)."""
    return {name: getattr(value, name) for name in _FIELDS[type(value)]}


_FIELDS: Final[dict[type, tuple[str, ...]]] = {
    cls: tuple(f.name for f in dataclasses.fields(cls))
    for cls in (ModuleSummary, FunctionSummary, ClassSummary, ParamSummary)
}
"""Asked once, not per object: ``dataclasses.fields`` was a third of encoding."""


def summary_from_json(text: bytes) -> ModuleSummary:
    """A summary from its JSON form; raises (ValueError, KeyError, ...) when malformed."""
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
        thread_helpers=tuple({f.qualname.rpartition(".")[2]: None for f in summary.functions if f.starts_parameter}),
    )


def unpack(packed: PackedSummary) -> ModuleSummary:
    return summary_from_json(zlib.decompress(packed.compressed))


SUMMARIES: Codec[PackedSummary] = Codec(
    "index",
    INDEX_FORMAT,
    lambda packed: zlib.decompress(packed.compressed),
    lambda text: pack(summary_from_json(text), text),
)
"""A module's summary, kept as its JSON and read back packed: a summary from the cache is
packed from the very bytes it was read as, never encoded again."""


def _texts(value: object) -> tuple[str, ...]:
    # ``sys.intern`` takes exact strings only: it checks each item as it interns it, in C.
    return tuple(map(sys.intern, as_list(value)))


def _pairs(value: object) -> tuple[tuple[str, str], ...]:
    out = []
    for item in as_list(value):
        first, second = as_list(item)
        out.append((as_text(first), as_text(second)))
    return tuple(out)


def _sources(value: object) -> tuple[tuple[str, str, str], ...]:
    """``(name, how, what)`` triples of value sources."""
    out = []
    for item in as_list(value):
        name, how, what = as_list(item)
        out.append((as_text(name), as_choice(how, _HOWS), as_text(what)))
    return tuple(out)


_HOWS: Final = ("type", "call", "name")


_RETURN_KINDS: Final[tuple[str, ...]] = get_args(ReturnKind)
_PARAM_KINDS: Final[tuple[str, ...]] = get_args(ParamKind)


def _decode_module(data: Any) -> ModuleSummary:
    return ModuleSummary(
        module=as_text(data["module"]),
        is_package=as_flag(data["is_package"]),
        imports=_pairs(data["imports"]),
        star_imports=_texts(data["star_imports"]),
        functions=tuple(_decode_function(f) for f in as_list(data["functions"])),
        classes=tuple(
            ClassSummary(
                qualname=as_text(c["qualname"]),
                bases=_texts(c["bases"]),
                methods=_texts(c["methods"]),
                attribute_calls=_pairs(c["attribute_calls"]),
                optional_attributes=_texts(c["optional_attributes"]),
                none_then_set_attributes=_texts(c["none_then_set_attributes"]),
                registers_self=as_flag(c.get("registers_self", False)),
                annotated_attributes=_pairs(c.get("annotated_attributes", [])),
                class_assignments=_texts(c.get("class_assignments", [])),
                init_only_attributes=_texts(c.get("init_only_attributes", [])),
                noop_methods=_texts(c.get("noop_methods", [])),
                inferred_attributes=_sources(c.get("inferred_attributes", [])),
            )
            for c in as_list(data["classes"])
        ),
        global_rebound=_texts(data["global_rebound"]),
        variables=_sources(data.get("variables", [])),
        type_aliases=_pairs(data.get("type_aliases", [])),
        mutable_globals=_pairs(data["mutable_globals"]),
        thread_targets=_texts(data["thread_targets"]),
        repeated_thread_targets=_texts(data["repeated_thread_targets"]),
        parsed=as_flag(data["parsed"]),
    )


def _decode_function(f: Any) -> FunctionSummary:
    return FunctionSummary(
        qualname=as_text(f["qualname"]),
        is_async=as_flag(f["is_async"]),
        is_generator=as_flag(f["is_generator"]),
        is_context_manager=as_flag(f["is_context_manager"]),
        must_use=as_flag(f["must_use"]),
        return_kind=as_choice(f["return_kind"], _RETURN_KINDS),
        return_annotation=as_text_or_none(f["return_annotation"]),
        returned_calls=_texts(f["returned_calls"]),
        decorators=_texts(f["decorators"]),
        calls=_texts(f["calls"]),
        params=tuple(
            ParamSummary(
                name=as_text(p["name"]),
                kind=as_choice(p["kind"], _PARAM_KINDS),
                optional=as_flag(p["optional"]),
                has_default=as_flag(p["has_default"]),
                annotation=as_text_or_none(p["annotation"]),
                declared=as_text_or_none(p.get("declared")),
            )
            for p in as_list(f["params"])
        ),
        overloads=tuple(_decode_function(o) for o in as_list(f.get("overloads", []))),
        returns_declared=as_text_or_none(f.get("returns_declared")),
        starts_parameter=as_text_or_none(f.get("starts_parameter")),
    )


# --------------------------------------------------------------------------- cache
