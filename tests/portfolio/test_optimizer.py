"""The optimiser against its promises: no constraint broken, never below rank-and-fill, equal to
a brute-force search on small instances; the command-line contract; explanations."""

import json
import subprocess
import sys
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gti.portfolio import optimizer as opt

CITIES, PRIORITIES, THEMES, AREAS = ["gent", "antwerpen"], ["P1", "P2"], ["t1", "t2", "t3"], [
    "a1", "a2", "a3"]  # fmt: skip


@st.composite
def instances(draw, max_proposals=12, scalable=False):
    n = draw(st.integers(0, max_proposals))
    ids = [f"p{i}" for i in range(n)]
    proposals = []
    for pid in ids:
        erdf = draw(st.integers(1, 40)) * 10_000
        p = {
            "id": pid,
            "city": draw(st.sampled_from(CITIES)),
            "priority": draw(st.sampled_from(PRIORITIES)),
            "theme": draw(st.sampled_from(THEMES)),
            "areas": draw(st.lists(st.sampled_from(AREAS), max_size=2, unique=True)),
            "score": draw(st.integers(0, 100)),
            "erdf": erdf,
            "excludes": [],
            "requires": [],
        }
        if draw(st.booleans()):
            p["value"] = draw(st.integers(0, 100))
        if scalable and draw(st.booleans()):
            p["min_erdf"] = draw(st.integers(1, erdf // 10_000)) * 10_000
        proposals.append(p)
    if n >= 2:
        for _ in range(draw(st.integers(0, 2))):
            a, b = draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True))
            proposals[ids.index(a)]["excludes"].append(b)
        for _ in range(draw(st.integers(0, 2))):
            a, b = draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True))
            proposals[ids.index(a)]["requires"].append(b)
    envelopes = [
        {
            "id": f"e{k}",
            "amount": draw(st.integers(0, 100)) * 10_000,
            **draw(st.fixed_dictionaries({}, optional={"city": st.sampled_from(CITIES),
                                                       "priority": st.sampled_from(PRIORITIES),
                                                       "theme": st.sampled_from(THEMES)})),
        }
        for k in range(draw(st.integers(1, 3)))
    ]  # fmt: skip
    minimums = [
        {
            "id": f"m{k}",
            "count": draw(st.integers(0, 2)),
            **draw(st.fixed_dictionaries({}, optional={"theme": st.sampled_from(THEMES),
                                                       "area": st.sampled_from(AREAS)})),
        }
        for k in range(draw(st.integers(0, 2)))
    ]  # fmt: skip
    return {"proposals": proposals, "envelopes": envelopes, "minimums": minimums}


def infeasible_with_only(inst, kept) -> bool:
    if not inst.proposals:
        return any(m.count > 0 for m in inst.minimums if m.id in kept)
    everything = set(opt.build(inst).row_ids) - {""}
    model = opt.build(inst, skip=frozenset(everything - set(kept)))
    return opt._solve(model, 60)[0].status == 2


def amounts(result):
    return {s["id"]: s["erdf"] for s in result["selected"]}


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(instances(max_proposals=16, scalable=True))
def test_never_breaks_a_constraint_and_never_below_rank_and_fill(data):
    inst = opt.parse_instance(data)
    result = opt.solve(inst)
    assert result["status"] in {"optimal", "infeasible"}
    if result["status"] == "infeasible":
        conflict = result["conflicting"]
        assert any(c in {m.id for m in inst.minimums} for c in conflict)
        assert infeasible_with_only(inst, conflict)
        for c in conflict:  # minimal: without any one of them the rest can hold
            assert not infeasible_with_only(inst, [x for x in conflict if x != c])
        return
    assert opt.violations(inst, amounts(result)) == []
    greedy = result["greedy"]
    greedy_breaks = opt.violations(inst, amounts(greedy))
    assert all(v.startswith("minimum") for v in greedy_breaks)  # rank-and-fill ignores minimums
    if greedy["meets_minimums"]:
        assert result["objective"] >= greedy["objective"] - 1e-6 * max(1, greedy["objective"])
    assert result["gap"] <= 1e-6
    left_out = {p.id for p in inst.proposals} - amounts(result).keys()
    assert left_out <= result["explanations"].keys()


