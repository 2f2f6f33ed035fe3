import itertools
import json
import os
import random
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gti.participation import pabulib, rules, texts
from tests.participation.reference import generate, pabutools_outcome

RUNS = [
    ("greedy", "none"),
    ("mes", "none"),
    ("mes", "utilitarian"),
    ("mes", "add1"),
    ("mes", "add1u"),
]
KINDS = [False, True]  # approval, cumulative


# -- against pabutools 1.2.3 ---------------------------------------------------------------------


@pytest.mark.parametrize("cumulative", KINDS, ids=["approval", "cumulative"])
@pytest.mark.parametrize("rule,completion", RUNS)
def test_small_elections_fund_what_pabutools_funds(rule, completion, cumulative):
    for seed in range(12):
        text = generate(seed, 6 + seed, 15 + 4 * seed, cumulative, 0.2 + (seed % 5) / 10)
        ours = rules.compute(pabulib.read(text), rule, completion)
        assert set(ours.selected) == pabutools_outcome(text, rule, completion), seed


def edge_election(seed: int) -> str:
    """Costs of 0, budgets down to 0, numeric ids that sort otherwise as strings."""
    rng = random.Random(seed)
    cumulative = seed % 2 == 1
    ids = list(dict.fromkeys(str(rng.randint(1, 30)) for _ in range(rng.randint(1, 7))))
    lines = ["META", "key;value", f"budget;{rng.randint(0, 25)}",
             f"vote_type;{'cumulative' if cumulative else 'approval'}", "PROJECTS",
             "project_id;cost", *(f"{p};{rng.choice([0, 0, 1, 2, 3, 5, 8, 13])}" for p in ids),
             "VOTES", "voter_id;vote;points" if cumulative else "voter_id;vote"]  # fmt: skip
    for v in range(rng.randint(1, 10)):
        chosen = rng.sample(ids, rng.randint(1, len(ids)))
        points = ";" + ",".join(str(rng.randint(1, 3)) for _ in chosen) if cumulative else ""
        lines.append(f"{v};{','.join(chosen)}{points}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("rule,completion", RUNS)
def test_edge_elections_fund_what_pabutools_funds(rule, completion):
    for seed in range(40):
        text = edge_election(seed)
        ours = rules.compute(pabulib.read(text), rule, completion)
        assert set(ours.selected) == pabutools_outcome(text, rule, completion), seed


@pytest.mark.parametrize("cumulative", KINDS, ids=["approval", "cumulative"])
@pytest.mark.parametrize("rule,completion", RUNS)
def test_a_medium_election_funds_what_pabutools_funds(rule, completion, cumulative):
    text = generate(7, 30, 250, cumulative, 0.3, unit=1)
    ours = rules.compute(pabulib.read(text), rule, completion)
    assert set(ours.selected) == pabutools_outcome(text, rule, completion)


def test_add1_with_a_larger_increment_as_pabutools():
    text = generate(5, 15, 40, False, 0.5, unit=100)
    ours = rules.compute(pabulib.read(text), "mes", "add1u", increment=7)
    assert set(ours.selected) == pabutools_outcome(text, "mes", "add1u", increment=7)


DECIMALS = """META
key;value
description;decimal amounts
country;Belgium
unit;Gent
instance;2026
num_projects;4
num_votes;5
budget;100.5
vote_type;approval
rule;greedy
PROJECTS
project_id;cost;name
a;33.3;Bench
b;40,25;Trees
c;12.5;Lights
d;50;Square
VOTES
voter_id;vote
1;a,b
2;b,c
3;a,c,d
4;d
5;a,d
"""


@pytest.mark.parametrize("rule,completion", RUNS)
def test_decimal_costs_are_exact(rule, completion):
    ours = rules.compute(pabulib.read(DECIMALS), rule, completion)
    assert set(ours.selected) == pabutools_outcome(DECIMALS, rule, completion)
    assert isinstance(ours.total_cost, Fraction)


# -- the rules on their own ----------------------------------------------------------------------


def election(cumulative=False, budget=10, costs=None, ballots=()):
    costs = costs or {}
    projects = {pid: pabulib.Project(pid, cost) for pid, cost in costs.items()}
    made = []
    for v, ballot in enumerate(ballots):
        if cumulative:
            made.append(pabulib.Ballot(str(v), tuple(ballot), tuple(ballot.values())))
        else:
            made.append(pabulib.Ballot(str(v), tuple(ballot)))
    kind = "cumulative" if cumulative else "approval"
    return pabulib.Instance({}, projects, made, budget, kind)


def test_greedy_funds_by_approvals_and_skips_what_does_not_fit():
    inst = election(budget=10, costs={"a": 8, "b": 5, "c": 2},
                    ballots=[["a", "b"], ["a", "b"], ["a"], ["c"]])  # fmt: skip
    assert rules.compute(inst, "greedy").selected == ["a", "c"]


def test_ties_are_broken_on_the_id_as_a_string():
    inst = election(budget=5, costs={"10": 5, "9": 5}, ballots=[["10", "9"]])
    assert rules.compute(inst, "greedy").selected == ["10"]
    assert rules.compute(inst, "mes").selected == ["10"]


def test_mes_explains_who_paid_what():
    # 4 voters with 3 each; a (cost 6) is approved by 0, 1, 2: each pays 2
    inst = election(budget=12, costs={"a": 6, "b": 6},
                    ballots=[["a"], ["a"], ["a", "b"], ["b"]])  # fmt: skip
    outcome = rules.compute(inst, "mes")
    assert outcome.endowment == 3
    assert outcome.selected == ["a"]  # b would cost its two supporters 3 each, all they have
    assert outcome.shares("a") == {"0": Fraction(1, 3), "1": Fraction(1, 3), "2": Fraction(1, 3)}
    assert outcome.spending("2") == {"a": Fraction(2, 3)}
    assert outcome.spending("3") == {}
    completed = rules.compute(inst, "mes", "utilitarian")
    assert completed.selected == ["a", "b"]
    assert [f.phase for f in completed.fundings] == ["mes", "greedy"]


def test_cumulative_supporters_pay_by_their_points():
    inst = election(True, budget=12, costs={"a": 6},
                    ballots=[{"a": 1}, {"a": 2}, {"a": 3}])  # fmt: skip
    outcome = rules.compute(inst, "mes")
    assert outcome.shares("a") == {"0": Fraction(1, 6), "1": Fraction(2, 6), "2": Fraction(3, 6)}


def test_rules_refuse_unknown_names():
    inst = election(costs={"a": 1}, ballots=[["a"]])
    with pytest.raises(ValueError):
        rules.compute(inst, "phragmen")
    with pytest.raises(ValueError):
        rules.compute(inst, "greedy", "add1")
    with pytest.raises(ValueError):
        rules.compute(inst, "mes", "add1", increment=0)


# -- properties ----------------------------------------------------------------------------------


@st.composite
def elections(draw, max_projects=6, max_voters=12):
    cumulative = draw(st.booleans())
    m = draw(st.integers(1, max_projects))
    costs = {f"p{j}": draw(st.integers(0, 20)) for j in range(m)}
    ids = list(costs)
    ballots = []
    for _ in range(draw(st.integers(0, max_voters))):
        chosen = draw(st.lists(st.sampled_from(ids), unique=True, max_size=m))
        if cumulative:
            ballots.append({pid: draw(st.integers(1, 3)) for pid in chosen})
        else:
            ballots.append(chosen)
    budget = draw(st.integers(0, 60))
    return election(cumulative, budget, costs, ballots)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elections(), st.sampled_from(RUNS))
