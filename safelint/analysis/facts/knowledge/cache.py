"""The stdlib table in the store: one entry per stub set and target.

Every worker process loads the table, so it must load in milliseconds: it is a pickle, read
back by an unpickler that knows the table's record classes and nothing else, so a planted
cache cannot run code. Its key covers everything the table depends on, including where those
classes are pickled from and safelint's version.
"""

from __future__ import annotations

import io
import os
import pickle
import sys
from pathlib import Path

from safelint import __version__
from safelint.store import Codec, Store, content_key

from .build import Table
from .environment import Typeshed, stdlib_digest_items
from .stubs import StubModule, Target

SCHEMA = 6
"""Bump whenever the records in ``stubs.py``, the table layout or how ``build.py`` chooses
public names change."""
_ALLOWED_CLASSES = frozenset(
    {
        "StubAlias",
        "StubClass",
        "StubFunction",
        "StubImport",
        "StubModule",
        "StubOverloads",
        "StubParam",
        "StubTypeVar",
        "StubVariable",
    }
)
_STUBS_MODULE = StubModule.__module__


def cache_directory() -> Path:
    """``$SAFELINT_KNOWLEDGE_CACHE``, else ``$XDG_CACHE_HOME/safelint``, else
    ``~/.cache/safelint``."""
    explicit = os.environ.get("SAFELINT_KNOWLEDGE_CACHE")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "safelint"


def cache_key(typeshed: Typeshed, target: Target) -> str:
    """A digest of everything the table depends on."""
    parts = (
        SCHEMA,
        _STUBS_MODULE,  # the records' classes are pickled by module path: a move must rebuild
        __version__,
        typeshed.mypy_version,
        str(typeshed.stdlib),
        target.version,
        target.platform,
        sys.implementation.cache_tag,
        pickle.HIGHEST_PROTOCOL,
        stdlib_digest_items(typeshed.stdlib),
    )
    return content_key(*(repr(part) for part in parts))


class _RecordUnpickler(pickle.Unpickler):
    """Unpickles the table's records and nothing else: a planted file cannot run code."""

    def find_class(self, module: str, name: str) -> type:
        if module == _STUBS_MODULE and name in _ALLOWED_CLASSES:
            found = super().find_class(module, name)
            assert isinstance(found, type)
            return found
        raise pickle.UnpicklingError(f"unexpected class {module}.{name} in the knowledge cache")


def loads_record(data: bytes) -> object:
    return _RecordUnpickler(io.BytesIO(data)).load()


def _encode(table: Table) -> bytes:
    return pickle.dumps((table.modules, table.public), pickle.HIGHEST_PROTOCOL)


def _decode(payload: bytes) -> Table:
    content = loads_record(payload)
    if not (isinstance(content, tuple) and len(content) == 2):
        raise ValueError("not a knowledge table")
    modules, public = content
    if not (
        isinstance(modules, dict)
        and isinstance(public, dict)
        and all(isinstance(k, str) and isinstance(v, bytes) for k, v in modules.items())
        and all(isinstance(k, str) and isinstance(v, str) for k, v in public.items())
    ):
        raise ValueError("not a knowledge table")
    return Table(modules, public)


KNOWLEDGE: Codec[Table] = Codec("knowledge", SCHEMA, _encode, _decode)
"""The stdlib table: each module's records (pickled on their own, unpickled on first use)
and the public names."""


def load(directory: Path, key: str) -> Table | None:
    """The cached table for ``key`` if it is intact and current, else None."""
    return Store(directory).get(KNOWLEDGE, key)


def save(directory: Path, key: str, table: Table) -> None:
    """Keep the table (whole or not at all); an unwritable folder keeps nothing."""
    Store(directory).put(KNOWLEDGE, key, table)
