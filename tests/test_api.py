"""The programmatic API (issue 18): ``import safelint``, check files or text, typed results that
are the JSON finding contract; the example in docs/api.md runs as written."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import safelint

REPO = Path(__file__).resolve().parent.parent
BUGGY = "import os\n\n\ndef home():\n    return os.environ.get('HOME').lower()\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(BUGGY)
    (tmp_path / "src" / "files.py").write_text("def read(p):\n    f = open(p)\n    return f.read()\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_documented_example_runs(project: Path) -> None:
    text = (REPO / "docs" / "api.md").read_text()
    example = re.search(r"```python\n(.*?)```", text, re.S)
    assert example is not None
    namespace: dict[str, object] = {}
    exec(compile(example.group(1), "docs/api.md", "exec"), namespace)
    assert [f.code for f in namespace["leaks"]] == ["SL401"]  # type: ignore[attr-defined]


def test_findings_are_the_json_contract(project: Path) -> None:
    result = safelint.check_paths(["src"], options=safelint.RunOptions(jobs=1, use_cache=False))
    assert isinstance(result, safelint.RunResult) and result.files_checked == 2
    assert all(isinstance(f, safelint.Finding) and isinstance(f.severity, safelint.Severity) for f in result.findings)
    cli = subprocess.run(
        [sys.executable, "-m", "safelint", "check", "src", "--format", "json", "--no-cache"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert [f.to_json() for f in result.findings] == json.loads(cli.stdout)


def test_check_source_takes_text_or_bytes_as_the_file_at_a_path(project: Path) -> None:
    by_text = safelint.check_source(BUGGY, path="src/app.py")
    by_bytes = safelint.check_source(BUGGY.encode(), path=project / "src" / "app.py")
    assert [(f.path, f.line, f.code) for f in by_text.findings] == [("src/app.py", 5, "SL201")]
    assert by_text.findings == by_bytes.findings
    assert [f.path for f in safelint.check_source(BUGGY).findings] == ["-"]
    latin1 = "# -*- coding: latin-1 -*-\n# caf\xe9\n" + BUGGY
    assert [f.line for f in safelint.check_source(latin1).findings] == [7], "the cookie holds for text"


def test_selection_through_overrides_and_errors_as_exceptions(project: Path) -> None:
    resolver = safelint.SettingsResolver(project, safelint.Overrides(select=("SL2",)))
    result = safelint.check_paths([project / "src"], resolver, safelint.RunOptions(jobs=1, use_cache=False))
    assert {f.code for f in result.findings} == {"SL201"}
    with pytest.raises(safelint.DiscoveryError, match="nope.py"):
        safelint.check_paths(["nope.py"])
    (project / "pyproject.toml").write_text("[tool.safelint]\nbogus = 1\n")
    with pytest.raises(safelint.ConfigError, match="bogus"):
        safelint.check_paths(["src"])


def test_the_api_is_typed_for_mypy(tmp_path: Path) -> None:
    snippet = tmp_path / "use.py"
    snippet.write_text(
        "import safelint\n\n"
        "result = safelint.check_source('x = 1\\n')\n"
        "reveal_type(result.findings)\n"
        "line: int = result.findings[0].line\n"
        "severity: str = result.findings[0].severity.value\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", str(snippet)], cwd=REPO, capture_output=True, text=True, timeout=600
    )
    assert re.search(r"Revealed type is \"(builtins\.)?list\[safelint\.results\.Finding\]\"", done.stdout), done.stdout
    assert done.stdout.count("error:") == 0, done.stdout
