"""Participation moments (*participatiemomenten*, GTI strategy section 5): recorded per call and
per proposal by the city's secretariat (or the managing authority), by the applicant on their own
draft; every change audited; shown without personal data on the public project page and summed
per city on the strategy page."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from gti.accounts.models import AuditEvent
from gti.errors import Invalid
from gti.participation import services
from gti.participation.models import InvolvementMoment
from gti.proposals.models import Proposal
from gti.strategy.models import City
from tests.factories import draft, efro_call, person, submitted

pytestmark = pytest.mark.usefixtures("loaded")

YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)
MOMENT = {
    "held_on": (YESTERDAY - datetime.timedelta(days=20)).isoformat(),
    "channel": "info_stand",
    "target_group": "residents",
    "participants": 42,
    "question": "Waar wil je meer groen in Ledeberg?",
    "outcome": "Meer bomen langs de Hundelgemsesteenweg.",
    "feedback_on": YESTERDAY.isoformat(),
    "feedback_how": "Nieuwsbrief van de wijk en een avond in het buurtcentrum.",
}


def moment_data(**changes):
    return {**MOMENT, **changes}


def counts():
    return InvolvementMoment.objects.count(), AuditEvent.objects.count()


def test_the_secretariat_records_a_moment_on_a_proposal_with_its_audit_event():
    proposal = submitted()
    moment = services.record_moment(proposal, moment_data(), by=person("secretariat_gent"))
    assert (moment.city.code, moment.participants, moment.feedback_given) == ("gent", 42, True)
    event = AuditEvent.objects.get(action="participation.moment.recorded")
    assert event.actor_name == "secretariat_gent" and event.city == "gent"
    assert event.after["question"] == MOMENT["question"]


def test_the_managing_authority_records_one_on_a_call_of_two_cities_naming_the_city():
    call = efro_call()
    by = person("managing_authority")
    before = counts()
    with pytest.raises(Invalid) as refused:
        services.record_moment(call, moment_data(), by=by)
    assert "city" in refused.value.errors and counts() == before
    moment = services.record_moment(call, moment_data(city="antwerpen"), by=by)
    assert moment.city.code == "antwerpen" and moment.call == call


def test_another_citys_secretariat_may_not_record_one():
    proposal, antwerp = submitted(), person("secretariat_antwerpen")
    before = counts()
    with pytest.raises(PermissionDenied):
        services.record_moment(proposal, moment_data(), by=antwerp)
    with pytest.raises(PermissionDenied):  # a call of Ghent alone neither
        services.record_moment(proposal.call, moment_data(), by=antwerp)
    assert counts() == before


def test_the_applicant_records_on_their_own_draft_only():
    own = draft()
    services.record_moment(own, moment_data(), by=person("applicant_gent"))
    cases = (
        (draft(title="Ander"), "applicant_gent_2"),  # someone else's draft
        (submitted(title="Ingediend"), "applicant_gent"),  # own, but sent in
        (own.call, "applicant_gent"),  # a call's moments are the city's
        (own, "secretariat_gent"),  # a draft is the applicant's own
    )
    for _target, who in cases:
        person(who)  # made before counting: making an account is audited
    before = counts()
    for target, who in cases:
        with pytest.raises(PermissionDenied):
            services.record_moment(target, moment_data(), by=person(who))
    assert counts() == before


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"participants": -1}, "participants"),
        ({"channel": "tv"}, "channel"),
        ({"channel": "other"}, "channel_other"),
        ({"held_on": (timezone.localdate() + datetime.timedelta(days=2)).isoformat()}, "held_on"),
        ({"feedback_on": "2020-01-01"}, "feedback_on"),  # before the moment
        ({"feedback_how": ""}, "feedback_how"),
        ({"feedback_on": None}, "feedback_on"),  # how, but not when
        ({"question": "  "}, "question"),
        ({"nickname": "x"}, "nickname"),
    ],
)
def test_a_bad_moment_names_its_field_and_changes_nothing(changes, field):
    proposal = submitted()
    before = counts()
    with pytest.raises(Invalid) as refused:
        services.record_moment(proposal, moment_data(**changes), by=person("secretariat_gent"))
    assert field in refused.value.errors
    assert counts() == before


def test_a_change_records_before_after_and_why():
    proposal = submitted()
    moment = services.record_moment(
        proposal, moment_data(feedback_on=None, feedback_how=""), by=person("secretariat_gent")
    )
    person("steering_gent")
    assert not moment.feedback_given
    services.edit_moment(
        moment, moment_data(), by=person("managing_authority"), reason="Terugkoppeling gedaan"
    )
    moment.refresh_from_db()
    assert moment.feedback_given
    event = AuditEvent.objects.get(action="participation.moment.changed")
    assert event.reason == "Terugkoppeling gedaan" and event.before["feedback_on"] is None
    assert set(event.after) == {"feedback_on", "feedback_how"}
    before = counts()
    with pytest.raises(PermissionDenied):
        services.edit_moment(moment, moment_data(participants=1), by=person("steering_gent"))
    assert counts() == before


def test_the_pages_list_and_add_moments(client):
    proposal = submitted()
    client.force_login(person("secretariat_gent"))
    url = f"/en/proposals/{proposal.reference}/involvement/"
    page = client.get(url)
    assert page.status_code == 200 and b"Record a participation moment" in page.content
    bad = client.post(url, moment_data(participants="veel"))
    assert bad.status_code == 200 and "participants" in bad.context["form"].errors
    assert not InvolvementMoment.objects.exists()
    assert client.post(url, moment_data()).status_code == 302
    page = client.get(url)
    assert MOMENT["outcome"].encode() in page.content
    # The call's page too; the steering committee reads but does not record.
    client.force_login(person("steering_gent"))
    page = client.get(url)
    assert page.status_code == 200 and b"Record a participation moment" not in page.content
    assert client.post(url, moment_data()).status_code == 403
    assert client.get(f"/en/calls/{proposal.call.reference}/involvement/").status_code == 200
    # Another city's secretariat does not see the proposal.
    client.force_login(person("secretariat_antwerpen"))
    assert client.get(url).status_code == 404


def test_the_public_project_page_shows_the_moments_without_who_recorded_them(client):
    from gti.opendata import operations

    proposal = submitted()
    services.record_moment(proposal, moment_data(), by=person("secretariat_gent"))
    assert operations.involvement(proposal.reference) == []  # not approved: nothing published
    Proposal.objects.filter(pk=proposal.pk).update(state=Proposal.State.APPROVED)
    published = operations.involvement(proposal.reference)
    assert [m.participants for m in published] == [42]
    page = client.get(f"/en/portal/operations/{proposal.reference}/").content.decode()
    assert MOMENT["outcome"] in page and "information stand on location" in page
    assert "secretariat_gent" not in page and "@example.org" not in page


def test_the_strategy_page_sums_the_citys_moments(client):
    proposal = submitted()
    by = person("secretariat_gent")
    services.record_moment(proposal, moment_data(), by=by)
    services.record_moment(
        proposal.call,
        moment_data(channel="platform", participants=100, feedback_on=None, feedback_how=""),
        by=by,
    )
    services.record_moment(draft(title="Nog in opmaak"), moment_data(participants=7),
                           by=person("applicant_gent"))  # fmt: skip
    summary = services.city_summary(proposal.city)
    assert (summary["moments"], summary["participants"]) == (2, 142)
    assert (summary["feedback_given"], summary["feedback_missing"]) == (1, 1)
    assert [n for _label, n, _people in summary["channels"]] == [1, 1]
    page = client.get("/en/strategies/gent/")
    section = page.content.decode().split('id="involvement"')[1].split("</section>")[0]
    assert "142" in section and "participation platform" in section
    assert services.city_summary(City.objects.get(code="antwerpen"))["moments"] == 0


def test_on_a_call_of_both_cities_a_citys_secretariat_records_for_its_own_city(client):
    call = efro_call()
    client.force_login(person("secretariat_gent"))
    url = f"/en/calls/{call.reference}/involvement/"
    assert "city" not in client.get(url).context["form"].fields
    assert client.post(url, moment_data()).status_code == 302
    assert InvolvementMoment.objects.get().city.code == "gent"
    client.force_login(person("managing_authority"))
    bad = client.post(url, moment_data())  # the managing authority names the city
    assert "city" in bad.context["form"].errors and InvolvementMoment.objects.count() == 1