def test_every_outcome_is_within_budget(inst, run):
    outcome = rules.compute(inst, *run)
    assert outcome.total_cost <= inst.budget
    assert len(set(outcome.selected)) == len(outcome.selected)
    for f in outcome.fundings:
        if f.phase == "mes":
            assert sum(f.payments.values()) == f.cost


def ejr_up_to_one_violation(inst, selected):
    """A group the outcome fails (EJR up to one project, additive utilities), or None.

    A group S is (alpha, T)-cohesive when |S| / n * budget >= cost(T) and each of its voters
    values each c in T at least alpha(c); some voter of S must then value the outcome at least
    sum(alpha), or more once one project of T it lacks is added. Utilities: the cost of an
    approved project, the points given. "More" is strict, as Peters, Pierczynski and Skowron
    define it (pabutools' `is_EJR_one_*` is content with as much)."""
    n, budget = len(inst.ballots), inst.budget
    ids = list(inst.projects)
    cost = {pid: Fraction(p.cost) for pid, p in inst.projects.items()}
    if inst.cumulative:
        utils = [b.utilities() for b in inst.ballots]
    else:
        utils = [{pid: cost[pid] for pid in b.vote} for b in inst.ballots]
    won = [sum(u.get(p, 0) for p in selected) for u in utils]
    for size in range(1, len(ids) + 1):
        for group in itertools.combinations(ids, size):
            if sum(cost[p] for p in group) > budget or not n:
                continue
            levels = [sorted({u[p] for u in utils if u.get(p, 0) > 0}) for p in group]
            for alpha in itertools.product(*levels):
                pairs = list(zip(group, alpha, strict=True))
                members = [
                    i for i, u in enumerate(utils) if all(u.get(p, 0) >= a for p, a in pairs)
                ]
                need = sum(alpha)
                missing = [p for p in group if p not in selected]
                failed = [i for i in members if won[i] < need and not any(
                    won[i] + utils[i].get(p, 0) > need for p in missing)]  # fmt: skip
                if failed and len(failed) * budget >= sum(cost[p] for p in group) * n:
                    return group, alpha, failed
    return None


