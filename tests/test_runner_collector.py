"""The runner's handling of the cyclic garbage collector: paused while a file is checked,
the file's cycles collected after it, and the caller's collector left as it was."""

import gc
import weakref
from pathlib import Path

import pytest

from safelint import runner
from safelint.api import RunOptions, SettingsResolver, check_paths
from safelint.config import Overrides


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def _cycle() -> weakref.ref[_Node]:
    first, second = _Node(), _Node()
    first.other, second.other = second, first
    return weakref.ref(first)


def test_the_collector_is_paused_and_the_cycles_freed_after(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "_YOUNG_LIMIT", -1)
    with runner._collector_paused():
        assert not gc.isenabled()
        alive = _cycle()
        assert alive() is not None  # nothing collects during the check
    assert gc.isenabled()
    assert alive() is None


def test_a_few_cycles_wait_for_the_next_collection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "_YOUNG_LIMIT", 10**9)
    gc.collect()
    with runner._collector_paused():
        alive = _cycle()
    assert alive() is not None
    gc.collect()
    assert alive() is None


def test_a_caller_that_disabled_the_collector_keeps_it_disabled() -> None:
    gc.disable()
    try:
        with runner._collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_run_in_this_process_leaves_the_collector_as_it_found_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "a.py").write_text("def f(g):\n    try:\n        g()\n    except Exception:\n        pass\n")
    (tmp_path / "b.py").write_text("x = 1\n")
    seen: list[tuple[bool, int]] = []
    original = runner._check_one

    def spy(*args):  # type: ignore[no-untyped-def]
        seen.append((gc.isenabled(), gc.get_freeze_count()))
        return original(*args)

    monkeypatch.setattr(runner, "_check_one", spy)
    result = check_paths([tmp_path], SettingsResolver(tmp_path, Overrides()), RunOptions(jobs=1, use_cache=False))
    assert [f.code for f in result.findings] == ["SL106"]
    assert seen and all(enabled and frozen > 0 for enabled, frozen in seen)  # the project's heap set aside
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
