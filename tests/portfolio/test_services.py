"""Envelopes, scenarios, and the validation and decision rounds, through the services.

City-led calls (`open_call`) for the optimiser; the default procedure (`efro_call`: the managing
authority runs the call and decides with two signatures, the steering committee validates) for
the rounds. Every refused case shows that nothing changed."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from gti.accounts.models import AuditEvent
from gti.errors import Invalid, Refused
from gti.portfolio import services
from gti.portfolio.models import Commitment, Decision, Envelope, Meeting, Scenario, Vote
from gti.proposals.models import Proposal
from gti.strategy.models import City, Programme
from tests.factories import (
    assessed,
    efro_assessed,
    efro_call,
    efro_validated,
    open_call,
    person,
    score_all,
)

pytestmark = pytest.mark.usefixtures("loaded")
S = Proposal.State
DAY = datetime.date(2026, 12, 1)


@pytest.fixture
def call():
    return open_call()


def envelopes(p1="200000", p2="300000", city="gent"):
    """The city's envelopes, set by the managing authority (who runs the default procedure)."""
    programme = Programme.objects.get(is_current=True)
    made = services.set_envelopes(
        by=person("managing_authority"), programme=programme,
        city=City.objects.get(code=city),
        lines=[{"priority": "P1", "amount": p1}, {"priority": "P2", "amount": p2}],
    )  # fmt: skip
    return {e.priority.code: e for e in made}


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


def sign_all(meeting, *members, choice="for", notes=None):
    for member in members:
        votes = {
            d.proposal.reference: (choice, (notes or {}).get(member, ""))
            for d in meeting.decisions.select_related("proposal")
        }
        services.sign_meeting(meeting, by=person(member), votes=votes)


def state(p):
    return Proposal.objects.get(pk=p.pk).state


def test_sixty_forty_split_is_proposed():
    programme = Programme.objects.get(is_current=True)
    assert services.proposed_split(programme, Decimal("4900000.01")) == {
        "P1": Decimal("2940000.01"),
        "P2": Decimal("1960000.00"),
    }


def test_envelopes_are_saved_all_or_none():
    made = envelopes("200000", "300000")
    programme = Programme.objects.get(is_current=True)
    gent = City.objects.get(code="gent")
    with pytest.raises(Invalid) as refused:
        services.set_envelopes(
            by=person("managing_authority"), programme=programme, city=gent,
            lines=[{"priority": "P1", "amount": "250000"}, {"priority": "P2", "amount": "-1"}],
        )  # fmt: skip
    assert set(refused.value.errors) == {"lines[1].amount"}
    assert Envelope.objects.get(pk=made["P1"].pk).amount == Decimal("200000.00")
    with pytest.raises(Invalid) as refused:
        services.set_envelopes(
            by=person("managing_authority"), programme=programme, city=gent,
            lines=[{"priority": "P1", "amount": "1"}, {"priority": "P9", "amount": "x"},
                   {"priority": "P2", "amount": "1", "colour": "red"}],
        )  # fmt: skip
    assert set(refused.value.errors) == {
        "lines[1].amount", "lines[1].priority", "lines[2].colour"}  # fmt: skip
    assert Envelope.objects.get(pk=made["P1"].pk).amount == Decimal("200000.00")
    assert not AuditEvent.objects.filter(
        action="portfolio.envelope.set", after__amount="1.00"
    ).exists()


def test_only_the_managing_authority_sets_city_envelopes():
    programme = Programme.objects.get(is_current=True)
    for name in ("secretariat_gent", "steering_gent", "auditor", "applicant_gent"):
        with pytest.raises(PermissionDenied):
            services.set_envelopes(
                by=person(name), programme=programme, city=City.objects.get(code="gent"),
                lines=[{"priority": "P1", "amount": "1"}],
            )  # fmt: skip
    assert not Envelope.objects.exists()