@SETTINGS
@given(instances(max_proposals=12))
def test_equals_brute_force_on_small_instances(data):
    inst = opt.parse_instance(data)
    result = opt.solve(inst, explain=False)
    best = opt.brute_force(inst)
    if best is None:
        assert result["status"] == "infeasible"
    else:
        assert result["status"] == "optimal"
        assert result["objective"] == pytest.approx(best, rel=1e-6, abs=1e-6)


@settings(max_examples=8, deadline=None)
@given(instances(max_proposals=16))
def test_brute_force_at_sixteen_proposals(data):
    inst = opt.parse_instance(data)
    best = opt.brute_force(inst)
    result = opt.solve(inst, explain=False)
    if best is not None:
        assert result["objective"] == pytest.approx(best, rel=1e-6, abs=1e-6)


def example():
    return {
        "proposals": [
            {"id": "A", "city": "gent", "priority": "P1", "theme": "t1", "areas": ["a1"],
             "score": 80, "erdf": 500000, "excludes": ["B"], "requires": []},
            {"id": "B", "city": "gent", "priority": "P1", "theme": "t1", "areas": ["a1"],
             "score": 70, "erdf": 300000, "excludes": [], "requires": []},
            {"id": "C", "city": "gent", "priority": "P1", "theme": "t2", "areas": ["a2"],
             "score": 60, "erdf": 400000, "excludes": [], "requires": []},
            {"id": "D", "city": "gent", "priority": "P2", "theme": "t2", "areas": ["a2"],
             "score": 50, "erdf": 300000, "min_erdf": 100000, "excludes": [], "requires": ["C"]},
            {"id": "E", "city": "gent", "priority": "P2", "theme": "t3", "areas": ["a3"],
             "score": 90, "erdf": 600000, "excludes": [], "requires": []},
        ],
        "envelopes": [
            {"id": "P1", "amount": 900000, "city": "gent", "priority": "P1"},
            {"id": "P2", "amount": 800000, "city": "gent", "priority": "P2"},
        ],
        "minimums": [{"id": "climate", "count": 1, "theme": "t2"}],
    }  # fmt: skip


def test_scalable_proposal_takes_what_is_left_and_value_scales():
    result = opt.solve(opt.parse_instance(example()))
    assert amounts(result) == {"A": 500000, "C": 400000, "D": 200000, "E": 600000}
    assert result["objective"] == pytest.approx(80 + 60 + 90 + 50 * 2 / 3, abs=1e-6)
    assert {"code": "excluded_by_alternative", "alternative": "A", "alternative_value": 80,
            "value": 70} in result["explanations"]["B"]  # fmt: skip
    assert result["explanations"]["D"] == [
        {"code": "selected", "funded": 200000, "requested": 300000, "value": 50}
    ]
    assert {"P1", "P2", "exclusion:A:B"} <= set(result["binding"])


def test_optimum_beats_rank_and_fill_where_it_leaves_money():
    data = {
        "proposals": [
            {"id": "big", "score": 90, "erdf": 600},
            {"id": "s1", "score": 50, "erdf": 500},
            {"id": "s2", "score": 50, "erdf": 500},
        ],
        "envelopes": [{"id": "all", "amount": 1000}],
    }
    result = opt.solve(opt.parse_instance(data))
    assert set(amounts(result)) == {"s1", "s2"} and result["objective"] == 100
    assert result["greedy"]["objective"] == 90
    assert result["explanations"]["big"] == [
        {"code": "envelope_short", "envelope": "all", "left": 0, "asks": 600, "short": 600,
         "value": 90, "displace_value": 100}
    ]  # fmt: skip


def test_value_can_replace_the_score():
    data = {"proposals": [{"id": "a", "score": 90, "value": 1, "erdf": 10},
                          {"id": "b", "score": 10, "value": 5, "erdf": 10}],
            "envelopes": [{"id": "e", "amount": 10}]}  # fmt: skip
    assert amounts(opt.solve(opt.parse_instance(data))) == {"b": 10}


def test_minimum_in_an_area_is_met():
    data = example()
    data["minimums"] = [{"id": "in-a1", "count": 2, "area": "a1"}]
    for p in data["proposals"]:
        p["excludes"] = []
    result = opt.solve(opt.parse_instance(data))
    assert {"A", "B"} <= set(amounts(result))


