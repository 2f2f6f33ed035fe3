"""The programme's rules, one by one, on plain data (no database)."""

import datetime
from decimal import Decimal

import pytest

from gti.proposals.rules import Context, Draft, Line, PartnerLine, Stage, check

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
    whole_city_allowed=True,
    admitted_city_roles=frozenset({"initiator", "regierol"}),
    strategy_level_indicators=frozenset({"RCO74"}),
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
        urban_angle="Ontharding in de 19de-eeuwse gordel.",
        additionality="Geen andere steun.",
        partners=[
            PartnerLine("Stad Gent", enterprise_number="0207.451.227", share=D("0.75")),
            PartnerLine("Buurtwerk vzw", enterprise_number="0412345614", share=D("0.25")),
        ],
        budget_lines=[
            Line(D("60000.00"), category="works"),
            Line(D("40000.00"), category="staff", cost_option="lump_sum"),
        ],
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
            {"budget_lines": [Line(D("-10.00")), Line(D("100010.00"), cost_option="lump_sum")]},
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
        "start_date", "end_date", "budget_lines", "indicator_targets", "urban_angle",
        "additionality", "partners",
    }  # fmt: skip


def test_research_infrastructure_is_a_screening_finding_not_a_save_error():
    d = good(research_infrastructure=True)
    assert check(d, CTX, Stage.SUBMIT) == []
    assert found(d, Stage.SCREEN) == [("research_infrastructure", "research_infrastructure")]


def test_cents_count():
    d = good(budget_lines=[Line(D("100000.01"), cost_option="lump_sum")])
    assert ("co_financing_mismatch", "co_financing") in found(d)


# --- partners, costs, urban angle, whole city, city role, indicators ------------------------

NO_WHOLE_CITY = Context(**{**CTX.__dict__, "whole_city_allowed": False})


def lines(*items: Line) -> list[Line]:
    return list(items)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"partners": [PartnerLine("Stad Gent", enterprise_number="0207.451.228", share=D(1))]},
            [("enterprise_number_invalid", "partners[0].enterprise_number")],
        ),
        (
            {"partners": [PartnerLine("Stad Gent", enterprise_number="0207451227", share=D(2))]},
            [
                ("partner_share_out_of_range", "partners[0].share"),
                ("partner_shares_not_100", "partners"),
            ],
        ),
        (
            {
                "partners": [
                    PartnerLine("Stad Gent", enterprise_number="0207451227", share=D("0.9"))
                ]
            },
            [("partner_shares_not_100", "partners")],
        ),
        (
            {
                "partners": [
                    PartnerLine("Iemand anders", enterprise_number="0207451227", share=D(1))
                ]
            },
            [("lead_partner_not_promoter", "partners[0].name")],
        ),
        (
            {"partners": [PartnerLine("Stad Gent", share=D(1))]},
            [("missing", "partners[0].enterprise_number")],
        ),
        ({"whole_city": True}, [("whole_city_with_areas", "areas")]),
        ({"city_role": "partner"}, [("city_role_not_admitted", "city_role")]),
        (
            {"indicators": ["RCO26", "RCO74"]},
            [("strategy_level_indicator", "indicator_targets[1].indicator")],
        ),
        (
            {"budget_lines": lines(Line(D("100000.00"), category="works"))},
            [("simplified_costs_required", "budget_lines")],
        ),
        (
            {"budget_lines": lines(Line(category="staff", cost_option="unit_cost", units=D(10)))},
            [
                ("cost_option_incomplete", "budget_lines[0].unit_rate"),
                ("erdf_not_matching_rate", "erdf_requested"),
                ("co_financing_mismatch", "co_financing"),
                ("missing", "budget_lines"),
            ],
        ),
        (
            {
                "budget_lines": lines(
                    Line(D("60000.00"), category="works"),
                    Line(D("40000.00"), category="staff", cost_option="flat_rate"),
                )
            },
            [
                ("cost_option_incomplete", "budget_lines[1].flat_rate"),
                ("cost_option_incomplete", "budget_lines[1].flat_rate_base"),
                ("erdf_not_matching_rate", "erdf_requested"),
                ("co_financing_mismatch", "co_financing"),
            ],
        ),
    ],
)
def test_each_new_rule_names_its_field(changes, expected):
    assert found(good(**changes)) == expected


