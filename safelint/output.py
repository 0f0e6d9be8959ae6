"""Writing output: files whole or not at all (a reader never sees half a report or a half-fixed
file), and the counted words of summary lines."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, data: str | bytes, encoding: str = "utf-8") -> None:
    """Write to a temporary file beside ``path``, then rename it over ``path``.

    The rename is atomic on one file system, so on any failure the old file (or no file) is
    left, never a truncated one. An existing file's permission bits are kept.
    """
    payload = data.encode(encoding) if isinstance(data, str) else data
    try:
        mode: int | None = path.stat().st_mode & 0o7777
    except OSError:
        mode = None
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


def plural(n: int, words: str) -> str:
    """``1 finding``, ``2 findings``."""
    return f"{n} {words}{'' if n == 1 else 's'}"
