"""The result cache: warm runs reuse results, changes invalidate them, corruption is ignored."""

import dataclasses
import subprocess
from pathlib import Path

import pytest

from safelint import runner
from safelint.api import RunOptions, SettingsResolver, check_paths
from safelint.cache import RESULTS
from safelint.config import Overrides
from safelint.results import FileResult
from safelint.store import Store

SWALLOW = "def f(g):\n    try:\n        g()\n    except Exception:\n        pass\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "a.py").write_text(SWALLOW)
    (tmp_path / "b.py").write_text("x = 1\n")
    return tmp_path


def run(root: Path, **kw: object) -> list[tuple[str, int, str]]:
    result = check_paths([root], SettingsResolver(root, Overrides()), RunOptions(jobs=1, **kw))  # type: ignore[arg-type]
    return [(f.path, f.line, f.code) for f in result.findings]


def count_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    checked: list[str] = []
    original = runner._run_uncached

    def spy(files, *args):  # type: ignore[no-untyped-def]
        checked.extend(f.display for f in files)
        return original(files, *args)

    monkeypatch.setattr(runner, "_run_uncached", spy)
    return checked


def test_warm_run_checks_nothing_and_gives_the_same_findings(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cold = run(project)
    checked = count_checks(monkeypatch)
    assert run(project) == cold
    assert checked == []


def test_a_changed_file_alone_is_rechecked(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run(project)
    (project / "b.py").write_text("x = 2\n")  # the same variable and type: what other modules see is unchanged
    checked = count_checks(monkeypatch)
    run(project)
    assert checked == ["b.py"]


def test_configuration_change_invalidates(project: Path) -> None:
    assert run(project) != []
    (project / "pyproject.toml").write_text("[tool.safelint]\nignore = ['SL106']\n")
    assert run(project) == []


def entries(project: Path) -> list[Path]:
    return sorted((project / ".safelint_cache" / "results").glob("*/*"))


def test_corrupt_entries_are_ignored_and_rebuilt(project: Path) -> None:
    cold = run(project)
    for entry in entries(project):
        entry.write_text("{not json")
    assert run(project) == cold
    store = Store(project / ".safelint_cache")
    assert entries(project) and all(store.get(RESULTS, e.name) is not None for e in entries(project))


def test_a_planted_entry_of_the_wrong_shape_is_ignored(project: Path) -> None:
    cold = run(project)
    store = Store(project / ".safelint_cache")
    for entry in entries(project):
        planted = dataclasses.replace(RESULTS, encode=lambda _: b'{"path": "a.py", "findings": [{"line": []}]}')
        store.put(planted, entry.name, FileResult("a.py"))
        assert store.get(RESULTS, entry.name) is None
    assert run(project) == cold


def test_git_does_not_take_the_cache(project: Path) -> None:
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q", str(project)], check=True)
    run(project)
    assert entries(project) and list((project / ".safelint_cache" / "index").glob("*/*"))
    subprocess.run([*git, "add", "-A"], cwd=project, check=True)
    staged = subprocess.run([*git, "diff", "--cached", "--name-only"], cwd=project, check=True, capture_output=True)
    assert staged.stdout.decode().split() == ["a.py", "b.py"]
    tag = (project / ".safelint_cache" / "CACHEDIR.TAG").read_text()
    assert tag.startswith("Signature: 8a477f597d28d172789f06886806bc55")


def test_no_cache_writes_nothing(project: Path) -> None:
    run(project, use_cache=False)
    assert not (project / ".safelint_cache" / "results").exists()


def test_cli_no_cache_and_cache_dir(
    project: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from safelint.cli import main

    elsewhere = tmp_path_factory.mktemp("cache")
    monkeypatch.chdir(project)
    runner = CliRunner()
    assert runner.invoke(main, ["check", "--no-cache", "-q"]).exit_code == 1
    assert not (project / ".safelint_cache").exists()
    assert runner.invoke(main, ["check", "--cache-dir", str(elsewhere), "-q"]).exit_code == 1
    assert not (project / ".safelint_cache").exists()
    assert list((elsewhere / "results").glob("*/*"))


def test_the_index_covers_the_whole_project_when_only_some_files_are_named(project: Path) -> None:
    result = check_paths([project / "a.py"], SettingsResolver(project, Overrides()), RunOptions(jobs=1))
    (index,) = {id(p.index): p.index for p in result.projects.values()}.values()
    assert sorted(index.modules) == ["a", "b"]
