"""Where a project's root is: the nearest marker, else the git work tree, else the folder checked."""

from pathlib import Path

import pytest

from safelint.project import PROJECT_MARKERS, find_root


@pytest.mark.parametrize("marker", PROJECT_MARKERS)
def test_the_nearest_marker_wins_over_the_work_tree(tmp_path: Path, marker: str) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "sub" / "pkg").mkdir(parents=True)
    (tmp_path / "sub" / marker).write_text("")
    (tmp_path / "sub" / "pkg" / "m.py").write_text("")
    assert find_root(tmp_path / "sub" / "pkg" / "m.py") == tmp_path / "sub"
    assert find_root(tmp_path / "sub" / "pkg") == tmp_path / "sub"
    assert find_root(tmp_path / "sub") == tmp_path / "sub"


def test_the_work_tree_without_a_marker_and_a_marker_above_it_belongs_to_another_project(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "pkg").mkdir()
    assert find_root(tmp_path / "repo" / "pkg" / "m.py") == tmp_path / "repo"


def test_a_folder_git_ignores_is_a_project_of_its_own(tmp_path: Path) -> None:
    """As pyenv's interpreters are, inside its clone: the standard library is not pyenv's code."""
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("/versions\n")
    stdlib = tmp_path / "versions" / "3.11" / "lib"
    (stdlib / "json").mkdir(parents=True)
    assert find_root(stdlib) == stdlib
    assert find_root(stdlib / "json" / "decoder.py") == stdlib / "json"
    assert find_root(tmp_path / "src" / "m.py") == tmp_path


def test_without_marker_or_work_tree_the_folder_checked(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text("")
    assert find_root(tmp_path) == tmp_path
    assert find_root(tmp_path / "pkg" / "m.py") == tmp_path / "pkg"
    assert find_root(tmp_path / "new" / "dir" / "m.py") == tmp_path  # a buffer not saved yet
