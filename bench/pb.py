"""`gti pb compute` on generated elections of 50 and 200 projects and 5,000 voters, approval and
cumulative ballots, against pabutools 1.2.3 on the same file in the same run, each as a new
process: what a researcher running either on a file waits for.

Per election and rule: the command's time (`gti pb compute FILE --rule R --completion C`, a new
process, best of three, its bytecode cached as pabutools' is; its outcome read from its JSON
output) and pabutools' (a new process
with the same python: import pabutools, parse the file, run its rule with the same satisfaction
as tests/participation/reference.py, print the funded ids; once, as it takes long), their ratio,
and whether the outcomes agree (a difference fails the bench). For information, our in-process
time too (reading the file and computing, best of three). The last line is `RATIO pb <x>`, the
command over pabutools for the worst rule. Target: at most 0.1.

`GTI_BENCH_SCALE` (default 1) scales the voters down for a quick run.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the reference harness of tests/participation

from gti.participation import pabulib, rules  # noqa: E402
from tests.participation.reference import generate  # noqa: E402

SCALE = float(os.environ.get("GTI_BENCH_SCALE", "1"))
SIZES = [(50, 5_000), (200, 5_000)]
RUNS = [("greedy", "none"), ("mes", "none"), ("mes", "utilitarian"), ("mes", "add1"),
        ("mes", "add1u")]  # fmt: skip
# this checkout's code in both processes
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
PABUTOOLS = """
import json, sys
from tests.participation.reference import pabutools_outcome
path, rule, completion = sys.argv[1:]
with open(path, encoding="utf-8") as f:
    print(json.dumps(sorted(pabutools_outcome(f.read(), rule, completion))))
"""


def _timed(args: list[str], env: dict = ENV) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(args, env=env, check=True, capture_output=True, text=True)
    return time.perf_counter() - start, done.stdout


def _command(path: Path, rule: str, completion: str) -> tuple[float, list[str]]:
    gti = Path(sys.executable).parent / "gti"
    args = [str(gti), "pb", "compute", str(path), "--rule", rule, "--completion", completion]
    # its bytecode cached, as an installation has it (pabutools' and the standard library's
    # are), kept in the bench's folder: the first of the three runs writes it
    env = {**ENV, "PYTHONPYCACHEPREFIX": str(path.parent / "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    times, outputs = zip(*(_timed(args, env) for _ in range(3)), strict=True)
    return min(times), json.loads(outputs[0])["selected"]


def _pabutools(path: Path, rule: str, completion: str) -> tuple[float, list[str]]:
    took, output = _timed([sys.executable, "-c", PABUTOOLS, str(path), rule, completion])
    return took, json.loads(output)


def _in_process(path: Path, rule: str, completion: str) -> float:
    best = None
    for _ in range(3):
        start = time.perf_counter()
        rules.compute(pabulib.read(path), rule, completion)
        took = time.perf_counter() - start
        best = took if best is None else min(best, took)
    return best


def run() -> None:
    folder = Path(tempfile.mkdtemp(prefix="gti-bench-pb-"))
    worst = 0.0
    print(f"{'election':>22} {'rule':>16} {'gti pb s':>8} {'pabutools s':>11} {'ratio':>6} "
          f"{'in-process s':>12} {'funded':>6}")  # fmt: skip
    for projects, voters in SIZES:
        voters = max(10, int(voters * SCALE))
        for cumulative in (False, True):
            kind = "cumulative" if cumulative else "approval"
            name = f"{projects}x{voters} {kind}"
            path = folder / f"{projects}-{voters}-{kind}.pb"
            path.write_text(generate(2026, projects, voters, cumulative, 0.3, unit=100))
            for rule, completion in RUNS:
                ours, selected = _command(path, rule, completion)
                theirs, reference = _pabutools(path, rule, completion)
                if set(selected) != set(reference):
                    raise SystemExit(f"{name} {rule}/{completion}: the outcomes differ")
                ratio = ours / theirs
                worst = max(worst, ratio)
                inside = _in_process(path, rule, completion)
                print(f"{name:>22} {rule + '/' + completion:>16} {ours:8.3f} {theirs:11.3f} "
                      f"{ratio:6.3f} {inside:12.3f} {len(selected):>6}", flush=True)  # fmt: skip
    print(f"RATIO pb {worst:.3f}")


if __name__ == "__main__":
    run()
