"""A function started on a thread by another module runs on a thread in its own module too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from safelint.cli import main

WORKER = '''\
COUNTS = {}


def work(key):
    COUNTS[key] = COUNTS.get(key, 0) + 1


def total():
    return sum(COUNTS.values())
'''

STARTER = '''\
import threading

from pkg.worker import work


def start():
    for key in ("a", "b"):
        threading.Thread(target=work, args=(key,)).start()
'''


def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, starter: str) -> list[tuple[str, int, str]]:
    package = tmp_path / "pkg"
    package.mkdir()
    (tmp_path / ".git").mkdir()
    (package / "__init__.py").write_text("")
    (package / "worker.py").write_text(WORKER)
    (package / "starter.py").write_text(starter)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "pkg", "--isolated", "--select", "SL3", "--format", "json", "-j", "1"])
    return sorted((Path(f["path"]).name, f["line"], f["code"]) for f in json.loads(result.stdout))


def test_a_thread_target_in_another_module_is_an_entry_point(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    found = run(tmp_path, monkeypatch, STARTER)
    assert [f for f in found if f[0] == "worker.py"] == [("worker.py", 5, "SL301")]


def test_without_the_other_module_starting_it_there_is_no_thread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    found = run(tmp_path, monkeypatch, "from pkg.worker import work\n\n\ndef start():\n    work('a')\n")
    assert found == []
