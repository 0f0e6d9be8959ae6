"""The command line, through click's runner and through a real subprocess, as users meet it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from safelint import __version__
from safelint.cli import main

SWALLOW = "def f(g):\n    try:\n        g()\n    except Exception:\n        pass\n"
CLEAN = "def add(a: int, b: int) -> int:\n    return a + b\n"
FIELDS = [
    "code",
    "name",
    "severity",
    "message",
    "path",
    "line",
    "column",
    "end_line",
    "end_column",
    "help",
    "fix",
    "related",
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "swallow.py").write_text(SWALLOW)
    (tmp_path / "clean.py").write_text(CLEAN)
    (tmp_path / "bad_syntax.py").write_text("def f(:\n    return 1\n")
    (tmp_path / "latin1.py").write_bytes("# -*- coding: latin-1 -*-\nx = 'caf\xe9'\n".encode("latin-1"))
    (tmp_path / "binary.py").write_bytes(bytes(range(256)) * 4)
    return tmp_path


def run(cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    return subprocess.run(
        [sys.executable, "-m", "safelint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        input=stdin,
        env=env,
        timeout=120,
    )


def test_subprocess_json_contract(project: Path) -> None:
    p = run(project, "check", "--format", "json")
    assert p.returncode == 1, p.stderr
    assert "Traceback" not in p.stderr
    findings = json.loads(p.stdout)
    assert [list(f) for f in findings] == [FIELDS] * len(findings)
    where = [(f["path"], f["line"], f["code"]) for f in findings]
    assert where == [("bad_syntax.py", 1, "SL000"), ("binary.py", 1, "SL000"), ("swallow.py", 4, "SL106")]
    order = [(f["path"], f["line"], f["column"], f["code"]) for f in findings]
    assert order == sorted(order)


def test_subprocess_jobs_do_not_change_output(project: Path) -> None:
    for i in range(40):  # enough source to make the parallel path kick in
        (project / f"gen_{i}.py").write_text(SWALLOW * 20 + CLEAN * 200)
    one = run(project, "check", "--format", "json", "--jobs", "1")
    two = run(project, "check", "--format", "json", "--jobs", "2")
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout


def test_subprocess_clean_file_exits_zero_with_empty_array(project: Path) -> None:
    p = run(project, "check", "clean.py", "--format", "json")
    assert (p.returncode, p.stdout.strip()) == (0, "[]")


def test_subprocess_missing_path_and_bad_config_exit_2(project: Path) -> None:
    p = run(project, "check", "nope.py")
    assert p.returncode == 2 and "nope.py" in p.stderr and "Traceback" not in p.stderr
    (project / "pyproject.toml").write_text("[tool.safelint]\nbogus-key = 1\n")
    p = run(project, "check", ".")
    assert p.returncode == 2 and "bogus-key" in p.stderr and "Traceback" not in p.stderr


def test_subprocess_stdin(project: Path) -> None:
    p = run(project, "check", "-", "--stdin-filename", "pkg/mod.py", "--format", "json", stdin=SWALLOW)
    (finding,) = json.loads(p.stdout)
    assert (finding["path"], finding["line"], p.returncode) == ("pkg/mod.py", 4, 1)


def test_subprocess_text_output_and_no_colour_on_a_pipe(project: Path) -> None:
    p = run(project, "check", "swallow.py")
    assert p.stdout.startswith("swallow.py:4:5: SL106 [swallowed-exception] ")
    assert "4 |     except Exception:" in p.stdout and "^^^^^^^^^^^^^^^^" in p.stdout
    assert "help: " in p.stdout and "Found 1 finding (1 warning) in 1 file." in p.stdout
    assert "\x1b[" not in p.stdout


def test_version_rules_explain() -> None:
    runner = CliRunner()
    assert __version__ in runner.invoke(main, ["--version"]).output
    listed = runner.invoke(main, ["rules"]).output
    assert "SL106" in listed and "swallowed-exception" in listed and "must-use" in listed
    explained = runner.invoke(main, ["explain", "SL106"])
    assert explained.exit_code == 0
    for heading in ("What it does", "Why is this a bug", "Example", "Use instead", "Options", "Known limits"):
        assert f"## {heading}" in explained.output
    assert runner.invoke(main, ["explain", "swallowed-exception"]).exit_code == 0
    assert runner.invoke(main, ["explain", "SL999"]).exit_code == 2


def test_runner_select_ignore_exit_zero_statistics(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    runner = CliRunner()
    assert runner.invoke(main, ["check", "swallow.py", "--ignore", "SL1"]).exit_code == 0
    assert runner.invoke(main, ["check", "swallow.py", "--select", "SL0"]).exit_code == 0
    assert runner.invoke(main, ["check", "swallow.py", "--exit-zero"]).exit_code == 0
    stats = runner.invoke(main, ["check", "--statistics", "--jobs", "1"])
    assert stats.exit_code == 1
    assert "2  SL000  parse-error" in stats.output and "1  SL106  swallowed-exception" in stats.output
    quiet = runner.invoke(main, ["check", "-q", "--jobs", "1"])
    assert quiet.output.strip() == "Found 3 findings (2 errors, 1 warning) in 5 files."
    bad = runner.invoke(main, ["check", "--select", "XX9"])
    assert bad.exit_code == 2 and "XX9" in bad.output


def test_runner_config_and_isolated(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    (project / "pyproject.toml").write_text("[tool.safelint]\nignore = ['SL106']\n")
    runner = CliRunner()
    assert runner.invoke(main, ["check", "swallow.py"]).exit_code == 0
    assert runner.invoke(main, ["check", "swallow.py", "--isolated"]).exit_code == 1
    other = project / "other.toml"
    other.write_text("select = ['SL1']\n")
    assert runner.invoke(main, ["check", "swallow.py", "--config", str(other)]).exit_code == 1
    missing = runner.invoke(main, ["check", "swallow.py", "--config", "nope.toml"])
    assert missing.exit_code == 2


def test_unreadable_file_inside_a_directory_is_sl000(project: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    locked = project / "locked.py"
    locked.write_text("x = 1\n")
    locked.chmod(0)
    p = run(project, "check", ".", "--format", "json")
    assert any(f["path"] == "locked.py" and f["code"] == "SL000" for f in json.loads(p.stdout))


def test_knowledge_command_describes_a_name() -> None:
    out = CliRunner().invoke(main, ["knowledge", "re.match", "open"])
    assert out.exit_code == 0
    assert "re.match" in out.output and "returns Optional" in out.output
    assert "returns a resource" in out.output


def test_python_option_names_the_interpreter_whose_stubs_are_read(project: Path) -> None:
    bad = run(project, "check", "clean.py", "--python", "/nonexistent/python")
    assert bad.returncode == 2 and "/nonexistent/python" in bad.stderr and "Traceback" not in bad.stderr
    good = run(project, "check", "clean.py", "--python", sys.executable, "--format", "json")
    assert (good.returncode, good.stdout.strip()) == (0, "[]")
    (project / "pyproject.toml").write_text("[tool.safelint]\npython = 3\n")
    assert run(project, "check", "clean.py").returncode == 2


def test_an_unexpected_exception_is_one_line_and_exit_2(monkeypatch: pytest.MonkeyPatch, project: Path) -> None:
    import safelint.api

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("kaput")

    monkeypatch.chdir(project)
    monkeypatch.setattr("safelint.cli.check_paths", boom)
    monkeypatch.delenv("SAFELINT_DEBUG", raising=False)
    result = CliRunner().invoke(main, ["check", "clean.py"])
    assert result.exit_code == 2
    assert "internal error: RuntimeError: kaput" in result.output
    assert safelint.api.check_paths is not boom


def test_the_quick_start_example_shows_every_family(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(main, ["check", "docs/examples", "--format", "json", "--no-cache", "-j", "1"])
    assert result.exit_code == 1
    assert {f["code"][:3] for f in json.loads(result.stdout)} == {"SL1", "SL2", "SL3", "SL4"}


def test_a_directory_without_python_files_warns_on_stderr_and_exits_0(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes.txt").write_text("no code here\n")
    p = run(tmp_path, "check", "docs", "--format", "json")
    assert (p.returncode, p.stdout.strip()) == (0, "[]")
    assert "warning: no Python files found under docs" in p.stderr


@pytest.mark.parametrize("output_format", ["sarif", "github", "gitlab", "junit", "pylint", "json-lines"])
def test_statistics_with_a_format_that_cannot_show_it_is_a_usage_error(
    project: Path, monkeypatch: pytest.MonkeyPatch, output_format: str
) -> None:
    monkeypatch.chdir(project)
    result = CliRunner().invoke(main, ["check", "swallow.py", "--statistics", "--format", output_format])
    assert result.exit_code == 2
    assert f"--statistics works with --format text, concise, json; not with {output_format}" in result.output


def test_statistics_in_the_concise_format(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    result = CliRunner().invoke(main, ["check", "swallow.py", "--statistics", "--format", "concise"])
    assert result.exit_code == 1
    assert result.output == "     1  SL106  swallowed-exception\nFound 1 finding (1 warning) in 1 file.\n"
