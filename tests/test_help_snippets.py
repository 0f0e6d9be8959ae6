"""Every help's code compiles (issue 16): a help that suggests `with X(...) as f:` for what is
no context manager, or writes `as ...:`, sends the reader to code that cannot work."""

from __future__ import annotations

import keyword
import re
import textwrap
from pathlib import Path

import pytest

from safelint.testing import check_source

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
_CODE = re.compile(r"`([^`]+)`")


def snippets(help_text: str) -> list[str]:
    """The code spans of a help, but a lone keyword (`finally`, `try`) or a prose placeholder."""
    spans = _CODE.findall(help_text)
    return [s for s in spans if not all(keyword.iskeyword(word) for word in s.split())]


def compiles(snippet: str) -> bool:
    body = snippet + "\n    pass" if snippet.rstrip().endswith(":") else snippet
    source = "async def _check():\n" + textwrap.indent(body, "    ")
    try:
        compile(source, "<help>", "exec")
    except SyntaxError:
        return False
    return True


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("*/*.py")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_help_compiles(fixture: Path) -> None:
    bad = [
        (finding.line, snippet)
        for finding in check_source(fixture.read_text(encoding="utf-8"), path=fixture.name)
        if finding.help
        for snippet in snippets(finding.help)
        if not compiles(snippet)
    ]
    assert not bad, bad


HELPS = """import asyncio
import http.client
import sqlite3
import threading


class Managed:
    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


def resources(path, flag):
    a = open(path)
    loop = asyncio.new_event_loop()
    conn = http.client.HTTPConnection("example.org")
    if flag:
        raise ValueError(flag)
    a.close()
    loop.close()
    conn.close()


async def locked(lock: asyncio.Lock, work):
    await lock.acquire()
    work()
    lock.release()


def thread_locked(lock: threading.Lock, work):
    lock.acquire()
    work()
    lock.release()


def counted(path):
    db = sqlite3.connect(path)
    return db.execute("select 1").fetchone()
"""


def test_with_only_for_context_managers() -> None:
    helps = {f.line: f.help or "" for f in check_source(HELPS)}
    assert helps[19].startswith("use `with open(...) as a:`")
    assert "with" not in helps[20] and "`loop.close()` in the `finally`" in helps[20]
    assert "with" not in helps[21] and "`conn.close()` in the `finally`" in helps[21]
    assert helps[30].startswith("use `async with lock:`")
    assert helps[36].startswith("use `with lock:`")
    # A connection's own `with` commits and leaves it open: the help closes it.
    assert helps[42].startswith("use `with contextlib.closing(sqlite3.connect(...)) as db:`")


def test_asyncio_child_process_is_awaited_not_closed() -> None:
    source = (
        "import asyncio\n"
        "async def run(path, flag):\n"
        "    proc = await asyncio.create_subprocess_exec(path)\n"
        "    if flag:\n"
        "        return None\n"
        "    await proc.wait()\n"
    )
    (finding,) = check_source(source)
    assert finding.help is not None
    assert "`await proc.wait()`" in finding.help
    assert "close" not in finding.help and "with proc" not in finding.help and "with asyncio" not in finding.help
