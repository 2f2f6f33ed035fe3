"""The call procedure as data: the default EFRO Vlaanderen procedure (the managing authority runs
the call in two steps, the Technical Working Group's blocks with minimum scores) beside the
city-led one; the rules of each step, each with a refused case that changes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from pydantic import ValidationError

from gti.accounts import permissions
from gti.accounts.models import AuditEvent
from gti.errors import Invalid, Refused
from gti.proposals import procedure, services
from gti.proposals.models import Call, PreRegistration, Proposal
from gti.strategy.models import City, Programme
from tests.factories import (
    PASS_ITEMS,
    gti_assessed,
    gti_call,
    gti_submitted,
    in_assessment,
    open_call,
    person,
    preregistered,
    proposal_data,
    score_all,
    submitted,
)

S = Proposal.State
pytestmark = pytest.mark.usefixtures("loaded")


def rules(code="efro-vlaanderen"):
    return services.procedure_named(Programme.objects.current().get(), code)


# --- the procedure as data ----------------------------------------------------------------------


def test_the_default_procedure_is_the_managing_authoritys_two_step_call():
    efro = rules()
    assert services.default_procedure().code == "efro-vlaanderen"
    assert efro.run_by == "managing_authority" and efro.pre_registration
    assert efro.decision.by == "managing_authority" and efro.decision.signatures == 2
    assert efro.validation.by == "steering_committee"
    blocks = {b.code: b for b in efro.assessment.blocks}
    assert sum(c.max for c in blocks["strategic"].criteria) == 50
    assert sum(c.max for c in blocks["operational"].criteria) == 50
    assert blocks["strategic"].minimum == 30 and efro.assessment.minimum_total == 60
    assert [i.code for i in efro.admissibility_items] == [
        "legal-personality",
        "not-completed",
        "state-aid-not-started",
        "horizontal-principles",
        "climate-proofing",
    ]
    city = rules("city-led")
    assert city.run_by == "secretariat" and not city.pre_registration
    assert city.validation is None and city.decision.by == "steering_committee"


def test_no_procedure_lets_one_login_decide():
    data = rules().model_dump(mode="json")
    for broken in ({"decision": {"by": "managing_authority", "signatures": 1}},
                   {"validation": {"quorum": 1}}):  # fmt: skip
        with pytest.raises(ValidationError):
            procedure.ProcedureFile.model_validate({**data, **broken})


def test_block_scores_and_the_minimums_on_worked_examples():
    efro = rules()
    maxima = {c.code: c.max for _b, c in efro.criteria()}
    # 28 of 50 strategic, 40 of 50 operational: 68 overall, but below the strategic minimum.
    scores = {code: maxima[code] for code in maxima}
    scores.update({"relevance": 0, "objectives": 2, "indicators": 6})  # 50 - 22 = 28
    scores.update({"activities": 5, "risks": 5})  # 50 - 10 = 40
    blocks, total = procedure.block_scores(efro, scores)
    assert blocks == {"strategic": Decimal("28.00"), "operational": Decimal("40.00")}
    assert total == Decimal("68.00")
    assert procedure.shortfalls(efro, blocks, total) == [
        ("strategic", Decimal("28.00"), Decimal("30"))
    ]
    # 32 strategic and 25 operational: the strategic minimum holds, 57 overall does not.
    blocks = {"strategic": Decimal("32"), "operational": Decimal("25")}
    assert procedure.shortfalls(efro, blocks, Decimal("57")) == [
        ("total", Decimal("57"), Decimal("60"))
    ]
    assert procedure.shortfalls(efro, {"strategic": Decimal(30)}, Decimal(60)) == []


def test_every_move_is_in_one_table():
    efro, city = rules(), rules("city-led")
    assert procedure.moves(efro)["approved"][0] == {procedure.VALIDATED, procedure.RESERVE}
    assert procedure.moves(city)["approved"][0] == {procedure.ASSESSED, procedure.RESERVE}
    assert "validated" not in procedure.moves(city)
    for table in (procedure.moves(efro), procedure.moves(city)):
        for action, (froms, to) in table.items():
            assert to in Proposal.State.values, action
            assert froms <= set(Proposal.State.values), action
            assert not froms & procedure.FINAL, action  # nothing leaves a final state


# --- calls ---------------------------------------------------------------------------------------


def test_the_managing_authority_launches_a_call_for_both_cities():
    call = gti_call()
    assert call.city is None and [c.code for c in call.cities] == ["antwerpen", "gent"]
    assert call.reference.startswith("GTI-") and call.rules.code == "efro-vlaanderen"
    assert {c.block for c in call.criteria.all()} == {"strategic", "operational"}
    themes = {(t.strategy.city.code, t.code) for t in call.themes.all()}
    assert ("antwerpen", "mobiliteit") in themes and ("gent", "mobiliteit") in themes


def test_the_citys_secretariat_cannot_launch_the_managing_authoritys_call():
    before = Call.objects.count()
    with pytest.raises(PermissionDenied):
        services.create_call(
            by=person("secretariat_gent"),
            city=City.objects.get(code="gent"),
            procedure="efro-vlaanderen",
            title="Oproep",
            opens_at=timezone.now(),
            preregistration_closes_at=timezone.now() + datetime.timedelta(days=5),
            closes_at=timezone.now() + datetime.timedelta(days=9),
            themes=["mobiliteit"],
            envelopes={"P2": "1000"},
        )
    assert Call.objects.count() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"preregistration_closes_at": None}, "preregistration_closes_at"),
        (
            {"preregistration_closes_at": timezone.now() + datetime.timedelta(days=90)},
            "preregistration_closes_at",
        ),
        ({"opens_at": datetime.datetime(2026, 1, 1, 9, 0)}, "opens_at"),  # noqa: DTZ001
        ({"envelopes": {}}, "envelopes"),
        ({"specific_objectives": ["SD 9.9"]}, "specific_objectives"),
    ],
)
def test_call_steps_are_checked(changes, field):
    before = Call.objects.count()
    with pytest.raises(Invalid) as refused:
        gti_call(**changes)
    assert field in refused.value.errors
    assert Call.objects.count() == before


def test_a_city_led_call_is_for_one_city():
    now = timezone.now()
    with pytest.raises(Invalid) as refused:
        services.create_call(
            by=person("secretariat_gent"), city=None, procedure="city-led", title="Oproep",
            opens_at=now, closes_at=now + datetime.timedelta(days=9), themes=["mobiliteit"],
            envelopes={"P2": "1000"},
        )  # fmt: skip
    assert "city" in refused.value.errors
    assert not Call.objects.exists()


# --- pre-registration -------------------------------------------------------------------------


def test_preregistration_advice_and_the_full_proposal_carried_over():
    call = gti_call()
    prereg = preregistered(call, advice=None)
    assert prereg.reference.startswith(f"{call.reference}-V") and prereg.city.code == "gent"
    with pytest.raises(Refused, match="advice"):
        services.open_proposal(prereg, by=person("applicant_gent"))
    services.give_feedback(
        prereg, by=person("secretariat_gent"), advice="go", remarks="Past in de strategie."
    )
    prereg.refresh_from_db()
    assert prereg.advice == "" and prereg.state == "submitted"  # the city's advice is input
    services.give_feedback(
        prereg, by=person("managing_authority"), advice="adjust", remarks="Meer indicatoren."
    )
    prereg.refresh_from_db()
    assert prereg.advice == "adjust" and prereg.feedback.count() == 2
    with pytest.raises(PermissionDenied):
        services.open_proposal(prereg, by=person("applicant_gent_2"))
    proposal = services.open_proposal(prereg, by=person("applicant_gent"))
    assert proposal.city.code == "gent" and proposal.title == prereg.title
    assert proposal.theme.code == "klimaatadaptatie" and proposal.theme.strategy.city.code == "gent"
    assert proposal.specific_objective.code == "SD 2.4"
    with pytest.raises(Refused):
        services.open_proposal(prereg, by=person("applicant_gent"))  # once only


def test_a_two_step_call_takes_proposals_only_from_preregistrations():
    call = gti_call()
    with pytest.raises(Refused, match="pre-registration"):
        services.save_proposal(call, proposal_data(), by=person("applicant_gent"))
    assert not Proposal.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"city": "brugge"}, "city"),
        ({"theme": "kunst"}, "theme"),
        ({"specific_objective": "SD 1.2"}, "specific_objective"),  # not of klimaatadaptatie
        ({"erdf_requested": "90000.00"}, "erdf_requested"),  # above 40% of 150,000
        ({"title": ""}, "title"),
        ({"budget": "veel"}, "budget"),
    ],
)
def test_preregistration_input_is_checked(changes, field):
    call = gti_call()
    with pytest.raises(Invalid) as refused:
        preregistered(call, advice=None, **changes)
    assert field in refused.value.errors
    assert not PreRegistration.objects.exists()


def test_an_applicant_pre_registers_only_in_the_city_of_their_role():
    call = gti_call()
    with pytest.raises(PermissionDenied):
        preregistered(call, applicant="applicant_antwerpen", city="gent", advice=None)
    assert not PreRegistration.objects.exists()
    preregistered(call, applicant="applicant_antwerpen", city="antwerpen", advice=None,
                  promoter="Stad Antwerpen")  # fmt: skip
    assert PreRegistration.objects.get().city.code == "antwerpen"


def test_preregistration_closes_at_its_deadline():
    now = timezone.now()
    call = gti_call(
        opens_at=now - datetime.timedelta(days=20),
        preregistration_closes_at=now - datetime.timedelta(days=1),
    )
    with pytest.raises(Refused, match="not open"):
        preregistered(call, advice=None)
    assert not PreRegistration.objects.exists()


def test_feedback_is_given_by_the_managing_authority_or_the_citys_secretariat():
    prereg = preregistered(gti_call(), advice=None)
    for name in ("applicant_gent", "secretariat_antwerpen", "steering_gent", "expert"):
        with pytest.raises(PermissionDenied):
            services.give_feedback(prereg, by=person(name), advice="go", remarks="Ja")
    with pytest.raises(Invalid) as refused:
        services.give_feedback(prereg, by=person("managing_authority"), advice="ok", remarks=" ")
    assert set(refused.value.errors) == {"advice", "remarks"}
    assert not prereg.feedback.exists()


# --- admissibility, assessment ------------------------------------------------------------------


def test_the_managing_authority_checks_admissibility_of_its_call():
    proposal = gti_submitted()
    with pytest.raises(PermissionDenied):
        services.start_screening(proposal, by=person("secretariat_gent"))
    proposal = services.start_screening(proposal, by=person("managing_authority"))
    items = [i["code"] for i in services.checklist_items(proposal)]
    assert items == [i.code for i in rules().admissibility_items]  # no principles here
    checklist = dict(PASS_ITEMS, **{"not-completed": ("fail", "De werken zijn al klaar")})
    proposal = services.screen_proposal(
        proposal, by=person("managing_authority"), checklist=checklist
    )
    assert proposal.state == S.INADMISSIBLE
    assert proposal.screening_reasons == [
        {"rule": "item_not_met", "field": "checklist.not-completed",
         "message": "De werken zijn al klaar"}
    ]  # fmt: skip


def test_every_admissibility_item_needs_a_verdict_and_a_failure_its_reason():
    proposal = gti_submitted()
    authority = person("managing_authority")
    services.start_screening(proposal, by=authority)
    checklist = dict(PASS_ITEMS)
    del checklist["horizontal-principles"]
    checklist["climate-proofing"] = ("fail", "")
    with pytest.raises(Invalid) as refused:
        services.screen_proposal(proposal, by=authority, checklist=checklist)
    assert set(refused.value.errors) == {
        "checklist.horizontal-principles",
        "checklist.climate-proofing",
    }
    proposal.refresh_from_db()
    assert proposal.state == S.IN_SCREENING and not proposal.screening_checks.exists()


def test_programme_wide_experts_assess_and_the_minimums_are_recorded():
    good = gti_assessed(strategic=8, operational=8)
    assert good.state == S.ASSESSED and good.meets_minimums is True
    assert good.block_scores == {"strategic": "40.00", "operational": "40.00"}
    weak = gti_assessed(strategic=5, operational=9, title="Zwak strategisch")
    # 24 strategic (5 of each 10-point criterion, 2 of each 5-point one) and 44 operational
    assert weak.block_scores == {"strategic": "24.00", "operational": "44.00"}
    assert weak.consolidated_score == Decimal("68.00")
    assert weak.meets_minimums is False  # below 30/50 strategic although 68/100 overall


def test_a_city_expert_of_another_city_cannot_assess():
    proposal = gti_submitted()
    authority = person("managing_authority")
    services.start_screening(proposal, by=authority)
    proposal = services.screen_proposal(proposal, by=authority, checklist=PASS_ITEMS)
    with pytest.raises(Invalid, match="not an expert for this city"):
        services.assign_assessors(
            proposal, by=authority, assessors=[person("expert"), person("assessor_antwerpen")]
        )
    assert not proposal.assignments.exists()


def test_a_consensus_round_is_closed_with_its_record():
    proposal = in_assessment()
    score_all(proposal, "assessor_gent", 9)
    score_all(proposal, "assessor_gent_2", 5)
    proposal.refresh_from_db()
    assert proposal.needs_consensus
    with pytest.raises(PermissionDenied):
        services.close_consensus(proposal, by=person("assessor_gent"), note="Akkoord")
    with pytest.raises(Invalid):
        services.close_consensus(proposal, by=person("secretariat_gent"), note=" ")
    proposal.refresh_from_db()
    assert proposal.needs_consensus
    services.close_consensus(proposal, by=person("secretariat_gent"), note="Akkoord op 68")
    proposal.refresh_from_db()
    assert not proposal.needs_consensus
    event = AuditEvent.objects.latest("id")
    assert (
        event.action == "proposals.proposal.consensus_reached" and event.reason == "Akkoord op 68"
    )
    with pytest.raises(Refused):
        services.close_consensus(proposal, by=person("secretariat_gent"), note="Nog eens")


def test_a_late_conflict_completes_the_assessment_when_the_others_scored():
    proposal = in_assessment()
    services.assign_assessors(
        proposal, by=person("secretariat_gent"), assessors=[person("assessor_gent_3")]
    )
    score_all(proposal, "assessor_gent", 8)
    score_all(proposal, "assessor_gent_2", 8)
    proposal.refresh_from_db()
    assert proposal.state == S.IN_ASSESSMENT  # the third has not scored
    assignment = proposal.assignments.get(assessor__username="assessor_gent_3")
    services.declare_conflict(assignment, by=person("assessor_gent_3"), reason="Mijn werkgever")
    proposal.refresh_from_db()
    assert proposal.state == S.ASSESSED and proposal.consolidated_score == Decimal("80.00")


def test_a_returned_proposal_is_resubmitted_after_the_call_closed():
    proposal = submitted()
    services.return_for_correction(proposal, by=person("secretariat_gent"), reason="Budget")
    Call.objects.filter(pk=proposal.call_id).update(
        closes_at=timezone.now() - datetime.timedelta(hours=1)
    )
    proposal = services.submit_proposal(proposal, by=person("applicant_gent"))
    assert proposal.state == S.SUBMITTED
    never = Proposal.objects.get(pk=services.save_proposal(
        open_call(), proposal_data(), by=person("applicant_gent")).pk)  # fmt: skip
    Call.objects.filter(pk=never.call_id).update(
        closes_at=timezone.now() - datetime.timedelta(hours=1)
    )
    with pytest.raises(Refused, match="not open"):
        services.submit_proposal(never, by=person("applicant_gent"))


def test_who_takes_each_step_follows_the_calls_procedure():
    efro = gti_submitted()
    city_led = submitted()
    authority, secretariat = person("managing_authority"), person("secretariat_gent")
    assert permissions.can(authority, "proposal.screen", efro)
    assert not permissions.can(secretariat, "proposal.screen", efro)
    assert permissions.can(secretariat, "proposal.screen", city_led)
    assert not permissions.can(authority, "proposal.screen", city_led)
    assert permissions.can(authority, "decision.sign", efro.call)
    assert not permissions.can(person("steering_gent"), "decision.sign", efro.call)
    assert permissions.can(person("steering_gent"), "decision.sign", city_led.call)


def test_an_unknown_indicator_on_a_draft_without_objective_is_refused():
    changes = {
        "specific_objective": None,
        "indicator_targets": [{"indicator": "XYZ9", "target": "1"}],
    }
    with pytest.raises(Invalid) as refused:
        services.save_proposal(open_call(), proposal_data(**changes), by=person("applicant_gent"))
    assert refused.value.errors == {
        "indicator_targets[0].indicator": ["XYZ9 is not an indicator of the programme"]
    }
    assert not Proposal.objects.exists()


def test_a_taken_call_reference_moves_to_the_next_free_one():
    first = gti_call()
    year = first.reference.split("-")[1]
    # Someone else took the next number in the meantime (a concurrent request).
    Call.objects.filter(pk=first.pk).update(reference=f"GTI-{year}-C2")
    second = gti_call(title="Tweede oproep")
    assert second.reference == f"GTI-{year}-C3"
    assert Call.objects.count() == 2
