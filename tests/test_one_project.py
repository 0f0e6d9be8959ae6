"""One project, found one way (issue 14): a finding that rests on another module is the same
however the file is named, from whatever directory, through standard input and after ``--fix``.

Each way runs through click's runner (in process, without the cache) and through a real
``python -m safelint`` (with the cache, as users run it). Paths are shown relative to the
working directory, so findings are compared by code, line, column and message.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from safelint.cli import main
from safelint.project import find_root

Seen = tuple[int, list[tuple[str, int, int, str]]]  # exit code; (code, line, column, message) of each finding
Way = tuple[str, tuple[str, ...], bool]  # directory to run in (from the root), arguments, pkg/app.py on stdin
Runner = Callable[[Path, Way], Seen]

WAYS: dict[str, Way] = {
    "the project": ("", (".",), False),
    "the file": ("", ("pkg/app.py",), False),
    "the file, from its directory": ("pkg", ("app.py",), False),
    "its directory": ("", ("pkg",), False),
    "standard input": ("", ("-", "--stdin-filename", "pkg/app.py"), True),
    "standard input, from its directory": ("pkg", ("-", "--stdin-filename", "app.py"), True),
}
FIXES: dict[str, Way] = {
    "the project": ("", (".", "--fix"), False),
    "the file": ("", ("pkg/app.py", "--fix"), False),
    "the file, from its directory": ("pkg", ("app.py", "--fix"), False),
}
DECLARED = "[project]\nname = 'p'\n\n[tool.safelint.rules.SL2]\ndeclared-optionals = true\n"
"""A project that asks SL2 for the Optionals declarations allow, which the index carries across modules."""
SUBPROCESS_WAYS = ("the project", "the file", "the file, from its directory", "standard input")


def _app(root: Path) -> str:
    return (root / "pkg" / "app.py").read_text(encoding="utf-8")


def _seen(exit_code: int, stdout: str) -> Seen:
    findings = json.loads(stdout)
    return exit_code, [(f["code"], f["line"], f["column"], f["message"]) for f in findings]


def in_process(root: Path, way: Way) -> Seen:
    where, args, stdin = way
    cwd = os.getcwd()
    os.chdir(root / where)
    try:
        result = CliRunner().invoke(
            main,
            ["check", "--format", "json", "--no-cache", "--jobs", "1", *args],
            input=_app(root) if stdin else None,
        )
    finally:
        os.chdir(cwd)
    assert result.exit_code in (0, 1), result.output
    return _seen(result.exit_code, result.stdout)


def in_subprocess(root: Path, way: Way) -> Seen:
    where, args, stdin = way
    done = subprocess.run(
        [sys.executable, "-m", "safelint", "check", "--format", "json", *args],
        cwd=root / where,
        input=_app(root) if stdin else None,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode in (0, 1), done.stderr
    return _seen(done.returncode, done.stdout)


def reference(sample: Any) -> Seen:
    """``safelint check .`` at the root: the cross-module finding, then the one ``--fix`` fixes."""
    seen = in_process(sample.make(), WAYS["the project"])
    assert [where[:3] for where in seen[1]] == [sample.AT, ("SL102", 11, 5)]
    return seen


@pytest.mark.parametrize("run", [in_process, in_subprocess], ids=["click", "subprocess"])
def test_a_cross_module_finding_is_the_same_whichever_way_the_file_is_named(cross_module: Any, run: Runner) -> None:
    expected = reference(cross_module)
    root = cross_module.make()
    ways = WAYS if run is in_process else {name: WAYS[name] for name in SUBPROCESS_WAYS}
    with ThreadPoolExecutor(2 if run is in_subprocess else 1) as pool:
        seen = dict(zip(ways, pool.map(lambda way: run(root, way), ways.values())))
    assert seen == dict.fromkeys(ways, expected)


@pytest.mark.parametrize("run", [in_process, in_subprocess], ids=["click", "subprocess"])
def test_fix_rechecks_with_the_project_and_keeps_the_cross_module_finding(cross_module: Any, run: Runner) -> None:
    finding = reference(cross_module)[1][0]
    fixes = FIXES if run is in_process else {"the file": FIXES["the file"]}
    for name, way in fixes.items():
        root = cross_module.make()
        assert run(root, way) == (1, [finding]), name
        assert "    await asyncio.sleep(0.1)\n" in (root / "pkg" / "app.py").read_text(encoding="utf-8"), name


def test_a_run_walks_and_indexes_the_project_once(cross_module: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from safelint import discovery, project

    walked: list[Path] = []
    indexed: list[list[str]] = []
    walk, build_index = discovery._walk, project.build_index

    def spy_walk(top: Path, *args: Any) -> Any:
        walked.append(top)
        return walk(top, *args)

    def spy_index(paths: Any, *args: Any, **kwargs: Any) -> Any:
        paths = list(paths)
        indexed.append(sorted(Path(p).name for p in paths))
        return build_index(paths, *args, **kwargs)

    monkeypatch.setattr(discovery, "_walk", spy_walk)
    monkeypatch.setattr(project, "build_index", spy_index)
    root = cross_module.make()
    exit_code, _ = in_process(root, FIXES["the project"])
    assert walked == [root]
    assert indexed == [["__init__.py", "app.py", "store.py"]]
    assert exit_code == 1


def test_files_of_two_projects_named_together_each_get_their_own_project(cross_module: Any, tmp_path: Path) -> None:
    """pre-commit in a repository of several projects names files of each in one run."""
    from safelint.api import RunOptions, SettingsResolver, check_paths
    from safelint.config import Overrides

    first, second = cross_module.make(), cross_module.make()
    named = [first / "pkg" / "app.py", second / "pkg" / "app.py"]
    result = check_paths(named, SettingsResolver(tmp_path, Overrides()), RunOptions(jobs=1, use_cache=False))
    assert [(f.path, f.code) for f in result.findings if f.code == "SL201"] == [(str(p), "SL201") for p in named]
    assert {str(p): result.projects[str(p)].root for p in named} == {str(p): find_root(p) for p in named}


def test_a_module_in_newer_syntax_still_gives_its_cross_module_facts(tmp_path: Path) -> None:
    """On 3.10/3.11 pass 1 reads 3.12 syntax through libcst, as pass 2 does (issue 18, defect 6)."""
    from safelint.api import RunOptions, SettingsResolver, check_paths
    from safelint.config import Overrides

    (tmp_path / "pyproject.toml").write_text(DECLARED)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "store.py").write_text(
        'type Key = str\ndef find[T](key: T) -> T | None:\n    return f"{ {"k": key}["k"]}" and None\n'
    )
    app = tmp_path / "pkg" / "app.py"
    app.write_text("from pkg.store import find\n\ndef size(k: str) -> int:\n    return find(k).bit_length()\n")
    result = check_paths([app], SettingsResolver(tmp_path, Overrides()), RunOptions(jobs=1, use_cache=False))
    assert [(f.line, f.code) for f in result.findings] == [(4, "SL201")]


def test_overloads_in_another_module_choose_the_result(tmp_path: Path) -> None:
    """The index keeps a function's overloads, so a call from another module gets the one
    its arguments select (issue 15: ``Loop.current()`` was reported through the
    implementation's ``-> Loop | None``)."""
    from safelint.api import RunOptions, SettingsResolver, check_paths
    from safelint.config import Overrides

    (tmp_path / "pyproject.toml").write_text(DECLARED)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "loop.py").write_text(
        "from typing import Optional, overload\n"
        "class Loop:\n"
        "    @overload\n    @staticmethod\n    def current() -> 'Loop': ...\n"
        "    @overload\n    @staticmethod\n    def current(instance: bool = True) -> Optional['Loop']: ...\n"
        "    @staticmethod\n    def current(instance: bool = True) -> Optional['Loop']:\n        return None\n"
        "    def run(self) -> None: ...\n"
    )
    app = tmp_path / "pkg" / "app.py"
    app.write_text(
        "from pkg.loop import Loop\n"
        "def quiet() -> None:\n    Loop.current().run()\n"
        "def reported() -> None:\n    Loop.current(instance=False).run()\n"
    )
    result = check_paths([app], SettingsResolver(tmp_path, Overrides()), RunOptions(jobs=1, use_cache=False))
    assert [(f.line, f.code) for f in result.findings] == [(5, "SL201")]


