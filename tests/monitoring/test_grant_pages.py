"""The grant pages as each role: the list scoped to what the person may see, another city's grant
404, opening from the proposal page, the amendment form with its errors by field, approval by a
second person. Refused posts change nothing."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from gti.accounts.models import AuditEvent
from gti.monitoring import services
from gti.monitoring.models import Grant, GrantVersion
from tests.factories import person
from tests.monitoring.test_grants import DAY, LINES, approved, call, wijkpark  # noqa: F401

pytestmark = pytest.mark.usefixtures("loaded")


def as_(name):
    client = Client()
    client.force_login(person(name))
    return client


def snapshot():
    events = AuditEvent.objects.filter(action__startswith="monitoring.").count()
    return list(GrantVersion.objects.order_by("pk").values()), Grant.objects.count(), events


@pytest.fixture
def grant(wijkpark):  # noqa: F811
    """Opened by one person of the managing authority, version 1 approved by the other, in
    force from today."""
    grant = services.open_grant(wijkpark, by=person("managing_authority"))
    services.approve_version(grant.versions.get(), by=person("managing_authority_2"),
                             in_force_from=timezone.localdate())  # fmt: skip
    return grant


@pytest.fixture
def both(call, grant):  # noqa: F811
    """Ghent's Wijkpark with version 1 in force, and Antwerp's Klimaatplein just opened."""
    other = approved(call, "antwerpen", title="Klimaatplein")
    return grant, services.open_grant(other, by=person("managing_authority"))


def test_the_list_shows_each_person_the_grants_they_may_see(both):
    ghent, antwerp = both
    refs = {g: g.proposal.reference for g in both}
    for who, seen in (
        ("managing_authority", {ghent, antwerp}), ("auditor", {ghent, antwerp}),
        ("secretariat_gent", {ghent}), ("steering_gent", {ghent}),
        ("applicant_gent", {ghent}), ("applicant_gent_2", set()),
        ("secretariat_antwerpen", {antwerp}),
    ):  # fmt: skip
        page = as_(who).get("/en/monitoring/grants/")
        assert page.status_code == 200, who
        shown = {g for g in both if f'data-grant="{refs[g]}"'.encode() in page.content}
        assert shown == seen, who
    assert as_("assessor_gent").get("/en/monitoring/grants/").status_code == 403
    assert Client().get("/en/monitoring/grants/").status_code == 302
    page = as_("managing_authority").get("/en/monitoring/grants/?city=gent")
    assert refs[ghent].encode() in page.content and refs[antwerp].encode() not in page.content
    # Ghent's version 1 is in force: its ERDF and rate; Antwerp's waits for approval.
    page = as_("managing_authority").get("/en/monitoring/grants/").content.decode()
    assert "EUR 60,000.00" in page and "40%" in page and "no version in force yet" in page


def test_the_grant_page_shows_the_conditions_and_hides_from_other_cities(both):
    ghent, _antwerp = both
    ref = ghent.proposal.reference
    page = as_("applicant_gent").get(f"/en/monitoring/grants/{ref}/")
    text = page.content.decode()
    assert page.status_code == 200
    today = timezone.localdate().isoformat()
    for shown in (f"Conditions in force: version 1, from {today}", "EUR 60,000.00", "40%",
                  "2026-01-01 – 2027-12-31", "EUR 100,000.00", "works and investment",
                  "Stad Gent, Groendienst", "RCO26", "1.50", "grant decision",
                  "managing_authority_2"):  # fmt: skip
        assert shown in text, shown
    assert "Prepare an amendment" not in text
    for who in ("secretariat_antwerpen", "steering_antwerpen", "applicant_gent_2",
                "applicant_antwerpen"):  # fmt: skip
        assert as_(who).get(f"/en/monitoring/grants/{ref}/").status_code == 404, who
    assert as_("assessor_gent").get(f"/en/monitoring/grants/{ref}/").status_code in (403, 404)


def test_the_managing_authority_opens_the_grant_from_the_proposal_page(wijkpark):  # noqa: F811
    ref = wijkpark.reference
    page = as_("secretariat_gent").get(f"/en/proposals/{ref}/")
    assert b"Open the grant" not in page.content
    before = snapshot()
    for who in ("secretariat_gent", "applicant_gent", "auditor", "secretariat_antwerpen"):
        assert as_(who).post(f"/en/monitoring/grants/{ref}/open/").status_code == 403, who
    unknown = as_("managing_authority").post("/en/monitoring/grants/GTI-0000-X/open/")
    assert unknown.status_code == 404
    assert snapshot() == before
    authority = as_("managing_authority")
    assert b"Open the grant" in authority.get(f"/en/proposals/{ref}/").content
    response = authority.post(f"/en/monitoring/grants/{ref}/open/")
    assert response.status_code == 302 and response["Location"] == f"/en/monitoring/grants/{ref}/"
    assert Grant.objects.get().versions.get().state == "draft"
    page = authority.get(f"/en/monitoring/grants/{ref}/").content.decode()
    assert "You prepared this version: a second person" in page and "Approve version 1" not in page
    assert b"Open the grant" not in authority.get(f"/en/proposals/{ref}/").content
    before = snapshot()
    again = as_("managing_authority_2").post(f"/en/monitoring/grants/{ref}/open/", follow=True)
    assert b"already has its grant" in again.content and snapshot() == before


def test_a_second_person_approves_on_the_page(wijkpark):  # noqa: F811
    ref = wijkpark.reference
    services.open_grant(wijkpark, by=person("managing_authority"))
    url = f"/en/monitoring/grants/{ref}/versions/1/approve/"
    before = snapshot()
    assert as_("secretariat_gent").post(url).status_code == 403
    refused = as_("managing_authority").post(url, follow=True)
    assert b"a second person approves it" in refused.content
    bad = as_("managing_authority_2").post(url, {"in_force_from": "1/12/2026"}, follow=True)
    assert b"YYYY-MM-DD" in bad.content
    assert snapshot() == before
    second = as_("managing_authority_2")
    assert b"Approve version 1" in second.get(f"/en/monitoring/grants/{ref}/").content
    second.post(url, {"in_force_from": "2026-12-01"})
    v1 = GrantVersion.objects.get()
    assert (v1.state, v1.approved_by.username, v1.in_force_from) == (
        "approved", "managing_authority_2", DAY)  # fmt: skip
    assert as_("managing_authority").post(
        f"/en/monitoring/grants/{ref}/versions/9/approve/").status_code == 404  # fmt: skip


def form_of(grant, **changes):  # noqa: F811
    """The amendment form as the page fills it, with `changes` typed over it."""
    v = grant.versions.get(number=1)
    data = {
        "reason": "", "erdf": f"{v.erdf}", "rate": "40", "eligible_from": "2026-01-01",
        "eligible_until": "2027-12-31", "budget_0": "50000.00", "budget_1": "100000.00",
        "partner_0": "120000.00", "partner_1": "30000.00", "special_conditions": "",
    }  # fmt: skip
    return data | changes


def test_the_amendment_form_names_each_error_and_saves_nothing(grant):  # noqa: F811
    ref = grant.proposal.reference
    url = f"/en/monitoring/grants/{ref}/amend/"
    before = snapshot()
    for who in ("secretariat_gent", "applicant_gent", "auditor"):
        assert as_(who).get(url).status_code == 403, who
        assert as_(who).post(url, form_of(grant, reason="x", erdf="1")).status_code == 403
    assert as_("secretariat_antwerpen").get(url).status_code == 404
    authority = as_("managing_authority")
    page = authority.get(url)
    assert page.status_code == 200 and b'value="60000.00"' in page.content
    for changes, place, field in (
        ({"erdf": "70000"}, "reason", 'id="err-reason"'),
        ({"reason": "X", "erdf": "veel"}, "erdf", 'id="err-erdf"'),
        ({"reason": "X", "rate": "45"}, "rate", 'id="err-rate"'),
        ({"reason": "X", "eligible_until": "2025-12-31"}, "eligible_until",
         'id="err-eligible_until"'),
        ({"reason": "X", "budget_1": "-5"}, "budget.works", 'id="err-budget_1"'),
        ({"reason": "X", "milestone_title_0": "Oplevering", "milestone_due_0": "eind 2027"},
         "milestones[0].due", 'id="err-milestone-0"'),
        ({"reason": "X"}, "changes", "at least one condition"),
    ):  # fmt: skip
        response = authority.post(url, form_of(grant, **changes))
        text = response.content.decode()
        assert response.status_code == 200, changes
        assert f"<code>{place}</code>" in text and field in text, (changes, text[-3000:])
    assert snapshot() == before
    # The typed values stay in the form.
    response = authority.post(url, form_of(grant, reason="X", erdf="veel"))
    assert b'value="veel"' in response.content


def test_an_amendment_on_the_page_then_its_approval_shows_the_change(grant):  # noqa: F811
    ref = grant.proposal.reference
    authority = as_("managing_authority")
    response = authority.post(
        f"/en/monitoring/grants/{ref}/amend/",
        form_of(grant, reason="Oplevering vastgelegd", milestone_title_0="Oplevering park",
                milestone_due_0="2027-10-01", special_conditions="Bord met EU-embleem"),
    )  # fmt: skip
    assert response.status_code == 302
    v2 = grant.versions.get(number=2)
    assert v2.milestones == [{"title": "Oplevering park", "due": "2027-10-01"}]
    assert v2.special_conditions == "Bord met EU-embleem"
    assert (v2.erdf, v2.budget, v2.reason) == (grant.versions.get(number=1).erdf,
                                               grant.versions.get(number=1).budget,
                                               "Oplevering vastgelegd")  # fmt: skip
    page = authority.get(f"/en/monitoring/grants/{ref}/").content.decode()
    assert "Version 2 waits for approval" in page and "Prepare an amendment" not in page
    as_("managing_authority_2").post(f"/en/monitoring/grants/{ref}/versions/2/approve/",
                                     {"in_force_from": "2027-01-01"})  # fmt: skip
    assert services.in_force(grant, datetime.date(2027, 1, 1)) == v2
    page = as_("secretariat_gent").get(f"/en/monitoring/grants/{ref}/").content.decode()
    assert "Oplevering vastgelegd" in page and "<code>milestones</code>" in page
    assert "→ Oplevering park 2027-10-01" in page and "<code>special_conditions</code>" in page
