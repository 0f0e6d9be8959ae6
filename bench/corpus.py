"""Every finding of a default ``safelint check`` on the real-world corpus, counted per rule and
per package, with the tuned and the judged packages apart.

    python bench/corpus.py [--root /work/realworld/src] [--out findings.json] [ARGS...]

Each package under ``--root`` is checked on its own with ``--isolated --no-cache`` (so no
project's configuration and no cache), the way a user who installs safelint and runs it with
no settings would. ``ARGS`` after ``--`` go to every ``safelint check`` (``-- --select SL2``).
Prints findings per rule for the tuned packages, the judged packages and all, with findings
per 1,000 non-blank lines; ``--out`` keeps every finding (package, path, line, code) for
judging. Nothing here imports the checked code.
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
from pathlib import Path

TUNED = ("sentry-sdk", "celery", "kombu", "kafka-python", "aiohttp", "waitress")
"""Read while the rules were changed (bench/precision_issue16.md); the other packages are judged."""


def nonblank_lines(root: Path) -> int:
    return sum(
        sum(1 for line in path.read_bytes().splitlines() if line.strip())
        for path in root.rglob("*.py")
        if path.is_file()
    )


def check(package: Path, extra: list[str]) -> list[dict[str, object]]:
    command = [sys.executable, "-m", "safelint", "check", str(package), "--isolated", "--no-cache"]
    command += ["--format", "json", "--exit-zero", "--quiet", *extra]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"safelint failed on {package} ({done.returncode}): {done.stderr[-2000:]}")
    findings: list[dict[str, object]] = json.loads(done.stdout)
    return findings


def table(title: str, counts: collections.Counter[str], lines: int) -> None:
    total = sum(counts.values())
    print(f"\n{title}: {total} findings, {lines:,} non-blank lines, {1000 * total / max(lines, 1):.3f}/kloc")
    for code, n in sorted(counts.items()):
        print(f"  {code}  {n:4d}  {1000 * n / max(lines, 1):.3f}/kloc")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=Path("/work/realworld/src"))
    parser.add_argument("--out", type=Path)
    parser.add_argument("extra", nargs="*")
    options = parser.parse_args()
    packages = sorted(p for p in options.root.iterdir() if p.is_dir())
    groups: dict[str, collections.Counter[str]] = {"tuned": collections.Counter(), "judged": collections.Counter()}
    lines = {"tuned": 0, "judged": 0}
    kept: list[dict[str, object]] = []
    for package in packages:
        group = "tuned" if package.name in TUNED else "judged"
        findings = check(package, options.extra)
        lines[group] += nonblank_lines(package)
        for finding in findings:
            groups[group][str(finding["code"])] += 1
            kept.append({"package": package.name, "group": group, **finding})
        print(f"{package.name:14s} {group:6s} {len(findings):4d}", file=sys.stderr)
    table("tuned (" + ", ".join(TUNED) + ")", groups["tuned"], lines["tuned"])
    table("judged (the other packages)", groups["judged"], lines["judged"])
    table("all", groups["tuned"] + groups["judged"], lines["tuned"] + lines["judged"])
    if options.out:
        options.out.write_text(json.dumps(kept, indent=1) + "\n")


if __name__ == "__main__":
    main()
