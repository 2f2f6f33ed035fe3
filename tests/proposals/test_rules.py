"""The programme's rules, one by one, on plain data (no database)."""

import datetime
from decimal import Decimal

import pytest

from gti.proposals.rules import Context, Draft, Stage, check

D = Decimal
CTX = Context(
    max_rate=D("0.40"),
    eligible_from=datetime.date(2021, 1, 1),
    eligible_until=datetime.date(2029, 12, 31),
    admitted_themes=frozenset({"klimaatadaptatie", "mobiliteit"}),
    theme_objectives={
        "klimaatadaptatie": frozenset({"SD 2.4"}),
        "mobiliteit": frozenset({"SD 2.8"}),
        "hernieuwbare-energie": frozenset({"SD 2.2"}),
    },
    objective_indicators={
        "SD 2.4": frozenset({"RCO26", "RCO74"}),
        "SD 2.8": frozenset({"RCO58", "RCO74"}),
        "SD 2.2": frozenset({"RCO22"}),
    },
    areas=frozenset({"ledeberg", "binnenstad"}),
    principles={"G-1": True, "G-5": False},
    policy_references=frozenset({"beleidsnota-openbaar-groen"}),
)


def good(**changes) -> Draft:
    d = Draft(
        promoter="Stad Gent",
        city_role="initiator",
        title="Wijkpark",
        theme="klimaatadaptatie",
        specific_objective="SD 2.4",
        areas=["ledeberg"],
        start_date=datetime.date(2026, 1, 1),
        end_date=datetime.date(2027, 12, 31),
        erdf_requested=D("40000.00"),
        erdf_rate=D("0.40"),
        budget_lines=[D("60000.00"), D("40000.00")],
        co_financing=[D("50000.00"), D("10000.00")],
        indicators=["RCO26"],
        justifications={"G-1": "Het wijkpark bereikt 9.000 bewoners."},
        policy_references=["beleidsnota-openbaar-groen"],
    )
    for k, v in changes.items():
        setattr(d, k, v)
    return d


def found(d: Draft, stage=Stage.SCREEN) -> list[tuple[str, str]]:
    return [(v.rule, v.field) for v in check(d, CTX, stage)]


def test_a_good_proposal_passes_every_stage():
    for stage in Stage:
        assert check(good(), CTX, stage) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"erdf_rate": D("0.50"), "erdf_requested": D("50000.00")},
            [("rate_above_maximum", "erdf_rate"), ("co_financing_mismatch", "co_financing")],
        ),
        (
            {"erdf_requested": D("45000.00")},
            [
                ("erdf_not_matching_rate", "erdf_requested"),
                ("co_financing_mismatch", "co_financing"),
            ],
        ),
        ({"co_financing": [D("50000.00")]}, [("co_financing_mismatch", "co_financing")]),
        (
            {"specific_objective": "SD 2.8"},
            [
                ("objective_outside_theme", "specific_objective"),
                ("indicator_of_other_objective", "indicator_targets[0].indicator"),
            ],
        ),
        (
            {
                "theme": "hernieuwbare-energie",
                "specific_objective": "SD 2.2",
                "indicators": ["RCO22"],
            },
            [("theme_not_admitted", "theme")],
        ),
        ({"areas": ["ledeberg", "borgerhout"]}, [("area_outside_city", "areas[1]")]),
        ({"end_date": datetime.date(2025, 12, 31)}, [("end_before_start", "end_date")]),
        (
            {"end_date": datetime.date(2030, 6, 30)},
            [
                ("outside_eligibility_period", "end_date"),
            ],
        ),
        (
            {"start_date": datetime.date(2020, 12, 31)},
            [
                ("outside_eligibility_period", "start_date"),
            ],
        ),
        (
            {"budget_lines": [D("-10.00"), D("100010.00")]},
            [
                ("negative_amount", "budget_lines[0].amount"),
            ],
        ),
        (
            {"indicators": ["RCO58"]},
            [
                ("indicator_of_other_objective", "indicator_targets[0].indicator"),
            ],
        ),
        ({"indicators": ["RCO26", "RCO26"]}, [("duplicate_indicator", "indicator_targets")]),
        ({"justifications": {}}, [("missing_justification", "justifications.G-1")]),
        (
            {"justifications": {"G-1": "x", "A-1": "y"}},
            [
                ("unknown_principle", "justifications.A-1"),
            ],
        ),
        ({"policy_references": ["BA2"]}, [("unknown_policy_reference", "policy_references[0]")]),
        (
            {"research_infrastructure": True},
            [
                ("research_infrastructure", "research_infrastructure"),
            ],
        ),
        ({"theme": "kunst"}, [("unknown_theme", "theme")]),
    ],
)
def test_each_rule_names_its_field(changes, expected):
    assert found(good(**changes)) == expected


def test_rate_message_names_both_percentages():
    [violation, _] = check(good(erdf_rate=D("0.50"), erdf_requested=D("50000")), CTX, Stage.SAVE)
    assert violation.message == "50% is above the programme maximum of 40%"


def test_preferred_principle_needs_no_justification():
    assert found(good(justifications={"G-1": "ok"})) == []


def test_completeness_only_from_submission():
    empty = Draft()
    assert check(empty, CTX, Stage.SAVE) == []
    missing = {f for rule, f in found(empty, Stage.SUBMIT) if rule == "missing"}
    assert missing == {
        "promoter", "city_role", "title", "theme", "specific_objective", "areas",
        "start_date", "end_date", "budget_lines", "indicator_targets",
    }  # fmt: skip


def test_research_infrastructure_is_a_screening_finding_not_a_save_error():
    d = good(research_infrastructure=True)
    assert check(d, CTX, Stage.SUBMIT) == []
    assert found(d, Stage.SCREEN) == [("research_infrastructure", "research_infrastructure")]


def test_cents_count():
    d = good(budget_lines=[D("100000.01")], erdf_requested=D("40000.00"))
    assert ("co_financing_mismatch", "co_financing") in found(d)