def test_scenario_finds_the_optimum_beside_rank_and_fill(call, round_):
    _made, props = round_
    scenario = services.run_scenario(call, by=person("secretariat_gent"), name="Basis", options={})
    result = scenario.result
    chosen = {s["id"] for s in result["selected"]}
    # P2: two middle projects (140 points) beat the big one (90) within 300k
    assert chosen == {props["mid1"].reference, props["mid2"].reference, props["digi"].reference}
    score = {k: float(p.consolidated_score) for k, p in props.items()}
    assert result["objective"] == pytest.approx(score["mid1"] + score["mid2"] + score["digi"])
    assert result["greedy"]["objective"] == pytest.approx(score["big"] + score["digi"])
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
    # The big project scaled to 150k (3/4 of its value) beside one middle project.
    score = {k: float(p.consolidated_score) for k, p in props.items()}
    assert chosen[big] == 150000
    assert len({mid1, props["mid2"].reference} & chosen.keys()) == 1
    assert scenario.result["objective"] == pytest.approx(
        score["big"] * 0.75 + score["mid1"] + score["digi"]
    )


def test_scenario_amounts_are_kept_and_summed_as_decimals(call, round_):
    """Amounts with cents go to the optimiser, into the stored scenario, its totals and the
    decision round as decimals: never through float (0.10 + 0.20 would not make 0.30)."""
    _made, props = round_
    cents = {"digi": Decimal("100000.10"), "big": Decimal("140000.20")}
    for key, erdf in cents.items():
        Proposal.objects.filter(pk=props[key].pk).update(erdf_requested=erdf)
    scenario = services.run_scenario(call, by=person("secretariat_gent"), name="Centen", options={})
    stored = Scenario.objects.get(pk=scenario.pk)
    chosen = {s["id"]: s["erdf"] for s in stored.result["selected"]}
    assert chosen[props["big"].reference] == "140000.20"
    assert chosen[props["digi"].reference] == "100000.10"
    shown = services.summary(stored)["optimal"]
    assert shown["total"] == sum(Decimal(a) for a in chosen.values())
    assert all(isinstance(v, Decimal) for v in shown["per_envelope"].values())
    meeting = services.open_decision_round(call, by=person("secretariat_gent"), date=DAY,
                                           scenario=stored)  # fmt: skip
    approved = meeting.decisions.get(proposal=props["big"])
    assert approved.amount == Decimal("140000.20")


@pytest.mark.parametrize(
    "options, field",
    [
        ({"minimums": ["ab"]}, "minimums[0]"),
        ({"exclusions": [1]}, "exclusions[0]"),
        ({"envelopes": 5}, "envelopes"),
        ({"scalable": {"X": "veel"}}, "scalable.X"),
        ({"colour": "red"}, "colour"),
        ({"value": "cheapest"}, "value"),
    ],
)
def test_bad_option_shapes_are_refused_by_field(call, options, field):
    with pytest.raises(Invalid) as refused:
        services.run_scenario(call, by=person("secretariat_gent"), name="X", options=options)
    assert field in refused.value.errors
    assert not Scenario.objects.exists()


def test_only_who_runs_the_call_computes_scenarios(call, round_):
    for name in ("steering_gent", "applicant_gent", "secretariat_antwerpen", "auditor"):
        with pytest.raises(PermissionDenied):
            services.run_scenario(call, by=person(name), name="Nee", options={})
    assert not Scenario.objects.exists()


