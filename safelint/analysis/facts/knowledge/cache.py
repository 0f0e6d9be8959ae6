"""The on-disk cache of the stdlib table: one file per stub set and target.

Every worker process loads it, so it must load in milliseconds; it is keyed by
everything the table depends on, written atomically, and checked before use: a
truncated, corrupt or foreign file is ignored (and replaced), never trusted.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import sys
import tempfile
from pathlib import Path

from .build import Table
from .environment import Typeshed, stdlib_digest_items
from .stubs import Target

SCHEMA = 2
"""Bump whenever the records in ``stubs.py``, the table layout or how ``build.py`` chooses
public names change."""
_MAGIC = b"safelint-knowledge\n"
_DIGEST_SIZE = 32
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
_STUBS_MODULE = "safelint.analysis.facts.knowledge.stubs"


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
    digest = hashlib.blake2b(digest_size=16)
    for part in (
        SCHEMA,
        _STUBS_MODULE,  # the records' classes are pickled by module path: a move must rebuild
        typeshed.mypy_version,
        str(typeshed.stdlib),
        target.version,
        target.platform,
        sys.implementation.cache_tag,
        pickle.HIGHEST_PROTOCOL,
        stdlib_digest_items(typeshed.stdlib),
    ):
        digest.update(repr(part).encode())
        digest.update(b"\0")
    return digest.hexdigest()


def cache_path(directory: Path, key: str) -> Path:
    return directory / f"knowledge-{key}.pickle"


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


def load(path: Path, key: str) -> Table | None:
    """The cached table at ``path`` if it is intact and was built for ``key``, else None."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    header = len(_MAGIC) + _DIGEST_SIZE
    if not data.startswith(_MAGIC) or len(data) < header:
        return None
    body = memoryview(data)[header:]
    if hashlib.blake2b(body, digest_size=_DIGEST_SIZE).digest() != data[len(_MAGIC) : header]:
        return None
    try:
        content = loads_record(bytes(body))
    except Exception:  # whatever a damaged pickle raises, the answer is "rebuild"
        return None
    if not (isinstance(content, tuple) and len(content) == 3 and content[0] == key):
        return None
    _, modules, public = content
    if not (
        isinstance(modules, dict)
        and isinstance(public, dict)
        and all(isinstance(k, str) and isinstance(v, bytes) for k, v in modules.items())
        and all(isinstance(k, str) and isinstance(v, str) for k, v in public.items())
    ):
        return None
    return Table(modules, public)


def save(path: Path, key: str, table: Table) -> None:
    """Write atomically (a temporary file, then ``os.replace``); failures are not errors."""
    body = pickle.dumps((key, table.modules, table.public), pickle.HIGHEST_PROTOCOL)
    digest = hashlib.blake2b(body, digest_size=_DIGEST_SIZE).digest()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".knowledge-", dir=path.parent)
    except OSError:
        return  # a read-only cache directory: the table is rebuilt next time
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(_MAGIC + digest + body)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
