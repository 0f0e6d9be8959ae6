"""``--show-settings``: the resolved configuration for a file, each value with where it came from
(the default, which configuration file, the command line) (issue 18)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from safelint.cli import main

CONFIG = """[tool.safelint]
select = ["ALL"]
ignore = ["SL3"]
per-file-ignores = { "tests/*" = ["SL1"] }

[tool.safelint.rules.SL106]
broad-exceptions = ["Exception", "AppError"]
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(CONFIG)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "app.py").write_text("x = 1\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def show(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(main, ["check", "--show-settings", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_each_value_says_where_it_came_from(project: Path) -> None:
    data = show("pkg/app.py", "--ignore", "SL2", "--jobs", "3")
    config = str(project / "pyproject.toml")
    assert (data["path"], data["configuration"], data["project_root"]) == ("pkg/app.py", config, str(project))
    settings = data["settings"]
    assert isinstance(settings, dict)
    assert settings["select"] == {"value": ["ALL"], "source": config}
    assert settings["ignore"] == {"value": ["SL3", "SL2"], "source": f"{config}, then command line (--ignore)"}
    assert settings["per-file-ignores"] == {"value": {"tests/*": ["SL1"]}, "source": config}
    assert settings["jobs"] == {"value": 3, "source": "command line (--jobs)"}
    assert settings["respect-gitignore"] == {"value": True, "source": "default"}
    assert settings["python"]["value"] is None and settings["python"]["unset"]
    assert data["rules"] == {"SL106": {"broad-exceptions": {"value": ["Exception", "AppError"], "source": config}}}
    enabled = data["enabled"]
    assert isinstance(enabled, list) and "SL001" in enabled and not [c for c in enabled if c[:3] in ("SL2", "SL3")]


def test_isolated_and_config_change_the_sources(project: Path) -> None:
    isolated = show("pkg/app.py", "--isolated", "--select", "SL1")
    assert isolated["configuration"] is None
    assert isolated["settings"]["select"] == {"value": ["SL1"], "source": "command line (--select)"}  # type: ignore[index]
    other = project / "other.toml"
    other.write_text("extend-select = ['SL001']\n")
    chosen = show("pkg/app.py", "--config", str(other), "--extend-select", "SL002")
    assert chosen["settings"]["extend-select"]["source"] == f"{other}, then command line (--extend-select)"  # type: ignore[index]


def test_text_form_and_nothing_is_checked(project: Path) -> None:
    (project / "pkg" / "bad.py").write_text("def f(g):\n    try:\n        g()\n    except Exception:\n        pass\n")
    done = subprocess.run(
        [sys.executable, "-m", "safelint", "check", "--show-settings", "pkg"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "# Settings for pkg"
    assert any(
        line.startswith('select = ["ALL"]') and line.endswith(f"# {project / 'pyproject.toml'}") for line in lines
    )
    assert any(line.startswith("extend-select = []") and line.endswith("# default") for line in lines)
    assert any(line.startswith('rules.SL106.broad-exceptions = ["Exception", "AppError"]') for line in lines)
    assert lines[-1].startswith("# enabled rules (")


def test_errors_are_usage_errors(project: Path) -> None:
    missing = CliRunner().invoke(main, ["check", "--show-settings", "nope.py"])
    assert missing.exit_code == 2 and "nope.py: no such file or directory" in missing.output
    (project / "pyproject.toml").write_text("[tool.safelint]\nbogus = 1\n")
    broken = CliRunner().invoke(main, ["check", "--show-settings", "pkg/app.py"])
    assert broken.exit_code == 2 and "bogus" in broken.output