def test_the_ejr_checker_finds_a_failed_group():
    # half the voters approve a, b and x: with half the budget they deserve a and b (cost 3)
    inst = election(budget=6, costs={"a": 1, "b": 2, "x": 1, "c": 3, "d": 3},
                    ballots=[["a", "b", "x"]] * 3 + [["c", "d"]] * 3)  # fmt: skip
    assert ejr_up_to_one_violation(inst, ["c", "d"]) is not None
    assert ejr_up_to_one_violation(inst, ["a", "x", "c"]) is None  # up to one: b
    assert ejr_up_to_one_violation(inst, rules.compute(inst, "mes").selected) is None
    # greedy gives all to the majority's project; the two voters of a deserve a
    inst = election(budget=6, costs={"c": 6, "a": 1}, ballots=[["c"]] * 4 + [["a"]] * 2)
    assert ejr_up_to_one_violation(inst, rules.compute(inst, "greedy").selected) is not None
    assert ejr_up_to_one_violation(inst, rules.compute(inst, "mes").selected) is None


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elections(max_projects=5, max_voters=8))
def test_mes_satisfies_ejr_up_to_one(inst):
    assert ejr_up_to_one_violation(inst, rules.compute(inst, "mes").selected) is None


# -- the format ----------------------------------------------------------------------------------


def test_written_files_read_back_the_same():
    text = generate(3, 10, 30, cumulative=True)
    inst = pabulib.read(text)
    again = pabulib.read(pabulib.write(inst))
    assert again.projects == inst.projects and again.ballots == inst.ballots
    assert again.budget == inst.budget and again.vote_type == "cumulative"
    decimals = pabulib.read(DECIMALS)
    assert pabulib.read(pabulib.write(decimals)).projects["b"].cost == Fraction("40.25")


def test_votes_with_spaces_empty_items_or_none_read_as_plain_ones():
    loose = DECIMALS.replace("1;a,b", " 1 ; a , b ,").replace("2;b,c", "2;b,,c")
    assert pabulib.read(loose).ballots == pabulib.read(DECIMALS).ballots
    # "none" is an empty vote, even where a project has that id
    text = DECIMALS.replace("num_projects;4", "num_projects;5").replace(
        "d;50;Square", "d;50;Square\nnone;1;Park").replace("5;a,d", "5;none")  # fmt: skip
    assert pabulib.read(text).ballots[-1].vote == ()


