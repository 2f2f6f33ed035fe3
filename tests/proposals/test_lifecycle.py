"""Every transition of a proposal, through the services, with its audit event."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from gti.accounts.models import AuditEvent
from gti.errors import Invalid, Refused
from gti.portfolio import services as portfolio
from gti.proposals import services
from gti.proposals.models import Proposal
from tests.factories import (
    PASS_ALL,
    admissible,
    draft,
    in_assessment,
    open_call,
    person,
    proposal_data,
    score_all,
    submitted,
)

S = Proposal.State
pytestmark = pytest.mark.usefixtures("loaded")


def events(proposal) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="proposals.proposal", object_id=str(proposal.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_draft_is_saved_with_all_its_parts():
    proposal = draft()
    assert proposal.state == S.DRAFT
    assert proposal.reference.startswith("GEN-")
    assert proposal.total_cost == Decimal("150000.00")
    assert proposal.co_financing_total == Decimal("90000.00")
    assert proposal.theme.code == "klimaatadaptatie"
    assert [a.code for a in proposal.areas.all()] == ["ledeberg"]
    assert proposal.indicator_targets.get().indicator.code == "RCO26"
    assert proposal.justifications.count() == 6
    assert services.snapshot(proposal)["policy_references"] == ["beleidsnota-openbaar-groen"]
    assert events(proposal) == ["proposals.proposal.created"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"erdf_rate": "0.50", "erdf_requested": "75000.00"}, "erdf_rate"),
        ({"specific_objective": "SD 2.8"}, "specific_objective"),
        ({"areas": ["borgerhout"]}, "areas[0]"),
        ({"end_date": "2025-06-30"}, "end_date"),
        (
            {"budget_lines": [{"category": "works", "amount": "-5.00"}]},
            "budget_lines[0].amount",
        ),
        ({"co_financing": [{"source": "city", "amount": "10.00"}]}, "co_financing"),
        ({"erdf_requested": "veel"}, "erdf_requested"),
        (
            {"budget_lines": [{"category": "catering", "amount": "5.00"}]},
            "budget_lines[0].category",
        ),
        ({"contact_email": "not-an-address"}, "contact_email"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_writes_nothing(changes, field):
    call = open_call()
    applicant = person("applicant_gent")
    before = AuditEvent.objects.count()
    with pytest.raises(Invalid) as refused:
        services.save_proposal(call, proposal_data(**changes), by=applicant)
    assert field in refused.value.errors
    assert Proposal.objects.count() == 0
    assert AuditEvent.objects.count() == before


def test_bad_edit_leaves_the_draft_as_it_was():
    proposal = draft()
    with pytest.raises(Invalid):
        services.save_proposal(
            proposal.call,
            proposal_data(title="Nieuw", areas=["borgerhout"]),
            by=person("applicant_gent"),
            proposal=proposal,
        )
    proposal.refresh_from_db()
    assert proposal.title.startswith("Wijkpark") and proposal.areas.get().code == "ledeberg"


def test_an_edit_of_a_proposal_submitted_meanwhile_is_refused_under_the_lock():
    """The page read a draft; before the edit arrives it was submitted (another tab): the state
    is read again under the row lock and the edit refused, with nothing written."""
    stale = draft()
    Proposal.objects.filter(pk=stale.pk).update(state=S.SUBMITTED)
    events = AuditEvent.objects.count()
    with pytest.raises(Refused):
        services.save_proposal(stale.call, proposal_data(title="Te laat"),
                               by=person("applicant_gent"), proposal=stale)  # fmt: skip
    assert Proposal.objects.get(pk=stale.pk).title.startswith("Wijkpark")
    assert AuditEvent.objects.count() == events


def test_edit_records_before_and_after():
    proposal = draft()
    services.save_proposal(
        proposal.call,
        proposal_data(title="Wijkpark Ledeberg fase 2"),
        by=person("applicant_gent"),
        proposal=proposal,
    )
    event = AuditEvent.objects.latest("id")
    assert event.action == "proposals.proposal.updated"
    assert event.before == {"title": "Wijkpark Ledeberg: ontharding en waterbuffering"}
    assert event.after == {"title": "Wijkpark Ledeberg fase 2"}
    assert event.actor.username == "applicant_gent"


def test_submit_only_while_the_call_is_open():
    call = open_call()
    proposal = draft(call)
    secretariat = person("secretariat_gent")
    services.close_call(call, by=secretariat, reason="deadline")
    with pytest.raises(Refused, match="not open"):
        services.submit_proposal(proposal, by=person("applicant_gent"))
    proposal.refresh_from_db()
    assert proposal.state == S.DRAFT


def test_call_not_yet_open_takes_no_proposals():
    later = timezone.now() + datetime.timedelta(days=5)
    call = open_call(opens_at=later, closes_at=later + datetime.timedelta(days=10))
    with pytest.raises(Refused, match="not open"):
        draft(call)


def test_incomplete_draft_cannot_be_submitted():
    proposal = draft(justifications={}, indicator_targets=[])
    with pytest.raises(Invalid) as refused:
        services.submit_proposal(proposal, by=person("applicant_gent"))
    assert "justifications.G-1" in refused.value.errors
    assert "indicator_targets" in refused.value.errors
    proposal.refresh_from_db()
    assert proposal.state == S.DRAFT


def test_submit_screen_assess_to_a_consolidated_score():
    proposal = submitted()
    assert proposal.state == S.SUBMITTED and proposal.submitted_at
    proposal = in_assessment(proposal.call, title="Tweede voorstel")
    assert proposal.state == S.IN_ASSESSMENT
    score_all(proposal, "assessor_gent", 8)
    proposal.refresh_from_db()
    assert proposal.state == S.IN_ASSESSMENT  # waits for the second assessor
    score_all(proposal, "assessor_gent_2", 6)
    proposal.refresh_from_db()
    assert proposal.state == S.ASSESSED
    assert proposal.consolidated_score == Decimal("70.00")  # mean of 80 and 60
    assert proposal.needs_consensus is True  # 20 points apart, margin 15
    assert events(proposal)[-5:] == [
        "proposals.proposal.submitted",
        "proposals.proposal.screening_started",
        "proposals.proposal.admissible",
        "proposals.proposal.assessment_started",
        "proposals.proposal.assessed",
    ]


def test_consensus_round_lets_assessors_revise():
    proposal = in_assessment()
    score_all(proposal, "assessor_gent", 9)
    score_all(proposal, "assessor_gent_2", 5)
    proposal.refresh_from_db()
    assert proposal.needs_consensus
    score_all(proposal, "assessor_gent", 6)
    proposal.refresh_from_db()
    assert proposal.consolidated_score == Decimal("54.00")  # mean of 60 and 48
    assert proposal.needs_consensus is False


def test_points_add_up_per_block_and_in_total():
    proposal = in_assessment()
    for name in ("assessor_gent", "assessor_gent_2"):
        assignment = proposal.assignments.get(assessor__username=name)
        services.declare_no_conflict(assignment, by=person(name))
        scores = {c.code: (0, "Nee") for c in proposal.call.criteria.all()}
        scores["relevance"] = (10, "Volledig")  # strategic, 10 of 50
        scores["budget"] = (7, "Goed")  # operational, 7 of 50
        services.score_proposal(assignment, by=person(name), scores=scores)
    proposal.refresh_from_db()
    assert proposal.consolidated_score == Decimal("17.00")
    assert proposal.block_scores == {"strategic": "10.00", "operational": "7.00"}
    assert proposal.needs_consensus is False
    assert proposal.meets_minimums is False  # 10/50 strategic, 17/100 overall


def test_scores_are_checked():
    proposal = in_assessment()
    assignment = proposal.assignments.get(assessor__username="assessor_gent")
    user = person("assessor_gent")
    with pytest.raises(Refused, match="conflict of interest"):
        services.score_proposal(assignment, by=user, scores={})
    services.declare_no_conflict(assignment, by=user)
    scores = {c.code: (5, "Goed") for c in proposal.call.criteria.all()}
    scores["relevance"] = (11, "Te hoog")
    scores["budget"] = (5, " ")
    with pytest.raises(Invalid) as refused:
        services.score_proposal(assignment, by=user, scores=scores)
    assert set(refused.value.errors) == {"scores.relevance", "scores.budget"}
    assert not assignment.scores.exists()


def test_conflict_of_interest_removes_the_assignment():
    proposal = in_assessment()
    assignment = proposal.assignments.get(assessor__username="assessor_gent")
    services.declare_conflict(assignment, by=person("assessor_gent"), reason="Mijn werkgever")
    assignment.refresh_from_db()
    assert not assignment.active and assignment.conflict_declared
    event = AuditEvent.objects.latest("id")
    assert event.action == "proposals.assignment.conflict_declared"
    assert event.reason == "Mijn werkgever"
    with pytest.raises(PermissionDenied):
        services.declare_no_conflict(assignment, by=person("assessor_gent"))
    # the secretariat assigns another; the same person cannot come back
    with pytest.raises(Invalid):
        services.assign_assessors(
            proposal, by=person("secretariat_gent"), assessors=[person("assessor_gent")]
        )
    services.assign_assessors(
        proposal, by=person("secretariat_gent"), assessors=[person("assessor_gent_3")]
    )
    assert proposal.assignments.filter(active=True).count() == 2


def test_at_least_two_assessors_of_the_city():
    proposal = admissible()
    secretariat = person("secretariat_gent")
    with pytest.raises(Invalid, match="at least 2 experts"):
        services.assign_assessors(proposal, by=secretariat, assessors=[person("assessor_gent")])
    with pytest.raises(Invalid, match="not an expert for this city"):
        services.assign_assessors(
            proposal,
            by=secretariat,
            assessors=[person("assessor_gent"), person("assessor_antwerpen")],
        )
    proposal.refresh_from_db()
    assert proposal.state == S.ADMISSIBLE and not proposal.assignments.exists()


def test_screening_failure_of_a_mandatory_principle_makes_ineligible():
    proposal = submitted()
    secretariat = person("secretariat_gent")
    services.start_screening(proposal, by=secretariat)
    checklist = dict(PASS_ALL, **{"G-2": ("fail", "Geen impact op wijkniveau")})
    proposal = services.screen_proposal(proposal, by=secretariat, checklist=checklist)
    assert proposal.state == S.INADMISSIBLE
    assert proposal.screening_reasons == [
        {
            "rule": "principle_not_met",
            "field": "checklist.G-2",
            "message": "Geen impact op wijkniveau",
        }
    ]


def test_screening_failure_of_a_preferred_principle_is_recorded_only():
    proposal = submitted()
    secretariat = person("secretariat_gent")
    services.start_screening(proposal, by=secretariat)
    checklist = dict(PASS_ALL, **{"G-5": ("fail", "Geen functionele verweving")})
    proposal = services.screen_proposal(proposal, by=secretariat, checklist=checklist)
    assert proposal.state == S.ADMISSIBLE
    assert proposal.screening_checks.get(item="G-5").result == "fail"


def test_research_infrastructure_is_ineligible_at_screening():
    proposal = admissible(research_infrastructure=True)
    assert proposal.state == S.INADMISSIBLE
    assert proposal.screening_reasons[0]["rule"] == "research_infrastructure"


def test_checklist_must_be_complete_and_reasoned():
    proposal = submitted()
    secretariat = person("secretariat_gent")
    services.start_screening(proposal, by=secretariat)
    checklist = dict(PASS_ALL, **{"G-1": ("fail", ""), "G-2": ("n/a", "")})
    del checklist["G-7"]
    with pytest.raises(Invalid) as refused:
        services.screen_proposal(proposal, by=secretariat, checklist=checklist)
    assert set(refused.value.errors) == {"checklist.G-1", "checklist.G-2", "checklist.G-7"}
    proposal.refresh_from_db()
    assert proposal.state == S.IN_SCREENING and not proposal.screening_checks.exists()


def test_return_for_correction_and_resubmit():
    proposal = submitted()
    secretariat = person("secretariat_gent")
    with pytest.raises(Invalid):
        services.return_for_correction(proposal, by=secretariat, reason=" ")
    proposal = services.return_for_correction(proposal, by=secretariat, reason="Budget onduidelijk")
    assert proposal.state == S.DRAFT
    proposal = services.submit_proposal(proposal, by=person("applicant_gent"))
    assert proposal.state == S.SUBMITTED
    assert events(proposal)[-3:] == [
        "proposals.proposal.submitted",
        "proposals.proposal.returned",
        "proposals.proposal.submitted",
    ]


def test_secretariat_corrects_a_submitted_proposal_with_a_reason():
    proposal = submitted()
    secretariat = person("secretariat_gent")
    with pytest.raises(Invalid, match="reason"):
        services.save_proposal(
            proposal.call, proposal_data(title="Verbeterd"), by=secretariat, proposal=proposal
        )
    services.save_proposal(
        proposal.call,
        proposal_data(title="Verbeterd"),
        by=secretariat,
        proposal=proposal,
        reason="Tikfout in de titel",
    )
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.reason, event.after) == (
        "proposals.proposal.updated",
        "Tikfout in de titel",
        {"title": "Verbeterd"},
    )


@pytest.mark.parametrize(
    "make", [draft, submitted, admissible, in_assessment], ids=lambda f: f.__name__
)
def test_withdraw_from_any_open_state(make):
    proposal = make()
    proposal = portfolio.withdraw_proposal(
        proposal, by=person("applicant_gent"), reason="Geen budget"
    )
    assert proposal.state == S.WITHDRAWN
    with pytest.raises(Refused):
        services.submit_proposal(proposal, by=person("applicant_gent"))


def test_the_withdraw_button_shows_exactly_where_the_rule_allows_it(client):
    from gti.proposals.procedure import moves

    proposal = submitted()
    client.force_login(person("applicant_gent"))
    allowed, _to = moves(proposal.call.rules)["withdrawn"]
    url = f"/en/proposals/{proposal.reference}/"
    for state in S.values:
        Proposal.objects.filter(pk=proposal.pk).update(state=state)
        page = client.get(url).content.decode()
        assert ("Withdraw the proposal" in page) == (state in allowed), state
    for state in set(S.values) - allowed:  # where it is hidden, the rule refuses it too
        Proposal.objects.filter(pk=proposal.pk).update(state=state)
        client.post(f"{url}withdraw/", {"reason": "Toch niet"})
        assert Proposal.objects.get(pk=proposal.pk).state == state


def test_illegal_moves_are_refused_and_change_nothing():
    proposal = draft()
    secretariat = person("secretariat_gent")
    with pytest.raises(Refused):
        services.start_screening(proposal, by=secretariat)
    with pytest.raises(Refused):
        services.assign_assessors(
            proposal,
            by=secretariat,
            assessors=[person("assessor_gent"), person("assessor_gent_2")],
        )
    proposal.refresh_from_db()
    assert proposal.state == S.DRAFT
    assert events(proposal) == ["proposals.proposal.created"]


def test_call_publish_and_close_are_transitions():
    call = open_call()
    with pytest.raises(Refused):
        services.publish_call(call, by=person("secretariat_gent"))
    services.close_call(call, by=person("secretariat_gent"))
    call.refresh_from_db()
    assert call.state == "closed"
    actions = AuditEvent.objects.filter(object_type="proposals.call").values_list(
        "action", flat=True
    )
    assert list(actions) == [
        "proposals.call.created",
        "proposals.call.published",
        "proposals.call.closed",
    ]


def test_call_input_is_checked():
    from gti.strategy.models import City

    now = timezone.now()
    with pytest.raises(Invalid) as refused:
        services.create_call(
            by=person("secretariat_gent"),
            city=City.objects.get(code="gent"),
            procedure="city-led",
            title="",
            opens_at=now,
            closes_at=now - datetime.timedelta(days=1),
            themes=["kunst"],
            envelopes={"P1": "-5", "P9": "10"},
        )
    assert set(refused.value.errors) == {
        "title",
        "closes_at",
        "themes",
        "envelopes.P1",
        "envelopes.P9",
    }
