"""Members of the deciding body signing and confirming the same round at the same moment
(PostgreSQL). Two managing-authority accounts confirming at once: test_services.py."""

import datetime

import pytest

from gti.accounts.models import AuditEvent
from gti.portfolio import services
from gti.portfolio.models import Commitment, Envelope, Meeting, Vote
from gti.proposals.models import Proposal
from tests.concurrency import at_once, needs_postgresql
from tests.factories import efro_call, efro_validated, person
from tests.portfolio.test_services import envelopes

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("loaded")]
DAY = datetime.date(2026, 12, 1)


def decision_round(*titles):
    """A draft decision round of the managing authority approving one validated Antwerp
    proposal per title."""
    call = efro_call()
    envelopes("1000000", "1000000", city="antwerpen")
    authority = person("managing_authority")
    chosen = [efro_validated(call, "antwerpen", title=t) for t in titles]
    meeting = services.open_decision_round(call, by=authority, date=DAY)
    for p in chosen:
        services.set_decision(meeting, by=authority, proposal=p, outcome="approved",
                              amount=p.erdf_requested)  # fmt: skip
    return meeting, chosen


def votes(chosen):
    return {p.reference: ("for", "") for p in chosen}


def test_two_members_signing_at_once_both_count():
    needs_postgresql()
    meeting, chosen = decision_round("Klimaatplein")
    one, two = person("managing_authority"), person("managing_authority_2")
    outcomes = at_once(
        lambda: services.sign_meeting(meeting, by=one, votes=votes(chosen)),
        lambda: services.sign_meeting(meeting, by=two, votes=votes(chosen)),
    )
    assert outcomes == ["ok", "ok"]
    assert Vote.objects.filter(decision__meeting=meeting).count() == 2
    signed = AuditEvent.objects.filter(action="portfolio.meeting.signed",
                                       object_id=str(meeting.pk))  # fmt: skip
    assert signed.count() == 2
    assert services.tally(meeting)[meeting.decisions.get().pk]["adopted"]


def test_one_member_signing_twice_at_once_keeps_one_vote():
    needs_postgresql()
    meeting, chosen = decision_round("Klimaatplein")
    one = person("managing_authority")
    outcomes = at_once(
        lambda: services.sign_meeting(meeting, by=one, votes=votes(chosen)),
        lambda: services.sign_meeting(meeting, by=one, votes=votes(chosen)),
    )
    assert outcomes == ["ok", "ok"]  # signing again replaces the votes
    assert Vote.objects.filter(decision__meeting=meeting, member=one).count() == 1


def test_approving_twice_at_once_approves_and_commits_once():
    """The same member presses confirm twice (a double click): each proposal approved once,
    each envelope committed once, one event per proposal and one for the round."""
    needs_postgresql()
    meeting, chosen = decision_round("Klimaatplein", "Groene schoolroute")
    one = person("managing_authority")
    for name in ("managing_authority", "managing_authority_2"):
        services.sign_meeting(meeting, by=person(name), votes=votes(chosen))
    outcomes = at_once(
        lambda: services.confirm_meeting(Meeting.objects.get(pk=meeting.pk), by=one),
        lambda: services.confirm_meeting(Meeting.objects.get(pk=meeting.pk), by=one),
    )
    assert sorted(outcomes) == ["Refused", "ok"]
    for p in chosen:
        assert Proposal.objects.get(pk=p.pk).state == "approved"
        assert Commitment.objects.filter(proposal=p).count() == 1
        approved = AuditEvent.objects.filter(action="proposals.proposal.approved",
                                             object_id=str(p.pk))  # fmt: skip
        assert approved.count() == 1
    envelope = Envelope.objects.get(city__code="antwerpen", priority__code="P2", theme="")
    assert envelope.committed == sum(p.erdf_requested for p in chosen)
    confirmed = AuditEvent.objects.filter(action="portfolio.meeting.confirmed",
                                          object_id=str(meeting.pk))  # fmt: skip
    assert confirmed.count() == 1
