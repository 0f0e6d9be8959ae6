"""Bytes to text to tree: decoding (PEP 263 cookies, BOM) and parsing, each failure a position.

libcst's native parser overflows its stack (a segmentation fault, not an exception) on very
deeply nested code and is quadratic in nesting depth well before that. CPython's own parser
is about 8× faster and refuses such input with a clean error, so every file goes through
``ast.parse`` first: code it rejects for nesting never reaches libcst.
"""

from __future__ import annotations

import ast
import io
import os
import stat
import threading
import tokenize
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

# libcst's parse time grows faster than the file (5 MB of statements: about 35 s), and the
# index pass's ast takes some 200 bytes of memory per byte of source; past this size a file is
# reported as SL000 without being read, rather than stalling the run or exhausting memory.
MAX_FILE_BYTES = 10 * 1024 * 1024

_NESTING_MESSAGES = ("too many nested parentheses", "too many levels of indentation", "too many statically nested")


def is_nesting_error(error: SyntaxError) -> bool:
    """CPython refused the text for its depth: libcst's native parser would overflow the stack on it."""
    return any(m in str(error.msg) for m in _NESTING_MESSAGES)


@dataclass
class SourceError(Exception):
    """The file cannot be decoded or parsed; reported as SL000 at this 1-based position."""

    message: str
    line: int = 1
    column: int = 1


def _position_of_byte(data: bytes, offset: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, offset - line_start + 1


def check_size(size: int) -> None:
    """The one size limit, for bytes on disk (before they are read) and in memory alike."""
    if size > MAX_FILE_BYTES:
        raise SourceError(
            f"the file is {size / 1024 / 1024:.1f} MiB; files over {MAX_FILE_BYTES // 1024 // 1024} MiB"
            " are not analysed (generated code?)"
        )


_FILE_TYPES = {
    stat.S_IFDIR: "a directory",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


def not_regular(mode: int) -> str:
    """Why a file of this ``st_mode`` is not checked."""
    kind = _FILE_TYPES.get(stat.S_IFMT(mode), "a special file")
    return f"not a regular file ({kind}): only regular files are checked"


def read_source(path: Path) -> bytes:
    """A source file's bytes, for every pass: only a regular file is read, and only when it is
    within the size limit (SourceError otherwise; OSError when it cannot be opened).

    The file is opened without blocking, so a FIFO put where a module was found is refused,
    not waited on; its type and size come from the open descriptor, so what is checked is
    what is read.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    with open(fd, "rb") as handle:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise SourceError(not_regular(status.st_mode))
        check_size(status.st_size)
        return handle.read(MAX_FILE_BYTES + 1)


def decode(data: bytes) -> str:
    """Decode source bytes as Python does: BOM, then a coding cookie, else UTF-8."""
    check_size(len(data))
    nul = data.find(b"\x00")
    if nul >= 0:
        line, column = _position_of_byte(data, nul)
        raise SourceError("the file contains a NUL byte: it is binary, or not a Python source file", line, column)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        raise SourceError(f"bad encoding declaration: {error}", getattr(error, "lineno", None) or 1) from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line, column = _position_of_byte(data, error.start)
        raise SourceError(
            f"cannot decode byte 0x{data[error.start]:02x} as {encoding}: not valid text in the file's encoding",
            line,
            column,
        ) from None
    except LookupError:  # pragma: no cover - detect_encoding already rejects unknown codecs
        raise SourceError(f"unknown encoding {encoding!r}") from None
    return text


# What libcst raises on text it cannot read: a syntax error, or a failed internal check on
# syntax newer than it handles (template strings, PEP 750, concatenated across a line break).
UNREADABLE: tuple[type[Exception], ...] = (cst.ParserSyntaxError, cst.CSTLogicError)


def parse(text: str, guard: bool = True) -> cst.Module:
    """Parse with libcst, behind CPython's parser as a guard against pathological nesting
    (``guard=False`` when CPython's parser already accepted this text, in the index pass)."""
    cpython_error: SyntaxError | None = None
    try:
        if guard:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # SyntaxWarnings are about the checked code, not ours to print
                ast.parse(text)
    except (RecursionError, MemoryError):
        raise SourceError("the code is nested too deeply to analyse") from None
    except SyntaxError as error:
        if is_nesting_error(error):
            raise SourceError(f"the code is nested too deeply to analyse ({error.msg})", error.lineno or 1) from None
        cpython_error = error  # maybe newer syntax than this interpreter knows: libcst decides
    except ValueError as error:  # e.g. surrogates that cannot be encoded
        raise SourceError(f"invalid source: {error}") from None
    try:
        if cpython_error is not None:  # libcst's checks may be all that stands between it and bad input
            return cst.parse_module(text)
        with _validation_skipped():
            return cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        if cpython_error is not None:
            raise SourceError(
                f"syntax error: {cpython_error.msg}", cpython_error.lineno or 1, cpython_error.offset or 1
            ) from None
        raise SourceError(f"syntax error: {error.message}", error.raw_line, error.raw_column + 1) from None
    except cst.CSTLogicError:
        if cpython_error is not None:
            raise SourceError(
                f"syntax error: {cpython_error.msg}", cpython_error.lineno or 1, cpython_error.offset or 1
            ) from None
        raise SourceError("libcst cannot read this file (syntax it does not handle)") from None
    except RecursionError:
        raise SourceError("the code is nested too deeply to analyse") from None


# libcst validates every node it builds (``CSTNode.__post_init__``), some 15 % of a parse,
# though the parser's output is valid by construction (libcst's own PERF note says so) for
# text CPython's parser accepted: only that text is parsed without it.
# While a thread parses, its nodes skip the check; nodes built by any other thread, or
# after the parse, are validated as before. Without the hook (libcst changed), all are.
_validate_node: Callable[[cst.CSTNode], None] | None = vars(cst.CSTNode).get("__post_init__")
_parsing_threads: set[int] = set()
_hook_lock = threading.Lock()


def _post_init_unless_parsing(node: cst.CSTNode) -> None:
    if _validate_node is not None and threading.get_ident() not in _parsing_threads:
        _validate_node(node)


@contextmanager
def _validation_skipped() -> Iterator[None]:
    """The calling thread's new nodes unvalidated for the duration; the hook is installed
    while any thread is inside and libcst's own restored when the last one leaves."""
    if _validate_node is None:
        yield
        return
    me = threading.get_ident()
    with _hook_lock:
        if not _parsing_threads:
            setattr(cst.CSTNode, "__post_init__", _post_init_unless_parsing)
        _parsing_threads.add(me)
    try:
        yield
    finally:
        with _hook_lock:
            _parsing_threads.discard(me)
            if not _parsing_threads:
                setattr(cst.CSTNode, "__post_init__", _validate_node)