def test_infeasible_names_the_conflicting_constraints():
    data = example()
    data["minimums"] = [{"id": "three-t1", "count": 3, "theme": "t1"}]
    result = opt.solve(opt.parse_instance(data))
    assert result["status"] == "infeasible"
    assert "three-t1" in result["conflicting"]
    assert result["selected"] == []


def gti(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "gti", "optimize", *args], capture_output=True,
                          text=True, timeout=120)  # fmt: skip


def test_command_line_contract(tmp_path):
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(example()))
    run = gti(str(path))
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert set(result) >= {"status", "objective", "gap", "selected", "greedy", "binding",
                           "explanations"}  # fmt: skip
    assert set(result["greedy"]) >= {"objective", "selected"}
    out = tmp_path / "result.json"
    assert gti(str(path), "--output", str(out)).returncode == 0
    assert json.loads(out.read_text())["objective"] == result["objective"]


def test_money_is_exact_to_the_cent(tmp_path):
    """Amounts are decimals summed in cents, never floats: 0.10 + 0.20 fills 0.30 exactly and a
    cent more does not fit, in the optimum and in rank-and-fill, and the command writes the
    amounts as they were given."""
    data = {
        "proposals": [
            {"id": "a", "score": 3, "erdf": 0.1},
            {"id": "b", "score": 2, "erdf": 0.2},
            {"id": "c", "score": 1, "erdf": 0.01},
        ],
        "envelopes": [{"id": "e", "amount": 0.3}],
    }
    result = opt.solve(opt.parse_instance(data))
    for chosen in (result, result["greedy"]):
        assert amounts(chosen) == {"a": Decimal("0.10"), "b": Decimal("0.20")}
        assert all(isinstance(s["erdf"], Decimal) for s in chosen["selected"])
    short = result["explanations"]["c"][0]
    assert (short["code"], short["left"], short["short"]) == (
        "envelope_short", Decimal("0.00"), Decimal("0.01"),
    )  # fmt: skip
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(data))
    run = gti(str(path))
    assert '"erdf": 0.1' in run.stdout and '"erdf": 0.2' in run.stdout
    assert json.loads(run.stdout)["selected"] == [
        {"id": "a", "erdf": 0.1},
        {"id": "b", "erdf": 0.2},
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["proposals"][1].update(erdf=-1), "proposals[1].erdf: must not be negative"),
        (
            lambda d: d["proposals"][0]["excludes"].append("Z"),
            "proposals[0].excludes[1]: unknown id 'Z'",
        ),
        (
            lambda d: d["proposals"][3]["requires"].append("Q"),
            "proposals[3].requires[1]: unknown id 'Q'",
        ),
        (lambda d: d["proposals"][2].pop("score"), "proposals[2].score: missing"),
        (
            lambda d: d["envelopes"][0].update(amount=-5),
            "envelopes[0].amount: must not be negative",
        ),
        (lambda d: d["proposals"][0].pop("id"), "proposals[0].id: missing"),
        (
            lambda d: d["proposals"][0].update(erdf=1000.005),
            "proposals[0].erdf: more than two decimals",
        ),
    ],
)
def test_invalid_instance_exits_2_naming_the_place(tmp_path, change, message):
    data = example()
    change(data)
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(data))
    run = gti(str(path))
    assert run.returncode == 2
    assert message in run.stderr
    assert run.stdout == ""


def test_not_json_exits_2(tmp_path):
    path = tmp_path / "instance.json"
    path.write_text("{proposals: ")
    run = gti(str(path))
    assert run.returncode == 2 and "not JSON" in run.stderr


def test_infeasible_exits_0(tmp_path):
    data = example()
    data["minimums"] = [{"id": "three-t1", "count": 3, "theme": "t1"}]
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(data))
    run = gti(str(path))
    assert run.returncode == 0
    assert json.loads(run.stdout)["status"] == "infeasible"


def test_no_proposals_and_two_minimums_names_one_minimal_conflict():
    data = {"proposals": [], "minimums": [{"id": "m0", "count": 1}, {"id": "m1", "count": 1}]}
    result = opt.solve(opt.parse_instance(data))
    assert result["status"] == "infeasible" and result["conflicting"] == ["m0"]
