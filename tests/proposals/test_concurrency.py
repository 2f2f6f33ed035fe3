"""Experts scoring the same proposal at the same moment (PostgreSQL)."""

import pytest

from gti.accounts.models import AuditEvent
from gti.proposals import services
from gti.proposals.models import Assignment, Proposal
from tests.concurrency import at_once, needs_postgresql
from tests.factories import in_assessment, person

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("loaded")]


def scores_of(proposal, value):
    return {c.code: (c.max_score * value // 10, "Motivering") for c in proposal.call.criteria.all()}


def declared(proposal, name):
    assignment = Assignment.objects.get(proposal=proposal, assessor__username=name)
    return services.declare_no_conflict(assignment, by=person(name))


def events(action, proposal=None):
    found = AuditEvent.objects.filter(action=action)
    return found.filter(object_id=str(proposal.pk)) if proposal else found


def test_the_last_two_scores_arriving_together_consolidate_once():
    needs_postgresql()
    proposal = in_assessment()
    a, b = declared(proposal, "assessor_gent"), declared(proposal, "assessor_gent_2")
    scores = scores_of(proposal, 8)
    outcomes = at_once(
        lambda: services.score_proposal(a, by=person("assessor_gent"), scores=scores),
        lambda: services.score_proposal(b, by=person("assessor_gent_2"), scores=scores),
    )
    assert outcomes == ["ok", "ok"]
    proposal = Proposal.objects.get(pk=proposal.pk)
    assert proposal.state == "assessed" and proposal.consolidated_score is not None
    assert events("proposals.proposal.assessed", proposal).count() == 1
    assert events("proposals.assignment.scored").count() == 2


def test_one_expert_sending_scores_twice_at_once_consolidates_once():
    needs_postgresql()
    proposal = in_assessment()
    a, b = declared(proposal, "assessor_gent"), declared(proposal, "assessor_gent_2")
    services.score_proposal(b, by=person("assessor_gent_2"), scores=scores_of(proposal, 8))
    scores = scores_of(proposal, 7)
    expert = person("assessor_gent")
    outcomes = at_once(
        lambda: services.score_proposal(a, by=expert, scores=scores),
        lambda: services.score_proposal(a, by=expert, scores=scores),
    )
    # The second finds the proposal assessed: scores are closed outside a consensus round.
    assert sorted(outcomes) == ["Refused", "ok"]
    assert events("proposals.proposal.assessed", proposal).count() == 1
    assert events("proposals.assignment.scored", a).count() == 1
    assert a.scores.count() == proposal.call.criteria.count()
