"""Envelopes, scenarios and the steering committee's decisions, through the services."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from gti.accounts.models import AuditEvent
from gti.errors import Invalid, Refused
from gti.portfolio import services
from gti.portfolio.models import Envelope, Meeting
from gti.proposals.models import Proposal
from gti.proposals.services import withdraw_proposal
from gti.strategy.models import City, Priority, Programme
from tests.factories import assessed, open_call, person

pytestmark = pytest.mark.usefixtures("loaded")
S = Proposal.State


@pytest.fixture
def call():
    return open_call()


def envelopes(p1="200000", p2="300000"):
    programme = Programme.objects.get(is_current=True)
    gent = City.objects.get(code="gent")
    made = {}
    for code, amount in (("P1", p1), ("P2", p2)):
        made[code] = services.set_envelope(
            by=person("secretariat_gent"), programme=programme, city=gent,
            priority=Priority.objects.get(programme=programme, code=code), amount=amount,
        )  # fmt: skip
    return made


@pytest.fixture
def round_(call):
    """Envelopes of 200k (P1) and 300k (P2) and five assessed proposals."""
    made = envelopes()
    props = {
        "big": assessed(call, "Groot project", 500_000, 9),  # 200k ERDF, P2, 90 points
        "mid1": assessed(call, "Middel 1", 375_000, 7),  # 150k, P2, 70
        "mid2": assessed(call, "Middel 2", 375_000, 7),  # 150k, P2, 70
        "digi": assessed(call, "Digitaal loket", 250_000, 8, priority="P1"),  # 100k, P1, 80
        "digi2": assessed(call, "Digitaal 2", 400_000, 6, priority="P1"),  # 160k, P1, 60
    }
    return made, props


def test_sixty_forty_split_is_proposed():
    programme = Programme.objects.get(is_current=True)
    assert services.proposed_split(programme, Decimal("4900000.01")) == {
        "P1": Decimal("2940000.01"),
        "P2": Decimal("1960000.00"),
    }


def test_envelope_cannot_go_below_what_is_committed(call, round_):
    made, props = round_
    scenario = services.run_scenario(call, by=person("secretariat_gent"), name="A", options={})
    meeting = services.create_meeting(
        call, by=person("secretariat_gent"), date=datetime.date(2026, 12, 1),
        members=["Voorzitter", "Lid 1", "Lid 2"], quorum=3, scenario=scenario,
    )  # fmt: skip
    services.confirm_meeting(meeting, by=person("steering_gent"))
    p2 = Envelope.objects.get(pk=made["P2"].pk)
    assert p2.committed == Decimal("300000.00")
    with pytest.raises(Invalid, match="below the 300000.00 already committed"):
        services.set_envelope(by=person("secretariat_gent"), programme=p2.programme,
                              city=p2.city, priority=p2.priority, amount="250000")  # fmt: skip
    assert Envelope.objects.get(pk=p2.pk).amount == Decimal("300000.00")


def test_scenario_finds_the_optimum_beside_rank_and_fill(call, round_):
    _made, props = round_
    scenario = services.run_scenario(call, by=person("secretariat_gent"), name="Basis", options={})
    result = scenario.result
    chosen = {s["id"] for s in result["selected"]}
    # P2: two middle projects (140 points) beat the big one (90) within 300k
    assert chosen == {props["mid1"].reference, props["mid2"].reference, props["digi"].reference}
    assert result["objective"] == pytest.approx(70 + 70 + 80)
    assert result["greedy"]["objective"] == pytest.approx(90 + 80)
    summary = services.summary(scenario)
    assert summary["optimal"]["per_priority"] == {"P2": 300000.0, "P1": 100000.0}
    assert summary["optimal"]["shares"]["P2"] == pytest.approx(0.75)
    reasons = summary["explanations"][props["big"].reference]
    assert reasons[0]["code"] == "envelope_short"


def test_scenario_options_are_checked(call, round_):
    secretariat = person("secretariat_gent")
    with pytest.raises(Invalid) as refused:
        services.run_scenario(call, by=secretariat, name="X", options={
            "exclusions": [["GEN-NOPE", "x"]], "scalable": {"GEN-NOPE-2": 5},
        })  # fmt: skip
    assert set(refused.value.errors) == {"exclusions[0]", "scalable.GEN-NOPE-2"}
    services.run_scenario(call, by=secretariat, name="X", options={})
    with pytest.raises(Invalid, match="already has this name"):
        services.run_scenario(call, by=secretariat, name="X", options={})


def test_minimums_exclusions_and_scalable_change_the_choice(call, round_):
    _made, props = round_
    big, mid1 = props["big"].reference, props["mid1"].reference
    scenario = services.run_scenario(
        call, by=person("secretariat_gent"), name="Met regels",
        options={"exclusions": [[props["mid1"].reference, props["mid2"].reference]],
                 "scalable": {big: 100000}},
    )  # fmt: skip
    chosen = {s["id"]: s["erdf"] for s in scenario.result["selected"]}
    # The big project scaled to 150k (value 90 x 150/200 = 67.5) beside one middle project.
    assert chosen[big] == 150000
    assert len({mid1, props["mid2"].reference} & chosen.keys()) == 1
    assert scenario.result["objective"] == pytest.approx(67.5 + 70 + 80)


def test_only_the_secretariat_runs_scenarios(call, round_):
    for name in ("steering_gent", "applicant_gent", "secretariat_antwerpen", "auditor"):
        with pytest.raises(PermissionDenied):
            services.run_scenario(call, by=person(name), name="Nee", options={})


def test_committee_confirms_commits_and_moves_proposals(call, round_):
    made, props = round_
    scenario = services.run_scenario(call, by=person("secretariat_gent"), name="A", options={})
    meeting = services.create_meeting(
        call, by=person("secretariat_gent"), date=datetime.date(2026, 12, 1),
        members=["Voorzitter", "Lid 1"], quorum=3, scenario=scenario,
    )  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.confirm_meeting(meeting, by=person("secretariat_gent"))
    with pytest.raises(Invalid, match="quorum"):
        services.confirm_meeting(meeting, by=person("steering_gent"))
    meeting.members_present.append("Lid 2")
    meeting.save()
    services.set_decision(meeting, by=person("steering_gent"), proposal=props["digi2"],
                          outcome="rejected", reason="Te weinig stedelijke impact")  # fmt: skip
    services.confirm_meeting(meeting, by=person("steering_gent"))
    states = {k: Proposal.objects.get(pk=p.pk).state for k, p in props.items()}
    assert states == {"big": S.RESERVE, "mid1": S.APPROVED, "mid2": S.APPROVED,
                      "digi": S.APPROVED, "digi2": S.REJECTED}  # fmt: skip
    assert Envelope.objects.get(pk=made["P1"].pk).committed == Decimal("100000.00")
    assert Envelope.objects.get(pk=made["P2"].pk).remaining == Decimal("0.00")
    assert Meeting.objects.get(pk=meeting.pk).state == "confirmed"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"proposals.proposal.selected", "proposals.proposal.reserve",
            "proposals.proposal.rejected", "portfolio.meeting.confirmed"} <= actions  # fmt: skip
    with pytest.raises(Refused):
        services.confirm_meeting(meeting, by=person("steering_gent"))


def test_hand_decisions_are_checked(call, round_):
    _made, props = round_
    meeting = services.create_meeting(
        call,
        by=person("secretariat_gent"),
        date=datetime.date(2026, 12, 1),
        members=["A"],
        quorum=1,
    )
    steering = person("steering_gent")
    with pytest.raises(Invalid) as refused:
        services.set_decision(meeting, by=steering, proposal=props["big"], outcome="selected",
                              amount="999999")  # fmt: skip
    assert "amount" in refused.value.errors
    with pytest.raises(Invalid):
        services.set_decision(meeting, by=steering, proposal=props["big"], outcome="rejected")
    for key in ("big", "mid1"):
        services.set_decision(meeting, by=steering, proposal=props[key], outcome="selected",
                              amount=props[key].erdf_requested)  # fmt: skip
    # 200k + 150k in P2 exceed its 300k: nothing is committed, nothing moves
    with pytest.raises(Invalid) as refused:
        services.confirm_meeting(meeting, by=steering)
    assert "envelopes.gent-P2" in refused.value.errors
    assert Proposal.objects.get(pk=props["big"].pk).state == S.ASSESSED


def test_withdrawal_frees_money_and_the_best_reserve_is_proposed(call, round_):
    made, props = round_
    scenario = services.run_scenario(call, by=person("secretariat_gent"), name="A", options={})
    meeting = services.create_meeting(
        call, by=person("secretariat_gent"), date=datetime.date(2026, 12, 1),
        members=["Voorzitter"], quorum=1, scenario=scenario,
    )  # fmt: skip
    services.confirm_meeting(meeting, by=person("steering_gent"))
    withdraw_proposal(props["mid1"], by=person("applicant_gent"), reason="Partner weg")
    assert Envelope.objects.get(pk=made["P2"].pk).remaining == Decimal("150000.00")
    # the big project (200k) does not fit the freed 150k; no other P2 reserve: none proposed
    assert services.best_replacement(props["mid1"]) is None
    withdraw_proposal(props["mid2"], by=person("applicant_gent"), reason="Ook weg")
    assert services.best_replacement(props["mid2"]) == Proposal.objects.get(pk=props["big"].pk)