def test_an_overloaded_method_is_judged_by_its_overloads_alone(tmp_path: Path) -> None:
    """Where another module's function has overloads, the implementation's ``-> X | None``
    is not what a call gets: ``setdefault(k, [])`` selects the overload without None even
    when that overload's result is ``Any`` (pymongo's _CaseInsensitiveDictionary)."""
    from safelint.api import RunOptions, SettingsResolver, check_paths
    from safelint.config import Overrides

    (tmp_path / "pyproject.toml").write_text(DECLARED)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "store.py").write_text(
        "from typing import Any, overload\n"
        "class Store:\n"
        "    @overload\n    def setdefault(self, key: str, default: None = None) -> Any | None: ...\n"
        "    @overload\n    def setdefault(self, key: str, default: Any) -> Any: ...\n"
        "    def setdefault(self, key: str, default: Any | None = None) -> Any | None:\n        return default\n"
    )
    app = tmp_path / "pkg" / "app.py"
    app.write_text(
        "from pkg.store import Store\n"
        "def quiet(s: Store) -> None:\n    s.setdefault('k', []).append(1)\n"
        "def reported(s: Store) -> None:\n    s.setdefault('k').append(1)\n"
    )
    result = check_paths([app], SettingsResolver(tmp_path, Overrides()), RunOptions(jobs=1, use_cache=False))
    assert [(f.line, f.code) for f in result.findings] == [(5, "SL201")]
