"""The participatory budgeting rules (`gti pb compute`) on generated elections of 50 and 200
projects and 5,000 voters, approval and cumulative ballots, against pabutools 1.2.3 on the same
file in the same run.

Per election and rule: our time (reading the file and computing, in process, best of three) and
pabutools' (reading the same file and running its rule with the same satisfaction, once), their
ratio, and whether the outcomes agree (a difference fails the bench). The command itself (a new
process: Django's start-up included) is timed once per election. The last line is `RATIO pb <x>`,
ours over pabutools for the worst rule. Target: at most 0.1.

`GTI_BENCH_SCALE` (default 1) scales the voters down for a quick run.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the reference harness of tests/participation

from gti.participation import pabulib, rules  # noqa: E402
from tests.participation.reference import generate, pabutools_outcome  # noqa: E402

SCALE = float(os.environ.get("GTI_BENCH_SCALE", "1"))
SIZES = [(50, 5_000), (200, 5_000)]
RUNS = [("greedy", "none"), ("mes", "none"), ("mes", "utilitarian"), ("mes", "add1"),
        ("mes", "add1u")]  # fmt: skip


def _ours(path: Path, rule: str, completion: str) -> tuple[float, list[str]]:
    best = None
    for _ in range(3):
        start = time.perf_counter()
        outcome = rules.compute(pabulib.read(path), rule, completion)
        took = time.perf_counter() - start
        best = took if best is None else min(best, took)
    return best, outcome.selected


def _command(path: Path) -> float:
    gti = Path(sys.executable).parent / "gti"
    start = time.perf_counter()
    subprocess.run([str(gti), "pb", "compute", str(path), "--rule", "mes", "--completion",
                    "utilitarian"], check=True, capture_output=True)  # fmt: skip
    return time.perf_counter() - start


def run() -> None:
    folder = Path(tempfile.mkdtemp(prefix="gti-bench-pb-"))
    worst = 0.0
    print(f"{'election':>22} {'rule':>16} {'ours s':>8} {'pabutools s':>11} {'ratio':>6} "
          f"{'funded':>6}")  # fmt: skip
    for projects, voters in SIZES:
        voters = max(10, int(voters * SCALE))
        for cumulative in (False, True):
            kind = "cumulative" if cumulative else "approval"
            name = f"{projects}x{voters} {kind}"
            path = folder / f"{projects}-{voters}-{kind}.pb"
            path.write_text(generate(2026, projects, voters, cumulative, 0.3, unit=100))
            text = path.read_text()
            for rule, completion in RUNS:
                ours, selected = _ours(path, rule, completion)
                start = time.perf_counter()
                reference = pabutools_outcome(text, rule, completion)
                theirs = time.perf_counter() - start
                if set(selected) != reference:
                    raise SystemExit(f"{name} {rule}/{completion}: the outcomes differ")
                ratio = ours / theirs
                worst = max(worst, ratio)
                print(f"{name:>22} {rule + '/' + completion:>16} {ours:8.3f} {theirs:11.3f} "
                      f"{ratio:6.3f} {len(selected):>6}", flush=True)  # fmt: skip
            print(f"{name:>22} {'command mes/util':>16} {_command(path):8.3f}  (a new process)")
    print(f"RATIO pb {worst:.3f}")


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gti.settings")
    import django

    django.setup()
    run()
