"""SL401 and SL402 name several resources acquired together in the plural: `r`, `w` from
`os.pipe()` *are* closed, and a path keeps *them* open."""

from __future__ import annotations

from pathlib import Path

from safelint.config import Settings
from safelint.engine import Checker

SOURCE = """\
import os


def spawn(data):
    read, write = os.pipe()
    os.write(write, data)
    os.close(read)
    os.close(write)


def leak(run, flag):
    read, write = os.pipe()
    if flag:
        return None
    os.close(read)
    os.close(write)


def one(path):
    f = open(path)
    data = f.read()
    f.close()
    return data
"""


def messages(code: str) -> list[str]:
    settings = Settings(root=Path("."), select=(code,))
    return [f.message for f in Checker(settings).check_bytes(SOURCE.encode(), "example.py").findings]


def test_several_resources_take_the_plural() -> None:
    assert any(
        "descriptors `read`, `write` from `os.pipe(...)` are closed on the normal path only" in m
        for m in messages("SL402")
    )
    assert any(m.endswith("leave them open") for m in messages("SL402"))
    assert any(
        "descriptors `read`, `write` from `os.pipe(...)` are not closed on every path" in m for m in messages("SL401")
    )


def test_one_resource_takes_the_singular() -> None:
    assert any(m.startswith("`f` from `open(...)` is closed on the normal path only") for m in messages("SL402"))


def test_the_line_blamed_is_one_that_can_fail() -> None:
    """Setting a socket option cannot fail on a socket just made: SL402 blames `bind()`."""
    from safelint.testing import check_source

    source = (
        "import socket\n"
        "def bind_any():\n"
        "    sock = socket.socket()\n"
        "    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
        "    sock.bind(('127.0.0.1', 0))\n"
        "    sock.close()\n"
    )
    [finding] = [f for f in check_source(source) if f.code == "SL402"]
    assert "line 5 can raise first" in finding.message
