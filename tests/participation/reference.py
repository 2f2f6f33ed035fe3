"""pabutools 1.2.3, the reference our rules must match, and generated .pb elections."""

import random

from pabutools.election import (
    Additive_Cardinal_Sat,
    AdditiveSatisfaction,
    Cost_Sat,
)
from pabutools.election.pabulib import parse_pabulib_from_string
from pabutools.rules import (
    completion_by_rule_combination,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
)


class PointsTimesCostSat(AdditiveSatisfaction):
    """Greedy by total points: pabutools' greedy orders by total utility over cost."""

    def __init__(self, instance, profile, ballot):
        super().__init__(instance, profile, ballot,
                         lambda inst, prof, b, p, pre: b.get(p, 0) * p.cost)  # fmt: skip


def pabutools_outcome(text: str, rule: str, completion: str = "none", increment=1) -> set[str]:
    """The projects pabutools funds for the .pb text, as names."""
    instance, profile = parse_pabulib_from_string(text)
    cumulative = instance.meta["vote_type"] == "cumulative"
    mes_sat = Additive_Cardinal_Sat if cumulative else Cost_Sat
    greedy_sat = PointsTimesCostSat if cumulative else Cost_Sat
    greedy = {"sat_class": greedy_sat}
    mes = {"sat_class": mes_sat}
    if completion in ("add1", "add1u"):
        mes["voter_budget_increment"] = increment
    if rule == "greedy":
        result = greedy_utilitarian_welfare(instance, profile, **greedy)
    elif completion in ("none", "add1"):
        result = method_of_equal_shares(instance, profile, **mes)
    else:
        result = completion_by_rule_combination(
            instance, profile, [method_of_equal_shares, greedy_utilitarian_welfare], [mes, greedy]
        )
    return {p.name for p in result}


def generate(seed: int, projects: int, voters: int, cumulative: bool = False,
             budget_share: float = 0.4, unit: int = 1) -> str:  # fmt: skip
    """A .pb election: costs 1 to 50 units, popularity skewed, budget a share of all costs."""
    rng = random.Random(seed)
    costs = [rng.randint(1, 50) * unit for _ in range(projects)]
    weights = [rng.random() ** 2 + 0.01 for _ in range(projects)]
    budget = int(sum(costs) * budget_share) // unit * unit
    ids = [str(j + 1) for j in range(projects)]
    lines = ["META", "key;value", "description;generated", "country;Belgium", "unit;Antwerpen",
             "instance;2026", f"num_projects;{projects}", f"num_votes;{voters}",
             f"budget;{budget}", f"vote_type;{'cumulative' if cumulative else 'approval'}",
             f"rule;{'greedy'}", "PROJECTS", "project_id;cost;name"]  # fmt: skip
    lines += [f"{pid};{cost};Project {pid}" for pid, cost in zip(ids, costs, strict=True)]
    lines += ["VOTES", "voter_id;vote;points" if cumulative else "voter_id;vote"]
    for v in range(voters):
        k = rng.randint(1, min(projects, 6))
        chosen = []
        while len(chosen) < k:
            pid = rng.choices(ids, weights)[0]
            if pid not in chosen:
                chosen.append(pid)
        if cumulative:
            points = [rng.randint(1, 5) for _ in chosen]
            lines.append(f"v{v};{','.join(chosen)};{','.join(map(str, points))}")
        else:
            lines.append(f"v{v};{','.join(chosen)}")
    return "\n".join(lines) + "\n"
