"""The long fuzz campaign: hypothesmith-generated programs through every rule, in N processes.

    python bench/fuzz.py --programs 20000 --jobs 2

Prints how many programs ran and every internal error found (none is the goal). The suite's
tests/fuzz runs a few hundred of the same on every CI run.
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import hypothesmith
from hypothesis import HealthCheck, given, seed, settings

from safelint.config import Settings
from safelint.engine import Checker


def campaign(args: tuple[int, int]) -> tuple[int, list[str]]:
    count, worker_seed = args
    checker = Checker(Settings(root=Path("."), extend_select=("ALL",)))
    ran = [0]
    errors: list[str] = []

    @seed(worker_seed)
    @settings(max_examples=count, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(source=hypothesmith.from_grammar() | hypothesmith.from_node())
    def one(source: str) -> None:
        ran[0] += 1
        result = checker.check_bytes(source.encode("utf-8", "surrogatepass"), "generated.py")
        errors.extend(f"{e}\n--- program ---\n{source}" for e in result.internal_errors)

    one()
    return ran[0], errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--programs", type=int, default=20000)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    start = time.perf_counter()
    share = args.programs // args.jobs
    with ProcessPoolExecutor(args.jobs) as pool:
        results = list(pool.map(campaign, [(share, 1000 + i) for i in range(args.jobs)]))
    ran = sum(r[0] for r in results)
    errors = [e for r in results for e in r[1]]
    print(f"{ran} programs in {time.perf_counter() - start:.0f} s; {len(errors)} internal errors")
    for error in errors[:20]:
        print(error)


if __name__ == "__main__":
    main()
