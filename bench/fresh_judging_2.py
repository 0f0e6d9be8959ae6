"""Run safelint on fresh packages one at a time, then list what to judge, with its code.

Why a second script: the second judging also runs every off-by-default rule and option (a
configuration file), judges only what that run adds, and needs each finding's source line
to judge by. Usage:
  python bench/fresh_judging_2.py run FRESH OUT.json [safelint options...]
  python bench/fresh_judging_2.py sample OUT.json SEED [BASE.json]
With BASE.json, `sample` lists only the findings of OUT.json that BASE.json does not have.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

SAFELINT = str(Path(__file__).resolve().parent.parent / ".venv" / "bin" / "safelint")
CAP = 60
SAMPLE = 40
Finding = dict[str, object]


def child_cpu() -> float:
    """User+sys seconds used so far by finished children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(fresh: Path, out: Path, extra: list[str]) -> None:
    """Check every package under FRESH in its own process; gather all findings in OUT."""
    findings: list[Finding] = []
    total = 0.0
    for pkg in sorted(p for p in fresh.iterdir() if p.is_dir()):
        before = child_cpu()
        cmd = [SAFELINT, "check", str(pkg), "--no-cache", "--format", "json", "-j", "1", "--exit-zero"]
        done = subprocess.run([*cmd, *(extra or ["--isolated"])], capture_output=True, text=True, check=True)
        cpu = child_cpu() - before
        total += cpu
        found = json.loads(done.stdout)
        findings.extend(found)
        print(f"{pkg.name:16} {len(found):4} findings {cpu:7.1f} s CPU", flush=True)
    print(f"{'total':16} {len(findings):4} findings {total:7.1f} s CPU")
    out.write_text(json.dumps(findings, indent=1))


def key(finding: Finding) -> tuple[str, str, str, str]:
    """What makes two runs' findings the same finding."""
    return (str(finding["code"]), str(finding["path"]), str(finding["line"]), str(finding["column"]))


def sample(out: Path, seed: int, base: Path | None) -> None:
    """Print the findings to judge (all of a rule's when few, else a seeded sample), each with
    its source line."""
    seen = {key(f) for f in json.loads(base.read_text())} if base else set()
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in json.loads(out.read_text()):
        if key(finding) not in seen:
            by_rule[str(finding["code"])].append(finding)
    for code in sorted(by_rule):
        found = by_rule[code]
        picked = found if len(found) <= CAP else random.Random(seed).sample(found, SAMPLE)
        picked.sort(key=lambda f: (str(f["path"]), int(str(f["line"]))))
        print(f"## {code} {found[0]['name']}: {len(found)} findings, judging {len(picked)}")
        for f in picked:
            lines = Path(str(f["path"])).read_text(errors="replace").splitlines()
            source = lines[int(str(f["line"])) - 1].strip()
            print(f"{f['path']}:{f['line']}:{f['column']} {f['message']}\n    {source}")


if __name__ == "__main__":
    if sys.argv[1] == "run":
        run(Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4:])
    else:
        sample(Path(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]) if len(sys.argv) > 4 else None)