def broken(line: int, replacement: str | None) -> str:
    lines = DECIMALS.splitlines()
    if replacement is None:
        del lines[line - 1]
    else:
        lines[line - 1] = replacement
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "text,line,problem",
    [
        (broken(1, "META;x"), 1, "is not a section"),
        (broken(11, "BALLOTS"), 11, "1 columns where the header has 2"),
        (broken(12, "VOTES"), 12, "VOTES where PROJECTS was expected"),
        (broken(14, "a;33.3"), 14, "2 columns where the header has 3"),
        (broken(15, "b;lots;Trees"), 15, "cost 'lots' is not a non-negative number"),
        (broken(16, "c;-1;Lights"), 16, "not a non-negative number"),
        (broken(21, "2;a,z"), 21, "project z, not in PROJECTS"),
        (broken(21, "2;a,a"), 21, "names a project twice"),
        (broken(22, "1;b"), 22, "voter 1 appears twice"),
        (broken(9, None), 1, "META has no budget"),
        (broken(9, "budget;much"), 9, "budget 'much' is not a non-negative number"),
        (broken(10, "vote_type;ordinal"), 10, "vote_type 'ordinal' is not one of"),
        (broken(8, "num_votes;6"), 8, "num_votes says 6, the file has 5"),
        (broken(19, "voter_id;ballot"), 19, "the header lacks vote"),
        (DECIMALS.split("VOTES")[0], 17, "ends without the section(s) VOTES"),
    ],
)
def test_a_broken_file_names_the_line_and_the_problem(text, line, problem):
    with pytest.raises(pabulib.PabulibError) as error:
        pabulib.read(text)
    assert error.value.line == line
    assert problem in error.value.problem
    assert str(error.value).startswith(f"line {line}: ")


def test_cumulative_ballots_are_checked_against_their_limits():
    text = generate(1, 5, 3, cumulative=True).replace(
        "rule;greedy", "rule;greedy\nmax_sum_points;2\nmax_length;9"
    )
    with pytest.raises(pabulib.PabulibError, match="more than max_sum_points"):
        pabulib.read(text)
    bad_points = text.replace("max_sum_points;2", "max_sum_points;99").splitlines()
    at = next(i for i, row in enumerate(bad_points) if row.startswith("v0;"))
    voter, vote, _ = bad_points[at].split(";")
    bad_points[at] = f"{voter};{vote};x"
    with pytest.raises(pabulib.PabulibError) as error:
        pabulib.read("\n".join(bad_points))
    assert error.value.line == at + 1


# -- the command ---------------------------------------------------------------------------------


def test_the_command_writes_the_outcome_as_json(tmp_path):
    source, target = tmp_path / "gent.pb", tmp_path / "out.json"
    source.write_text(DECIMALS, encoding="utf-8")
    call_command("pb", "compute", str(source), "--rule", "mes", "--completion", "add1u",
                 "--output", str(target))  # fmt: skip
    result = json.loads(target.read_text())
    assert set(result) == {"selected", "total_cost", "rule", "completion", "endowment"}
    outcome = rules.compute(pabulib.read(DECIMALS), "mes", "add1u")
    assert result["selected"] == outcome.selected
    assert all(isinstance(pid, str) for pid in result["selected"])
    assert Fraction(result["total_cost"]) == outcome.total_cost
    assert (result["rule"], result["completion"]) == ("mes", "add1u")
    assert Fraction(result["endowment"]) == outcome.endowment
    call_command("pb", "compute", str(source), "--rule", "greedy", "--output", str(target))
    assert json.loads(target.read_text())["endowment"] is None


def test_the_command_writes_text(tmp_path, capsys):
    source = tmp_path / "gent.pb"
    source.write_text(DECIMALS, encoding="utf-8")
    call_command("pb", "compute", str(source), "--rule", "mes", "--format", "text")
    out = capsys.readouterr().out
    assert "each voter's budget: 20.1" in out
    assert "equal shares of" in out


@pytest.mark.parametrize(
    "text,args,message",
    [
        (broken(15, "b;lots;Trees"), [], "line 15: cost 'lots'"),
        (DECIMALS, ["--completion", "add1"], "--completion"),
        (DECIMALS, ["--increment", "0"], "--increment"),
    ],
)
def test_the_command_exits_2_on_a_broken_file_or_option(tmp_path, text, args, message):
    source, target = tmp_path / "gent.pb", tmp_path / "out.json"
    source.write_text(text, encoding="utf-8")
    rule = "greedy" if "--completion" in args else "mes"
    with pytest.raises(CommandError) as error:
        call_command("pb", "compute", str(source), "--rule", rule, *args, "--output", str(target))
    assert error.value.returncode == 2
    assert message in str(error.value)
    assert not target.exists()


