"""Deadlines per person (scoped), reminders once per deadline and offset, the calendar feed."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from gti.monitoring import claims, reports
from gti.notifications import deadlines, ical, services
from gti.notifications.models import Kind, Notification
from gti.proposals import services as proposals
from tests.factories import open_call, person, submitted

pytestmark = pytest.mark.usefixtures("loaded")
TODAY = timezone.localdate()


def keys(name):
    return [d.key for d in deadlines.for_person(person(name))]


def test_each_person_sees_the_deadlines_of_what_they_may_see():
    from gti.portfolio import services as portfolio
    from tests.factories import assessed
    from tests.monitoring.test_reports import make_grant
    from tests.portfolio.test_services import envelopes

    call = open_call(title="Oproep; groen, blauw")
    proposal = submitted(call)
    proposals.return_for_correction(proposal, by=person("secretariat_gent"), reason="Offertes")
    other = assessed(call, "Tweede", 500_000, 8)
    envelopes()
    meeting = portfolio.open_decision_round(call, by=person("secretariat_gent"),
                                            date=TODAY + datetime.timedelta(days=20))  # fmt: skip
    grant = make_grant()
    report = reports.start_report(grant, by=person("applicant_gent"))
    planned_on = TODAY + datetime.timedelta(days=30)
    [plan] = claims.save_plan(grant, by=person("applicant_gent"), planned=[
        {"expected_on": planned_on.isoformat(), "amount": "1000.00"}])  # fmt: skip

    mine = deadlines.for_person(person("applicant_gent"))
    by_key = {d.key: d for d in mine}
    correction = next(k for k in by_key if k.startswith(f"proposal-{proposal.pk}-correction"))
    assert by_key[correction].day == TODAY + datetime.timedelta(days=14)
    assert by_key[f"call-{call.pk}-closes"].day == timezone.localdate(call.closes_at)
    assert by_key[f"report-{report.pk}"].day == datetime.date(2026, 7, 30)  # 30 days after
    assert by_key[f"planned-claim-{plan.pk}"].day == planned_on
    assert [d.day for d in mine] == sorted(d.day for d in mine)  # in date order
    assert f"round-{meeting.pk}" not in by_key

    # The call's city: Ghent's people; Antwerp's see nothing of it. Another applicant of Ghent
    # sees the call but not applicant_gent's correction, report or claim.
    assert f"call-{call.pk}-closes" not in keys("applicant_antwerpen")
    assert f"call-{call.pk}-closes" not in keys("secretariat_antwerpen")
    assert f"call-{call.pk}-closes" in keys("applicant_gent_2")
    assert all(k.startswith("call-") for k in keys("applicant_gent_2"))
    # The city-led decision round waits for Ghent's steering committee, not Antwerp's.
    assert f"round-{meeting.pk}" in keys("steering_gent")
    assert f"round-{meeting.pk}" not in keys("steering_antwerpen")
    assert keys("auditor") == []
    assert other.pk


def test_a_reminder_goes_once_per_deadline_and_offset(settings):
    settings.GTI_REMINDER_DAYS = [14, 3]
    closes = TODAY + datetime.timedelta(days=30)
    call = open_call(closes_at=timezone.make_aware(
        datetime.datetime.combine(closes, datetime.time(12))))  # fmt: skip
    person("applicant_gent")
    person("applicant_antwerpen")
    key = f"call-{call.pk}-closes"

    def reminders():
        return sorted(Notification.objects.filter(kind=Kind.DEADLINE, reminder__startswith=key)
                      .values_list("user__username", "reminder"))  # fmt: skip

    assert deadlines.remind(today=closes - datetime.timedelta(days=20)) == 0
    deadlines.remind(today=closes - datetime.timedelta(days=14))
    assert reminders() == [("applicant_gent", f"{key}@14"), ("secretariat_gent", f"{key}@14")]
    deadlines.remind(today=closes - datetime.timedelta(days=14))  # the same day again
    deadlines.remind(today=closes - datetime.timedelta(days=10))  # within the same offset
    assert len(reminders()) == 2
    deadlines.remind(today=closes - datetime.timedelta(days=3))
    deadlines.remind(today=closes - datetime.timedelta(days=1))
    assert reminders() == sorted([
        ("applicant_gent", f"{key}@14"), ("secretariat_gent", f"{key}@14"),
        ("applicant_gent", f"{key}@3"), ("secretariat_gent", f"{key}@3")])  # fmt: skip
    message = Notification.objects.get(user__username="applicant_gent", reminder=f"{key}@3")
    assert closes.isoformat() in message.subject and "uiterste indieningsdatum" in message.subject
    assert message.link == f"https://gti.example.org/calls/{call.reference}/"


def test_a_first_run_close_to_the_date_sends_only_the_nearest_offset():
    assert deadlines.offset_for(2, [3, 14]) == 3
    assert deadlines.offset_for(14, [3, 14]) == 14
    assert deadlines.offset_for(15, [3, 14]) is None
    assert deadlines.offset_for(-1, [3, 14]) is None


def test_the_command_reports_progress(settings):
    settings.GTI_REMINDER_DAYS = [40]
    open_call()
    person("applicant_gent")
    out, err = io.StringIO(), io.StringIO()
    call_command("deadlines", "remind", stdout=out, stderr=err)
    assert "reminders written: 2" in out.getvalue()
    assert "people: 2/2" in err.getvalue()


def test_the_calendar_feed_parses_and_is_personal():
    title = "Groene gevels; daken, pleinen en een héél lange titel die zeker over de vijfenzeventig"
    call = open_call(title=title)
    applicant = person("applicant_gent")
    token = services.profile(applicant).calendar_token
    client = Client()
    response = client.get(f"/deadlines/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))  # folded (octets)
    assert b"\n" not in body.replace(b"\r\n", b"")  # CRLF only
    calendar = Calendar.from_ical(body)
    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == f"uiterste indieningsdatum: {call.reference} {title}"
    assert event.decoded("DTSTART") == timezone.localdate(call.closes_at)
    assert str(event["URL"]) == f"https://gti.example.org/calls/{call.reference}/"
    assert str(event["UID"]) == f"call-{call.pk}-closes@gti.example.org"

    assert client.get("/deadlines/not-a-token.ics").status_code == 404
    client.force_login(applicant)
    assert client.post("/my-work/calendar/renew/").status_code == 302
    assert client.get(f"/deadlines/{token}.ics").status_code == 404  # the old address stops
    renewed = services.profile(person("applicant_gent")).calendar_token
    assert renewed != token and client.get(f"/deadlines/{renewed}.ics").status_code == 200


def test_escaping_and_folding_by_hand():
    assert ical.escape("a;b,c\\d\ne") == "a\\;b\\,c\\\\d\\ne"
    long = "SUMMARY:" + "é" * 60
    folded = ical.fold(long)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == long
