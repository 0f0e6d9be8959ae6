"""Workspace folders in process: configuration per document, excludes, the index and its refresh."""

from __future__ import annotations

from pathlib import Path

from safelint.lsp.folders import ClientOptions, Folder, LiveProject
from safelint.lsp.server import lint

SWALLOWS = "try:\n    out.write(data)\nexcept Exception:\n    pass\n"


def test_a_buffer_is_checked_with_the_nearest_configuration_and_the_client_options(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.safelint]\nextend-exclude = ["gen"]\n', encoding="utf-8")
    (tmp_path / "gen").mkdir()
    generated = tmp_path / "gen" / "out.py"
    generated.write_text(SWALLOWS, encoding="utf-8")
    folder = Folder(tmp_path, ClientOptions())
    result = lint(folder, tmp_path / "new.py", SWALLOWS)  # not on disk yet: an unsaved new file
    assert result is not None and [f.code for f in result.findings] == ["SL106"]
    assert lint(folder, generated, SWALLOWS) is None  # excluded, as with --force-exclude
    folder.reconfigure(ClientOptions(ignore=("SL1",)))
    result = lint(folder, tmp_path / "new.py", SWALLOWS)
    assert result is not None and result.findings == []


def test_a_buffer_without_a_file_is_checked_with_the_folder_settings(tmp_path: Path) -> None:
    result = lint(Folder(tmp_path, ClientOptions()), None, SWALLOWS)
    assert result is not None and [f.code for f in result.findings] == ["SL106"]


def test_refresh_replaces_one_module_summary_and_keeps_the_others(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("def load() -> int | None:\n    return None\n", encoding="utf-8")
    (tmp_path / "b.py").write_text("def other():\n    pass\n", encoding="utf-8")
    live = LiveProject(tmp_path, Folder(tmp_path, ClientOptions()))
    live.index()
    before = live.current()
    assert before is not None
    function = before.index.function("a.load")
    assert function is not None and function.returns_optional
    (tmp_path / "a.py").write_text("def load() -> int:\n    return 1\n", encoding="utf-8")
    live.refresh(tmp_path / "a.py")
    after = live.current()
    assert after is not None
    function = after.index.function("a.load")
    assert function is not None and not function.returns_optional
    assert after.index.function("b.other") is not None


def test_client_options_read_either_shape_and_ignore_foreign_settings() -> None:
    assert ClientOptions.from_json({"safelint": {"select": ["sl1"], "extendSelect": "SL001"}}) == ClientOptions(
        select=("SL1",), extend_select=("SL001",)
    )
    assert ClientOptions.from_json({"ignore": ["SL106"]}) == ClientOptions(ignore=("SL106",))
    assert ClientOptions.from_json({"python": {"x": 1}}) is None
    assert ClientOptions.from_json(None) is None