def test_city_led_decision_needs_two_members_of_the_steering_committee(call, round_):
    made, props = round_
    scenario = services.run_scenario(call, by=person("secretariat_gent"), name="A", options={})
    meeting = services.open_decision_round(call, by=person("secretariat_gent"), date=DAY,
                                           scenario=scenario)  # fmt: skip
    assert (meeting.body, meeting.quorum) == ("steering_committee", 2)
    with pytest.raises(PermissionDenied):
        sign_all(meeting, "secretariat_gent")
    services.set_decision(meeting, by=person("secretariat_gent"), proposal=props["digi2"],
                          outcome="rejected", reason="Te weinig stedelijke impact")  # fmt: skip
    sign_all(meeting, "steering_gent")
    with pytest.raises(Invalid, match="quorum"):
        services.confirm_meeting(meeting, by=person("steering_gent"))
    assert state(props["mid1"]) == S.ASSESSED
    sign_all(meeting, "steering_gent_2")
    services.confirm_meeting(meeting, by=person("steering_gent_2"))
    states = {k: state(p) for k, p in props.items()}
    assert states == {"big": S.RESERVE, "mid1": S.APPROVED, "mid2": S.APPROVED,
                      "digi": S.APPROVED, "digi2": S.REJECTED}  # fmt: skip
    assert Envelope.objects.get(pk=made["P1"].pk).committed == Decimal("100000.00")
    assert Envelope.objects.get(pk=made["P2"].pk).remaining == Decimal("0.00")
    with pytest.raises(Invalid, match="below the 300000.00 already committed"):
        envelopes("200000", "250000")
    assert Envelope.objects.get(pk=made["P2"].pk).amount == Decimal("300000.00")
    with pytest.raises(Refused):
        services.confirm_meeting(meeting, by=person("steering_gent"))


# --- the default procedure: validation by the steering committee, decision by the authority --


@pytest.fixture
def efro():
    call = efro_call()
    envelopes("1000000", "1000000", city="antwerpen")
    envelopes("1000000", "1000000", city="gent")
    return call


def test_validation_counts_no_conflicted_member_toward_the_quorum(efro):
    a = efro_assessed(efro, "antwerpen", title="Klimaatplein")
    b = efro_assessed(efro, "antwerpen", title="Groene speelplaatsen")
    g = efro_assessed(efro, "gent", title="Wijkpark")
    secretariat = person("secretariat_antwerpen")
    with pytest.raises(PermissionDenied):
        services.open_validation(efro, by=person("secretariat_gent"),
                                 city=a.city, date=DAY)  # fmt: skip
    meeting = services.open_validation(efro, by=secretariat, city=a.city, date=DAY)
    assert {d.proposal for d in meeting.decisions.all()} == {a, b}  # not Ghent's
    assert meeting.quorum == 2
    with pytest.raises(PermissionDenied):
        sign_all(meeting, "steering_gent")
    with pytest.raises(Invalid, match="describe the conflict"):
        sign_all(meeting, "steering_antwerpen_2", choice="conflict")
    assert not Vote.objects.exists()
    sign_all(meeting, "steering_antwerpen")
    sign_all(meeting, "steering_antwerpen_2", choice="conflict",
             notes={"steering_antwerpen_2": "Bestuurder bij de promotor"})  # fmt: skip
    with pytest.raises(Invalid) as refused:
        services.confirm_meeting(meeting, by=person("steering_antwerpen"))
    assert set(refused.value.errors) == {f"decisions.{a.reference}", f"decisions.{b.reference}"}
    assert "1 members without a conflict signed" in refused.value.errors[
        f"decisions.{a.reference}"][0]  # fmt: skip
    assert (state(a), Meeting.objects.get(pk=meeting.pk).state) == (S.ASSESSED, "draft")
    sign_all(meeting, "steering_antwerpen_3")
    services.confirm_meeting(meeting, by=person("steering_antwerpen_3"))
    assert (state(a), state(b), state(g)) == (S.VALIDATED, S.VALIDATED, S.ASSESSED)
    tally = services.tally(meeting)[meeting.decisions.get(proposal=a).pk]
    assert (tally["for"], tally["conflict"], tally["adopted"]) == (2, 1, True)


