"""Writing output: files whole or not at all (a reader never sees half a report, a half-fixed
file or half a cache entry), and the counted words of summary lines."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path


def write_atomically(path: Path, data: str | bytes, encoding: str = "utf-8") -> None:
    """Replace ``path`` with ``data``, durably: for the files a user asked for.

    On any failure the old file (or no file) is left, never a truncated one. An existing
    file's permission bits are kept.
    """
    payload = data.encode(encoding) if isinstance(data, str) else data
    try:
        mode = path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    replace_file(path, payload, mode=mode, durable=True)


def replace_file(path: Path, payload: bytes, *, mode: int | None = None, durable: bool = False) -> None:
    """Write a temporary file beside ``path`` (``.<name>.<random>.tmp``), then rename it over
    ``path``: the rename is atomic on one file system.

    ``durable`` syncs the data before the rename (a cache can do without: losing an entry
    costs a rebuild). ``mode`` defaults to the temporary's own, readable by its owner only.
    The temporary is removed on failure, and the error raised.
    """
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def plural(n: int, words: str) -> str:
    """``1 finding``, ``2 findings``."""
    return f"{n} {words}{'' if n == 1 else 's'}"


def write_report(path: Path, data: str) -> None:
    """Write a report where ``--output-file`` points, without replacing what is there.

    A symlink is written through: its target is replaced atomically, the link stays. A FIFO
    or a character device (``/dev/stdout``, a pipe a reader waits on) is opened and written
    to, as a shell redirection would. Any other special file is refused (OSError).
    """
    try:
        mode: int | None = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None  # a new file, or a link to one
    if mode is not None and (stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)):
        with open(path, "w", encoding="utf-8") as stream:
            stream.write(data)
        return
    if mode is not None and not stat.S_ISREG(mode):
        raise OSError(errno.EINVAL, "not a regular file, a FIFO or a character device", str(path))
    write_atomically(Path(os.path.realpath(path)), data)
