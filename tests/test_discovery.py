"""File discovery: recursion, suffixes, excludes, .gitignore, junk directories, explicit files."""

from pathlib import Path

import pytest

from safelint.config import Settings
from safelint.discovery import DiscoveryError, discover


def touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")


def found(
    root: Path, settings: Settings | None = None, paths: list[Path] | None = None, force: bool = False
) -> list[str]:
    s = settings or Settings(root=root)
    return [f.display for f in discover(paths or [root], lambda _: s, root, force)]


def test_recursive_py_and_pyi_only(tmp_path: Path) -> None:
    touch(tmp_path, "a.py", "pkg/b.pyi", "pkg/c.txt", "pkg/sub/d.py")
    assert found(tmp_path) == ["a.py", "pkg/b.pyi", "pkg/sub/d.py"]


def test_junk_directories_are_skipped(tmp_path: Path) -> None:
    touch(tmp_path, "a.py", ".venv/x.py", "build/y.py", "__pycache__/z.py", "node_modules/w.py", "x.egg-info/v.py")
    assert found(tmp_path) == ["a.py"]


def test_gitignore_is_respected_unless_turned_off(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("generated/\n*_pb2.py\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".gitignore").write_text("!keep_pb2.py\n")
    touch(tmp_path, "a.py", "generated/g.py", "m_pb2.py", "sub/keep_pb2.py")
    assert found(tmp_path) == ["a.py", "sub/keep_pb2.py"]
    loose = Settings(root=tmp_path, respect_gitignore=False)
    assert len(found(tmp_path, loose)) == 4


def test_exclude_and_extend_exclude(tmp_path: Path) -> None:
    touch(tmp_path, "a.py", "tests/data/t.py", "build/b.py")
    assert found(tmp_path, Settings(root=tmp_path, extend_exclude=("tests/data",))) == ["a.py"]
    assert found(tmp_path, Settings(root=tmp_path, exclude=("tests",))) == ["a.py", "build/b.py"]


def test_explicit_file_is_checked_even_if_excluded_unless_forced(tmp_path: Path) -> None:
    touch(tmp_path, "build/b.py")
    assert found(tmp_path, paths=[tmp_path / "build" / "b.py"]) == ["build/b.py"]
    assert found(tmp_path, paths=[tmp_path / "build" / "b.py"], force=True) == []


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DiscoveryError, match="no such file"):
        found(tmp_path, paths=[tmp_path / "nope.py"])


def test_directory_named_like_a_module_and_symlink_loop(tmp_path: Path) -> None:
    touch(tmp_path, "x.py/inner.py")
    (tmp_path / "loop.py").symlink_to(tmp_path / "loop.py")
    assert found(tmp_path) == ["loop.py", "x.py/inner.py"]


def test_duplicates_collapse(tmp_path: Path) -> None:
    touch(tmp_path, "a.py")
    assert found(tmp_path, paths=[tmp_path, tmp_path / "a.py"]) == ["a.py"]


def test_a_directory_named_explicitly_is_walked_even_if_excluded_or_ignored(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("/versions/\n*_pb2.py\n")
    touch(tmp_path, "versions/lib/a.py", "versions/lib/b_pb2.py", "build/c.py", "build/__pycache__/d.py")
    assert found(tmp_path, paths=[tmp_path / "versions" / "lib"]) == ["versions/lib/a.py", "versions/lib/b_pb2.py"]
    assert found(tmp_path, paths=[tmp_path / "build"]) == ["build/c.py"]