def test_a_single_login_never_confirms_a_validation(efro):
    a = efro_assessed(efro, "antwerpen")
    meeting = services.open_validation(efro, by=person("secretariat_antwerpen"), city=a.city,
                                       date=DAY)  # fmt: skip
    with pytest.raises(Refused, match="Sign the round"):
        services.confirm_meeting(meeting, by=person("steering_antwerpen"))
    sign_all(meeting, "steering_antwerpen")
    sign_all(meeting, "steering_antwerpen")  # signing again replaces, never counts twice
    with pytest.raises(Invalid, match="quorum"):
        services.confirm_meeting(meeting, by=person("steering_antwerpen"))
    assert state(a) == S.ASSESSED
    assert Vote.objects.count() == 1


def test_a_single_login_never_confirms_a_decision(efro):
    a = efro_validated(efro, "antwerpen")
    authority = person("managing_authority")
    meeting = services.open_decision_round(efro, by=authority, date=DAY)
    assert (meeting.body, meeting.quorum, meeting.city) == ("managing_authority", 2, None)
    services.set_decision(meeting, by=authority, proposal=a, outcome="approved",
                          amount=a.erdf_requested)  # fmt: skip
    with pytest.raises(PermissionDenied):
        sign_all(meeting, "steering_antwerpen")
    sign_all(meeting, "managing_authority")
    with pytest.raises(Invalid, match="quorum"):
        services.confirm_meeting(meeting, by=authority)
    assert (state(a), Commitment.objects.count()) == (S.VALIDATED, 0)
    sign_all(meeting, "managing_authority_2")
    services.confirm_meeting(meeting, by=person("managing_authority_2"))
    assert state(a) == S.APPROVED
    assert Commitment.objects.get().amount == a.erdf_requested


def test_a_decision_needs_the_minimum_scores_and_no_open_consensus(efro):
    weak = efro_assessed(efro, "antwerpen", title="Zwak", score=5)  # 50 of 100
    assert weak.meets_minimums is False
    split = efro_submitted_and_split(efro)
    assert split.needs_consensus is True
    secretariat = person("secretariat_antwerpen")
    meeting = services.open_validation(efro, by=secretariat, city=weak.city, date=DAY)
    assert not meeting.decisions.exists()  # neither is put to the committee
    for p in (weak, split):
        with pytest.raises(Invalid) as refused:
            services.set_decision(meeting, by=secretariat, proposal=p, outcome="fits")
        assert "proposal" in refused.value.errors
    assert not Decision.objects.exists()
    decision = services.open_decision_round(efro, by=person("managing_authority"), date=DAY)
    with pytest.raises(Invalid):
        services.set_decision(decision, by=person("managing_authority"), proposal=weak,
                              outcome="approved", amount=weak.erdf_requested)  # fmt: skip
    assert not Decision.objects.exists()


def efro_submitted_and_split(call):
    """Scored 9 by one expert and 5 by the other: a spread of 40 points opens a consensus."""
    from gti.proposals import services as proposals
    from tests.factories import PASS_ITEMS, efro_submitted

    proposal = efro_submitted(call, "antwerpen", title="Verdeeld")
    authority = person("managing_authority")
    proposal = proposals.start_screening(proposal, by=authority)
    proposal = proposals.screen_proposal(proposal, by=authority, checklist=PASS_ITEMS)
    proposal = proposals.assign_assessors(
        proposal, by=authority, assessors=[person("expert"), person("expert_2")]
    )
    score_all(proposal, "expert", 9)
    score_all(proposal, "expert_2", 5)
    proposal.refresh_from_db()
    return proposal


