"""The pre-commit hooks, installed by the real ``pre-commit`` tool from this working tree.

pre-commit clones a hook repository at a commit, so the working tree (tracked and untracked
files, as CI's fresh clone or a developer's edits have them) is first copied into a throw-away
repository and committed. pre-commit then builds the hook's virtualenv from PyPI, which takes
a while: the whole test costs two environment installs.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML comes with pre-commit, in the `test` extra")

REPO = Path(__file__).resolve().parent.parent
BUG = "def save(cache, key, value):\n    try:\n        cache.store(key, value)\n    except Exception:\n        pass\n"
CLEAN = "def add(a: int, b: int) -> int:\n    return a + b\n"

pytestmark = pytest.mark.slow


def pre_commit_command() -> list[str]:
    exe = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which("pre-commit")
    if exe is None:
        pytest.skip("pre-commit is not installed (it is in the `test` extra)")
    return [exe]


def env_for(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(
        PRE_COMMIT_HOME=str(home),
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.com",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.com",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
    )
    return env


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


def snapshot_of_this_checkout(dest: Path, env: dict[str, str]) -> str:
    """Copy the working tree (what git would see, untracked files included) and commit it."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for rel in filter(None, listed.split("\0")):
        source = REPO / rel
        if source.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / rel)
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "snapshot"]):
        assert run(cmd, dest, env).returncode == 0
    return run(["git", "rev-parse", "HEAD"], dest, env).stdout.strip()


def test_hook_definitions() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"safelint", "safelint-fix"}
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["types_or"] == ["python", "pyi"]
        assert hook["entry"].startswith("safelint check --force-exclude")
        assert hook.get("pass_filenames", True)
    assert "--fix" in hooks["safelint-fix"]["entry"]


def test_pre_commit_blocks_a_commit_with_a_bug_and_passes_a_clean_one(tmp_path: Path) -> None:
    command = pre_commit_command()
    if not (REPO / ".git").exists():
        pytest.skip("the hooks are installed from a git checkout of safelint, and this is not one")
    env = env_for(tmp_path / "pre-commit-home")
    hook_repo = tmp_path / "hook-repo"
    hook_repo.mkdir()
    rev = snapshot_of_this_checkout(hook_repo, env)

    project = tmp_path / "project"
    project.mkdir()
    assert run(["git", "init", "-q"], project, env).returncode == 0
    (project / "bug.py").write_text(BUG)
    (project / "clean.py").write_text(CLEAN)
    run(["git", "add", "-A"], project, env)

    tried = run([*command, "try-repo", str(hook_repo), "safelint", "--files", "bug.py", "clean.py"], project, env)
    assert tried.returncode == 1, tried.stdout + tried.stderr
    assert "bug.py:4:5: SL106" in tried.stdout and "clean.py:" not in tried.stdout

    config = {"repos": [{"repo": str(hook_repo), "rev": rev, "hooks": [{"id": "safelint"}]}]}
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    run(["git", "reset", "-q"], project, env)
    assert run([*command, "install"], project, env).returncode == 0
    run(["git", "add", "clean.py", ".pre-commit-config.yaml"], project, env)
    clean = run(["git", "commit", "-qm", "clean"], project, env)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    run(["git", "add", "bug.py"], project, env)
    blocked = run(["git", "commit", "-qm", "bug"], project, env)
    assert blocked.returncode != 0 and "SL106" in blocked.stdout + blocked.stderr
    assert run(["git", "log", "--format=%s"], project, env).stdout.split() == ["clean"]