# -- the command as researchers run it: `gti` in a new process, without the site ------------------

SRC = Path(__file__).resolve().parents[2] / "src"


def gti(*args: str) -> subprocess.CompletedProcess:
    """The real `gti` executable on this checkout's code; no language chosen."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run([str(Path(sys.executable).parent / "gti"), *args], env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip


def test_gti_pb_writes_json_in_a_new_process(tmp_path):
    source = tmp_path / "gent.pb"
    source.write_text(DECIMALS, encoding="utf-8")
    done = gti("pb", "compute", str(source), "--rule", "mes", "--completion", "add1u")
    assert (done.returncode, done.stderr) == (0, "")
    result = json.loads(done.stdout)
    outcome = rules.compute(pabulib.read(DECIMALS), "mes", "add1u")
    assert result["selected"] == outcome.selected
    assert Fraction(result["total_cost"]) == outcome.total_cost
    assert (result["rule"], result["completion"]) == ("mes", "add1u")
    assert Fraction(result["endowment"]) == outcome.endowment


def test_gti_pb_writes_text_in_dutch_when_no_language_is_chosen(tmp_path):
    source, target = tmp_path / "gent.pb", tmp_path / "out.txt"
    source.write_text(DECIMALS, encoding="utf-8")
    done = gti("pb", "compute", str(source), "--rule", "mes", "--format", "text",
               "--output", str(target))  # fmt: skip
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    text = target.read_text(encoding="utf-8")
    assert "budget van elke stemmer: 20.1" in text
    assert "gelijke delen van" in text


def test_gti_pb_names_the_broken_line_and_writes_nothing(tmp_path):
    source, target = tmp_path / "gent.pb", tmp_path / "out.json"
    source.write_text(broken(15, "b;lots;Trees"), encoding="utf-8")
    done = gti("pb", "compute", str(source), "--rule", "mes", "--output", str(target))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == f"gti pb: {source}: regel 15: kost 'lots' is geen niet-negatief getal\n"
    assert not target.exists()


@pytest.mark.parametrize(
    "args,message",
    [
        (["--rule", "median"], "argument --rule: invalid choice: 'median'"),
        (["--rule", "greedy", "--completion", "add1"], "--completion: greedy neemt er geen"),
        (["--rule", "mes", "--increment", "-2"], "--increment: '-2' is geen positief getal"),
    ],
)
def test_gti_pb_refuses_a_bad_option_and_writes_nothing(tmp_path, args, message):
    source, target = tmp_path / "gent.pb", tmp_path / "out.json"
    source.write_text(DECIMALS, encoding="utf-8")
    done = gti("pb", "compute", str(source), *args, "--output", str(target))
    assert done.returncode == 2
    assert message in done.stderr
    assert done.stdout == ""
    assert not target.exists()


def test_the_command_module_loads_neither_the_settings_nor_django_translation():
    code = "import sys, gti.participation.cli; print(sorted(sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(SRC)},
                          capture_output=True, text=True, check=True)  # fmt: skip
    loaded = set(json.loads(done.stdout.replace("'", '"')))
    assert "gti.participation.cli" in loaded
    assert not loaded & {"gti.settings", "django.utils.translation", "django.conf"}
    assert not loaded & {"dataclasses", "inspect", "pathlib"}  # the slow ones to import


def test_the_command_speaks_the_sites_default_language_without_the_site(settings):
    assert texts.LANGUAGE_CODE == settings.LANGUAGE_CODE
    assert texts._catalogue().gettext("%(file)s: no such file") == "%(file)s: bestand bestaat niet"


def test_random_ids_sort_as_strings():
    rng = random.Random(4)
    ids = [str(rng.randint(1, 200)) for _ in range(30)]
    inst = election(budget=1000, costs=dict.fromkeys(ids, 1), ballots=[ids])
    assert rules.compute(inst, "greedy").selected == sorted(set(ids))
