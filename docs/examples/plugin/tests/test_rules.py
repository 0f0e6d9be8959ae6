"""The plugin's tests: every fixture line, the documentation's examples, and the installed CLI."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from safelint_acme import BlockingCallInAsync, PrintInLibrary

from safelint.rule import Rule
from safelint.testing import check_source, expected

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted((ROOT / "fixtures").glob("*.py"))
RULES: list[type[Rule]] = [BlockingCallInAsync, PrintInLibrary]


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_fixture(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    found = {(f.line, f.code) for f in check_source(source, path.name, path.parent)}
    assert found == expected(source)


def _code_block(text: str) -> str:
    match = re.search(r"```python\n(.*?)```", text, re.S)
    assert match, "no ```python block"
    return match.group(1)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_example_fires_and_use_instead_is_clean(rule: type[Rule]) -> None:
    sections = rule.doc_sections()
    on = f'# safelint-config: extend-select = ["{rule.code}"]\n'
    assert rule.code in {f.code for f in check_source(on + _code_block(sections["Example"]))}
    assert check_source(on + _code_block(sections["Use instead"])) == []


installed = any(point.name == "acme" for point in entry_points(group="safelint.rules"))


@pytest.mark.skipif(not installed, reason="the plugin is not installed (pip install .)")
def test_the_installed_plugin_reports_the_fixtures() -> None:
    """What a user gets after `pip install`: safelint finds the plugin through its entry point."""
    checked = [ROOT / "fixtures" / "ACME101.py", ROOT / "fixtures" / "ACME102.py"]
    command = [sys.executable, "-m", "safelint", "check", "--isolated", "--no-cache", "--format", "json"]
    run = subprocess.run([*command, "--extend-select", "ACME102", *map(str, checked)], capture_output=True, text=True)
    assert run.returncode == 1, run.stderr
    found = {(Path(f["path"]).name, f["line"], f["code"]) for f in json.loads(run.stdout)}
    assert found == {(p.name, line, code) for p in checked for line, code in expected(p.read_text(encoding="utf-8"))}
    listed = subprocess.run([sys.executable, "-m", "safelint", "rules"], capture_output=True, text=True).stdout
    assert re.search(r"^ACME101 +blocking-call-in-async +acme ", listed, re.M)
    assert re.search(r"^ACME102 +print-in-library +acme .*\(opt-in\)$", listed, re.M)
