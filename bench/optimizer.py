"""The portfolio optimiser on generated instances of 100, 1,000 and 10,000 proposals.

Per size: time and value of the optimiser and of rank-and-fill, the value gained in percent, and
the optimiser's overhead: its whole time (reading nothing, building the model, solving, rank-and-
fill, explanations) over the time HiGHS spends inside the solve, both measured in this run.
Target: every size solved to optimality, overhead at most 1.5x.
"""

import time

import numpy as np

from gti.portfolio import optimizer as opt

CITIES = ["antwerpen", "gent"]
THEMES = [
    "digitalisering-vaardigheden", "slim-ruimtegebruik-sociale-innovatie", "klimaatadaptatie",
    "energie-efficientie", "hernieuwbare-energie", "mobiliteit", "stedelijke-circulariteit",
]  # fmt: skip
PRIORITY = {"digitalisering-vaardigheden": "P1", "slim-ruimtegebruik-sociale-innovatie": "P1",
            "stedelijke-circulariteit": "P1"}  # fmt: skip
AREAS = {"antwerpen": [f"district-{k}" for k in range(9)], "gent": [f"wijk-{k}" for k in range(25)]}


def instance(n: int, seed: int = 2026) -> dict:
    """A city-scale call round scaled to n proposals: two cities, envelopes per city and priority
    (about 40% of what is asked), a climate-adaptation minimum per city, a minimum in one area,
    alternatives (5%), dependencies (3%), scalable proposals (20%)."""
    rng = np.random.default_rng(seed)
    proposals = []
    for i in range(n):
        city = CITIES[i % 2]
        theme = THEMES[rng.integers(len(THEMES))]
        erdf = int(rng.integers(50, 2000)) * 1000
        p = {
            "id": f"p{i}",
            "city": city,
            "priority": PRIORITY.get(theme, "P2"),
            "theme": theme,
            "areas": list(rng.choice(AREAS[city], size=int(rng.integers(1, 3)), replace=False)),
            "score": round(float(rng.uniform(40, 100)), 2),
            "erdf": erdf,
            "excludes": [],
            "requires": [],
        }
        if rng.random() < 0.2:
            p["min_erdf"] = erdf // 2
        proposals.append(p)
    for i in rng.choice(n, size=n // 20, replace=False):
        j = (i + 2) % n  # an alternative in the same city
        proposals[i]["excludes"].append(f"p{j}")
    for i in rng.choice(n, size=n * 3 // 100, replace=False):
        proposals[i]["requires"].append(f"p{(i + 4) % n}")
    demand = {}
    for p in proposals:
        demand[(p["city"], p["priority"])] = demand.get((p["city"], p["priority"]), 0) + p["erdf"]
    envelopes = [
        {"id": f"{city}-{prio}", "city": city, "priority": prio, "amount": round(total * 0.4, -3)}
        for (city, prio), total in sorted(demand.items())
    ]
    climate = max(2, n // 50)
    minimums = [
        {"id": f"{city}-klimaat", "city": city, "theme": "klimaatadaptatie", "count": climate}
        for city in CITIES
    ] + [{"id": "in-wijk-3", "area": "wijk-3", "count": 1}]
    return {"proposals": proposals, "envelopes": envelopes, "minimums": minimums}


def run(sizes=(100, 1_000, 10_000)) -> None:
    print(
        f"{'proposals':>9} {'status':>8} {'opt s':>7} {'HiGHS s':>8} {'overhead':>8} "
        f"{'greedy s':>8} {'optimum':>12} {'greedy':>12} {'gain %':>7}"
    )
    for n in sizes:
        inst = opt.parse_instance(instance(n))
        timing = opt.Timing()
        result = opt.solve(inst, timing=timing)
        start = time.perf_counter()
        greedy = opt.rank_and_fill(inst)
        greedy_time = time.perf_counter() - start
        gain = 100 * (result["objective"] - greedy["objective"]) / greedy["objective"]
        print(
            f"{n:>9} {result['status']:>8} {timing.total:>7.2f} {timing.solver:>8.2f} "
            f"{timing.total / timing.solver:>7.2f}x {greedy_time:>8.3f} "
            f"{result['objective']:>12.1f} {greedy['objective']:>12.1f} {gain:>6.2f}%"
        )
        if result["status"] != "optimal":
            print(f"  NOT OPTIMAL at {n}: {result.get('message', '')}")
        if opt.violations(inst, {s["id"]: s["erdf"] for s in result["selected"]}):
            print(f"  CONSTRAINT BROKEN at {n}")


if __name__ == "__main__":
    run()
