"""The notifications page (mark read, the unread count in the header), the preferences page and
My deadlines."""

import pytest
from django.test import Client

from gti.accounts.models import AuditEvent
from gti.notifications import services
from gti.notifications.models import Kind, Notification, Preference
from tests.factories import person, submitted

pytestmark = pytest.mark.usefixtures("loaded")


def signed_in(name):
    client = Client()
    client.force_login(person(name))
    return client


def test_the_list_marks_read_and_the_header_counts_unread():
    proposal = submitted()
    client = signed_in("applicant_gent")
    page = client.get("/en/notifications/").content.decode()
    assert f"Ontvangstbevestiging: projectvoorstel {proposal.reference} ingediend" in page
    assert 'data-unread="1"' in page
    receipt = Notification.objects.get(user__username="applicant_gent", kind=Kind.RECEIPT)

    # Someone else cannot mark my message read: nothing changes.
    other = signed_in("applicant_gent_2")
    other.post("/notifications/", {"notification": receipt.pk})
    receipt.refresh_from_db()
    assert receipt.read_at is None
    assert other.get("/en/notifications/").content.decode().count("data-notification=") == 0

    assert client.post("/notifications/", {"notification": receipt.pk}).status_code == 302
    receipt.refresh_from_db()
    assert receipt.read_at is not None
    assert 'data-unread="0"' in client.get("/en/notifications/").content.decode()
    event = AuditEvent.objects.get(action="notifications.read")
    assert event.after == {"notifications": [receipt.pk]}


def test_mark_all_read():
    submitted()
    applicant = person("applicant_gent")
    services.notify(applicant, Kind.DEADLINE, "A", "B", {})
    client = signed_in("applicant_gent")
    client.post("/notifications/", {})
    assert not Notification.objects.filter(user=applicant, read_at=None).exists()


def test_the_preferences_page_saves_and_refuses_by_field():
    client = signed_in("assessor_gent")
    page = client.get("/en/notifications/preferences/").content.decode()
    assert 'name="assigned"' in page and 'name="receipt"' not in page  # required: no choice
    response = client.post(
        "/en/notifications/preferences/", {"language": "en", "assigned": "digest"}
    )
    assert response.status_code == 302
    assert Preference.objects.get(user__username="assessor_gent", kind="assigned").delivery == (
        "digest"
    )
    assert services.profile(person("assessor_gent")).language == "en"
    bad = client.post("/en/notifications/preferences/", {"language": "fr", "assigned": "never"})
    assert bad.status_code == 200
    text = bad.content.decode()
    assert "Select a valid choice" in text
    assert Preference.objects.get(user__username="assessor_gent", kind="assigned").delivery == (
        "digest"
    )


def test_my_deadlines_lists_in_date_order_with_the_calendar_address():
    proposal = submitted()
    client = signed_in("applicant_gent")
    page = client.get("/en/my-work/").content.decode()
    assert proposal.call.reference in page and "submission deadline" in page
    token = services.profile(person("applicant_gent")).calendar_token
    assert f"https://gti.example.org/deadlines/{token}.ics" in page
    assert Client().get("/en/my-work/").status_code == 302  # sign in first


def test_my_work_shows_the_first_coming_deadlines_and_links_to_all():
    from django.utils import timezone

    from gti.accounts.views import DEADLINES_SHOWN
    from gti.notifications import deadlines

    proposal = submitted()
    client = signed_in("applicant_gent")
    page = client.get("/en/accounts/dashboard/").content.decode()
    mine = deadlines.for_person(person("applicant_gent"), timezone.localdate())
    assert 0 < len(mine) <= DEADLINES_SHOWN
    assert "Coming deadlines" in page and proposal.call.reference in page
    assert all(f'data-deadline="{d.key}"' in page for d in mine)
    assert 'href="/en/my-work/"' in page
    # Someone with no dated work sees no such section.
    assert (
        "Coming deadlines"
        not in signed_in("auditor").get("/en/accounts/dashboard/").content.decode()
    )
