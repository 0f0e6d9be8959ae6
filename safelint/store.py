"""One store for everything safelint caches on disk: file results, index summaries, the knowledge table.

A cache only saves time, so everything here fails towards "no cache". An entry that is
missing, not a regular file, truncated, damaged, written for another record type, version or
key, or of the wrong shape is a miss: the caller rebuilds it and puts it back. A folder that
cannot be written keeps nothing. An entry is data, never code: each record type declares one
:class:`Codec`, whose ``decode`` checks the shape of what it reads, so a cache folder planted
in a checked-out repository can neither run code nor crash a run.

Layout: ``<folder>/<kind>/<key[:2]>/<key>``; an entry is one header line (record type,
version, key, digest of the payload) then the payload. Entries are written beside their
place and renamed into it, so neither a concurrent run nor a killed one leaves half an entry;
they are not synced, as the digest catches what a crash may damage. The folder is created
with a ``.gitignore`` of ``*`` and a ``CACHEDIR.TAG``, so that git and backups leave it alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import stat
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Final, Generic, TypeVar

from safelint.output import replace_file

__all__ = [
    "Codec",
    "Store",
    "as_choice",
    "as_dict",
    "as_flag",
    "as_int",
    "as_list",
    "as_text",
    "as_text_or_none",
    "content_key",
]

T = TypeVar("T")

_MAGIC: Final = "safelint-cache"
_DIGEST_SIZE: Final = 8
_MARKERS: Final = {
    ".gitignore": b"# Created by safelint: this folder is a cache.\n*\n",
    "CACHEDIR.TAG": b"Signature: 8a477f597d28d172789f06886806bc55\n"
    b"# This file is a cache directory tag created by safelint.\n"
    b"# For information about cache directory tags, see https://bford.info/cachedir/\n",
}
# A planted FIFO must not block a read, nor a symlink lead it to a device.
_READ_FLAGS: Final = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


@dataclass(frozen=True)
class Codec(Generic[T]):
    """How one record type is kept: its folder, its version, and its bytes both ways."""

    kind: str
    """The record type's folder in the store."""
    version: int
    """Bump when the payload's layout or meaning changes: entries of other versions are misses."""
    encode: Callable[[T], bytes]
    decode: Callable[[bytes], T]
    """Raises (anything) on bytes that are not a well-formed record."""

    def __post_init__(self) -> None:
        if not (self.kind.isidentifier() and self.kind.isascii()):
            raise ValueError(f"a record type's name must be a plain identifier, not {self.kind!r}")


def content_key(*parts: str | bytes) -> str:
    """A key made of what a record is computed from: a hash of ``parts``, each of which is
    delimited (``("ab", "c")`` and ``("a", "bc")`` have different keys)."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


class Store:
    """The records kept in one cache folder (which need not exist yet)."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self._root = os.fspath(directory)  # a string: pass 1 makes a store per file, a Path costs

    @property
    def directory(self) -> Path:
        return Path(self._root)

    def path(self, codec: Codec[T], key: str) -> Path:
        """Where the entry of ``key`` lives; ``key`` is a content hash (letters and digits)."""
        return Path(self._path(codec, key))

    def _path(self, codec: Codec[T], key: str) -> str:
        if not (key.isalnum() and key.isascii() and len(key) >= 8):
            raise ValueError(f"a cache key must be a hash, not {key!r}")
        return os.path.join(self._root, codec.kind, key[:2], key)

    def get(self, codec: Codec[T], key: str) -> T | None:
        """The record kept for ``key``, or None when there is none that is intact and current."""
        data = _read_regular_file(self._path(codec, key))
        if data is None:
            return None
        head = _header(codec, key)
        end = len(head) + _DIGEST_SIZE
        if not data.startswith(head) or data[end : end + 1] != b"\n":
            return None
        payload = data[end + 1 :]
        if _digest(payload) != data[len(head) : end]:
            return None
        try:
            return codec.decode(payload)
        except Exception:  # whatever a damaged or planted payload raises, the answer is "rebuild"
            return None

    def put(self, codec: Codec[T], key: str, value: T) -> None:
        """Keep ``value`` for ``key``, whole or not at all; a folder that cannot be written
        keeps nothing."""
        path = self.path(codec, key)
        payload = codec.encode(value)
        data = b"".join((_header(codec, key), _digest(payload), b"\n", payload))
        try:
            try:
                replace_file(path, data)
            except FileNotFoundError:  # the first entry of its folder
                if not self.directory.is_dir():
                    self._create()
                path.parent.mkdir(parents=True, exist_ok=True)
                replace_file(path, data)
        except OSError:
            return  # read-only, full, or not a folder: the cache simply keeps nothing

    def _create(self) -> None:
        """Make the folder with its markers in place, in one rename (as pytest does): a cache
        folder that git would take never appears, even if this process is killed midway."""
        parent = self.directory.parent
        parent.mkdir(parents=True, exist_ok=True)
        temporary = parent / f".{self.directory.name}.{secrets.token_hex(6)}.tmp"
        temporary.mkdir()
        try:
            for name, text in _MARKERS.items():
                (temporary / name).write_bytes(text)
            os.rename(temporary, self.directory)
        except OSError:
            if not self.directory.is_dir():
                raise
        finally:  # left behind only when another run made the folder first
            for name in _MARKERS:
                with contextlib.suppress(OSError):
                    (temporary / name).unlink()
            with contextlib.suppress(OSError):
                temporary.rmdir()


def _header(codec: Codec[T], key: str) -> bytes:
    return f"{_MAGIC} {codec.kind} {codec.version} {key} ".encode("ascii")


def _digest(payload: bytes) -> bytes:
    """A check against damage (a crash, a disk), not against a forger: a planted entry
    can carry any digest, and is judged by its codec."""
    return b"%08x" % zlib.crc32(payload)


def _read_regular_file(path: str) -> bytes | None:
    """The bytes of a regular file, or None for anything else or any error."""
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError:
        return None
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            return None
        data = os.read(fd, status.st_size)
        while len(data) < status.st_size:  # a short read, or a file cut short meanwhile
            more = os.read(fd, status.st_size - len(data))
            if not more:
                break
            data += more
        return data
    except OSError:
        return None
    finally:
        os.close(fd)


# Shape checks for codecs that decode JSON: each returns its value, or raises ValueError
# (naming the type only: a planted value may be huge).


def as_text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {type(value).__name__}")
    # Names repeat across a project (``self``, ``builtins.str``, every qualname prefix): one
    # copy each keeps what every process holds small.
    return sys.intern(value)


def as_text_or_none(value: object) -> str | None:
    return None if value is None else as_text(value)


def as_flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected a boolean, got {type(value).__name__}")
    return value


def as_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected an integer, got {type(value).__name__}")
    return value


def as_list(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"expected a list, got {type(value).__name__}")
    return value


def as_dict(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"expected an object, got {type(value).__name__}")
    return value


def as_choice(value: object, allowed: tuple[str, ...]) -> Any:
    if value not in allowed:
        raise ValueError(f"expected one of {allowed}")
    return value
