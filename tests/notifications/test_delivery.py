"""Sending: a failing mail server never blocks the action and is retried; each person's choice
per kind is respected, except for the kinds the rules require; the daily digest."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from gti.errors import Invalid
from gti.notifications import services
from gti.notifications.models import Delivery, Kind, Mail, Notification, Preference
from gti.proposals import services as proposals
from gti.proposals.models import Proposal
from tests.factories import draft, in_assessment, person, submitted
from tests.notifications.helpers import inbox

pytestmark = pytest.mark.usefixtures("loaded")
DOWN = {"default": {"BACKEND": "tests.notifications.failing.EmailBackend"}}


def test_a_failing_mail_server_never_blocks_the_action_and_is_retried(
    settings, django_capture_on_commit_callbacks
):
    proposal = draft()
    settings.MAILERS = DOWN
    with django_capture_on_commit_callbacks(execute=True):
        proposals.submit_proposal(proposal, by=person("applicant_gent"))
    # The action stands, the receipt is on the site, its e-mail waits for a next try.
    assert Proposal.objects.get(pk=proposal.pk).state == "submitted"
    receipt = inbox(Kind.RECEIPT)["applicant_gent"]
    assert (receipt.mail, receipt.attempts) == (Mail.PENDING, 1)
    assert "the mail server is down" in receipt.last_error
    assert receipt.next_try_at > timezone.now()
    assert mail.outbox == []

    # Not yet due: the sender leaves it; once due and with the server back, it goes out.
    assert services.send() == (0, 0)
    Notification.objects.filter(pk=receipt.pk).update(next_try_at=timezone.now())
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    err = io.StringIO()
    call_command("notifications", "send", stdout=io.StringIO(), stderr=err)
    receipt.refresh_from_db()
    assert (receipt.mail, receipt.attempts, receipt.last_error) == (Mail.SENT, 2, "")
    assert [m.to for m in mail.outbox] == [["applicant_gent@example.org"]]
    assert "messages: 1/1" in err.getvalue()


def test_after_the_last_attempt_the_message_stays_on_the_site_marked_not_sent(settings):
    settings.MAILERS = DOWN
    submitted()
    receipt = inbox(Kind.RECEIPT)["applicant_gent"]
    for _attempt in range(services.MAX_ATTEMPTS):
        Notification.objects.filter(pk=receipt.pk).update(next_try_at=None)
        services.send()
    receipt.refresh_from_db()
    assert (receipt.mail, receipt.attempts, receipt.next_try_at) == (
        Mail.FAILED, services.MAX_ATTEMPTS, None)  # fmt: skip
    assert services.send() == (0, 0)  # given up: no more tries


def test_preferences_are_respected_and_required_kinds_forced(django_capture_on_commit_callbacks):
    assessor = person("assessor_gent")
    services.save_preferences(assessor, language="en", choices={Kind.ASSIGNED: Delivery.IN_APP})
    applicant = person("applicant_gent")
    services.save_preferences(applicant, language="nl", choices={Kind.ADMISSIBILITY: "digest"})
    with django_capture_on_commit_callbacks(execute=True):
        in_assessment()
    # In-app only: on the site, no e-mail. Digest: waits for the daily run.
    assert inbox(Kind.ASSIGNED)["assessor_gent"].mail == Mail.NONE
    assert inbox(Kind.ASSIGNED)["assessor_gent_2"].mail == Mail.SENT  # no choice: at once
    assert inbox(Kind.ADMISSIBILITY)["applicant_gent"].mail == Mail.DIGEST
    # The receipt is required: e-mailed at once whatever was chosen; it cannot be chosen away.
    assert inbox(Kind.RECEIPT)["applicant_gent"].mail == Mail.SENT
    with pytest.raises(Invalid) as refused:
        services.save_preferences(applicant, language="nl", choices={Kind.RECEIPT: "in_app"})
    assert set(refused.value.errors) == {"receipt"}
    assert not Preference.objects.filter(user=applicant, kind=Kind.RECEIPT).exists()
    with pytest.raises(Invalid) as bad:
        services.save_preferences(applicant, language="fr", choices={})
    assert set(bad.value.errors) == {"language"}
    assert services.profile(applicant).language == "nl"


def test_the_daily_digest_gathers_the_waiting_messages_in_one_e_mail():
    applicant = person("applicant_gent")
    services.save_preferences(
        applicant, language="en",
        choices={Kind.ADMISSIBILITY: "digest", Kind.DEADLINE: "digest"},
    )  # fmt: skip
    in_assessment()
    services.notify(applicant, Kind.DEADLINE, "Deadline %(day)s", "Report due %(day)s",
                    {"day": datetime.date(2027, 1, 30)})  # fmt: skip
    mail.outbox.clear()
    err = io.StringIO()
    call_command("notifications", "digest", stdout=io.StringIO(), stderr=err)
    [digest] = mail.outbox
    assert digest.to == ["applicant_gent@example.org"]
    assert "2 messages" in digest.subject
    assert "admissible" in digest.body and "Report due 2027-01-30" in digest.body
    assert not Notification.objects.filter(mail=Mail.DIGEST).exists()
    assert "people: 1/1" in err.getvalue()
    call_command("notifications", "digest", stdout=io.StringIO(), stderr=io.StringIO())
    assert len(mail.outbox) == 1  # sent once


def test_a_person_without_e_mail_reads_on_the_site():
    applicant = person("applicant_gent")
    applicant.email = ""
    applicant.save()
    submitted()
    assert inbox(Kind.RECEIPT)["applicant_gent"].mail == Mail.NONE