def test_a_lower_amount_needs_a_revised_plan_that_adds_up(efro):
    a = efro_validated(efro, "antwerpen")  # 250k total, 100k ERDF, 150k city
    authority = person("managing_authority")
    meeting = services.open_decision_round(efro, by=authority, date=DAY)
    for plan, field in (
        (None, "co_financing"),
        ([{"source": "city", "amount": "150000"}], "co_financing"),  # 80k + 150k ≠ 250k
        ([{"source": "bank", "amount": "170000"}], "co_financing[0].source"),
    ):
        with pytest.raises(Invalid) as refused:
            services.set_decision(meeting, by=authority, proposal=a, outcome="approved",
                                  amount="80000", co_financing=plan)  # fmt: skip
        assert field in refused.value.errors
    assert not meeting.decisions.exists()
    plan = [{"source": "city", "amount": "150000"}, {"source": "partners", "amount": "20000"}]
    services.set_decision(meeting, by=authority, proposal=a, outcome="approved",
                          amount="80000", co_financing=plan)  # fmt: skip
    sign_all(meeting, "managing_authority", "managing_authority_2")
    services.confirm_meeting(meeting, by=authority)
    a = Proposal.objects.get(pk=a.pk)
    assert (a.state, a.erdf_granted) == (S.APPROVED, Decimal("80000.00"))
    assert {c.source: c.amount for c in a.co_financing.all()} == {
        "city": Decimal("150000.00"), "partners": Decimal("20000.00")}  # fmt: skip
    assert Commitment.objects.get().amount == Decimal("80000.00")
    assert AuditEvent.objects.filter(action="proposals.proposal.approved").count() == 1


def test_changing_a_decision_clears_its_votes(efro):
    a = efro_validated(efro, "antwerpen")
    authority = person("managing_authority")
    meeting = services.open_decision_round(efro, by=authority, date=DAY)
    services.set_decision(meeting, by=authority, proposal=a, outcome="approved",
                          amount=a.erdf_requested)  # fmt: skip
    sign_all(meeting, "managing_authority", "managing_authority_2")
    votes = Vote.objects.filter(decision__meeting=meeting)
    assert votes.count() == 2
    services.set_decision(meeting, by=authority, proposal=a, outcome="reserve", rank=1)
    assert votes.count() == 0
    with pytest.raises(Refused, match="Sign the round"):
        services.confirm_meeting(meeting, by=authority)
    assert state(a) == S.VALIDATED
    first, event = AuditEvent.objects.filter(action="portfolio.decision.set").order_by("id")
    assert event.after["votes_cleared"] == 2
    assert first.before == {}  # a first decision has nothing before it
    assert event.before == {"outcome": "approved", "amount": str(a.erdf_requested), "rank": None,
                            "reason": ""}  # fmt: skip


def test_a_member_withdraws_their_signature_while_the_round_is_a_draft(efro):
    a = efro_validated(efro, "antwerpen")
    authority = person("managing_authority")
    meeting = services.open_decision_round(efro, by=authority, date=DAY)
    services.set_decision(meeting, by=authority, proposal=a, outcome="approved",
                          amount=a.erdf_requested)  # fmt: skip
    sign_all(meeting, "managing_authority", "managing_authority_2")
    events = AuditEvent.objects.count()
    for who, reason, refused in [
        (person("steering_antwerpen"), "Te vroeg", PermissionDenied),
        (person("managing_authority_2"), " ", Invalid),
    ]:
        with pytest.raises(refused):
            services.withdraw_signature(meeting, by=who, reason=reason)
    assert Vote.objects.filter(decision__meeting=meeting).count() == 2
    assert AuditEvent.objects.count() == events
    assert (
        services.withdraw_signature(
            meeting, by=person("managing_authority_2"), reason="Belangenconflict laat opgemerkt"
        )
        == 1
    )
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.actor_name, event.before) == (
        "portfolio.meeting.signature_withdrawn", "managing_authority_2", {a.reference: "for"},
    )  # fmt: skip
    with pytest.raises(Invalid):  # nothing left to withdraw
        services.withdraw_signature(meeting, by=person("managing_authority_2"), reason="Nog eens")
    with pytest.raises(Invalid, match="quorum"):  # one signature is not enough any more
        services.confirm_meeting(meeting, by=authority)
    sign_all(meeting, "managing_authority_2")
    services.confirm_meeting(meeting, by=authority)
    with pytest.raises(Refused):
        services.withdraw_signature(meeting, by=authority, reason="Te laat")
    assert state(a) == S.APPROVED