def test_enterprise_number_is_checked_with_mod_97_and_written_with_dots():
    from gti.proposals.rules import enterprise_number

    assert enterprise_number("0207451227") == "0207.451.227"
    assert enterprise_number("BE 0207.451.227") == "0207.451.227"
    assert enterprise_number("0207.451.228") is None  # wrong check digits
    assert enterprise_number("2207.451.227") is None  # starts with 0 or 1
    assert enterprise_number("207451227") is None


def test_a_partner_abroad_needs_no_enterprise_number():
    abroad = PartnerLine("Ville de Lille", country="FR", enterprise_number="21590350100017")
    d = good(partners=[PartnerLine("Stad Gent", "BE", "0207451227", share=D("0.5")), abroad])
    d.partners[1].share = D("0.5")
    assert found(d) == []


def test_legal_personality_of_all_partners_is_exposed_for_admissibility():
    d = good()
    assert d.all_partners_have_legal_personality
    d.partners[1].legal_personality = False
    assert not d.all_partners_have_legal_personality
    assert found(d) == []  # the admissibility step decides, not these rules


def test_erdf_rate_applies_to_the_eligible_cost_only():
    d = good(
        budget_lines=lines(
            Line(D("60000.00"), category="works"),
            Line(D("40000.00"), category="staff", cost_option="lump_sum"),
            Line(D("10000.00"), category="other", eligible=False),
        ),
        erdf_requested=D("40000.00"),
        co_financing=[D("60000.00"), D("10000.00")],
    )
    assert d.eligible_total == D("100000.00") and d.total == D("110000.00")
    assert found(d) == []
    d.erdf_requested = D("44000.00")  # 40% of the total instead of the eligible cost
    d.co_financing = [D("56000.00"), D("10000.00")]
    [violation] = check(d, CTX, Stage.SAVE)
    assert violation.rule == "erdf_not_matching_rate"
    assert "eligible cost 100000.00 is 40000.00" in violation.message


def test_unit_cost_and_flat_rate_amounts_are_computed_to_the_cent():
    d = good(
        budget_lines=lines(
            Line(category="staff", cost_option="unit_cost", units=D("333.33"),
                 unit_rate=D("45.17")),
            Line(D("50000.00"), category="works"),
            Line(category="other", cost_option="flat_rate", flat_rate=D("0.07"),
                 flat_rate_base="direct"),
            Line(category="other", cost_option="flat_rate", flat_rate=D("0.15"),
                 flat_rate_base="staff"),
            Line(D("999.99"), category="other", eligible=False),
        ),
    )  # fmt: skip
    staff = D("15056.52")  # 333.33 × 45.17 = 15056.5161
    assert d.amounts == [staff, D("50000.00"), D("4553.96"), D("2258.48"), D("999.99")]
    # the flat rates take eligible, non-flat-rate lines as their base: 7% of 65056.52, 15% of staff


def test_a_given_amount_must_be_the_computed_one():
    d = good(
        budget_lines=lines(
            Line(D("60000.00"), category="works"),
            Line(D("40000.01"), category="staff", cost_option="unit_cost", units=D(800),
                 unit_rate=D(50)),
        ),
    )  # fmt: skip
    assert ("line_amount_not_computed", "budget_lines[1].amount") in found(d, Stage.SAVE)


def test_simplified_costs_not_required_above_200000_or_for_state_aid():
    real = lines(Line(D("100000.00"), category="works"))
    assert ("simplified_costs_required", "budget_lines") in found(good(budget_lines=real))
    assert ("simplified_costs_required", "budget_lines") not in found(
        good(budget_lines=real, state_aid=True)
    )
    big = good(
        budget_lines=lines(Line(D("200000.01"), category="works")),
        erdf_requested=D("80000.00"),
        co_financing=[D("120000.01")],
    )
    assert found(big) == []
    assert check(good(budget_lines=real), CTX, Stage.SAVE) == []  # only from submission


def test_whole_city_replaces_the_areas_where_the_strategy_allows_it():
    assert found(good(whole_city=True, areas=[])) == []
    d = good(whole_city=True, areas=[])
    assert [(v.rule, v.field) for v in check(d, NO_WHOLE_CITY, Stage.SAVE)] == [
        ("whole_city_not_allowed", "whole_city")
    ]
    assert ("missing", "areas") in found(good(areas=[]), Stage.SUBMIT)


def test_no_admitted_roles_in_the_strategy_restricts_none():
    ctx = Context(**{**CTX.__dict__, "admitted_city_roles": frozenset()})
    assert check(good(city_role="partner"), ctx, Stage.SCREEN) == []
