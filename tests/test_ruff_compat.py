"""What a ruff user reaches for (issue 18): `--output-format`, `--color`, the fixable marker and
ruff's count line. Through a real process (terminals, environment) and click's runner."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fix_rule import register

from safelint.cli import main
from safelint.rule import _REGISTRY

SOURCE = (
    "import asyncio\n\n\nasync def tick() -> None:\n    asyncio.sleep(0.1)\n\n\n"
    "def f(g):\n    try:\n        g()\n    except Exception:\n        pass\n"
)
ANSI = "\x1b["


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "m.py").write_text(SOURCE)
    return tmp_path


def run(cwd: Path, *args: str, env: dict[str, str] | None = None, tty: bool = False) -> tuple[int, str, str]:
    """Run ``safelint check`` with stdout on a pipe, or on a pseudo-terminal with ``tty``."""
    environment = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | (env or {})
    command = [sys.executable, "-m", "safelint", "check", "--no-cache", *args]
    if not tty:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=environment, timeout=120)
        return done.returncode, done.stdout, done.stderr
    leader, follower = pty.openpty()
    with subprocess.Popen(command, cwd=cwd, stdout=follower, stderr=subprocess.PIPE, env=environment) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal is gone once the process has exited
                break
            if not chunk:
                break
            chunks.append(chunk)
        stderr = process.stderr.read().decode() if process.stderr else ""
    os.close(leader)
    return process.returncode, b"".join(chunks).decode(), stderr


def test_output_format_is_an_alias_of_format(project: Path) -> None:
    assert run(project, "--output-format", "json") == run(project, "--format", "json")
    assert run(project, "--output-format", "concise")[1].startswith("m.py:5:5: SL102 [*] [unawaited-coroutine] ")


@pytest.mark.parametrize(
    ("args", "env", "tty", "coloured"),
    [
        ((), {}, True, True),  # auto, on a terminal
        ((), {"NO_COLOR": "1"}, True, False),  # auto honours NO_COLOR
        ((), {}, False, False),  # auto, on a pipe
        (("--color", "never"), {}, True, False),
        (("--color", "always"), {}, False, True),
        (("--color", "always"), {"NO_COLOR": "1"}, False, True),  # asked for explicitly
        (("--color", "always", "--format", "concise"), {}, False, True),
        (("--color", "auto"), {}, True, True),
    ],
)
def test_color_auto_always_never(
    project: Path, args: tuple[str, ...], env: dict[str, str], tty: bool, coloured: bool
) -> None:
    code, out, err = run(project, *args, env=env, tty=tty)
    assert code == 1, err
    assert (ANSI in out) is coloured
    assert "SL102" in out


def test_color_takes_only_auto_always_never(project: Path) -> None:
    code, _, err = run(project, "--color", "sometimes")
    assert code == 2 and "'sometimes' is not one of 'auto', 'always', 'never'" in err


def test_fixable_findings_are_marked_and_counted_as_ruff_does(project: Path) -> None:
    code, out, _ = run(project)
    assert "m.py:5:5: SL102 [*] [unawaited-coroutine] " in out
    assert "m.py:11:5: SL106 [swallowed-exception] " in out  # no fix, no marker
    assert out.rstrip().endswith(
        "Found 2 findings (1 error, 1 warning) in 1 file.\n[*] 1 fixable with the `--fix` option."
    )
    assert code == 1


def test_fix_leaves_no_count_line_once_everything_fixable_is_fixed(project: Path) -> None:
    code, out, _ = run(project, "--fix")
    assert "Fixed 1 finding in 1 file." in out and "fixable" not in out and "[*]" not in out
    assert code == 1  # SL106 is left


@pytest.fixture
def fix_rule(project: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    register()
    (project / "m.py").write_text("if x == None:\n    y = a != None\n")
    monkeypatch.chdir(project)
    yield lambda *args: CliRunner().invoke(main, ["check", "--jobs", "1", "--select", "SL197", *args])
    del _REGISTRY["SL197"]


def test_an_unsafe_fix_is_marked_only_with_unsafe_fixes_and_the_count_line_says_so(fix_rule: Any) -> None:
    plain = fix_rule()
    assert "m.py:1:4: SL197 [*] [compare-to-none]" in plain.output
    assert "m.py:2:9: SL197 [compare-to-none]" in plain.output
    assert "[*] 1 fixable with the `--fix` option (1 hidden fix can be enabled with the `--unsafe-fixes` option)." in (
        plain.output
    )
    unsafe = fix_rule("--unsafe-fixes")
    assert "m.py:2:9: SL197 [*] [compare-to-none]" in unsafe.output
    assert "[*] 2 fixable with the `--fix` option." in unsafe.output and "hidden" not in unsafe.output
    concise = fix_rule("--format", "concise")
    assert concise.output.startswith("m.py:1:4: SL197 [*] [compare-to-none] ")


def test_all_on_the_command_line(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    (project / "m.py").write_text(SOURCE + "x = 1  # safelint: ignore[SL401]\n")
    every = CliRunner().invoke(main, ["check", "--select", "ALL", "--format", "concise"])
    assert every.exit_code == 1 and {"SL001", "SL102", "SL106"} <= {
        line.split()[1] for line in every.output.splitlines()[:3]
    }
    assert CliRunner().invoke(main, ["check", "--select", "ALL", "--ignore", "SL0,SL1"]).exit_code == 0


def test_fix_only_fixes_and_reports_nothing_else(project: Path) -> None:
    code, out, err = run(project, "--fix-only")
    assert code == 0, err  # SL106 is left, and not reported
    assert out == "Fixed 1 finding in 1 file.\n"
    assert "    await asyncio.sleep(0.1)\n" in (project / "m.py").read_text()
    code, out, _ = run(project, "--fix-only")
    assert (code, out) == (0, "No fixes applied.\n")


def test_fix_only_with_a_machine_format_keeps_stdout_empty(project: Path) -> None:
    code, out, err = run(project, "--fix-only", "--format", "json")
    assert (code, out) == (0, "") and "Fixed 1 finding in 1 file." in err


def test_fix_only_with_diff_prints_the_diff_and_writes_nothing(project: Path) -> None:
    code, out, _ = run(project, "--fix-only", "--diff")
    assert code == 1 and "+    await asyncio.sleep(0.1)" in out
    assert (project / "m.py").read_text() == SOURCE


def test_fix_only_with_unsafe_fixes(fix_rule: Any) -> None:
    result = fix_rule("--fix-only", "--unsafe-fixes")
    assert (result.exit_code, result.output) == (0, "Fixed 2 findings in 1 file.\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--fix-only", "--add-noqa"), "--add-noqa cannot be combined with --fix-only"),
        (("--fix-only", "--write-baseline", "b.json"), "--write-baseline cannot be combined with --fix-only"),
        (("--fix-only", "-"), "--fix-only works on files: it cannot be used with standard input"),
    ],
)
def test_fix_only_is_refused_with_what_it_cannot_combine_with(
    project: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], message: str
) -> None:
    monkeypatch.chdir(project)
    result = CliRunner().invoke(main, ["check", *args])
    assert result.exit_code == 2 and message in result.output
