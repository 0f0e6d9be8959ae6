"""Configuration: discovery upward, validation with clear messages, selection by prefix."""

from pathlib import Path

import pytest

from safelint.config import ConfigError, Overrides, Settings, find_config_file, load_settings
from safelint.engine import Checker


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_nearest_pyproject_with_a_safelint_table(tmp_path: Path) -> None:
    write(tmp_path / ".git" / "HEAD", "")
    outer = write(tmp_path / "pyproject.toml", "[tool.safelint]\nignore = ['SL106']\n")
    write(tmp_path / "pkg" / "pyproject.toml", "[project]\nname = 'x'\n")  # no table: skipped
    (tmp_path / "pkg" / "a.py").write_text("")
    assert find_config_file(tmp_path / "pkg" / "a.py") == outer


def test_safelint_toml_wins_in_the_same_directory(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.safelint]\n")
    own = write(tmp_path / "safelint.toml", "ignore = ['SL1']\n")
    assert find_config_file(tmp_path) == own
    assert load_settings(own, tmp_path).ignore == ("SL1",)


def test_search_stops_at_the_repository_root(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.safelint]\n")
    write(tmp_path / "repo" / ".git" / "HEAD", "")
    (tmp_path / "repo" / "a.py").write_text("")
    assert find_config_file(tmp_path / "repo" / "a.py") is None


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("[tool.safelint]\nbogus-key = 1\n", ["bogus-key", "allowed keys", "select"]),
        ("[tool.safelint]\nselect = 'SL1'\n", ["select", "list"]),
        ("[tool.safelint]\nselect = ['SL9']\n", ["SL9", "matches no rule"]),
        ("[tool.safelint]\njobs = 0\n", ["jobs", "positive integer"]),
        ("[tool.safelint]\nrespect-gitignore = 'yes'\n", ["respect-gitignore", "true or false"]),
        ("[tool.safelint.rules.SL106]\nnope = 1\n", ["rules.SL106.nope", "broad-exceptions"]),
        ("[tool.safelint.rules.SL106]\nbroad-exceptions = 'Exception'\n", ["broad-exceptions", "list of strings"]),
        ("[tool.safelint.rules.SL9]\nx = 1\n", ["rules.SL9", "names no rule"]),
        ("[tool.safelint.per-file-ignores]\n'tests/*' = ['XX1']\n", ["XX1"]),
        ("[tool.safelint\n", ["invalid TOML"]),
    ],
)
def test_bad_configuration_names_file_key_and_allowed(tmp_path: Path, text: str, needles: list[str]) -> None:
    path = write(tmp_path / "pyproject.toml", text)
    with pytest.raises(ConfigError) as info:
        load_settings(path, tmp_path)
    message = str(info.value)
    assert str(path) in message
    for needle in needles:
        assert needle in message


def enabled(settings: Settings) -> set[str]:
    return set(settings.enabled_codes())


def test_default_selection_leaves_opt_in_rules_off() -> None:
    codes = enabled(Settings(root=Path(".")))
    assert "SL106" in codes and "SL000" in codes
    assert "SL001" not in codes


def test_more_specific_selector_wins() -> None:
    s = Settings(root=Path("."), select=("SL1",), ignore=("SL10",))
    assert "SL106" not in enabled(s)
    s = Settings(root=Path("."), select=("SL106",), ignore=("SL1",))
    assert enabled(s) == {"SL106"}
    s = Settings(root=Path("."), ignore=("SL106",), extend_select=("SL001",))
    assert "SL106" not in enabled(s) and "SL001" in enabled(s)


def test_family_select_does_not_turn_on_opt_in_rules() -> None:
    assert "SL001" not in enabled(Settings(root=Path("."), select=("SL0",)))
    assert "SL001" in enabled(Settings(root=Path("."), select=("SL001",)))


def test_command_line_overrides_file(tmp_path: Path) -> None:
    path = write(tmp_path / "safelint.toml", "select = ['SL0']\njobs = 3\n")
    settings = Overrides(select=("SL1",), jobs=1).apply(load_settings(path, tmp_path))
    assert settings.select == ("SL1",) and settings.jobs == 1
    assert "SL106" in enabled(settings)


def test_command_line_codes_are_validated() -> None:
    with pytest.raises(ConfigError, match="--ignore"):
        Overrides(ignore=("SL77",)).apply(Settings(root=Path(".")))


def test_rule_options_prefix_and_exact(tmp_path: Path) -> None:
    path = write(
        tmp_path / "safelint.toml",
        "[rules.SL1]\nbroad-exceptions = ['A']\n[rules.SL106]\nbroad-exceptions = ['B']\n",
    )
    assert load_settings(path, tmp_path).options_for("SL106") == {"broad-exceptions": ("B",)}


def test_digest_changes_with_what_changes_findings() -> None:
    a = Settings(root=Path("."))
    assert a.digest() == Settings(root=Path("/elsewhere")).digest()
    assert a.digest() != Settings(root=Path("."), ignore=("SL106",)).digest()


@pytest.mark.parametrize(
    ("text", "where", "problem"),
    [
        (b'[tool.safelint]\nselect = ["SL1"\nignore = []\n', ":3:1:", "Unclosed array"),
        (b'[tool.safelint]\nselect = ["SL1"]\nselect = ["SL2"]\n', ":3:17:", "Cannot overwrite a value"),
        (b'[tool.safelint]\nselect = "SL1', ":2:14:", "Unterminated string"),
        (b'[tool.safelint]\nx = "\xff"\n', ":2:6:", "not UTF-8"),
    ],
)
def test_a_toml_syntax_error_names_its_line_and_column(tmp_path: Path, text: bytes, where: str, problem: str) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_bytes(text)
    with pytest.raises(ConfigError) as raised:
        load_settings(path, tmp_path)
    assert str(raised.value).startswith(f"{path}{where} invalid TOML: ") and problem in str(raised.value)


def test_all_selects_every_rule_opt_in_ones_too_and_is_the_least_specific() -> None:
    every = set(Settings(root=Path(".")).available_rules())
    assert enabled(Settings(root=Path("."), select=("ALL",))) == every
    assert "SL001" in enabled(Settings(root=Path("."), extend_select=("ALL",)))
    some = enabled(Settings(root=Path("."), select=("ALL",), ignore=("SL1", "SL002")))
    assert some == {c for c in every if not c.startswith("SL1") and c != "SL002"}
    assert enabled(Settings(root=Path("."), ignore=("ALL",))) == set()
    assert enabled(Settings(root=Path("."), select=("SL4",), ignore=("ALL",))) == {
        c for c in every if c.startswith("SL4")
    }


def test_all_in_a_configuration_file_and_on_the_command_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "safelint.toml",
        "select = ['ALL']\nignore = ['SL3']\nper-file-ignores = { 'tests/*' = ['ALL'] }\n[rules.ALL]\nbroad-exceptions = ['A']\n",
    )
    settings = load_settings(path, tmp_path)
    assert "SL001" in enabled(settings) and not any(c.startswith("SL3") for c in enabled(settings))
    assert settings.options_for("SL106") == {"broad-exceptions": ("A",)}
    checker = Checker(settings)
    assert all(
        any(code.startswith(i) for i in checker.ignored_for(tmp_path / "tests" / "t.py")) for code in enabled(settings)
    )
    assert checker.ignored_for(tmp_path / "app.py") == ()
    assert Overrides(ignore=("ALL",)).apply(settings).enabled_codes() == frozenset()
