"""SL102 and SL107 know other modules' functions through the project index, not only their own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from safelint.cli import main

UTIL = """\
def must_use(function):
    return function


@must_use
def token(user):
    return f"token-{user}"


async def refresh(user):
    return user
"""

APP = """\
from pkg.util import refresh, token
from pkg import util


async def login(user):
    token(user)
    util.token(user)
    refresh(user)
    kept = token(user)
    await refresh(user)
    return kept
"""


def test_must_use_and_coroutines_across_modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (tmp_path / ".git").mkdir()
    (package / "__init__.py").write_text("")
    (package / "util.py").write_text(UTIL)
    (package / "app.py").write_text(APP)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "pkg", "--isolated", "--select", "SL1", "--format", "json", "-j", "1"])
    findings = json.loads(result.stdout)
    got = sorted((Path(f["path"]).name, f["line"], f["code"]) for f in findings)
    assert got == [("app.py", 6, "SL107"), ("app.py", 7, "SL107"), ("app.py", 8, "SL102")]