def test_the_call_envelope_binds_in_scenarios_and_at_confirmation():
    call = efro_call(envelopes={"P2": Decimal("150000")})
    envelopes("1000000", "1000000", city="antwerpen")
    a = efro_validated(call, "antwerpen", title="Eerste", score=9)  # 100k ERDF
    b = efro_validated(call, "antwerpen", title="Tweede", score=8)  # 100k ERDF
    authority = person("managing_authority")
    scenario = services.run_scenario(call, by=authority, name="Oproep", options={})
    assert [s["id"] for s in scenario.result["selected"]] == [a.reference]
    assert f"{call.reference}-P2" in {e["id"] for e in scenario.instance["envelopes"]}
    meeting = services.open_decision_round(call, by=authority, date=DAY)
    for p in (a, b):
        services.set_decision(meeting, by=authority, proposal=p, outcome="approved",
                              amount=p.erdf_requested)  # fmt: skip
    sign_all(meeting, "managing_authority", "managing_authority_2")
    with pytest.raises(Invalid) as refused:
        services.confirm_meeting(meeting, by=authority)
    assert "call_envelope.P2" in refused.value.errors
    assert (state(a), state(b), Commitment.objects.count()) == (S.VALIDATED, S.VALIDATED, 0)


def test_a_reserve_is_approved_after_a_withdrawal_releases_money():
    call = efro_call(envelopes={"P2": Decimal("150000")})
    envelopes("1000000", "1000000", city="antwerpen")
    a = efro_validated(call, "antwerpen", title="Eerste", score=9)
    b = efro_validated(call, "antwerpen", title="Tweede", score=8)
    authority = person("managing_authority")
    scenario = services.run_scenario(call, by=authority, name="Oproep", options={})
    meeting = services.open_decision_round(call, by=authority, date=DAY, scenario=scenario)
    sign_all(meeting, "managing_authority", "managing_authority_2")
    services.confirm_meeting(meeting, by=authority)
    assert (state(a), state(b)) == (S.APPROVED, S.RESERVE)
    assert services.best_replacement(a) is None  # nothing released yet: the envelope is full
    services.withdraw_proposal(a, by=person("applicant_antwerpen"), reason="Partner haakt af")
    assert Commitment.objects.get(proposal=a).released_at is not None
    replacement = services.best_replacement(Proposal.objects.get(pk=a.pk))
    assert replacement == b
    again = services.open_decision_round(call, by=authority, date=DAY, approve=replacement)
    assert again.decisions.get().outcome == "approved"
    sign_all(again, "managing_authority", "managing_authority_2")
    services.confirm_meeting(again, by=person("managing_authority_2"))
    assert state(b) == S.APPROVED
    assert services.call_envelopes(call)[0]["remaining"] == Decimal("50000.00")


def round_of_two(call, second: str):
    """A draft decision round approving two validated proposals, signed by one officer."""
    a = efro_validated(call, "antwerpen", title="Blijft")
    b = efro_validated(call, "antwerpen", title=second)
    authority = person("managing_authority")
    meeting = services.open_decision_round(call, by=authority, date=DAY)
    for p in (a, b):
        services.set_decision(meeting, by=authority, proposal=p, outcome="approved",
                              amount=p.erdf_requested)  # fmt: skip
    sign_all(meeting, "managing_authority")
    return a, b, meeting, authority


def test_a_withdrawal_drops_the_proposal_from_a_draft_round(efro):
    a, b, meeting, authority = round_of_two(efro, "Trekt terug")
    services.withdraw_proposal(b, by=person("applicant_antwerpen"), reason="Ander budget gevonden")
    assert [d.proposal for d in meeting.decisions.all()] == [a]
    sign_all(meeting, "managing_authority_2")
    services.confirm_meeting(meeting, by=authority)
    assert (state(a), state(b)) == (S.APPROVED, S.WITHDRAWN)
    assert Commitment.objects.get().proposal == a


