"""The Sustainable Development Goals a proposal adds to those of its theme: numbers 1-17, each
once, through the services, the strategy step of the form and the proposal's page."""

import pytest

from gti.accounts.models import AuditEvent
from gti.errors import Invalid
from gti.proposals import services
from gti.proposals.models import Proposal
from tests.factories import draft, open_call, person, proposal_data

pytestmark = pytest.mark.usefixtures("loaded")


def test_own_goals_are_stored_in_their_order_and_in_the_snapshot():
    proposal = draft(sdgs=[13, 3])
    assert proposal.sdgs == [3, 13]
    assert services.snapshot(proposal)["sdgs"] == [3, 13]
    assert [g.number for g in proposal.goals] == [3, 13]


@pytest.mark.parametrize(("sdgs", "field"), [
    ([0], "sdgs[0]"),
    ([3, 18], "sdgs[1]"),
    (["three"], "sdgs[0]"),
    ([3, 3], "sdgs"),
    ("3", "sdgs"),
])  # fmt: skip
def test_refused_goals_are_named_and_nothing_is_written(sdgs, field):
    call, applicant = open_call("gent"), person("applicant_gent")
    before = AuditEvent.objects.count()
    with pytest.raises(Invalid) as refused:
        services.save_proposal(call, proposal_data(sdgs=sdgs), by=applicant)
    assert field in refused.value.errors
    assert Proposal.objects.count() == 0 and AuditEvent.objects.count() == before


def test_the_strategy_step_ticks_goals_and_the_page_shows_them(client):
    proposal = draft()
    client.force_login(person("applicant_gent"))
    url = f"/en/proposals/{proposal.reference}/edit/strategy/"
    form = client.get(url).content.decode()
    assert 'name="sdgs" value="17"' in form and "tick the goals it serves" in form
    posted = {**services.snapshot(proposal), "sdgs": ["10", "3"]}
    posted = {k: v for k, v in posted.items() if k in {
        "theme", "specific_objective", "areas", "start_date", "end_date", "sdgs",
        "policy_references"}}  # fmt: skip
    response = client.post(url, posted)
    assert response.status_code == 302, response.content.decode()
    proposal.refresh_from_db()
    assert proposal.sdgs == [3, 10]
    page = client.get(f"/en/proposals/{proposal.reference}/").content.decode()
    assert "SDG 3 Good health and well-being, SDG 10 Reduced inequalities" in page
