"""Baselines survive line shifts, report new bugs, count fixed entries; --new-since keeps changed lines."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from safelint.cli import main
from safelint.gitdiff import parse_diff

SWALLOW = "def {name}(g):\n    try:\n        g()\n    except Exception:\n        pass\n"


def swallow(name: str) -> str:
    return SWALLOW.format(name=name)


def invoke(*args: str) -> Any:
    return CliRunner().invoke(main, ["check", "--jobs", "1", *args])


def codes_and_lines(result: Any) -> list[tuple[str, str, int]]:
    return [(f["path"], f["code"], f["line"]) for f in json.loads(result.stdout)]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "a.py").write_text(swallow("f") + "\n" + swallow("g"))
    (tmp_path / "b.py").write_text(swallow("h"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_recorded_findings_stay_hidden_after_lines_are_inserted_above(project: Path) -> None:
    written = invoke("--write-baseline", "baseline.json")
    assert written.exit_code == 0 and "Recorded 3 findings" in written.output
    document = json.loads((project / "baseline.json").read_text())
    entries = document["findings"]
    assert [(e["path"], e["code"]) for e in entries] == [("a.py", "SL106"), ("a.py", "SL106"), ("b.py", "SL106")]
    assert entries == sorted(entries, key=lambda e: (e["path"], e["code"], e["fingerprint"], e["message"]))
    assert all("line" not in e for e in entries), "line numbers would make every shift a baseline diff"

    (project / "a.py").write_text("import os\n\n# moved down\n\n" + (project / "a.py").read_text())
    result = invoke("--baseline", "baseline.json", "--format", "json")
    assert (result.exit_code, json.loads(result.stdout)) == (0, [])
    assert "3 findings recorded in the baseline not shown." in result.stderr


def test_a_new_bug_is_reported_and_a_fixed_one_is_counted(project: Path) -> None:
    invoke("--write-baseline", "baseline.json")
    (project / "b.py").write_text("x = 1\n")  # fixed
    (project / "a.py").write_text((project / "a.py").read_text() + "\n" + swallow("new"))
    result = invoke("--baseline", "baseline.json")
    assert result.exit_code == 1
    assert result.stdout.startswith("a.py:16:5: SL106")
    assert "2 findings recorded in the baseline not shown." in result.stdout
    assert "1 fixed finding can be removed from the baseline (--update-baseline)." in result.stdout


def test_identical_findings_are_told_apart_by_occurrence(project: Path) -> None:
    (project / "c.py").write_text(("def f(g):\n    try:\n        g()\n    except Exception:\n        pass\n\n") * 2)
    invoke("--write-baseline", "baseline.json")
    (project / "c.py").write_text(("def f(g):\n    try:\n        g()\n    except Exception:\n        pass\n\n") * 3)
    result = invoke("--baseline", "baseline.json", "--format", "json")
    assert codes_and_lines(result) == [("c.py", "SL106", 16)]


def test_update_baseline_only_removes(project: Path) -> None:
    invoke("--write-baseline", "baseline.json")
    # The flagged line itself changes: the old entry is stale, the finding is new.
    (project / "b.py").write_text(swallow("h").replace("except Exception:", "except Exception as error:"))
    result = invoke("--baseline", "baseline.json", "--update-baseline")
    assert "Removed 1 fixed finding from the baseline" in result.stdout
    assert result.exit_code == 1 and "b.py:4:5: SL106" in result.stdout
    entries = json.loads((project / "baseline.json").read_text())["findings"]
    assert [e["path"] for e in entries] == ["a.py", "a.py"]


def test_checking_part_of_the_tree_declares_nothing_else_fixed(project: Path) -> None:
    invoke("--write-baseline", "baseline.json")
    result = invoke("b.py", "--baseline", "baseline.json")
    assert result.exit_code == 0 and "can be removed" not in result.stdout


def test_baseline_paths_are_relative_to_the_baseline_file(project: Path) -> None:
    invoke("--write-baseline", "baseline.json")
    os.chdir(project.parent)
    result = invoke(project.name, "--baseline", str(project / "baseline.json"), "--format", "json")
    assert (result.exit_code, json.loads(result.stdout)) == (0, [])


def test_bad_baseline_and_option_misuse_exit_2(project: Path) -> None:
    (project / "bad.json").write_text("[1, 2]")
    result = invoke("--baseline", "bad.json")
    assert result.exit_code == 2 and "not a safelint baseline" in result.output
    assert invoke("--baseline", "missing.json").exit_code == 2
    assert invoke("--update-baseline").exit_code == 2
    assert invoke("--write-baseline", "x.json", "--baseline", "bad.json").exit_code == 2


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=env).stdout


def test_new_since_reports_only_changed_lines_and_untracked_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / "old.py").write_text(swallow("f") + "\n" + swallow("g"))
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "one")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "old.py").write_text(
        swallow("f") + "\n" + swallow("g").replace("except Exception", "except  Exception")
    )
    (tmp_path / "new.py").write_text(swallow("h"))
    result = invoke("--new-since", "HEAD", "--format", "json")
    assert codes_and_lines(result) == [("new.py", "SL106", 4), ("old.py", "SL106", 10)]
    assert "1 finding on lines unchanged since HEAD not shown." in result.stderr
    bad = invoke("--new-since", "no-such-rev")
    assert bad.exit_code == 2 and "no-such-rev" in bad.output


def test_new_since_outside_a_repository_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    (tmp_path / "a.py").write_text("x = 1\n")
    result = invoke("--new-since", "HEAD")
    assert result.exit_code == 2 and "git" in result.output


def test_parse_diff_hunks() -> None:
    diff = (
        "diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1,0 +2,3 @@\n+a\n+b\n+c\n"
        "@@ -10 +13 @@\n-x\n+y\n@@ -20,2 +25,0 @@\n-p\n-q\n"
        "diff --git a/gone.py b/gone.py\n--- a/gone.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-z\n"
        '--- a/"q\\"uote.py"\n+++ "b/q\\"uote.py"\n@@ -0,0 +1 @@\n+n\n'
    )
    assert parse_diff(diff) == {"x.py": {2, 3, 4, 13}, 'q"uote.py': {1}}


def test_subprocess_baseline_round_trip(project: Path) -> None:
    run = [sys.executable, "-m", "safelint", "check"]
    assert (
        subprocess.run([*run, "--write-baseline", "bl.json"], cwd=project, capture_output=True, timeout=300).returncode
        == 0
    )
    p = subprocess.run(
        [*run, "--baseline", "bl.json", "--format", "json"], cwd=project, capture_output=True, text=True, timeout=300
    )
    assert (p.returncode, p.stdout.strip()) == (0, "[]")