def test_a_proposal_is_taken_out_of_a_draft_round_with_its_votes_and_a_reason(efro):
    a, b, meeting, authority = round_of_two(efro, "Later")
    events = AuditEvent.objects.count()
    for who, reason, refused in [
        (person("steering_antwerpen"), "Later", PermissionDenied),
        (authority, " ", Invalid),
    ]:
        with pytest.raises(refused):
            services.remove_decision(meeting, by=who, proposal=b, reason=reason)
    assert meeting.decisions.count() == 2 and AuditEvent.objects.count() == events
    services.remove_decision(meeting, by=authority, proposal=b, reason="In een latere ronde")
    assert [d.proposal for d in meeting.decisions.all()] == [a]
    assert not Vote.objects.filter(decision__meeting=meeting, decision__proposal=b).exists()
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.reason, event.before["votes"]) == (
        "portfolio.decision.removed", "In een latere ronde", 1,
    )  # fmt: skip
    assert state(b) == S.VALIDATED  # it waits for a later round
    sign_all(meeting, "managing_authority_2")
    services.confirm_meeting(meeting, by=authority)
    with pytest.raises(Refused):
        services.remove_decision(meeting, by=authority, proposal=a, reason="Te laat")


@pytest.mark.django_db(transaction=True)
def test_two_signers_confirming_at_once_leave_one_effect():
    """Two managing-authority accounts press confirm at the same moment, each on its own
    connection: one confirms, the other is refused; one commitment, one audit event."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite serialises every writer)")
    from gti.strategy import services as strategy

    if not Programme.objects.exists():
        strategy.load_files()
    call = efro_call()
    envelopes("1000000", "1000000", city="antwerpen")
    a = efro_validated(call, "antwerpen")
    authority = person("managing_authority")
    meeting = services.open_decision_round(call, by=authority, date=DAY)
    services.set_decision(meeting, by=authority, proposal=a, outcome="approved",
                          amount=a.erdf_requested)  # fmt: skip
    sign_all(meeting, "managing_authority", "managing_authority_2")
    barrier, outcomes = threading.Barrier(2), []

    def confirm(name):
        try:
            user = person(name)
            barrier.wait()
            services.confirm_meeting(Meeting.objects.get(pk=meeting.pk), by=user)
            outcomes.append("confirmed")
        except Refused:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm, args=(n,))
               for n in ("managing_authority", "managing_authority_2")]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["confirmed", "refused"]
    assert Commitment.objects.filter(proposal=a).count() == 1
    confirmed = AuditEvent.objects.filter(
        action="portfolio.meeting.confirmed", object_id=str(meeting.pk)
    )
    assert confirmed.count() == 1
    assert AuditEvent.objects.filter(action="proposals.proposal.approved").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_scenarios_of_one_name_at_once_leave_one_and_a_clear_refusal():
    """Two people save a scenario under the same name at the same moment: both pass the name
    check while the solver runs; one is saved, the other is told the name is taken (no 500)."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises every writer)")
    from gti.strategy import services as strategy

    if not Programme.objects.exists():
        strategy.load_files()
    call = open_call()
    envelopes()
    assessed(call, "Groot project", 500_000, 9)
    person("secretariat_gent")
    barrier, outcomes = threading.Barrier(2), []

    def run():
        try:
            barrier.wait()
            services.run_scenario(call, by=person("secretariat_gent"), name="Zelfde", options={})
            outcomes.append("saved")
        except Invalid as exc:
            outcomes.append(exc.errors)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    refused = [o for o in outcomes if o != "saved"]
    assert outcomes.count("saved") == 1
    assert [list(r) for r in refused] == [["name"]]  # the name is taken, said by its field
    assert Scenario.objects.filter(call=call, name="Zelfde").count() == 1
    assert AuditEvent.objects.filter(action="portfolio.scenario.created").count() == 1
