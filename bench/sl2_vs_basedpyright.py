"""SL2 against basedpyright's None reports on real packages nobody tuned SL2 on.

    python bench/sl2_vs_basedpyright.py run --basedpyright /work/bpr/bin/basedpyright \
        --out /tmp/bpr [--src /work/realworld/src] [PKG ...]
    python bench/sl2_vs_basedpyright.py sample --out /tmp/bpr [--seed 15] [--size 40]

``run`` checks each package with its own generated ``pyrightconfig.json`` (so no
configuration shipped with the package counts), ``typeCheckingMode = "standard"``, every
package of the corpus on ``extraPaths`` (so httpx sees httpcore's types), and writes
basedpyright's JSON report per package; it also runs safelint's SL2 on the same package.
``sample`` keeps the None reports (the ``reportOptional*`` rules, and
``reportArgumentType``/``reportAttributeAccessIssue`` whose message is about None), drops
test files as safelint does, counts them per package and per rule, and prints a seeded
random sample to judge by reading the code. Nothing here imports the checked code.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import re
import subprocess
import sys
from pathlib import Path

PACKAGES = (
    "requests",
    "urllib3",
    "httpx",
    "httpcore",
    "anyio",
    "pymongo",
    "kazoo",
    "cheroot",
    "rich",
    "docker",
    "psycopg",
    "invoke",
    "django",
)
OPTIONAL_RULES = frozenset(
    {
        "reportOptionalMemberAccess",
        "reportOptionalSubscript",
        "reportOptionalCall",
        "reportOptionalIterable",
        "reportOptionalContextManager",
        "reportOptionalOperand",
    }
)
NONE_MESSAGE_RULES = frozenset({"reportArgumentType", "reportAttributeAccessIssue"})
NONE_IN_MESSAGE = re.compile(r'"None" is not assignable|for class "None"')
TEST_FILE = re.compile(r"(^|/)(test_[^/]*|[^/]*_test|conftest)\.py$|(^|/)(test|tests|testing)/")


def run(basedpyright: str, src: Path, out: Path, packages: list[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    extra = sorted(str(p) for p in src.iterdir() if p.is_dir())
    for package in packages:
        config_dir = out / package
        config_dir.mkdir(exist_ok=True)
        config = {
            "include": [str(src / package)],
            "exclude": ["**/__pycache__", "**/*.dist-info"],
            "extraPaths": extra,
            "typeCheckingMode": "standard",
            "pythonVersion": "3.11",
            "enableTypeIgnoreComments": True,
        }
        (config_dir / "pyrightconfig.json").write_text(json.dumps(config, indent=1))
        command = [basedpyright, "-p", str(config_dir), "--outputjson"]
        command += ["--pythonpath", str(Path(basedpyright).parent / "python")]
        report = subprocess.run(command, capture_output=True, text=True, check=False).stdout
        (out / f"{package}.bpr.json").write_text(report)
        safelint = [sys.executable, "-m", "safelint", "check", str(src / package), "--isolated"]
        safelint += ["--select", "SL2", "--no-cache", "--format", "json", "--exit-zero"]
        found = subprocess.run(safelint, capture_output=True, text=True, check=True).stdout
        (out / f"{package}.sl2.json").write_text(found)


def none_reports(out: Path, package: str, src: Path) -> list[dict[str, object]]:
    report = json.loads((out / f"{package}.bpr.json").read_text())
    kept = []
    for diagnostic in report["generalDiagnostics"]:
        rule = diagnostic.get("rule", "")
        if rule not in OPTIONAL_RULES:
            if rule not in NONE_MESSAGE_RULES or not NONE_IN_MESSAGE.search(diagnostic["message"]):
                continue
        path = str(Path(diagnostic["file"]).relative_to(src))
        if TEST_FILE.search(path):
            continue
        line = diagnostic["range"]["start"]["line"] + 1
        kept.append({"package": package, "path": path, "line": line, "rule": rule, "message": diagnostic["message"]})
    return kept


def sample(out: Path, src: Path, seed: int, size: int) -> None:
    everything: list[dict[str, object]] = []
    for package in PACKAGES:
        if not (out / f"{package}.bpr.json").exists():
            continue
        reports = none_reports(out, package, src)
        everything.extend(reports)
        per_rule = collections.Counter(str(r["rule"]) for r in reports)
        sl2 = len(json.loads((out / f"{package}.sl2.json").read_text()))
        print(f"{package:10} basedpyright {len(reports):4}  safelint SL2 {sl2:3}  {dict(per_rule)}")
    print(f"total basedpyright None reports: {len(everything)}")
    print(f"per rule: {dict(collections.Counter(str(r['rule']) for r in everything))}")
    chosen = random.Random(seed).sample(everything, min(size, len(everything)))
    for number, report in enumerate(chosen, 1):
        message = str(report["message"]).splitlines()[0]
        print(f"{number:2}. {report['path']}:{report['line']} {report['rule']}: {message}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("run", "sample"))
    parser.add_argument("packages", nargs="*", default=list(PACKAGES))
    parser.add_argument("--basedpyright", default="basedpyright")
    parser.add_argument("--src", type=Path, default=Path("/work/realworld/src"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--size", type=int, default=40)
    args = parser.parse_intermixed_args()
    if args.command == "run":
        run(args.basedpyright, args.src, args.out, args.packages)
    else:
        sample(args.out, args.src, args.seed, args.size)


if __name__ == "__main__":
    main()
