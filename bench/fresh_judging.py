"""Run safelint's defaults on fresh packages, one at a time, and note each run's CPU time.

Why a script: the judging note quotes per-package CPU (user+sys of the child), which wall
time on a shared machine cannot give, and the sample drawn per rule must be reproducible.
Usage: python bench/fresh_judging.py run FRESH OUT.json | sample OUT.json SEED
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


def child_cpu() -> float:
    """User+sys seconds used so far by finished children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(fresh: Path, out: Path) -> None:
    """Check every package under FRESH in its own process; gather all findings in OUT."""
    findings: list[dict[str, object]] = []
    total = 0.0
    for pkg in sorted(p for p in fresh.iterdir() if p.is_dir()):
        before = child_cpu()
        cmd = [SAFELINT, "check", str(pkg), "--isolated", "--no-cache", "--format", "json"]
        cmd += ["-j", "1", "--exit-zero"]
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        cpu = child_cpu() - before
        total += cpu
        found = json.loads(done.stdout)
        findings.extend(found)
        print(f"{pkg.name:16} {len(found):4} findings {cpu:7.1f} s CPU", flush=True)
    print(f"{'total':16} {len(findings):4} findings {total:7.1f} s CPU")
    out.write_text(json.dumps(findings, indent=1))


def sample(out: Path, seed: int) -> None:
    """Print the findings to judge: all of a rule's when few, else a seeded sample."""
    by_rule: dict[str, list[dict[str, object]]] = defaultdict(list)
    for finding in json.loads(out.read_text()):
        by_rule[str(finding["code"])].append(finding)
    for code in sorted(by_rule):
        found = by_rule[code]
        picked = found if len(found) <= CAP else random.Random(seed).sample(found, SAMPLE)
        picked.sort(key=lambda f: (str(f["path"]), int(str(f["line"]))))
        print(f"## {code} {found[0]['name']}: {len(found)} findings, judging {len(picked)}")
        for f in picked:
            print(f"{f['path']}:{f['line']}:{f['column']} {f['message']}")


if __name__ == "__main__":
    if sys.argv[1] == "run":
        run(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        sample(Path(sys.argv[2]), int(sys.argv[3]))
